"""The analytics jobs on the demo plant: each writes the rows the existing readers pick up
(the dashboard's forecast band and anomaly markers, the alert rules, the roster's forecast),
with an audit row and a change event; anomaly scores never look ahead; a second anomaly run
writes nothing; a viewer is refused; the ``takt ... run`` commands print their summaries."""

from __future__ import annotations

import json
import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, func, insert, select, update

from domain.errors import PermissionDenied
from domain.events import Topic
from domain.model.alerts import AlertType
from services.alerts.service import AlertFilter, AlertService
from services.analytics.jobs import (
    AnomalyJobSettings,
    DemandJobSettings,
    detect_machine_anomalies,
    forecast_absence,
    forecast_demand,
)
from services.cli.main import run
from services.clock import FixedClock
from services.dashboard.dtos import Window
from services.dashboard.series import demand_series, metric_series
from services.persistence.tables.people import attendance
from services.persistence.tables.plant import machine_metrics
from services.persistence.tables.system import (
    absence_forecasts,
    anomaly_predictions,
    audit_log,
    change_events,
    demand_forecasts,
    demand_history,
)
from services.rostering.store import RosterService
from tests.conftest import NOW

# small fits: the tests check where the rows go, not the forecast's accuracy
QUICK_DEMAND = DemandJobSettings(max_origins=10, max_iter=25, band_iter=15)
TEMPERATURE = AnomalyJobSettings(metrics=("temperature_c",))
SPIKE_MACHINE = "M-SAV110"


def count(app: Any, table: Any, *where: Any) -> int:
    with app.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


def events(app: Any, kind: str) -> list[Any]:
    with app.engine.connect() as conn:
        return list(conn.execute(select(change_events).where(change_events.c.kind == kind)))


def audits(app: Any, action: str) -> list[Any]:
    with app.engine.connect() as conn:
        return list(conn.execute(select(audit_log).where(audit_log.c.action == action)))


def keep_machines(app: Any, machines: tuple[str, ...]) -> None:
    """Only these machines' metrics stay (fewer series: quicker fits)."""
    with app.engine.begin() as conn:
        conn.execute(delete(machine_metrics).where(machine_metrics.c.machine_id.notin_(machines)))


def predictions(app: Any) -> list[tuple[Any, ...]]:
    a = anomaly_predictions
    with app.engine.connect() as conn:
        return [
            (r.machine_id, r.metric, r.at, r.score, r.is_anomaly)
            for r in conn.execute(
                select(a.c.machine_id, a.c.metric, a.c.at, a.c.score, a.c.is_anomaly).order_by(
                    a.c.machine_id, a.c.metric, a.c.at
                )
            )
        ]


# -- demand --------------------------------------------------------------------------------------


def test_forecast_demand_writes_the_band_the_dashboard_shows(
    demo_sqlite_url: str, make_app: Any
) -> None:
    app = make_app(demo_sqlite_url)
    summary = forecast_demand(app, app.actor("planner"), horizon_days=14, settings=QUICK_DEMAND)
    assert summary.subjects == 12
    assert summary.rows_written == 12 * 14
    assert set(summary.timings) >= {"read", "fit", "write"}
    with app.engine.connect() as conn:
        last = conn.execute(select(func.max(demand_history.c.day))).scalar_one()
        series = demand_series(conn, "P-BRK-100", NOW.date())
    assert series.model == "gbm"
    assert series.forecast_created_at == NOW
    assert [p.day for p in series.forecast] == [last + timedelta(days=k) for k in range(1, 15)]
    for p in series.forecast:
        assert p.lower is not None
        assert p.upper is not None
        assert 0 <= p.lower <= p.quantity <= p.upper
    # the level follows the history: the forecast's mean within a factor 2 of the last 4 weeks
    recent = [q for _, q in series.history[-28:]]
    mean_recent, mean_forecast = sum(recent) / 28, sum(p.quantity for p in series.forecast) / 14
    assert 0.5 * mean_recent < mean_forecast < 2 * mean_recent
    (audit,) = audits(app, "analytics.forecast_demand")
    assert audit.user == "planner"
    assert audit.after["rows_written"] == 168
    (event,) = events(app, "demand_forecasted")
    assert event.topic == Topic.ANALYTICS.value
    assert "P-BRK-100" in event.ids


def test_a_new_demand_run_replaces_the_future_and_keeps_recorded_days(
    demo_pg_url: str, make_app: Any
) -> None:
    clock = FixedClock(NOW)
    app = make_app(demo_pg_url, clock=clock)
    planner = app.actor("planner")
    forecast_demand(app, planner, horizon_days=7, settings=QUICK_DEMAND)
    with app.engine.connect() as conn:
        last = conn.execute(select(func.max(demand_history.c.day))).scalar_one()
    # the next day's demand is recorded, a day later the job runs again
    with app.engine.begin() as conn:
        products = [r[0] for r in conn.execute(select(demand_history.c.product_id).distinct())]
        conn.execute(
            insert(demand_history),
            [
                {"product_id": p, "day": last + timedelta(days=1), "quantity": 10.0}
                for p in products
            ],
        )
    clock.advance(days=1)
    summary = forecast_demand(app, planner, horizon_days=7, settings=QUICK_DEMAND)
    assert summary.rows_replaced == 12 * 6  # the old run's days 2..7 (day 1 is history now)
    f = demand_forecasts
    assert count(app, f) == 12 * 8
    assert count(app, f, f.c.created_at == NOW) == 12  # the first run's forecast of day 1
    with app.engine.connect() as conn:
        series = demand_series(conn, "P-BRK-100", NOW.date() + timedelta(days=1))
    assert series.forecast_created_at == NOW + timedelta(days=1)
    assert next(p.day for p in series.forecast) == last + timedelta(days=2)
    assert len(series.forecast) == 7


# -- machine anomalies ---------------------------------------------------------------------------


def test_an_injected_spike_becomes_a_machine_anomaly_alert_and_a_marker(
    demo_sqlite_url: str, make_app: Any
) -> None:
    app = make_app(demo_sqlite_url)
    admin = app.actor("admin")
    keep_machines(app, (SPIKE_MACHINE, "M-G1020", "M-LSR01"))
    m = machine_metrics
    with app.engine.begin() as conn:
        conn.execute(
            update(m)
            .where(m.c.machine_id == SPIKE_MACHINE, m.c.at == NOW)
            .values(temperature_c=150.0)
        )
    summary = detect_machine_anomalies(
        app, admin, since=NOW - timedelta(hours=2), settings=TEMPERATURE
    )
    assert summary.subjects == 3
    assert summary.rows_written == 3 * 9
    assert SPIKE_MACHINE in summary.details["machines_with_anomalies"]
    a = anomaly_predictions
    with app.engine.connect() as conn:
        spike = conn.execute(select(a).where(a.c.machine_id == SPIKE_MACHINE, a.c.at == NOW)).one()
        marks = metric_series(
            conn,
            Window(NOW - timedelta(hours=3), NOW + timedelta(minutes=1)),
            SPIKE_MACHINE,
            "temperature_c",
        ).anomalies
    assert spike.is_anomaly
    assert spike.metric == "temperature_c"
    assert [mk.at for mk in marks][-1] == NOW
    assert marks[-1].value == 150.0
    report = AlertService(app).refresh(admin)
    anomaly_alerts = [
        al
        for al in AlertService(app).list_alerts(
            AlertFilter(types=frozenset({AlertType.MACHINE_ANOMALY}))
        )
        if al.id in report.raised
    ]
    assert [al.machine_id for al in anomaly_alerts] == [SPIKE_MACHINE]
    (event,) = events(app, "anomalies_scored")
    assert event.topic == Topic.ANALYTICS.value
    assert SPIKE_MACHINE in event.data["anomalous"]
    assert len(audits(app, "analytics.detect_anomalies")) == 1


def test_the_demo_drift_is_flagged_and_keeps_its_alert_open(
    demo_sqlite_url: str, make_app: Any
) -> None:
    """The demo's drifting machine (temperature rising for five days) is anomalous at the
    last point without any injected spike; a healthy machine is not, and the alert rules keep
    the demo's open anomaly alert of the drifting machine instead of clearing it."""
    app = make_app(demo_sqlite_url)
    admin = app.actor("admin")
    keep_machines(app, ("M-G1020", "M-LSR01"))
    detect_machine_anomalies(app, admin, since=NOW - timedelta(minutes=30), settings=TEMPERATURE)
    a = anomaly_predictions
    with app.engine.connect() as conn:
        last = {
            r.machine_id: r.is_anomaly
            for r in conn.execute(select(a.c.machine_id, a.c.is_anomaly).where(a.c.at == NOW))
        }
    assert last == {"M-G1020": True, "M-LSR01": False}
    service = AlertService(app)
    open_anomalies = AlertFilter(types=frozenset({AlertType.MACHINE_ANOMALY}))
    (seeded,) = service.list_alerts(open_anomalies)
    assert seeded.machine_id == "M-G1020"
    report = service.refresh(admin)
    assert seeded.id not in report.cleared
    assert [al.id for al in service.list_alerts(open_anomalies)] == [seeded.id]


@pytest.fixture(params=["sqlite", "postgres"])
def demo_url(request: pytest.FixtureRequest) -> str:
    """The demo plant on the embedded SQLite file and on the real PostgreSQL server."""
    return str(
        request.getfixturevalue("demo_sqlite_url" if request.param == "sqlite" else "demo_pg_url")
    )


def test_a_second_anomaly_run_writes_nothing_new(demo_url: str, make_app: Any) -> None:
    clock = FixedClock(NOW)
    app = make_app(demo_url, clock=clock)
    admin = app.actor("admin")
    keep_machines(app, ("M-LSR01",))
    first = detect_machine_anomalies(
        app, admin, since=NOW - timedelta(hours=1), settings=TEMPERATURE
    )
    assert first.rows_written == 5
    again = detect_machine_anomalies(
        app, admin, since=NOW - timedelta(hours=1), settings=TEMPERATURE
    )
    assert again.rows_written == 0
    assert count(app, anomaly_predictions) == 5
    assert len(events(app, "anomalies_scored")) == 1
    # a new point arrives: only it is scored
    with app.engine.begin() as conn:
        row = (
            conn.execute(
                select(machine_metrics).where(
                    machine_metrics.c.at == NOW, machine_metrics.c.machine_id == "M-LSR01"
                )
            )
            .mappings()
            .one()
        )
        conn.execute(
            insert(machine_metrics),
            [{**{k: v for k, v in row.items() if k != "id"}, "at": NOW + timedelta(minutes=15)}],
        )
    clock.advance(minutes=15)
    third = detect_machine_anomalies(app, admin, settings=TEMPERATURE)
    assert third.rows_written == 1
    assert count(app, anomaly_predictions) == 6


def test_anomaly_scores_never_look_ahead(
    demo_sqlite_url: str, make_app: Any, tmp_path: Path
) -> None:
    """Scoring up to 23:00, then adding the later points and scoring again, gives the same
    rows as one run over the whole series, across the midnight refit."""
    machines = ("M-G1020", "M-LSR01")
    whole = make_app(demo_sqlite_url)
    keep_machines(whole, machines)
    copy = tmp_path / "copy.db"
    shutil.copy(demo_sqlite_url.removeprefix("sqlite:///"), copy)
    split = make_app(f"sqlite:///{copy}", clock=FixedClock(NOW - timedelta(hours=10)))
    cut = NOW - timedelta(hours=10)  # 23:00 the evening before
    since = cut - timedelta(hours=2)
    m = machine_metrics
    with split.engine.begin() as conn:
        later = [
            {k: v for k, v in r.items() if k != "id"}
            for r in conn.execute(select(m).where(m.c.at > cut)).mappings()
        ]
        conn.execute(delete(m).where(m.c.at > cut))
    admin = whole.actor("admin")
    before = detect_machine_anomalies(split, admin, since=since, settings=TEMPERATURE)
    assert before.rows_written == 2 * 9
    with split.engine.begin() as conn:
        conn.execute(insert(m), later)
    split.clock.advance(hours=10)
    after = detect_machine_anomalies(split, admin, since=since, settings=TEMPERATURE)
    assert after.rows_written == 2 * 40
    detect_machine_anomalies(whole, admin, since=since, settings=TEMPERATURE)
    assert predictions(split) == predictions(whole)
    assert len(predictions(whole)) == 2 * 49


# -- absence -------------------------------------------------------------------------------------


def test_forecast_absence_fills_the_roster_forecast_without_leaking(
    demo_sqlite_url: str, make_app: Any
) -> None:
    app = make_app(demo_sqlite_url)
    lead = app.actor("lead")
    today = NOW.date()
    summary = forecast_absence(app, lead, days=7)
    assert summary.rows_written > 0
    assert summary.subjects > 0
    f = absence_forecasts
    assert count(app, f) == summary.rows_written
    assert count(app, f, f.c.day < today) == 0
    assert count(app, f, f.c.day >= today + timedelta(days=7)) == 0
    snapshot = RosterService(app).read(today, 7)
    assert len(snapshot.forecast) == summary.rows_written
    assert all(0.0 <= p <= 1.0 for p in snapshot.forecast.values())
    # calibrated, not class-balanced: the mean near the history's absence rate
    rate = summary.details["history_absences"] / summary.details["history_records"]
    assert abs(summary.details["mean_probability"] - rate) < 0.05
    (event,) = events(app, "absence_forecasted")
    assert event.topic == Topic.ROSTER.value
    assert len(audits(app, "analytics.forecast_absence")) == 1

    # the answer recorded in advance (absent on every forecast day) changes nothing
    with app.engine.connect() as conn:
        first = {(r.operator_id, r.day): r.probability for r in conn.execute(select(f))}
    operator = sorted(first)[0][0]
    with app.engine.begin() as conn:
        conn.execute(
            insert(attendance),
            [
                {"operator_id": operator, "day": day, "present": False, "absence_reason": "sick"}
                for (op, day) in first
                if op == operator
            ],
        )
    again = forecast_absence(app, lead, days=7)
    assert again.rows_replaced == summary.rows_written
    with app.engine.connect() as conn:
        second = {(r.operator_id, r.day): r.probability for r in conn.execute(select(f))}
    assert second == first


def test_a_job_fits_outside_the_write_transaction(
    demo_sqlite_url: str, make_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite a unit of work holds the database's write lock: while a job fits its model,
    another seat's write goes through (it would wait for the fit, then fail, otherwise)."""
    from services.analytics.absence_model import AbsenceModel

    app = make_app(demo_sqlite_url)
    other_seat = make_app(demo_sqlite_url, seat="seat-2")
    fit = AbsenceModel.fit
    written: list[int] = []

    def fit_while_another_seat_writes(self: AbsenceModel, records: Any) -> AbsenceModel:
        with other_seat.uow(other_seat.actor("admin")) as uow:
            uow.audit("test.write", "test", "during-fit")
            uow.commit()
        written.append(1)
        return fit(self, records)

    monkeypatch.setattr(AbsenceModel, "fit", fit_while_another_seat_writes)
    summary = forecast_absence(app, app.actor("lead"), days=3)
    assert written == [1]
    assert summary.rows_written > 0
    assert len(audits(app, "test.write")) == 1


# -- permissions and the CLI ---------------------------------------------------------------------


def test_a_viewer_may_run_no_job(demo_sqlite_url: str, make_app: Any) -> None:
    app = make_app(demo_sqlite_url)
    viewer = app.actor("viewer")
    with pytest.raises(PermissionDenied):
        forecast_demand(app, viewer)
    with pytest.raises(PermissionDenied):
        detect_machine_anomalies(app, viewer)
    with pytest.raises(PermissionDenied):
        forecast_absence(app, viewer)
    with pytest.raises(PermissionDenied):  # a planner does not roster
        forecast_absence(app, app.actor("planner"))
    assert count(app, demand_forecasts) == count(app, anomaly_predictions) == 0
    assert count(app, absence_forecasts) == 0


def test_cli_runs_print_their_summaries(
    demo_sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from services.persistence.engine import make_engine

    engine = make_engine(demo_sqlite_url)
    with engine.begin() as conn:  # two machines: quicker fits
        m = machine_metrics
        conn.execute(delete(m).where(m.c.machine_id.notin_(("M-G1020", "M-LSR01"))))
    engine.dispose()
    db = ["--database-url", demo_sqlite_url, "--json"]
    assert run(["forecast", "run", "--horizon", "3", *db]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["job"] == "demand_forecast"
    assert out["rows_written"] == 36
    since = (NOW - timedelta(minutes=30)).isoformat()
    assert run(["anomaly", "run", "--since", since, *db]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["job"] == "machine_anomaly"
    assert out["rows_written"] == 2 * 2 * 3
    # the wall clock is past the demo's roster: nothing scheduled ahead, said so
    assert run(["absence", "run", "--days", "3", *db]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["rows_written"] == 0
    assert "no scheduled shifts" in out["notes"][0]
    assert run(["absence", "run", "--user", "viewer", *db]) == 2
    assert "may not roster" in capsys.readouterr().err


def test_the_horizon_is_bounded(demo_sqlite_url: str, make_app: Any) -> None:
    from domain.errors import ValidationError

    app = make_app(demo_sqlite_url)
    with pytest.raises(ValidationError):
        forecast_demand(app, app.actor("planner"), horizon_days=400)
    with pytest.raises(ValidationError):
        forecast_absence(app, app.actor("lead"), days=0)
    assert count(app, demand_forecasts) == count(app, absence_forecasts) == 0
