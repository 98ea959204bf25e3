"""CSV import of operators, skills, machines, work orders, materials and demand history.

- ``csvfile``: reading the file, with a clear sentence for every malformed one
- ``fields``: column types (text, numbers, dates, yes/no, choices, lists)
- ``specs``: one spec per kind: columns, types, what is required, what they refer to
- ``refs``: existing rows named by code
- ``service``: validation report (row, column, problem), all-or-nothing write
"""
