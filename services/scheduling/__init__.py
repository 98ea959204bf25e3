"""Production scheduling (issue 5): problem DTOs in, solution DTOs out; the database only in
``plant_problem`` (the plant as a ``ProblemDto``) and ``scenarios`` (saved plans).

Modules, by what they hold:

- ``problem``: the frozen DTOs. ``ProblemDto`` (machines with calendars, jobs with routings of
  operations with alternative machines, links FS/SS/FF with lag, setups, operators, pins, now),
  ``ObjectiveWeights``, ``SolutionDto`` (assignments, metrics, bound, progress, cancelled).
- ``plant_problem``: the plant in the database as a ``ProblemDto`` with ids that map back.
- ``scenarios``: ``ScenarioService``: save, compare, move (rule-checked), pin, release plans.
- ``instances``: readers of the classical jsp and fjsp files (``InstanceFormatError``: one line).
- ``plant``: a deterministic realistic plant generator (the benchmark's 5,000 operations).
- ``solver``: ``solve(problem, SolveOptions(...), on_progress=..., cancel=...)``. Time limit,
  workers, every improving solution reported, cooperative cancellation (``threading.Event`` or
  a callable), repair mode (``previous=`` plan, ``frozen_until=``). Run it in a worker thread.
- ``heuristic``: the greedy list scheduler (first plan, hints, repair baseline).
- ``model``: the CP-SAT model; ``lns``: window-by-window improvement of plant-sized plans.
- ``checker``: the independent check of a plan (``domain.errors.Violation`` list).
- ``metrics``: makespan, weighted tardiness, setups, utilisation, changes.
- ``bars``: solver plans as wall-clock bars and ``PlanRules`` for ``domain.rules.scheduling``
  (what the Gantt checks a drag with: ``check_move``, ``snap_start``).
- ``cli``: ``takt schedule solve``.

Nothing here imports OR-Tools at module level: only the functions that solve do.
"""
