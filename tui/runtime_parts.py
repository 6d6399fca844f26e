"""The Runtime's cloud, namer and demo simulator, each made when first used: not before the first frame.

`hcwatch` draws the watch list and the saved statuses first; httpx, the cloud stack (credentials,
signing, the service APIs), the name lookups and the simulator (httpx, uvicorn) are imported when
polling starts, a moment later (tests/behaviour/test_first_frame_imports.py keeps it so).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.model import TaskRef, WatchedTask

if TYPE_CHECKING:
    from tui.clock import Clock
    from tui.cloud.fetcher import Cloud
    from tui.config.settings import Settings
    from tui.naming import Namer
    from tui.sim import Simulator
    from tui.store.state import StateStore
    from tui.store.watchlist import Watchlist

# In demo mode each service gets its own loopback address so the poller keeps one scheduler
# per service, as it would against the real cloud; ASGITransport never connects to them.
DEMO_ENDPOINTS = {
    "check": "http://127.0.0.2",
    "build": "http://127.0.0.3",
    "dws": "http://127.0.0.4",
    "iam": "http://127.0.0.5",
}


class LazyParts:
    """The parts behind `cloud`, `namer` and `simulator`; the Runtime sets the fields they are made from."""

    settings: Settings
    watchlist: Watchlist
    state: StateStore
    clock: Clock
    warnings: list[str]
    default_profile: str
    demo: bool

    def _init_parts(self, retry_auth: bool) -> None:
        self._retry_auth = retry_auth       # --retry-auth: the refusals are forgotten when the cloud is made
        self._cloud: Cloud | None = None
        self._namer: Namer | None = None
        self._simulator: Simulator | None = None
        self._demo_token: str | None = None
        self._demo_started: float | None = None  # the clock's time the demo began (its scripts count from it)
        if retry_auth:
            self.forget_refusals()

    def forget_refusals(self) -> None:
        """--retry-auth: the remembered refusals go now, whatever the command (making the cloud forgets them)."""
        self._cloud = self._new_cloud()

    @property
    def cloud(self) -> Cloud:
        """Where each task lives, its credentials and the fetch (tui.cloud.fetcher)."""
        if self._cloud is None:
            self._cloud = self._new_cloud()
        return self._cloud

    @cloud.setter
    def cloud(self, value: Cloud) -> None:
        self._cloud = value

    def _new_cloud(self) -> Cloud:
        from tui.cloud.auth.refusals import Refusals
        from tui.cloud.fetcher import Cloud

        return Cloud(self.settings, self.clock, self.warnings, default_profile=self.default_profile,
                     demo_token=self._demo_token, demo=self.demo,
                     refusals=Refusals(self.state.dir, forget=self._retry_auth))

    @property
    def namer(self) -> Namer:
        """Tasks added without a name get their own (tui.naming); `self.cloud` is looked up per call."""
        if self._namer is None:
            from tui.naming import Namer

            self._namer = Namer(lambda *a: self.cloud.get_json(*a), self.clock, self.watchlist.take_name,
                                self._named)
        return self._namer

    def _named(self, task: WatchedTask) -> None:
        raise NotImplementedError

    @property
    def simulator(self) -> Simulator | None:
        """The demo's simulated cloud (None outside the demo), made when first asked for."""
        if self._simulator is None and self._demo_started is not None:
            from tui.sim.app import Simulator

            self._simulator = Simulator(self.clock, demo=True, started=self._demo_started)
        return self._simulator

    @simulator.setter
    def simulator(self, value: Simulator | None) -> None:
        self._simulator = value

    @property
    def demo_codearts_project(self) -> str | None:
        """The CodeArts project of the simulator's Check tasks and Build jobs (their links); None outside the demo."""
        if self._simulator is not None:
            return self._simulator.DEMO_CODEARTS_PROJECT
        if self._demo_started is None:
            return None
        from tui.sim.demo import DEMO_CODEARTS_PROJECT

        return DEMO_CODEARTS_PROJECT

    def _setup_demo(self) -> None:
        from tui.sim import demo as demo_data

        self._demo_started = self.clock.time()
        self._demo_token = demo_data.DEMO_TOKEN
        if self._cloud is not None:
            self.forget_refusals()  # made again, with the demo's token
        for prof in self.settings.profiles.values():
            prof.endpoints = dict(DEMO_ENDPOINTS)
            prof.project_id = demo_data.DEMO_PROJECT_ID
        self.watchlist.load()
        if not self.watchlist.tasks:
            for ref_text, name in demo_data.demo_refs():
                self.watchlist.add(WatchedTask(TaskRef.parse(ref_text), name, self.default_profile, self.clock.now()))
