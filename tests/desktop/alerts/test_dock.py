"""The inbox as a dock of the main window: its title counts the new alerts, and the seat runs
the alert rules when the dock starts (switchable off per seat)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from desktop.alerts.dock import RUN_RULES_KEY
from desktop.alerts.widget import AlertInbox
from desktop.main_window import MainWindow
from services.persistence.tables.system import audit_log

pytestmark = pytest.mark.gui


def _rule_audits(app: Any) -> int:
    with app.engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count())
                .select_from(audit_log)
                .where(audit_log.c.entity_type == "alert", audit_log.c.user == "system")
            ).scalar_one()
        )


def test_the_dock_counts_new_alerts_and_runs_the_rules(
    qtbot: Any, demo_sqlite_url: str, make_app: Any, make_ctx: Any
) -> None:
    app = make_app(demo_sqlite_url, user="super")
    window = MainWindow(make_ctx(app))
    qtbot.addWidget(window)
    window.show()
    dock = window.docks["alerts"]
    inbox = dock.widget()
    assert isinstance(inbox, AlertInbox)
    qtbot.waitUntil(lambda: dock.windowTitle().startswith("Alerts ("), timeout=10_000)
    assert "new" in dock.windowTitle()
    # the demo alerts were raised long before NOW: the rules escalated the new ones
    qtbot.waitUntil(lambda: _rule_audits(app) > 0, timeout=10_000)
    inbox.stop()
    window.close()


def test_the_rules_can_be_switched_off_for_a_seat(
    qtbot: Any, demo_sqlite_url: str, make_app: Any, make_ctx: Any
) -> None:
    app = make_app(demo_sqlite_url, user="super")
    ctx = make_ctx(app)
    ctx.settings.setValue(RUN_RULES_KEY, False)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    dock = window.docks["alerts"]
    qtbot.waitUntil(lambda: dock.windowTitle().startswith("Alerts ("), timeout=10_000)
    inbox = dock.widget()
    assert isinstance(inbox, AlertInbox)
    assert not inbox.store.run_rules
    assert _rule_audits(app) == 0
    inbox.stop()
    window.close()
