"""desktop layer of Takt Control Room."""
