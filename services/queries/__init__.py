"""The read side: SQL straight to immutable DTOs for screens and reports."""
