"""Wires settings, watch list, state, credentials, the HTTP client and the poller for any front end."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import tempfile
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from tui.clock import Clock
from tui.config.paths import default_paths
from tui.config.settings import PollSettings, Profile, Settings, load_config, named_profile
from tui.errors import ApiError, UserError
from tui.model import ErrorKind, Snapshot, WatchedTask
from tui.poll.capacity import CadenceWatch
from tui.poll.interface import TaskStatus, Update
from tui.runtime_parts import DEMO_ENDPOINTS, LazyParts
from tui.store.state import StateStore
from tui.store.watchlist import Watchlist

if TYPE_CHECKING:  # httpx, the cloud and the poller are imported when polling starts (tui.runtime_parts)
    import httpx

    from tui.cloud.fetcher import Cloud, PasswordPrompt
    from tui.poll.poller import Poller

__all__ = ["DEMO_ENDPOINTS", "Runtime"]


class Runtime(LazyParts):
    """Everything a front end needs, free of Textual: the CLI and the TUI both drive one of these."""

    def __init__(
        self,
        settings: Settings,
        watchlist: Watchlist,
        state: StateStore,
        *,
        demo: bool = False,
        profile: str | None = None,
        clock: Clock | None = None,
        retry_auth: bool = False,
    ) -> None:
        self.settings = settings
        self.watchlist = watchlist
        self.state = state
        self.demo = demo
        self.clock = clock or Clock()
        self.default_profile = profile or "default"
        self.warnings: list[str] = list(settings.warnings)
        self.warnings_shown: set[str] = set()  # the warnings a command has printed already
        self.cadence = CadenceWatch(PollSettings.from_settings(settings), lambda task: self.cloud.host(task))
        self._init_parts(retry_auth)  # cloud, namer, simulator: made when first used (tui.runtime_parts)
        self.last_sweep_at: datetime | None = None
        self.watchlist_problem: str | None = None   # a hand edit that broke watchlist.toml, while it is broken
        self.client: httpx.AsyncClient | None = None
        self.poller: Poller | None = None
        self._on_update: Callable[[Update], None] | None = None
        self._state_task: asyncio.Task | None = None
        self._tmp: tempfile.TemporaryDirectory | None = None
        if profile is not None:
            self.profile(profile)  # an unknown --profile is a usage error now, not at the first poll

    # ----- construction -------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        *,
        config_path: Path | None = None,
        watchlist_path: Path | None = None,
        state_dir: Path | None = None,
        demo: bool = False,
        profile: str | None = None,
        clock: Clock | None = None,
        retry_auth: bool = False,
    ) -> Runtime:
        """Load config and watch list (UserError on a bad file); nothing touches the network yet."""
        paths = default_paths()
        clock = clock or Clock()
        if demo:
            # The demo never reads or writes the user's files: its own folder, removed at exit.
            tmp = tempfile.TemporaryDirectory(prefix="hcwatch-demo-")
            root = Path(tmp.name)
            settings = load_config(config_path) if config_path else load_config(root / "config.toml")
            rt = cls(settings, Watchlist(watchlist_path or root / "watchlist.toml"),
                     StateStore(state_dir or root / "state", history_limit=settings.history),
                     demo=True, profile=profile, clock=clock, retry_auth=retry_auth)
            rt._tmp = tmp
            rt._setup_demo()
            return rt
        settings = load_config(config_path or paths.config)
        wl = Watchlist(watchlist_path or paths.watchlist)
        wl.load()
        st = StateStore(state_dir or paths.state_dir, history_limit=settings.history)
        return cls(settings, wl, st, demo=False, profile=profile, clock=clock, retry_auth=retry_auth)

    # ----- the cloud (tui.cloud.fetcher.Cloud does the work) ----------------------------------------

    @property
    def auth_problems(self) -> dict[str, str]:
        """profile → one-line reason, while that profile is stopped on authentication."""
        return self.cloud.auth_problems if self._cloud is not None else {}  # none before the cloud is made

    def profile(self, name: str | None = None) -> Profile:
        return named_profile(self.settings, name or self.default_profile, self.demo)

    def endpoint(self, profile: str, kind: str) -> str:
        return self.cloud.endpoint(profile, kind)

    def default_project(self, profile: str | None = None) -> str | None:
        # Before the cloud is made no project has been learnt from IAM: the profile's own, if any.
        return self.cloud.default_project(profile) if self._cloud is not None else self.profile(profile).project_id

    def secrets(self) -> list[str]:
        return self.cloud.secrets()

    # ----- lifecycle ---------------------------------------------------------------------------

    def _make_client(self) -> httpx.AsyncClient:
        from tui.cloud.client import make_client

        return make_client(self.settings.max_in_flight, self.simulator)

    def _build(self, on_update: Callable[[Update], None] | None, prompt: PasswordPrompt | None) -> Poller:
        """A new Poller over the shared client and cloud, reporting through _handle_update."""
        if self.client is None:
            self.client = self._make_client()
        self.cloud.client = self.client
        self.cloud.prompt = prompt
        self._on_update = on_update
        from tui.poll.poller import Poller

        self.poller = Poller(self.cloud, PollSettings.from_settings(self.settings), clock=self.clock,
                             on_update=self._handle_update)
        return self.poller

    async def _restore(self, poller: Poller, tasks: list[WatchedTask]) -> None:
        """Seed the poller with what the state folder remembers, so the screen fills at once."""
        try:
            # Off the event loop: a 10,000-task state file takes a noticeable moment to read.
            # (The watch list's REFs: the restored snapshots and changes share them.)
            saved = await asyncio.to_thread(self.state.load, {t.key: t.ref for t in self.watchlist.tasks})
        except Exception as exc:  # a cache: never fatal
            self.warnings.append(f"state not loaded: {exc}")
            saved = {}
        # The restored state lives as long as polling: out of the cyclic GC's walks (0.4 s of CPU at 10,000 tasks).
        gc.freeze()  # undone by stop()
        self.warnings.extend(w for w in self.state.warnings if w not in self.warnings)
        # Tasks removed from the list while hcwatch was closed need no state any more.
        self.state.retain(t.key for t in self.watchlist.tasks)
        for task in tasks:
            if (st := saved.get(task.key)) is not None:
                poller.seed(task.key, st.snapshot, st.history)
        self.warnings.extend(self.cadence.start(tasks, saved, self.clock.monotonic()))  # before any request

    async def follow(self, tasks: list[WatchedTask], on_update: Callable[[Update], None] | None = None,
                     prompt_password: PasswordPrompt | None = None) -> None:
        """Restore state, then poll these tasks in the background until stop()."""
        poller = self._build(on_update, prompt_password)
        await self._restore(poller, tasks)
        self.namer.watch(tasks)
        for task in tasks:
            poller.add(task)
        await poller.start()

    async def start(
        self,
        on_update: Callable[[Update], None] | None = None,
        prompt_password: PasswordPrompt | None = None,
    ) -> None:
        """Poll every watched task in the background, saving state as it goes."""
        await self.follow(list(self.watchlist.tasks), on_update, prompt_password)
        self._state_task = asyncio.create_task(self.state.run(every=5.0))

    async def sweep(
        self, tasks: list[WatchedTask] | None = None, prompt_password: PasswordPrompt | None = None,
    ) -> dict[str, Snapshot]:
        """Fetch every task once (for `hcwatch list`)."""
        tasks = list(self.watchlist.tasks) if tasks is None else tasks
        poller = self._build(None, prompt_password)
        await self._restore(poller, tasks)
        self.namer.watch(tasks)
        result = await poller.sweep(tasks)  # every result passed through _handle_update
        await self.namer.settle()  # names learnt on the way are in the watch list before `list` prints
        await asyncio.to_thread(self._save_state)
        return result

    async def stop(self) -> None:
        """Stop polling, write state, close connections; safe to call twice."""
        await self.namer.close()
        if self.poller is not None:
            await self.poller.stop()
        if self._state_task is not None:
            self._state_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._state_task
            self._state_task = None
        await asyncio.to_thread(self._save_state)
        if self.client is not None:
            await self.client.aclose()
            self.client = None
        gc.unfreeze()  # what a restore froze can be collected once this runtime is dropped (tests, soaks)
        self.close()

    def close(self) -> None:
        """Remove the demo's temporary folder (nothing else is held outside stop())."""
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def _save_state(self) -> None:
        """Write the state cache; a folder that cannot be written is a warning, never a lost result."""
        try:
            self.state.flush()
        except OSError as exc:
            line = f"{self.state.path}: cannot save state ({exc.strerror or exc})"
            if line not in self.warnings:
                self.warnings.append(line)

    def _handle_update(self, update: Update) -> None:
        # Only the new changes: the store appends them to the history it already holds.
        # (The poller's log too: a task new to the store shares it instead of keeping a second one.)
        self.state.record(update.key, update.snapshot, update.changes,
                          self.poller.log(update.key) if self.poller is not None else None)
        self.warnings.extend(self.cadence.on_result(update, self.status, self.clock.monotonic(), self.cloud.latencies))
        err = update.snapshot.error
        # The poller's status (a copy of the history) is only needed when auth is in question,
        # not on every good poll.
        needs_status = self.auth_problems or (err is not None and err.kind is ErrorKind.AUTH)
        status = self.status(update.key) if needs_status else None
        if status is not None and self.poller is not None:
            task = status.task
            if err is not None and err.kind is ErrorKind.AUTH and status.stopped_reason:
                # The refused request's own error, not the "stopped: profile ..." its siblings inherit.
                own = self.poller.profile_error(task.profile) or err
                self.auth_problems.setdefault(task.profile, self.cloud.rejection(task.profile, own))
            elif err is None:
                self.auth_problems.pop(task.profile, None)
        if err is None:
            self.last_sweep_at = update.snapshot.fetched_at
            named = self.status(update.key) if update.key in self.namer.pending else None
            if named is not None:
                self.namer.after_update(named.task, update.snapshot)
        if self._on_update is not None:
            self._on_update(update)

    # ----- edits (watch list first, then the poller) ---------------------------------------

    def tasks(self) -> list[WatchedTask]:
        return list(self.watchlist.tasks)

    def status(self, key: str) -> TaskStatus | None:
        """What the poller knows of a task; None before start or once it is removed."""
        if self.poller is None:
            return None
        try:
            return self.poller.status(key)
        except KeyError:
            return None

    def throttled_until(self, key: str | None = None) -> datetime | None:
        """When a throttled host's hold ends (UTC): the task's host, or the last of any; None when not held."""
        holds = self.poller.holds if self.poller is not None else None
        return None if holds is None else holds.latest() if key is None else holds.until(key)

    def find(self, text: str) -> WatchedTask:
        return self.watchlist.find(text)

    def add(self, ref_text: str, name: str | None = None, profile: str | None = None,
            codearts_project: str | None = None) -> WatchedTask:
        """Watch a task given by REF or console URL; without a name it waits for its own (`name_now`, tui.naming)."""
        from tui.refs import parse_target

        profile = profile or self.default_profile
        self.profile(profile)
        target = parse_target(ref_text.strip(), self.default_project(profile))
        ref = target.ref
        self.endpoint(profile, ref.service.value)  # an unknown region fails here, not at every poll
        name = name.strip() if name and name.strip() else None
        task = self.watchlist.add(WatchedTask(ref, name, profile, self.clock.now(),
                                              codearts_project=target.codearts_project or codearts_project,
                                              name_pending=name is None))
        self.namer.watch([task])
        if self.poller is not None:
            self.poller.add(task)
        return task

    @contextlib.asynccontextmanager
    async def online(self) -> AsyncIterator[Cloud]:
        """The cloud, with an HTTP client for one-off calls outside polling (closed after, if made here)."""
        own_client = self.client is None
        if own_client:
            self.client = self._make_client()
        self.cloud.client = self.client
        try:
            yield self.cloud
        finally:
            if own_client and self.client is not None:
                await self.client.aclose()
                self.client = None

    async def name_now(self, task: WatchedTask) -> tuple[WatchedTask, str | None]:
        """Ask once for a new task's own name: (the task, renamed or not; why not, or None)."""
        async with self.online():
            try:
                name = await self.namer.lookup(task)
                return self.namer.apply(task, name) or task, None
            except (UserError, ApiError) as exc:
                return task, str(exc)

    def _named(self, task: WatchedTask) -> None:
        """A task got its own name: the poller and the screen show it from now on."""
        if self.poller is not None:
            self.poller.add(task)  # a known key: its entry is updated in place
        status = self.status(task.key)
        if status is not None and status.snapshot is not None and self._on_update is not None:
            self._on_update(Update(task.key, status.snapshot, [], status.next_due))

    def remove(self, key: str) -> WatchedTask:
        task = self.watchlist.remove(key)
        if self.poller is not None:
            self.poller.remove(task.key)
        self.state.forget(task.key)
        self.cadence.forget(t.key for t in self.watchlist.tasks)  # nor counts in the cadence any more
        return task

    def rename(self, key: str, name: str) -> WatchedTask:
        task = self.watchlist.rename(key, name)
        if self.poller is not None:
            self.poller.add(task)  # add() of a known key updates its entry in place
        return task

    def set_paused(self, key: str, paused: bool) -> WatchedTask:
        task = self.watchlist.set_paused(key, paused)
        if self.poller is not None:
            (self.poller.pause if paused else self.poller.resume)(task.key)
        return task

    def sync_watchlist(self) -> tuple[list[WatchedTask], list[WatchedTask]]:
        """Pick up edits made outside this process (the CLI, a hand edit): (added or changed, removed).

        A broken file is left alone and the list in memory stays; `watchlist_problem` says why
        (file:line: what) until the file reads again.
        """
        if not self.watchlist.changed_on_disk():
            return [], []
        before = {t.key: t for t in self.watchlist.tasks}
        try:
            self.watchlist.load()
        except UserError as exc:
            self.watchlist_problem = str(exc)
            return [], []
        self.watchlist_problem = None
        after = {t.key: t for t in self.watchlist.tasks}
        changed = [t for k, t in after.items() if before.get(k) != t]
        self.namer.watch(changed)
        removed = [t for k, t in before.items() if k not in after]
        if self.poller is not None:
            for task in changed:
                self.poller.add(task)
            for task in removed:
                self.poller.remove(task.key)
        for task in removed:
            self.state.forget(task.key)
        self.cadence.forget(after)
        return changed, removed

    def refresh(self, key: str | None = None) -> None:
        if self.poller is not None:
            self.poller.refresh(key)

    def retry_auth(self, profile: str) -> None:
        """Forget a profile's failed credentials and poll it again (after the user fixed them)."""
        self.cloud.forget(profile)
        if self.poller is not None:
            self.poller.resume_profile(profile)
