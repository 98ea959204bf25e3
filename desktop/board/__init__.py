"""The allocation board: operators dragged onto machines and work orders, live on every seat."""
