"""The Gantt: the plan of a scheduling scenario on the plant's work centres (issue 5)."""
