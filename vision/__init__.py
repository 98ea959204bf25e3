"""vision layer of Takt Control Room."""
