"""The poller's view of the cloud: endpoints, credentials per profile, and fetching one task."""

from __future__ import annotations

import asyncio
import os
import time
import urllib.parse
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from tui.clock import Clock
from tui.cloud import services
from tui.cloud.auth.masking import SecretMask, mask_error, mask_snapshot
from tui.cloud.auth.refusals import Refusals
from tui.cloud.services.lookups import OutcomeCache
from tui.config import endpoints
from tui.config.settings import Profile, Settings, named_profile
from tui.errors import ApiError, UserError, as_task_error
from tui.model import ErrorKind, Service, Snapshot, TaskError, WatchedTask

if TYPE_CHECKING:
    from tui.cloud.auth.base import Credentials

PasswordPrompt = Callable[[str], Awaitable[str]]


class Cloud:
    """Resolves where each task lives and with which credentials, and fetches it (the poller's Fetcher)."""

    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        warnings: list[str],
        *,
        default_profile: str = "default",
        demo_token: str | None = None,
        refusals: Refusals | None = None,
        demo: bool = False,
    ) -> None:
        self.settings = settings
        self.demo = demo
        self.clock = clock
        self.default_profile = default_profile
        self.client: httpx.AsyncClient | None = None
        self.prompt: PasswordPrompt | None = None
        # Shared with the runtime: credentials add theirs (e.g. a credentials file others can read).
        self.warnings = warnings
        self.auth_problems: dict[str, str] = {}
        self._demo_token = demo_token
        self._creds: dict[str, Credentials] = {}
        self._creds_lock = asyncio.Lock()
        self._mask = SecretMask(())
        # Credentials rejected before, in any run: never sent again (the runtime gives it the state folder's).
        self.refusals = refusals or Refusals(None)
        self._projects: dict[str, str] = {}
        self._endpoints: dict[tuple[str, str], str] = {}
        # What Build's outcome lookups remember (outcomes, refusals): this client's own, never shared.
        self.build_outcomes = OutcomeCache()
        # Seconds a request takes per endpoint (a moving average, real time): whether max_in_flight
        # lets the interval be met depends on it (tui.poll.capacity).
        self._latency: dict[str, float] = {}

    # ----- where -------------------------------------------------------------------------------

    def profile(self, name: str | None = None) -> Profile:
        return named_profile(self.settings, name or self.default_profile, self.demo)

    def endpoint(self, profile: str, kind: str) -> str:
        # Resolved once per (profile, service): this sits on the poll path.
        key = (profile, kind)
        url = self._endpoints.get(key)
        if url is None:
            prof = self.profile(profile)
            overrides = dict(prof.endpoints)
            # The Huawei SDK's own variable for IAM, honoured like an override (still validated).
            if kind == "iam" and "iam" not in overrides and os.environ.get("HUAWEICLOUD_SDK_IAM_ENDPOINT"):
                overrides["iam"] = os.environ["HUAWEICLOUD_SDK_IAM_ENDPOINT"].strip()
            url = self._endpoints[key] = endpoints.resolve(kind, prof.region, overrides, profile=prof.name)
        return url

    def default_project(self, profile: str | None = None) -> str | None:
        prof = self.profile(profile)
        return prof.project_id or self._projects.get(prof.name)

    # ----- who ---------------------------------------------------------------------------------

    def http(self) -> httpx.AsyncClient:
        """The HTTP client the runtime gave this Cloud (set before the first poll)."""
        if self.client is None:
            raise RuntimeError("Cloud.client is not set: the runtime sets it before polling")
        return self.client

    async def credentials(self, profile: str) -> Credentials:
        """The profile's credentials, made once (a password is asked for at most once)."""
        creds = self._creds.get(profile)
        if creds is not None:
            return creds
        async with self._creds_lock:
            if profile in self._creds:
                return self._creds[profile]
            from tui.cloud.auth import TokenAuth, credentials_for
            from tui.cloud.auth.sources import sources_for

            # The demo's own token, unless the profile names its sources (trying two accounts in the demo).
            if self._demo_token is not None and not sources_for(self.profile(profile)).custom:
                creds = TokenAuth(self._demo_token, source="the demo")
            else:
                try:
                    creds = credentials_for(
                        self.profile(profile),
                        client=self.http(),
                        iam_endpoint=self.endpoint(profile, "iam"),
                        clock=self.clock,
                        prompt=self.prompt,
                        deadline=self.settings.request_timeout,
                    )
                except UserError as exc:
                    self.auth_problems[profile] = self.mask()(str(exc))
                    raise
                self.warnings.extend(w for w in getattr(creds, "warnings", []) or [] if w not in self.warnings)
            creds.refusals = self.refusals
            self._creds[profile] = creds
            return creds

    async def project_id(self, profile: str, creds: Credentials) -> str | None:
        known = self.default_project(profile)
        if known:
            return known
        resolve = getattr(creds, "project_id_for_region", None)
        if resolve is None:
            return None
        pid = await resolve()
        if pid:
            self._projects[profile] = pid
        return pid

    def secrets(self) -> list[str]:
        """Every secret held in memory, so a front end can redact anything it prints."""
        return [s for creds in self._creds.values() for s in creds.secrets() if s]

    def mask(self) -> SecretMask:
        """The mask of every secret held now (rebuilt only when they change: a renewed token, a new profile)."""
        secrets = tuple(dict.fromkeys(self.secrets()))
        if secrets != self._mask.secrets:
            self._mask = SecretMask(secrets)
        return self._mask

    def rejection(self, profile: str, err: TaskError) -> str:
        """Why a profile stopped, in the credentials' own words when they can explain (clock skew, lock-out).

        A token or AK/SK a service rejected is remembered, so no later run sends it again (a password is
        remembered when IAM itself refuses it: a rejected token made from it says nothing about the password).
        """
        creds = self._creds.get(profile)
        if creds is not None and creds.refused:
            return creds.refused
        if creds is not None and creds.kind in ("token", "aksk"):
            said = " ".join(str(x) for x in (err.http_status and f"HTTP {err.http_status}", err.code) if x)
            creds.remember_refusal(self.mask()(f"the service answered {said or 'with an authentication error'}"))
        hint = creds.rejection_hint() if creds is not None and hasattr(creds, "rejection_hint") else None
        return self.mask()(hint or err.message or "authentication failed")

    def forget(self, profile: str) -> None:
        """Drop a profile's credentials so the next poll builds (and may prompt for) new ones; the user asked
        to retry, so a remembered rejection of them is forgotten too."""
        creds = self._creds.pop(profile, None)
        material = creds.material() if creds is not None else None
        if material is not None:
            self.refusals.forget(material)
        self.auth_problems.pop(profile, None)
        # Build outcome lookups refused under the old credentials may work under the new ones.
        self.build_outcomes.clear()

    # ----- the poller's Fetcher protocol -------------------------------------------------------

    def host(self, task: WatchedTask) -> str:
        # A UserError here (unknown region, bad override) makes the poller show a config error.
        return urllib.parse.urlsplit(self.endpoint(task.profile, task.ref.service.value)).netloc

    async def fetch(self, task: WatchedTask) -> Snapshot:
        """The task's status; every text that came from the network has the credentials masked (tested)."""
        try:
            snapshot = await self._fetch(task)
        except ApiError as exc:
            # The one place network text enters: the poller, screen, state file, JSON and logs see it masked.
            exc.error = mask_error(self.mask(), exc.error)
            raise
        return mask_snapshot(self.mask(), snapshot)

    async def _fetch(self, task: WatchedTask) -> Snapshot:
        now = self.clock.now()
        try:
            endpoint = self.endpoint(task.profile, task.ref.service.value)
            creds = await self.credentials(task.profile)
        except UserError as exc:  # no endpoint for the profile, or no credentials for it
            raise ApiError(as_task_error(exc, ErrorKind.CONFIG)) from None
        ref = task.ref
        if ref.service is Service.DWS and not ref.project_id:
            ref = ref.with_project(await self.project_id(task.profile, creds))
        started = time.perf_counter()
        try:
            return await services.fetch(self.http(), ref, endpoint, now, auth=creds, outcomes=self.build_outcomes,
                                        deadline=self.settings.request_timeout,
                                        project_id=self.default_project(task.profile))
        finally:
            took = time.perf_counter() - started
            self._latency[endpoint] = 0.9 * self._latency.get(endpoint, took) + 0.1 * took

    def latencies(self) -> dict[str, float]:
        """Seconds one status request takes, per host (as host() names them), averaged over recent ones."""
        return {urllib.parse.urlsplit(e).netloc: s for e, s in self._latency.items()}

    async def get_json(self, profile: str, service: str, path: str,
                       params: Mapping[str, str | int] | None = None) -> dict[str, Any]:
        """One more call on a service's host with the profile's credentials (lists, names: tui.cloud.catalog)."""
        endpoint = self.endpoint(profile, service)
        creds = await self.credentials(profile)
        return await services.get_json(self.http(), endpoint.rstrip("/") + path, self.clock.now(), creds, params)

    # ----- on demand (the user asked: key L) -----------------------------------------------------

    async def build_log(self, task: WatchedTask, build_no: str, to: Path | None = None) -> list[str] | tuple[int, bool]:
        """A Build's log tail (lines), or with `to` the whole log written there ((bytes, cut)); raises ApiError."""
        from tui.cloud import build_log

        try:
            endpoint = self.endpoint(task.profile, "build")
            creds = await self.credentials(task.profile)
        except UserError as exc:
            raise ApiError(as_task_error(exc, ErrorKind.CONFIG)) from None
        now = self.clock.now()
        if to is None:
            mask = self.mask()  # a log may echo a token: masked like every other text from the answers
            return [mask(line) for line in await build_log.tail(self.http(), endpoint, creds, task.ref, build_no, now)]
        return await build_log.download(self.http(), endpoint, creds, task.ref, build_no, to, now, mask=self.mask())

    async def reauthenticate(self, profile: str) -> bool:
        creds = self._creds.get(profile)
        if creds is None:
            return False
        try:
            return bool(await creds.refresh())
        except UserError as exc:
            self.auth_problems[profile] = self.mask()(str(exc))
            return False
