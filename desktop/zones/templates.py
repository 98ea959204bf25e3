"""Zone templates in the editor: keep a camera's saved zones, lay them onto another camera.

Applying a template replaces the zones on screen in one undoable step; nothing is written
until the zones are saved (with the reason filled in for the audit log).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QInputDialog

from desktop.messages import describe
from desktop.zones.document import ReplaceZones
from services.zones import TemplateSummary, ZoneDraft

if TYPE_CHECKING:
    from desktop.zones.editor import ZoneEditor


class TemplateActions:
    def __init__(self, editor: ZoneEditor) -> None:
        self.editor = editor
        self.save_action = QAction("Save as template…", editor)
        self.save_action.triggered.connect(self.ask_and_save)
        self.apply_action = QAction("Apply template…", editor)
        self.apply_action.triggered.connect(self.ask_and_apply)

    # -- saving ----------------------------------------------------------------------------------
    def ask_and_save(self) -> None:
        e = self.editor
        if e.camera is None:
            return
        name, ok = QInputDialog.getText(e, "Save as template", "Template name:",
                                        text=f"{e.camera.name} zones")  # fmt: skip
        if ok and name.strip():
            self.save_template(name.strip())

    def save_template(self, name: str, reason: str | None = None) -> None:
        e = self.editor
        if e.camera is None:
            return
        if not e.undo.isClean():
            e.say("save the zones first: a template keeps the zones as saved")
            return
        why = reason or f"template of {e.camera.name}"
        job = e.ctx.runner.command(
            e.service.save_template, e.ctx.actor, e.camera.id, name, reason=why,
            name="zones.template.save", owner=e,
        )  # fmt: skip
        job.on_success(lambda tid: e.say(f"template {name!r} saved (#{tid})"))
        job.on_failure(lambda exc: e.say(f"template not saved: {describe(exc)}"))

    # -- applying --------------------------------------------------------------------------------
    def ask_and_apply(self) -> None:
        e = self.editor
        job = e.ctx.runner.query(e.service.templates, name="zones.templates", owner=e)
        job.on_success(self._choose).on_failure(lambda exc: e.say(describe(exc)))

    def _choose(self, templates: list[TemplateSummary]) -> None:
        e = self.editor
        if not templates:
            e.say("there are no zone templates yet (Save as template… makes one)")
            return
        labels = [f"{t.name} ({t.zone_count} zones)" for t in templates]
        label, ok = QInputDialog.getItem(e, "Apply template", "Template:", labels, 0, False)
        if ok:
            chosen = templates[labels.index(label)]
            self.apply_template(chosen.id, chosen.name)

    def apply_template(self, template_id: int, name: str) -> None:
        e = self.editor
        job = e.ctx.runner.query(e.service.template_drafts, template_id,
                                 name="zones.template.load", owner=e)  # fmt: skip
        job.on_success(lambda drafts: self._lay_out(drafts, name))
        job.on_failure(lambda exc: e.say(describe(exc)))

    def _lay_out(self, drafts: tuple[ZoneDraft, ...], name: str) -> None:
        e = self.editor
        items = [(e.doc.new_key(), d) for d in drafts]
        e.undo.push(ReplaceZones(e.doc, items, f"Apply template {name!r}"))
        if not e.reason.text().strip():
            e.reason.setText(f"applied template {name!r}")
        e.say(f"template {name!r}: {len(drafts)} zone(s) laid out; save to keep them")
