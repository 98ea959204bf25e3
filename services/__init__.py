"""services layer of Takt Control Room."""
