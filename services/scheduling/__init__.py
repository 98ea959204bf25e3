"""Production scheduling: problem DTOs, instance files, the CP-SAT model, its checker and runner.

Nothing here imports OR-Tools at module level except inside the functions that solve.
"""
