"""``takt alerts list|refresh|ack|resolve|snooze|assign``.

``takt alerts refresh`` runs the rules once (from cron or the task scheduler, e.g. every
minute, on sites where no control-room seat is open); the other actions are what the inbox
does, for scripts. ``--expect-version N`` makes an action refuse a stale write (another seat changed
the alert since version N).
"""

from __future__ import annotations

import argparse
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from domain.auth import Actor
from domain.model.alerts import Alert, AlertSeverity, AlertState, AlertType
from services.cli.common import CliError, emit, positive_int
from services.cli.context import cli_actor, open_app

if TYPE_CHECKING:  # loaded when a command runs, not for takt --help
    from services.bootstrap import App

STATE_CHOICES = ("open", "all", *(s.value for s in AlertState))


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], parents: argparse.ArgumentParser
) -> None:
    al = sub.add_parser("alerts", help="the alert inbox: list, run the rules, acknowledge ...")
    al_sub = al.add_subparsers(dest="alerts_command", metavar="ACTION", required=True)
    user = argparse.ArgumentParser(add_help=False)
    user.add_argument("--user", default=None, help="act as this user (default: TAKT_USER/admin)")

    ls = al_sub.add_parser("list", parents=[parents], help="list alerts (default: the open ones)")
    ls.add_argument("--state", choices=STATE_CHOICES, default="open")
    ls.add_argument("--severity", choices=[s.value for s in AlertSeverity], action="append")
    ls.add_argument("--type", choices=[t.value for t in AlertType], action="append")
    ls.add_argument("--limit", type=positive_int, default=200)
    ls.set_defaults(handler=_list)

    rf = al_sub.add_parser(
        "refresh",
        parents=[parents, user],
        help="run the alert rules over the plant now (raise, repeat, clear, escalate, wake)",
    )
    rf.add_argument(
        "--escalate-after",
        type=positive_int,
        default=None,
        metavar="MINUTES",
        help="escalate alerts nobody took on after this many minutes (default: the site's policy)",
    )
    rf.add_argument("--no-escalation", action="store_true", help="never escalate (this run)")
    rf.set_defaults(handler=_refresh)

    pol = al_sub.add_parser(
        "policy",
        parents=[parents, user],
        help="show or set the site's alert policy (escalation delay, flap window)",
    )
    pol.add_argument("--escalate-after", type=positive_int, default=None, metavar="MINUTES")
    pol.add_argument("--no-escalation", action="store_true", help="never escalate")
    pol.add_argument(
        "--flap-window",
        type=int,
        default=None,
        metavar="MINUTES",
        help="a condition back within this window is the same alert (default 10)",
    )
    pol.set_defaults(handler=_policy)

    for name, helptext in (
        ("ack", "acknowledge an alert"),
        ("resolve", "resolve an alert"),
    ):
        p = al_sub.add_parser(name, parents=[parents, user], help=helptext)
        p.add_argument("alert_id", type=int, metavar="ID")
        p.add_argument("--comment", default=None)
        p.add_argument(
            "--expect-version",
            dest="expected_version",
            type=positive_int,
            default=None,
            metavar="N",
            help="refuse if the alert changed since version N (the one you saw)",
        )
        p.set_defaults(handler=_ack if name == "ack" else _resolve)

    sn = al_sub.add_parser("snooze", parents=[parents, user], help="snooze an alert")
    sn.add_argument("alert_id", type=int, metavar="ID")
    sn.add_argument("--minutes", type=positive_int, default=60)
    sn.add_argument("--expect-version", dest="expected_version", type=positive_int, metavar="N")
    sn.set_defaults(handler=_snooze)

    asg = al_sub.add_parser("assign", parents=[parents, user], help="give an alert an owner")
    asg.add_argument("alert_id", type=int, metavar="ID")
    asg.add_argument("owner", help="a user name, or - for nobody")
    asg.add_argument("--expect-version", dest="expected_version", type=positive_int, metavar="N")
    asg.set_defaults(handler=_assign)


def _actor(app: App, args: argparse.Namespace) -> Actor:
    return cli_actor(app, args.user)


def _row(a: Alert) -> dict[str, Any]:
    return {
        "id": a.id,
        "type": a.alert_type.value,
        "severity": a.severity.value,
        "state": a.state.value,
        "message": a.message,
        "raised_at": a.raised_at,
        "owner": a.owner,
        "occurrences": a.occurrences,
        "comment": a.comment,
        "version": a.version,
    }


def _line(a: Alert) -> str:
    owner = f" @{a.owner}" if a.owner else ""
    return (
        f"#{a.id} v{a.version} {a.severity.value:8} {a.state.value:12} "
        f"{a.raised_at:%Y-%m-%d %H:%M} {a.alert_type.value}: {a.message}{owner}"
    )


def _list(args: argparse.Namespace) -> int:
    from services.alerts.service import OPEN_STATES, AlertFilter, AlertService

    if args.state == "open":
        states = OPEN_STATES
    elif args.state == "all":
        states = frozenset()
    else:
        states = frozenset({AlertState(args.state)})
    flt = AlertFilter(
        states=states,
        severities=frozenset(AlertSeverity(s) for s in args.severity or []),
        types=frozenset(AlertType(t) for t in args.type or []),
        limit=args.limit,
    )
    with open_app(args) as app:
        alerts = AlertService(app).list_alerts(flt)
    emit(args, [_row(a) for a in alerts], "\n".join(map(_line, alerts)) or "no alerts")
    return 0


def _refresh(args: argparse.Namespace) -> int:
    from services.alerts.service import AlertService

    with open_app(args) as app:
        actor = _actor(app, args)
        service = AlertService(app)
        if args.no_escalation or args.escalate_after is not None:
            service = service.with_escalation(None if args.no_escalation else args.escalate_after)
        report = service.refresh(actor)
    payload = {
        "at": report.at,
        "conditions": report.conditions,
        "raised": report.raised,
        "repeated": report.repeated,
        "severity_raised": report.severity_raised,
        "cleared": report.cleared,
        "resolved": report.resolved,
        "escalated": report.escalated,
        "woken": report.woken,
        "suppressed": report.suppressed,
    }
    emit(
        args,
        payload,
        f"{report.conditions} verdicts: {len(report.raised)} raised, "
        f"{len(report.repeated)} repeated, {len(report.cleared)} cleared, "
        f"{len(report.resolved)} resolved, {len(report.escalated)} escalated, "
        f"{len(report.woken)} woken, {len(report.suppressed)} suppressed (flapping)",
    )
    return 0


def _policy(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from services.alerts.policy import policy_to_setting
    from services.alerts.service import AlertService

    with open_app(args) as app:
        service = AlertService(app)
        policy = service.site_policy()
        changes: dict[str, Any] = {}
        if args.no_escalation:
            changes["escalate_after"] = None
        elif args.escalate_after is not None:
            changes["escalate_after"] = timedelta(minutes=args.escalate_after)
        if args.flap_window is not None:
            if args.flap_window < 0:
                raise CliError("--flap-window cannot be negative")
            changes["flap_window"] = timedelta(minutes=args.flap_window)
        if changes:
            policy = service.save_site_policy(_actor(app, args), replace(policy, **changes))
    payload = policy_to_setting(policy)
    escalate = payload["escalate_after_minutes"]
    emit(
        args,
        payload,
        f"escalate after: {'never' if escalate is None else f'{escalate:g} min'}; "
        f"flap window: {payload['flap_window_minutes']:g} min",
    )
    return 0


def _act(args: argparse.Namespace, what: str) -> int:
    from services.alerts.service import AlertService

    with open_app(args) as app:
        actor = _actor(app, args)
        service = AlertService(app)
        if what == "ack":
            alert = service.acknowledge(actor, args.alert_id, args.expected_version, args.comment)
        elif what == "resolve":
            alert = service.resolve(actor, args.alert_id, args.expected_version, args.comment)
        elif what == "snooze":
            until = app.clock.now() + timedelta(minutes=args.minutes)
            alert = service.snooze(actor, args.alert_id, until, args.expected_version)
        else:
            owner = None if args.owner == "-" else args.owner
            alert = service.assign(actor, args.alert_id, owner, args.expected_version)
    emit(args, _row(alert), _line(alert))
    return 0


def _ack(args: argparse.Namespace) -> int:
    return _act(args, "ack")


def _resolve(args: argparse.Namespace) -> int:
    return _act(args, "resolve")


def _snooze(args: argparse.Namespace) -> int:
    return _act(args, "snooze")


def _assign(args: argparse.Namespace) -> int:
    return _act(args, "assign")
