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

from collections.abc import Callable
from typing import TYPE_CHECKING

from domain.auth import Actor, Permission
from services.analytics.jobs_absence import AbsenceJobSettings, forecast_absence
from services.analytics.jobs_anomaly import AnomalyJobSettings, detect_machine_anomalies
from services.analytics.jobs_common import JobSummary
from services.analytics.jobs_demand import DemandJobSettings, forecast_demand

if TYPE_CHECKING:
    from services.bootstrap import App

# what each job needs, in the order "run now" runs them
JOB_PERMISSIONS: dict[str, Permission] = {
    "demand_forecast": Permission.SCHEDULE,
    "machine_anomaly": Permission.OPERATE_SYSTEM,
    "absence_forecast": Permission.ROSTER,
}
# each with its defaults
_RUNNERS: dict[str, Callable[[App, Actor], JobSummary]] = {
    "demand_forecast": forecast_demand,
    "machine_anomaly": detect_machine_anomalies,
    "absence_forecast": forecast_absence,
}
JOB_TITLES = {
    "demand_forecast": "demand forecast",
    "machine_anomaly": "machine anomaly detection",
    "absence_forecast": "absence forecast",
}


def permitted_jobs(actor: Actor) -> list[str]:
    """The jobs ``actor`` may run, in the order :func:`run_permitted_jobs` runs them."""
    return [job for job, permission in JOB_PERMISSIONS.items() if actor.can(permission)]


def run_permitted_jobs(app: App, actor: Actor) -> list[JobSummary]:
    """Run every job ``actor`` may run with its defaults (the dashboard's "Run forecasts now")."""
    return [_RUNNERS[job](app, actor) for job in permitted_jobs(actor)]


__all__ = [
    "AbsenceJobSettings",
    "AnomalyJobSettings",
    "DemandJobSettings",
    "JobSummary",
    "detect_machine_anomalies",
    "forecast_absence",
    "forecast_demand",
    "permitted_jobs",
    "run_permitted_jobs",
]
