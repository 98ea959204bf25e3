"""RosterStore: one seat's roster grid state on the GUI thread, read and saved off it.

The snapshot of the range shown is read on the runner's query pool; an edit (a typed code, a
drag, a lock, an approved proposal) is first checked against the labour rules on the snapshot
itself, so a refusal says which rule would break before anything is sent, and nothing
changes. An allowed edit is shown at once, saved on the write lane (where the service checks
again, with the stale check), pushed on the undo stack, and the range is read again. Optimise
and Repair run the solver on the query pool with a cancel token and report progress; their
proposal waits for approval.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date

import shiboken6
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from desktop.change_hub import ids_of, touches
from desktop.context import DesktopContext
from desktop.messages import describe
from desktop.roster.undo import RosterEdit
from desktop.runner import Job
from domain.auth import Permission
from domain.errors import NotFound
from domain.events import ChangeEvent, Topic
from domain.rules.rostering import OFF
from services.rostering.drafts import DraftConflict, DraftDto, DraftService, DraftViewDto
from services.rostering.problem import ProgressDto, SolveOptionsDto
from services.rostering.proposals import (
    ProposalDto,
    optimise,
    repair_absence,
    repair_forecast,
)
from services.rostering.snapshot import CellChange, RosterSnapshot
from services.rostering.store import RosterService

log = logging.getLogger(__name__)

DEFAULT_DAYS = 14
DEFAULT_TIME_LIMIT = 10.0


@dataclass(frozen=True)
class Filters:
    line: str = ""  # line id, "" for all
    skill: str = ""  # skill code, "" for all


class RosterStore(QObject):
    reset = Signal()  # the snapshot (or the filters) changed: redraw everything
    rejected = Signal(str)  # why an edit was refused (nothing changed)
    saved = Signal(str)  # description of a save that the server accepted
    loading_changed = Signal(bool)
    solving_changed = Signal(bool)
    progress = Signal(object)  # ProgressDto (emitted from the solver's thread: queued)
    proposal_ready = Signal(object)  # ProposalDto
    draft_changed = Signal(object)  # DraftDto | None: the draft shown (None: the published one)
    drafts_changed = Signal()  # a draft was created, published or discarded here
    publish_failed = Signal(str)  # why a draft was not published (nothing written)
    notice = Signal(str)  # something the seat should know (another seat closed the draft shown)

    def __init__(
        self,
        ctx: DesktopContext,
        start: date,
        days: int = DEFAULT_DAYS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.service = RosterService(ctx.app)
        self.start = start
        self.days = days
        self.snapshot: RosterSnapshot | None = None
        self.filters = Filters()
        self.undo_stack = QUndoStack(self)
        self.time_limit = DEFAULT_TIME_LIMIT
        self.workers = 2
        self.pending = 0  # saves on their way
        self.solving = False
        self._cancel: threading.Event | None = None
        self._own_requests: set[str] = set()
        self._reading = False
        self._read_again = False
        self.drafts = DraftService(ctx.app, self.service)
        self.draft: DraftDto | None = None  # the draft shown and edited (None: the published)
        self.draft_view: DraftViewDto | None = None
        self._draft_version = _Version()
        ctx.hub.changed.connect(self._on_hub_changed)

    # -- reading ---------------------------------------------------------------------------
    def set_range(self, start: date, days: int) -> None:
        if (start, days) != (self.start, self.days):
            self.start, self.days = start, days
            self.undo_stack.clear()  # edits of another range: their cells are not shown
            self.reload()

    def reload(self) -> None:
        if self._reading:
            self._read_again = True
            return
        self._reading = True
        self.loading_changed.emit(True)
        if self.draft is not None:
            read = self.ctx.runner.query(
                self.drafts.read, self.draft.id, name="roster draft", owner=self
            )
            read.on_success(self._draft_loaded).on_failure(self._draft_failed)
            read.on_finished(self._read_done)
            return
        job = self.ctx.runner.query(
            self.service.read, self.start, self.days, name="roster", owner=self
        )
        job.on_success(self._loaded).on_failure(self.ctx.report_error).on_finished(self._read_done)

    def _loaded(self, snap: RosterSnapshot) -> None:
        if self.draft is not None or (snap.start, snap.days) != (self.start, self.days):
            self._read_again = True  # the range moved on while this was read
            return
        self.snapshot = snap
        self.reset.emit()

    def _read_done(self) -> None:
        self._reading = False
        self.loading_changed.emit(False)
        if self._read_again:
            self._read_again = False
            self.reload()

    def _on_hub_changed(self, events: list[ChangeEvent]) -> None:
        fresh = [e for e in events if e.request_id not in self._own_requests]
        if fresh and touches(fresh, Topic.ROSTER, Topic.OPERATOR, Topic.PLANT):
            self.reload()
        elif self.draft is not None and self.draft.id in ids_of(fresh, Topic.ROSTER_DRAFT):
            self.reload()  # somebody else changed the draft shown

    def set_filters(self, filters: Filters) -> None:
        if filters != self.filters:
            self.filters = filters
            self.reset.emit()

    def visible_operators(self) -> list[str]:
        snap = self.snapshot
        if snap is None:
            return []
        f = self.filters
        return [
            o.id
            for o in snap.operators
            if (not f.line or o.line_id == f.line) and (not f.skill or f.skill in o.skills)
        ]

    # -- edits -----------------------------------------------------------------------------
    def code_change(self, operator_id: str, day: int, code: str) -> list[CellChange]:
        snap = self._require()
        before = snap.cell(operator_id, day).shift
        after = code.strip().upper() if code.strip() not in ("", "-", ".") else OFF
        return [CellChange(operator_id, snap.date_of(day), before, after)]

    def move_changes(self, source: tuple[str, int], target: tuple[str, int]) -> list[CellChange]:
        """A drag from ``source`` to ``target``: the two cells swap (a shift dropped on a day off
        leaves a day off behind)."""
        snap = self._require()
        if source == target:
            return []
        a, b = snap.cell(*source), snap.cell(*target)
        return [
            CellChange(source[0], snap.date_of(source[1]), a.shift, b.shift),
            CellChange(target[0], snap.date_of(target[1]), b.shift, a.shift),
        ]

    def refusal(self, changes: Sequence[CellChange]) -> str:
        """Why ``changes`` may not be made ("" when they may)."""
        snap = self.snapshot
        if snap is None:
            return "the roster is still loading"
        if not self.ctx.actor.can(Permission.ROSTER):
            return f"{self.ctx.actor.user} ({self.ctx.actor.role.value}) may not change rosters"
        if not changes:
            return "nothing to change"
        if changes[0].before == OFF and len(changes) == 2 and changes[1].before == OFF:
            return "there is no shift to move"
        violations = snap.refusal(changes)
        if not violations:
            return ""
        return "\n".join(v.message for v in violations)

    def set_code(self, operator_id: str, day: int, code: str) -> bool:
        changes = [c for c in self.code_change(operator_id, day, code) if c.before != c.after]
        if not changes:
            return False
        after = changes[0].after or "a day off"
        return self.apply(changes, f"{operator_id} {self._day(day)}: {after}")

    def move(self, source: tuple[str, int], target: tuple[str, int]) -> bool:
        changes = self.move_changes(source, target)
        what = f"move {source[0]} {self._day(source[1])} to {target[0]} {self._day(target[1])}"
        return self.apply(changes, what)

    def apply(self, changes: Sequence[CellChange], text: str, *, undoable: bool = True) -> bool:
        """Check ``changes``; refuse with the reason, or show and save them."""
        why = self.refusal(changes)
        if why:
            self.rejected.emit(why)
            return False
        self.submit(changes, text, undoable=undoable)
        return True

    def submit(
        self,
        changes: Sequence[CellChange],
        text: str,
        *,
        undoable: bool = True,
        check: bool = True,
        done: Callable[[], None] | None = None,
        failed: Callable[[BaseException], None] | None = None,
    ) -> None:
        """Show ``changes`` at once and save them on the write lane."""
        snap = self._require()
        self.snapshot = snap.with_changes(changes)
        self.reset.emit()
        request_id = self._own_request()
        self.pending += 1

        def ok(_: object) -> None:
            self.pending -= 1
            if undoable:
                self.undo_stack.push(RosterEdit(self, tuple(changes), text))
            self.saved.emit(text)
            if done is not None:
                done()
            self.reload()

        def bad(exc: BaseException) -> None:
            self.pending -= 1
            self._own_requests.discard(request_id)
            self.rejected.emit(describe(exc))
            if failed is not None:
                failed(exc)
            self.reload()  # show what is stored again

        if self.draft is not None:
            self._edit_draft(self.draft, list(changes), check, request_id).on_success(
                ok
            ).on_failure(bad)
            return
        self.ctx.runner.command(
            self.service.save,
            self.ctx.actor,
            snap.start,
            snap.days,
            list(changes),
            check=check,
            request_id=request_id,
            name="roster save",
            owner=self,
        ).on_success(ok).on_failure(bad)

    def toggle_locks(self, cells: Sequence[tuple[str, int]]) -> None:
        """Lock the cells, or unlock them when all of them are locked."""
        snap = self.snapshot
        if snap is None or not cells:
            return
        lock = not all(snap.cell(op, d).locked for op, d in cells)
        self.set_locks(cells, lock)

    def set_locks(self, cells: Sequence[tuple[str, int]], lock: bool) -> None:
        snap = self._require()
        if self.draft is not None:
            self.rejected.emit("locks belong to the published roster: choose Published first")
            return
        cells_d = [(op, snap.date_of(d)) for op, d in cells]
        shown = dict(snap.cells)
        for op, d in cells:
            shown[(op, d)] = replace(snap.cell(op, d), locked=lock)
        self.snapshot = replace(snap, cells=shown)
        self.reset.emit()
        request_id = self._own_request()
        self.pending += 1

        def finished() -> None:
            self.pending -= 1
            self.reload()

        def bad(exc: BaseException) -> None:
            self._own_requests.discard(request_id)
            self.rejected.emit(describe(exc))

        what = "locked" if lock else "unlocked"
        self.ctx.runner.command(
            self.service.set_locks,
            self.ctx.actor,
            cells_d,
            lock,
            request_id=request_id,
            name="roster lock",
            owner=self,
        ).on_success(lambda _: self.saved.emit(f"{len(cells)} cell(s) {what}")).on_failure(
            bad
        ).on_finished(finished)

    # -- optimise and repair ---------------------------------------------------------------
    def optimise(self) -> bool:
        return self._solve(optimise, "optimise")

    def repair(self, operator_id: str, days: Sequence[int], reason: str = "") -> bool:
        snap = self._require()
        dates = [snap.date_of(d) for d in sorted(set(days))]
        return self._solve(repair_absence, "repair", operator_id, dates, reason=reason)

    def repair_forecast(self) -> bool:
        """Repair around the shifts the analytics forecast absent (probability >= 50%)."""
        snap = self.snapshot
        if snap is not None and not snap.forecast:
            self.rejected.emit("there is no absence forecast for these days")
            return False
        return self._solve(repair_forecast, "repair")

    def _solve(
        self, fn: Callable[..., ProposalDto], what: str, *args: object, **kw: object
    ) -> bool:
        snap = self.snapshot
        if snap is None:
            self.rejected.emit("the roster is still loading")
            return False
        if self.solving:
            self.rejected.emit("a solve is already running: stop it first")
            return False
        cancel = threading.Event()
        self._cancel = cancel
        self.solving = True
        self.solving_changed.emit(True)
        options = SolveOptionsDto(time_limit=self.time_limit, workers=self.workers)

        def report(p: ProgressDto) -> None:  # on a solver thread
            if shiboken6.isValid(self):
                self.progress.emit(p)

        def done() -> None:
            self.solving = False
            self._cancel = None
            self.solving_changed.emit(False)

        self.ctx.runner.query(
            fn,
            snap,
            *args,
            options=options,
            on_progress=report,
            cancel=cancel,
            name=what,
            owner=self,
            **kw,
        ).on_success(self.proposal_ready.emit).on_failure(
            lambda e: self.rejected.emit(describe(e))
        ).on_finished(done)
        return True

    def stop_solving(self) -> None:
        if self._cancel is not None:
            self._cancel.set()

    def approve(self, proposal: ProposalDto) -> bool:
        """Save an approved proposal (one undo step); refused if the roster moved under it."""
        if not proposal.changes:
            self.rejected.emit("the proposal changes nothing")
            return False
        text = f"{proposal.kind}: {len(proposal.changes)} change(s)"
        self.submit(proposal.changes, text)
        return True

    # -- drafts ----------------------------------------------------------------------------
    def select_draft(self, draft: DraftDto | None) -> None:
        """Show and edit ``draft`` (its own range) instead of the published roster, or go back
        to the published roster (``None``)."""
        if (draft.id if draft else None) == (self.draft.id if self.draft else None):
            return
        self.draft = draft
        self.draft_view = None
        self._draft_version = _Version(draft.version if draft else 0)
        self.undo_stack.clear()  # edits of another roster: their cells are not shown
        if draft is not None:
            self.start, self.days = draft.start, draft.days
        self.snapshot = None
        self.reset.emit()
        self.draft_changed.emit(draft)
        self.reload()

    def _draft_loaded(self, view: DraftViewDto) -> None:
        if self.draft is None or view.draft.id != self.draft.id:
            self._read_again = True  # another roster was chosen while this was read
            return
        if view.draft.status != "draft":
            who = view.draft.published_by or view.draft.updated_by or "somebody"
            self.notice.emit(f"The draft {view.draft.name!r} was {view.draft.status} by {who}")
            self.select_draft(None)
            return
        self.draft = view.draft
        self.draft_view = view
        self._draft_version.seen(view.draft.version)
        self.snapshot = view.snapshot
        self.reset.emit()

    def _draft_failed(self, exc: BaseException) -> None:
        if isinstance(exc, NotFound):
            self.rejected.emit(describe(exc))
            self.select_draft(None)
            return
        self.ctx.report_error(exc)

    def draft_difference(self, operator_id: str, day: int) -> str | None:
        """What the published roster has in a cell the shown draft changes (None: the cell is
        as published, or no draft is shown)."""
        view, snap = self.draft_view, self.snapshot
        if self.draft is None or view is None or snap is None:
            return None
        old, new = view.published.cell(operator_id, day), snap.cell(operator_id, day)
        if (old.shift, old.absent) == (new.shift, new.absent):
            return None
        return "absent" if old.absent else (old.shift or "day off")

    def draft_cells(self) -> int:
        """How many cells the shown draft changes against the published roster."""
        snap, view = self.snapshot, self.draft_view
        if snap is None or view is None:
            return 0
        return sum(
            1
            for o in snap.operators
            for d in range(snap.days)
            if self.draft_difference(o.id, d) is not None
        )

    def _edit_draft(
        self, draft: DraftDto, changes: list[CellChange], check: bool, request_id: str
    ) -> Job[DraftDto]:
        version, actor = self._draft_version, self.ctx.actor

        def run() -> DraftDto:  # on the write lane: edits queued behind it see the new version
            saved = self.drafts.edit(
                actor, draft.id, changes, version.value, check=check, request_id=request_id
            )
            version.seen(saved.version)
            return saved

        return self.ctx.runner.command(run, name="roster draft edit", owner=self)

    def create_draft(self, name: str, changes: Sequence[CellChange] = ()) -> None:
        """A new draft of the range shown (with ``changes``: a proposal made on what is
        shown, the shown draft's changes under it), then show it."""
        snap = self.snapshot
        if snap is None:
            self.rejected.emit("the roster is still loading")
            return
        base = self.draft_view.changes if self.draft is not None and self.draft_view else ()
        self.ctx.runner.command(
            self.drafts.create,
            self.ctx.actor,
            name,
            snap.start,
            snap.days,
            list(changes),
            base=list(base),
            name="roster draft create",
            owner=self,
        ).on_success(self._draft_created).on_failure(lambda e: self.rejected.emit(describe(e)))

    def _draft_created(self, draft: DraftDto) -> None:
        self.saved.emit(f"draft {draft.name!r} with {draft.cells} changed cell(s)")
        self.drafts_changed.emit()
        self.select_draft(draft)

    def rename_draft(self, name: str) -> None:
        """Give the shown draft another name (on the write lane, after edits queued before)."""
        draft = self.draft
        if draft is None:
            return
        version, actor = self._draft_version, self.ctx.actor
        request_id = self._own_request()

        def run() -> DraftDto:
            saved = self.drafts.rename(actor, draft.id, name, version.value, request_id=request_id)
            version.seen(saved.version)
            return saved

        def ok(saved: DraftDto) -> None:
            if self.draft is not None and self.draft.id == saved.id:
                self.draft = saved
                self.draft_changed.emit(saved)
            self.saved.emit(f"draft {draft.name!r} renamed {saved.name!r}")
            self.drafts_changed.emit()

        def bad(exc: BaseException) -> None:
            self._own_requests.discard(request_id)
            self.rejected.emit(describe(exc))

        self.ctx.runner.command(run, name="roster draft rename", owner=self).on_success(
            ok
        ).on_failure(bad)

    def publish_draft(self) -> None:
        self._close_draft(self.drafts.publish, "published")

    def discard_draft(self) -> None:
        self._close_draft(self.drafts.discard, "discarded")

    def _close_draft(self, fn: Callable[..., DraftDto], what: str) -> None:
        draft = self.draft
        if draft is None:
            return
        version, actor = self._draft_version, self.ctx.actor
        request_id = self._own_request()
        self.pending += 1

        def run() -> DraftDto:
            return fn(actor, draft.id, version.value, request_id=request_id)

        def ok(done: DraftDto) -> None:
            self.saved.emit(f"draft {done.name!r} {what} ({done.cells} cell(s))")
            self.drafts_changed.emit()
            self.select_draft(None)

        def bad(exc: BaseException) -> None:
            self._own_requests.discard(request_id)
            if isinstance(exc, DraftConflict):
                lines = "\n".join(f"• {c.describe()}" for c in exc.conflicts)
                why = f"the published roster changed since the draft was made:\n{lines}"
            else:
                why = describe(exc)
            self.rejected.emit(why)
            if what == "published":
                self.publish_failed.emit(why)
            self.reload()

        def finished() -> None:
            self.pending -= 1

        self.ctx.runner.command(run, name=f"roster draft {what}", owner=self).on_success(
            ok
        ).on_failure(bad).on_finished(finished)

    # -- helpers ---------------------------------------------------------------------------
    def _own_request(self) -> str:
        """A new request id, remembered so that this seat's own change event is not re-read."""
        request_id = uuid.uuid4().hex
        self._own_requests.add(request_id)
        return request_id

    def _require(self) -> RosterSnapshot:
        if self.snapshot is None:
            raise RuntimeError("the roster is not loaded yet")
        return self.snapshot

    def _day(self, day: int) -> str:
        snap = self._require()
        return f"{snap.date_of(day):%a %d %b}"

    def shutdown(self) -> None:
        self.stop_solving()


class _Version:
    """The draft version this seat last saw; written on the write lane after each of its own
    edits (so the next queued edit sends it) and on the GUI thread after each read."""

    def __init__(self, value: int = 0) -> None:
        self.value = value
        self._lock = threading.Lock()

    def seen(self, value: int) -> None:
        with self._lock:
            self.value = max(self.value, value)
