"""Alerts: the rules run over the plant's state, and what people do with the alerts.

- ``conditions``: the plant's current state read from the database as rule verdicts
  (breakdowns, late work orders, certifications expiring, materials below safety stock,
  machine anomalies from ``anomaly_predictions``);
- ``service``: :class:`~services.alerts.service.AlertService`: list, acknowledge, resolve,
  snooze, assign, escalate, and ``refresh`` (the domain ``AlertEngine`` over those verdicts),
  each one short transaction with a version check, an audit row and a ``Topic.ALERT`` change;
- ``details``: what the inbox shows next to an alert (camera snapshot, metric window);
- ``cli``: ``takt alerts ...``.
"""
