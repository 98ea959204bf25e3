"""The site's roster policy through PolicyService, on SQLite and PostgreSQL: the form shows the
derived policy until one is stored; a save names what it read and is refused, with who saved,
when another seat saved meanwhile; bad values and read-only roles are refused."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from domain.auth import Actor, Role
from domain.errors import ConcurrentEdit, PermissionDenied, ValidationError
from services.rostering.policy import RosterPolicy, SkillCover
from services.rostering.policy_service import PolicyService
from services.rostering.problem import FairnessDto, FairnessMeasure
from services.rostering.store import RosterService
from tests.services.rostering.store_fixtures import DAYS, LEAD, MONDAY, PLANNER, POLICY, seed

OTHER = Actor("admin", Role.ADMIN, "seat-2")


@pytest.fixture
def service(db_url: str, make_app: Any) -> PolicyService:
    app = make_app(db_url)
    seed(app)
    return PolicyService(app)


def test_a_derived_policy_is_stored_then_a_stale_save_is_refused(service: PolicyService) -> None:
    form = service.form()
    assert (form.stored_at, form.stored_by, form.version) == (None, None, 0)
    assert form.policy.stored is False
    assert (form.shift_ids, form.shift_names) == (("E", "L"), ("Early", "Late"))
    assert form.skills == ("forklift",)  # held by operators: offered for cover per skill
    fair = replace(POLICY, fairness=FairnessDto(5, FairnessMeasure.WEEKENDS))
    saved = service.save(LEAD, fair, seen_version=0)
    assert saved.stored_by == "lead"
    assert saved.stored_at is not None
    assert saved.version == 1
    assert saved.policy.stored is True
    assert saved.policy.per_shift == {"E": 1, "L": 1}
    assert saved.policy.fairness == FairnessDto(5, FairnessMeasure.WEEKENDS)
    # the other seat still shows the derived policy: its save is refused, naming who saved
    with pytest.raises(ConcurrentEdit) as stale:
        service.save(OTHER, replace(POLICY, per_shift={"E": 2, "L": 2}), seen_version=0)
    assert "changed by lead" in stale.value.message
    assert service.form().policy.per_shift == {"E": 1, "L": 1}
    more = replace(POLICY, per_shift={"E": 2, "L": 1})
    again = service.save(OTHER, more, seen_version=saved.version)
    assert (again.stored_by, again.policy.per_shift, again.version) == (
        "admin",
        {"E": 2, "L": 1},
        2,
    )
    with pytest.raises(ConcurrentEdit):  # same clock second or not: the version moved
        service.save(LEAD, POLICY, seen_version=saved.version)
    # the roster reads it: the cover of the week follows
    snap = RosterService(service.app).read(MONDAY, DAYS)
    assert {(c.day, c.shift): c.requirement for c in snap.cover}[(0, "E")] == 2


def test_bad_values_and_read_only_roles_are_refused(service: PolicyService) -> None:
    with pytest.raises(ValidationError, match="minimum shifts in a row"):
        replace(POLICY, min_consecutive_shifts=4, max_consecutive_shifts=3)
    with pytest.raises(ValidationError, match="cannot be negative"):
        RosterPolicy(per_shift={"E": -1})
    with pytest.raises(ValidationError, match="names E and forklift twice"):
        RosterPolicy(per_shift={"E": 1}, per_skill=(SkillCover("E", "forklift", 1),) * 2)
    with pytest.raises(PermissionDenied):
        service.save(PLANNER, POLICY, seen_version=0)
    assert service.form().stored_at is None


def test_the_command_line_shows_and_stores_the_policy(
    sqlite_url: str, make_app: Any, tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from domain.auth import SYSTEM_ACTOR
    from services.cli.main import run
    from services.users import UserService

    app = make_app(sqlite_url)
    seed(app)
    UserService(app).create_user(SYSTEM_ACTOR, "lead", "Lea D", Role.SHIFT_LEAD, "takt-takt")
    db = ["--database-url", sqlite_url]
    assert run(["roster", "policy", *db]) == 0
    assert "roster policy: not stored" in capsys.readouterr().out
    wanted = tmp_path / "policy.json"
    wanted.write_text(
        json.dumps(
            {
                "per_shift": {"E": 2, "L": 1},
                "max_consecutive_shifts": 4,
                "fairness": {"measure": "weekends", "weight": 3},
            }
        ),
        encoding="utf-8",
    )
    assert run(["roster", "policy", "--set", str(wanted), "--user", "lead", "--json", *db]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["per_shift"], shown["max_consecutive_shifts"]) == ({"E": 2, "L": 1}, 4)
    assert (shown["stored_by"], shown["version"]) == ("lead", 1)
    assert shown["fairness"] == {"measure": "weekends", "weight": 3, "shifts": []}
    assert run(["roster", "policy", *db]) == 0
    out = capsys.readouterr().out
    assert "stored by lead" in out
    assert "cover per shift and day: E 2, L 1" in out
    assert "fairness: weekends weight 3" in out
    bad = tmp_path / "bad.json"
    bad.write_text('{"per_shift": {"E": -1}}', encoding="utf-8")
    assert run(["roster", "policy", "--set", str(bad), "--user", "lead", *db]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "cannot be negative" in err
    bad.write_text("{not json", encoding="utf-8")
    assert run(["roster", "policy", "--set", str(bad), "--user", "lead", *db]) == 2
    assert "not a readable JSON file" in capsys.readouterr().err
    assert PolicyService(app).form().policy.per_shift == {"E": 2, "L": 1}  # kept
