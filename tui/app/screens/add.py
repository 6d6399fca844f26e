"""The add dialog: service, ids and name, validated as the user types with the CLI's own rules."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Label, Select

from tui.app.screens.browse import BrowseScreen, Lister
from tui.app.widgets.inputs import OrderedInput
from tui.cloud.catalog import Found
from tui.errors import RefError
from tui.model import Service, TaskRef, validate_id
from tui.refs import looks_like_url, parse_target


@dataclass(frozen=True)
class AddRequest:
    """One task the dialog asks to watch: the text to add (a REF or a console URL), a name, its CodeArts project."""

    text: str
    name: str | None = None
    codearts_project: str | None = None


AddResult = list[AddRequest]


def build_ref(service: str, task_id: str, project_id: str, default_project: str | None) -> str:
    """The REF text for the dialog's fields, validated; raises RefError with the CLI's message."""
    task_id = task_id.strip()
    if looks_like_url(task_id):  # a console URL pasted into the id field: the task it names
        return str(parse_target(task_id, default_project).ref)
    if ":" in task_id:  # a whole REF pasted into the id field is fine too
        return str(TaskRef.parse(task_id, default_project))
    svc = Service(service)
    if svc is Service.DWS:
        project = project_id.strip() or (default_project or "")
        if not project:
            raise RefError("DWS project id is needed (no project id in the profile)")
        validate_id(project, "DWS project id")
        return str(TaskRef.parse(f"dws:{project}/{task_id}"))
    return str(TaskRef.parse(f"{svc.value}:{task_id}"))


def named_service(text: str, default_project: str | None = None) -> Service | None:
    """The service a URL or a `service:id` REF names, if it names one (else None: the select decides)."""
    text = text.strip()
    try:
        return parse_target(text, default_project).ref.service
    except (RefError, ValueError):
        pass
    word = text.split(":", 1)[0].lower() if ":" in text and not looks_like_url(text) else ""
    return next((s for s in Service if s.value == word), None)


class AddTaskScreen(ModalScreen[AddResult | None]):
    """Ask for a task to watch; the Add button is enabled only while the input is valid."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel")]

    def __init__(self, default_project: str | None = None, lister: Lister | None = None,
                 watched: set[str] | None = None) -> None:
        super().__init__()
        self.default_project = default_project
        self.lister = lister            # None: no browse mode (nothing to list with)
        self.watched = watched or set()
        self.ref_text: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog"):
            yield Label("Watch a task", classes="dialog-title")
            yield Label("Service")
            yield Select([(s.product, s.value) for s in Service], value=Service.CHECK.value,
                         allow_blank=False, id="service", compact=True)
            yield Label("Task / job id, or its console URL", id="id-label")
            yield OrderedInput(placeholder="e.g. 2b31ed520xxxxxxebedb6e57xxxxxxxx or https://devcloud…",
                               id="task-id", compact=True)
            yield Label("DWS project id", id="project-label", classes="dws-only")
            yield OrderedInput(value=self.default_project or "", placeholder="the profile's project id",
                        id="project-id", classes="dws-only", compact=True)
            yield Label("Name (optional)")
            yield OrderedInput(placeholder="a name to show instead of the id", id="name", compact=True)
            yield Label("", id="error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button("Add", variant="primary", id="ok", disabled=True, compact=True)
                yield Button("Cancel", id="cancel", compact=True)
                if self.lister is not None:  # last, so tab from the fields reaches Add first
                    yield Button("Browse…", id="browse", compact=True, tooltip="pick from the jobs/tasks listed")
        # A dialog's own keys: Textual's Footer lists the bindings of the screen it is on, and a
        # modal screen's chain stops at the modal, so the main screen's footer would be wrong.
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._sync_service()
        self.query_one("#task-id", Input).focus()

    def _sync_service(self) -> None:
        dws = self.query_one("#service", Select).value == Service.DWS.value
        for widget in self.query(".dws-only"):
            widget.display = dws

    def validate_now(self) -> bool:
        """Re-check the fields; show the first problem under them."""
        service = str(self.query_one("#service", Select).value)
        task_id = self.query_one("#task-id", Input).value
        project = self.query_one("#project-id", Input).value
        error = self.query_one("#error", Label)
        try:
            self.ref_text = build_ref(service, task_id, project, self.default_project)
        except (RefError, ValueError) as exc:
            self.ref_text = None
            # Only nag about an empty id once the user has typed something.
            error.update(Text(str(exc)) if task_id else Text(""))
        else:
            target = parse_target(task_id.strip(), self.default_project) if looks_like_url(task_id) else None
            project = f" (CodeArts project {target.codearts_project})" if target and target.codearts_project else ""
            error.update(Text(f"will watch {self.ref_text}{project}", style="dim"))
        self.query_one("#ok", Button).disabled = self.ref_text is None
        return self.ref_text is not None

    @on(Select.Changed, "#service")
    def _service_changed(self) -> None:
        self._sync_service()
        self.validate_now()

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        if event.input.id == "task-id":
            self._follow_service(event.value)
        self.validate_now()

    def _follow_service(self, text: str) -> None:
        """A pasted console URL or `service:id` names its service: the Service select says the same."""
        service = named_service(text, self.default_project)
        select = self.query_one("#service", Select)
        if service is not None and select.value != service.value:
            select.value = service.value  # Select.Changed: the DWS fields show or hide, validation again
            self._sync_service()

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def _submit(self) -> None:
        if self.validate_now() and self.ref_text is not None:
            name = self.query_one("#name", Input).value.strip() or None
            typed = self.query_one("#task-id", Input).value.strip()
            # A URL goes to the runtime as it is: it keeps the CodeArts project the URL names.
            self.dismiss([AddRequest(typed if looks_like_url(typed) else self.ref_text, name)])

    @on(Button.Pressed, "#browse")
    def action_browse(self) -> None:
        if self.lister is None:
            return
        service = str(self.query_one("#service", Select).value)

        def picked(found: list[Found] | None) -> None:
            if found:
                self.dismiss([AddRequest(str(f.ref), f.name, f.codearts_project) for f in found])

        self.app.push_screen(BrowseScreen(service, self.lister, self.watched), picked)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
