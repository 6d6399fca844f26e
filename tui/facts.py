"""What every front end shows beyond the status: the console link, the ETA, elapsed time and recent runs.

One function (facts_for) over plain data, so `list --json`, `watch --json`, the table and the detail
pane say the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tui.eta import Eta, estimate, progress_samples
from tui.links import url_for
from tui.model import Change, Phase, Snapshot, WatchedTask
from tui.outcome import Run, newest_first
from tui.runs import RunBook

__all__ = ["Facts", "facts_for", "facts_of_runtime", "merged_runs"]


@dataclass(frozen=True)
class Facts:
    """The link, the ETA, the run's start and length, and the recent runs (newest first) of one task."""

    url: str | None = None
    eta: Eta | None = None
    since: datetime | None = None       # when the current run began (service, else first seen running)
    took_s: float | None = None         # how long the last finished run took (when known)
    runs: tuple[Run, ...] = ()

    def json_fields(self) -> dict[str, Any]:
        """`url` and `eta` of the --json objects (null when unknown)."""
        return {"url": self.url, "eta": self.eta.to_json() if self.eta is not None else None}


_NOTHING_YET = Facts()


def merged_runs(own: Sequence[Run], service: Sequence[Run]) -> tuple[Run, ...]:
    """hcwatch's runs and the service's records as one list, newest first, a build seen twice kept once."""
    if not own and not service:
        return ()  # most tasks, and every one at start before the state is read
    numbers = {r.number for r in service if r.number}
    out = list(service) + [r for r in own if not (r.number and r.number in numbers)]
    return newest_first(out)


def facts_for(task: WatchedTask, snapshot: Snapshot | None, history: Sequence[Change], book: RunBook | None,
              now: datetime, *, links: Mapping[str, str], region: str | None, project_id: str | None,
              with_url: bool = True, with_runs: bool = True) -> Facts:
    """Every fact of one task at `now`; nothing is guessed (unknown stays None).

    `with_url=False` leaves the link out and `with_runs=False` the recent runs (the table shows
    neither: the link is most of the cost, and making 20 runs of a task to draw its row the rest).
    """
    book = book or RunBook()
    service = snapshot.runs if snapshot is not None else ()
    # Without the service's records the usual time is the book's own, worked out once per book.
    usual = book.usual_s if not service else None
    runs = merged_runs(book.runs, service) if with_runs or service else ()
    url = url_for(task, snapshot, links, region=region, project_id=project_id) if with_url else None
    phase = snapshot.phase if snapshot is not None else None
    if snapshot is None or snapshot.fetched_at is None or phase is None:
        return Facts(url=url, runs=runs)
    since = book.since if phase is Phase.RUNNING else None
    if phase is Phase.RUNNING and snapshot.started_at is not None:
        since = snapshot.started_at
    # The percent was read at fetched_at: estimate as of then and let the time since pass, so the
    # figure does not depend on when it is drawn (a later "now" beside an old percent looks like a stall).
    measured = min(snapshot.fetched_at, now)
    eta = estimate(measured, phase, progress=snapshot.progress, since=since,
                   # estimate() reads samples only with a start (`since`, set only while running).
                   samples=progress_samples(history, since) if since is not None else (), runs=runs,
                   from_zero=snapshot.started_at is not None, usual_s=usual)
    if eta is not None:
        eta = eta.aged((now - measured).total_seconds())
    took = None
    if phase.finished:
        if snapshot.outcome is not None and snapshot.outcome.duration_s is not None:
            took = snapshot.outcome.duration_s
        elif (last := book.last) is not None and last.phase is phase:
            took = last.duration_s
    return Facts(url=url, eta=eta, since=since, took_s=took, runs=runs)


def facts_of_runtime(rt: Any, task: WatchedTask, snapshot: Snapshot | None, history: Sequence[Change] = (),
                     with_url: bool = True, with_runs: bool = True) -> Facts | None:
    """facts_for with what a tui.runtime.Runtime knows: [links], the profile's region and project, the runs.

    None for an object without them (a test's stand-in runtime). The demo's tasks belong to the
    simulator's CodeArts project, so their Check and Build links can be shown.
    """
    settings, state = getattr(rt, "settings", None), getattr(rt, "state", None)
    if settings is None or state is None or not hasattr(state, "runs"):
        return None
    book = state.runs(task.key)
    if snapshot is None and not book.count and not with_url:
        return _NOTHING_YET  # a task not fetched yet (every row before the state is read): nothing to say
    prof = settings.profiles.get(task.profile)
    # The project only goes into the link: not looked up for the table's rows (with_url=False).
    project = (prof.project_id or rt.default_project(task.profile)) if prof is not None and with_url else None
    links = settings.links
    demo_project = getattr(rt, "demo_codearts_project", None)
    if demo_project is not None and "codearts_project" not in links:
        links = {**links, "codearts_project": demo_project}
    return facts_for(task, snapshot, history, book, rt.clock.now(), links=links,
                     region=prof.region if prof is not None else None, project_id=project, with_url=with_url,
                     with_runs=with_runs)
