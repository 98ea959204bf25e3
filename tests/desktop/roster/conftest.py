"""What the roster grid tests share: the seeded plant with its policy, and an open grid."""

from __future__ import annotations

from typing import Any

import pytest

from desktop.roster.widget import RosterWidget
from domain.auth import Actor
from services.rostering.store import RosterService
from tests.services.rostering.store_fixtures import DAYS, LEAD, MONDAY, POLICY, seed


@pytest.fixture
def app(sqlite_url: str, make_app: Any) -> Any:
    app = make_app(sqlite_url)
    seed(app)  # OP-3 works ..E..LL: off on Tuesday
    RosterService(app).save_policy(LEAD, POLICY)
    return app


def open_grid(
    app: Any,
    make_ctx: Any,
    qtbot: Any,
    actor: Actor = LEAD,
    *,
    width: int = 1000,
    time_limit: float | None = None,
) -> RosterWidget:
    """The grid of the seeded week, shown and loaded (no read in flight)."""
    widget = RosterWidget(make_ctx(app, actor), MONDAY, DAYS)
    if time_limit is not None:
        widget.store.time_limit = time_limit
    qtbot.addWidget(widget)
    widget.resize(width, 500)
    widget.show()
    widget.start()
    qtbot.waitUntil(lambda: widget.store.snapshot is not None, timeout=10_000)
    qtbot.waitUntil(lambda: not widget.store._reading, timeout=10_000)
    return widget
