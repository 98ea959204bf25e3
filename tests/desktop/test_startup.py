"""Starting a seat: the feed starts where the seat was ready, so a change another seat commits
while the screens read their first state is delivered, not lost."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QSettings

from desktop.startup import Session, prepare
from domain.auth import Actor, Role
from domain.events import Change, Topic
from services.config import Paths, load_config
from services.messaging.outbox import latest_seq
from tests.services.persistence.helpers import seed_minimal


def test_a_change_committed_before_the_feed_started_reaches_the_seat(
    qtbot: Any, sqlite_url: str, make_app: Any, tmp_path: Path
) -> None:
    seed_minimal(make_app(sqlite_url))
    paths = Paths(tmp_path / "d", tmp_path / "c", tmp_path / "l", tmp_path / "k")
    config = replace(
        load_config(database_url=sqlite_url, seat="seat-9", user="admin", paths=paths),
        demo_on_first_start=False,
    )
    prepared = prepare(config)  # what the start-up thread does
    assert prepared.feed_from == latest_seq(prepared.app.engine)

    # another seat commits after this one was ready, before its feed subscription starts
    other = make_app(sqlite_url, seat="seat-2")
    with other.uow(Actor("lead", Role.SHIFT_LEAD, "seat-2")) as uow:
        uow.record(Change(Topic.OPERATOR, "updated", ("OP-1",)))
        uow.commit()
    committed = latest_seq(other.engine)
    assert committed > (prepared.feed_from or 0)

    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    session = Session(config, settings=settings)
    session._on_ready(prepared)  # what the ready signal does on the GUI thread
    window = session.window
    try:
        assert window is not None
        assert session.hub is not None
        hub = session.hub
        qtbot.waitUntil(lambda: hub.last_seq >= committed, timeout=10000)
    finally:
        session.shutdown()
        if window is not None:
            # the program ends its event loop here; a test goes on, so the window and its
            # screens' timers go now, not when a later test's events run them
            window.close()
            shiboken6.delete(window)
