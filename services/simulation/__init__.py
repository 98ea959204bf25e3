"""The plant simulator (``takt simulate``): a live demo plant for every screen.

- ``model``: the simulated state (machines, orders, roster) and what a step reports (events)
- ``faults``: the injected faults (a drifting machine, a breakdown, a late order)
- ``step``: one step of the plant, pure: state + random generator -> readings and events
- ``snapshot``: the state read from the database
- ``writer``: a step's readings and events written in one short transaction
- ``runner``: the loop at a chosen speed, stopped cleanly, with a summary
"""
