"""The analytics jobs that write predictions where the product reads them.

* :func:`forecast_demand` -> ``demand_forecasts`` (the dashboard's forecast band),
* :func:`detect_machine_anomalies` -> ``anomaly_predictions`` (machine-anomaly alerts, the
  dashboard's markers),
* :func:`forecast_absence` -> ``absence_forecasts`` (the roster's forecast marks and repair).

Each checks the actor's permission, writes in one unit of work with an audit row and a change
event, invalidates the prediction cache (``services.analytics.cache``) and returns a
:class:`JobSummary` with its timings. Who may run them: demand forecasts need ``schedule``
(planners), absence forecasts ``roster`` (shift leads), anomaly detection ``operate_system``
(administrators; it is the job cron runs every few minutes).
"""

from __future__ import annotations

from services.analytics.jobs_absence import AbsenceJobSettings, forecast_absence
from services.analytics.jobs_anomaly import AnomalyJobSettings, detect_machine_anomalies
from services.analytics.jobs_common import JobSummary
from services.analytics.jobs_demand import DemandJobSettings, forecast_demand

__all__ = [
    "AbsenceJobSettings",
    "AnomalyJobSettings",
    "DemandJobSettings",
    "JobSummary",
    "detect_machine_anomalies",
    "forecast_absence",
    "forecast_demand",
]
