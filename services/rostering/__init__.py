"""Shift rostering: the problem DTOs, the Curtois & Qu benchmark format, the CP-SAT model and
its runner, an independent checker and the repair of a published roster after an absence.

OR-Tools is imported only inside the functions that solve, so importing this package is cheap.
"""
