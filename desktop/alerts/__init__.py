"""The alert inbox dock."""
