"""The demo plant lands in the database with what the foundation issue promises."""

from __future__ import annotations

from typing import Any

from services.queries.counts import plant_counts


def test_demo_plant_counts(demo_sqlite_url: str, make_app: Any) -> None:
    app = make_app(demo_sqlite_url)
    counts = plant_counts(app.engine)
    assert counts["plants"] == 1
    assert counts["lines"] == 3
    assert counts["machines"] == 24
    assert counts["operators"] == 60
    assert counts["shifts"] == 3
    assert counts["open_work_orders"] >= 200
    assert counts["cameras"] >= 1
    assert counts["zones"] >= 1
    assert counts["users"] == 5
    with app.uow(app.actor("admin")) as uow:
        names = {m.name for m in uow.repos.machines.list()}
    assert {"SAV100", "G1000"} <= names or any("SAV100" in n for n in names)


def test_demo_loads_on_postgres_too(demo_pg_url: str, make_app: Any) -> None:
    app = make_app(demo_pg_url)
    counts = plant_counts(app.engine)
    assert counts["operators"] == 60
    assert counts["time_logs"] == 20_000
