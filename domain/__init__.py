"""domain layer of Takt Control Room."""
