"""Allocation of operators and machines to work orders: the service, its queries for the board,
suggestions and auto-allocation, the event-log replay, and ``takt bench seats``."""
