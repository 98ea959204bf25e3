"""Analytics: demand forecasts, machine-metric anomaly detection and absence prediction.

Every entry point takes plain DTOs (or numpy arrays) and returns DTOs, so the services that store
forecasts, anomaly predictions and absence forecasts (and the CLI) share one implementation.
scikit-learn is imported inside the functions that fit models, never at module level.
"""
