"""Entities and value objects of the plant. Plain Python: no database, no Qt."""
