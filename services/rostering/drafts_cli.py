"""``takt roster drafts list|publish|discard|rename``: the roster drafts of the site from a
console.

``list`` prints the open drafts (``--all``: published and discarded too), newest first, with
how many cells each changes; ``publish ID`` writes a draft to the published roster (refused,
with nothing written, on conflicts, naming each conflicting cell, or on a labour rule);
``discard ID`` closes it unpublished; ``rename ID NAME`` renames an open one. They act as
``--user`` (default TAKT_USER), who must be allowed to change rosters.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from services.cli.common import emit
from services.cli.context import cli_actor, open_app

if TYPE_CHECKING:
    from services.rostering.drafts import DraftDto


def register_drafts(
    actions: argparse._SubParsersAction[argparse.ArgumentParser], parents: argparse.ArgumentParser
) -> None:
    drafts = actions.add_parser(
        "drafts", parents=[parents], help="roster drafts: list, publish, discard, rename"
    )
    sub = drafts.add_subparsers(dest="drafts_command", metavar="ACTION", required=True)
    ls = sub.add_parser("list", parents=[parents], help="the open drafts, newest first")
    ls.add_argument("--all", action="store_true", help="published and discarded drafts too")
    ls.set_defaults(handler=list_command)
    user = argparse.ArgumentParser(add_help=False)
    user.add_argument("draft_id", metavar="ID", help="the draft's id (see list)")
    user.add_argument("--user", default=None, help="act as this user (default: TAKT_USER)")
    pub = sub.add_parser(
        "publish", parents=[parents, user], help="write a draft to the published roster"
    )
    pub.set_defaults(handler=publish_command)
    dis = sub.add_parser("discard", parents=[parents, user], help="close a draft unpublished")
    dis.set_defaults(handler=discard_command)
    ren = sub.add_parser("rename", parents=[parents, user], help="give a draft another name")
    ren.add_argument("name", metavar="NAME", help="the new name")
    ren.set_defaults(handler=rename_command)


def _payload(d: DraftDto) -> dict[str, Any]:
    return {
        "id": d.id,
        "name": d.name,
        "start": d.start.isoformat(),
        "days": d.days,
        "status": d.status,
        "cells": d.cells,
        "version": d.version,
        "created_by": d.created_by,
        "created_at": d.created_at.isoformat(),
        "published_by": d.published_by,
    }


def _line(d: DraftDto) -> str:
    return (
        f"{d.id}  {d.status:<9}  {d.start:%Y-%m-%d} +{d.days}d  {d.cells:>3} cell(s)  "
        f"{d.name} (by {d.created_by})"
    )


def list_command(args: argparse.Namespace) -> int:
    from services.rostering.drafts import DraftService

    with open_app(args) as app:
        drafts = DraftService(app).list(include_closed=args.all)
    text = "\n".join(_line(d) for d in drafts) or "no open roster drafts"
    emit(args, [_payload(d) for d in drafts], text)
    return 0


def publish_command(args: argparse.Namespace) -> int:
    return _close(args, "publish")


def discard_command(args: argparse.Namespace) -> int:
    return _close(args, "discard")


def rename_command(args: argparse.Namespace) -> int:
    from services.rostering.drafts import DraftService

    with open_app(args) as app:
        actor = cli_actor(app, args.user)
        service = DraftService(app)
        seen = service.get(args.draft_id)
        done = service.rename(actor, seen.id, args.name, seen.version)
    emit(args, _payload(done), f"renamed {seen.name!r} to {done.name!r}")
    return 0


def _close(args: argparse.Namespace, what: str) -> int:
    from services.rostering.drafts import DraftService

    with open_app(args) as app:
        actor = cli_actor(app, args.user)
        service = DraftService(app)
        seen = service.get(args.draft_id)
        fn = service.publish if what == "publish" else service.discard
        done = fn(actor, seen.id, seen.version)
    emit(args, _payload(done), f"{done.status} {done.name!r}: {done.cells} cell(s)")
    return 0
