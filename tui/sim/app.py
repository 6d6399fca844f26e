"""The Simulator: one plain ASGI app answering Check, Build, DWS and IAM paths on any host."""

from __future__ import annotations

import asyncio
import contextvars
import email.utils
import json
import math
import urllib.parse
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import httpx

from tui.clock import Clock
from tui.model import Service, TaskRef
from tui.sim import demo as demo_data
from tui.sim import routes
from tui.sim.faults import FAULTS, GARBAGE, ConnectionDropped, Fault, error_response, huge_body, not_found_body
from tui.sim.gateway import AkSk, AuthFailure, Gateway, Token
from tui.sim.script import ScriptedTask
from tui.sim.stats import Stats

# The ASGI callables' shapes, as servers and httpx.ASGITransport call them.
Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

_JSON = "application/json;charset=UTF-8"
# The id of the request being answered: sent as X-Request-Id and inside gateway error bodies.
_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")


class Simulator:
    """A simulated Huawei Cloud; the instance is the ASGI app. See tui/sim.py for the API summary."""

    DEMO_TOKEN = demo_data.DEMO_TOKEN
    DEMO_PROJECT_ID = demo_data.DEMO_PROJECT_ID
    DEMO_CODEARTS_PROJECT = demo_data.DEMO_CODEARTS_PROJECT
    DEMO_USER = demo_data.DEMO_USER
    FAULTS = FAULTS

    def __init__(
        self,
        clock: Clock | None = None,
        *,
        demo: bool = True,
        token_lifetime: float = 86400.0,
        require_auth: bool = True,
        started: float | None = None,
    ) -> None:
        self.clock = clock or Clock()
        # `started`: the clock's time the demo began (the runtime makes its simulator when first needed).
        self.started = self.clock.time() if started is None else started
        self.require_auth = require_auth
        self.tasks: dict[str, ScriptedTask] = {}
        self.faults: list[Fault] = []
        self.stats = Stats()
        self.gateway = Gateway(self.clock, token_lifetime, self.DEMO_TOKEN, dict(demo_data.PROJECTS))
        self._demo_keys: list[str] = []
        # Route names (tui.sim.routes.ROUTES) answered with 404 APIGW.0101, as some regions do.
        self.unavailable: set[str] = set()
        if demo:
            for spec in demo_data.demo_tasks():
                task = self.add_task(**spec, at=self.started)
                self._demo_keys.append(str(task.ref))
            for spec in demo_data.unwatched_tasks():  # what `hcwatch discover --demo` finds besides
                self.add_task(**spec, at=self.started)
            self.add_user(*demo_data.DEMO_USER)
            # A second account to try per-profile credentials with (token_env, ak_env/sk_env).
            self.add_token(demo_data.DEMO_TOKEN_B, user="demo-b")
            self.add_aksk(*demo_data.DEMO_AKSK, project_id=demo_data.DEMO_PROJECT_ID)

    # --- scripting ------------------------------------------------------------------------------
    def add_task(
        self,
        ref: str,
        script: list[tuple[float, dict[str, Any]]] | dict[str, Any],
        *,
        name: str | None = None,
        loop: float | None = None,
        at: float | None = None,
        project: str | None = None,
    ) -> ScriptedTask:
        """Script a task: [(seconds after `at` (default: now on the clock), raw API state), ...].

        A bare dict is one state forever. States are the raw API fields: Check `task_status`/`progress`;
        Build `result` (running?), `last_build_no`, `build_result`, optional `last_build_status`, `region`;
        DWS `status`, `progress`, `job_name`, `failed_code`, `failed_detail` (times filled in). Any value
        may be a `Ramp(start, end)`; `_body` replaces the whole answer of the main status route.
        `project`: the CodeArts project the list calls show a Check task or Build job under (default: the demo's).
        """
        parsed = TaskRef.parse(ref)
        steps = [(0.0, script)] if isinstance(script, dict) else list(script)
        if project is None and parsed.service is not Service.DWS:
            project = demo_data.DEMO_CODEARTS_PROJECT
        task = ScriptedTask(parsed, steps, self.clock.time() if at is None else at, name, loop, project)
        self.tasks[str(parsed)] = task
        return task

    def set_state(self, ref: str, state: dict[str, Any]) -> ScriptedTask:
        """Replace a task's script with one state, from now on."""
        old = self.tasks.get(str(TaskRef.parse(ref)))
        return self.add_task(ref, state, name=old.name if old else None, project=old.project if old else None)

    def remove_task(self, ref: str) -> None:
        self.tasks.pop(str(TaskRef.parse(ref)), None)

    def demo_refs(self) -> list[tuple[str, str]]:
        """(REF, display name) of the demo tasks still present, in a stable order."""
        return [(k, self.tasks[k].name or k) for k in self._demo_keys if k in self.tasks]

    def elapsed(self) -> float:
        """Seconds of simulator time since construction."""
        return self.clock.time() - self.started

    # --- credentials ----------------------------------------------------------------------------
    def add_user(self, name: str, password: str, domain: str = demo_data.DEMO_USER[2]) -> None:
        self.gateway.users[(domain, name)] = password

    def add_aksk(self, ak: str, sk: str, project_id: str | None = None, security_token: str | None = None) -> None:
        self.gateway.aksks[ak] = AkSk(sk, project_id, security_token)

    def add_token(self, token: str, project_id: str | None = None, user: str = "token-user") -> None:
        """Accept a fixed token, like the demo's (one per simulated account: per-profile credentials)."""
        self.gateway.tokens[token] = Token(math.inf, project_id, None, user)

    def add_project(self, name: str, project_id: str) -> None:
        self.gateway.projects[name] = project_id

    def revoke_tokens(self) -> None:
        """Invalidate every issued token (IAM does this on a password change)."""
        self.gateway.tokens.clear()

    @property
    def tokens_issued(self) -> int:
        return self.gateway.issued

    def ak_locked(self, ak: str) -> bool:
        entry = self.gateway.aksks.get(ak)
        return bool(entry and self.clock.time() < entry.locked_until)

    # --- faults ---------------------------------------------------------------------------------
    def inject(self, fault: str, ref: str | None = None, count: int | None = None, **opts: Any) -> Fault:
        """Make matching requests fail. `ref` limits it to one task; `count` to the next N requests.

        opts: latency `seconds` (default 0.05), `on_clock` (sleep on the simulator clock instead of
        real time); throttle `retry_after` (default 5, None for no header); huge `size` (default 2 MiB),
        `chunked`; any error fault `status`, `code`, `msg`; every fault `service` (check|build|dws|iam) and
        `route` (a name in tui.sim.routes.ROUTES).
        """
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; known: {', '.join(FAULTS)}")
        item = Fault(fault, TaskRef.parse(ref) if ref else None, count, opts)
        self.faults.append(item)
        return item

    def clear_faults(self, ref: str | None = None) -> None:
        """Remove every fault, or only those injected for `ref`."""
        if ref is None:
            self.faults.clear()
            return
        key = str(TaskRef.parse(ref))
        self.faults = [f for f in self.faults if f.ref is None or str(f.ref) != key]

    # --- ASGI -----------------------------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return  # websockets are not part of these APIs
        body = b""
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers: dict[str, str] = {}
        for k, v in scope.get("headers", []):
            headers[k.decode("latin-1").lower()] = v.decode("latin-1")
        query = scope.get("query_string", b"")
        entry = self.stats.begin(scope["method"], scope["path"], query.decode("latin-1"), headers, self.clock.time())
        status: int | None = None
        rid = _request_id.set(uuid.uuid4().hex)
        try:
            status = await self._handle(scope, send, headers, query, body)
        finally:
            _request_id.reset(rid)
            self.stats.end(entry, status)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _handle(self, scope: Scope, send: Send, headers: dict, query: bytes, body: bytes) -> int | None:
        method, path = scope["method"], scope["path"]
        route, service, params = routes.match(method, path)
        ref = routes.ref_for(route, params)

        # Faults first: the wire and the gateway fail before anything looks at credentials.
        for fault in [f for f in self.faults if f.kind == "latency" and f.matches(ref, service, route)]:
            fault.consume()
            seconds = float(fault.opts.get("seconds", 0.05))
            await (self.clock.sleep(seconds) if fault.opts.get("on_clock") else asyncio.sleep(seconds))
        # Chosen after the wait, so concurrent requests never use up a counted fault more than `count` times.
        picked = self._pick_fault(ref, service, route)
        if picked is not None:
            picked.consume()
            return await self._fault(picked, scope, send, service)

        if route is None:
            status, err = not_found_body(None)
            return await self._send_json(send, status, err)
        if route == "iam_token":
            status, extra, payload = self.gateway.issue_token(body)
            return await self._send_json(send, status, payload, extra)
        if self.require_auth:
            try:
                self.gateway.authenticate(method, scope.get("raw_path", b"").decode("latin-1") or path,
                                          query, headers, body)
            except AuthFailure as fail:
                return await self._send_json(send, fail.status, _apig(fail.code, fail.msg))
        if route == "iam_projects":
            return await self._send_json(send, 200, self.gateway.list_projects(query))
        if route in routes.LISTS:
            return await self._send_json(send, *routes.listing(route, params, query, self.tasks.values(),
                                                               self.clock.time()))
        assert service is not None and ref is not None  # every other route is a task's
        return await self._answer(send, route, service, ref, params, query)

    def _pick_fault(self, ref: TaskRef | None, service: str | None, route: str | None = None) -> Fault | None:
        """The first live non-latency fault for this request: one injected for its task before a global one."""
        live = [f for f in self.faults if f.kind != "latency" and f.matches(ref, service, route)]
        return next((f for f in live if f.ref is not None), None) or next(iter(live), None)

    def _task(self, ref: TaskRef) -> ScriptedTask | None:
        task = self.tasks.get(str(ref))
        if task is None and ref.service is Service.DWS:
            task = self.tasks.get(str(TaskRef(Service.DWS, ref.task_id)))  # scripted without a project
        return task

    async def _answer(self, send: Send, route: str, service: str, ref: TaskRef, params: tuple,
                      query: bytes = b"") -> int:
        task = self._task(ref)
        if task is None:
            status, err = not_found_body(service)
            return await self._send_json(send, status, err)
        if route in self.unavailable:  # an API the gateway does not publish in this "region"
            return await self._send_json(send, 404, _apig("APIGW.0101", "The API does not exist or has not been "
                                                           "published in the environment"))
        args = dict(urllib.parse.parse_qsl(query.decode("latin-1")))
        status, payload = routes.payload(route, ref, task, params, self.clock.time(), args)
        return await self._send_json(send, status, payload)

    async def _fault(self, fault: Fault, scope: Scope, send: Send, service: str | None) -> int | None:
        if fault.kind == "drop":
            await self._drop(scope, send)
            return None
        if fault.kind == "garbage":
            return await self._send(send, 200, {"Content-Type": _JSON}, fault.opts.get("body", GARBAGE))
        if fault.kind == "huge":
            size = int(fault.opts.get("size", 2 << 20))
            return await self._send(send, 200, {"Content-Type": _JSON}, huge_body(size),
                                    chunked=bool(fault.opts.get("chunked")))
        status, headers, body = error_response(fault, service)
        return await self._send(send, status, headers, body)

    async def _drop(self, scope: Scope, send: Send) -> None:
        """Close the connection without an answer.

        Under uvicorn `send` is a bound method of its request cycle, whose transport we close; once the
        loop has seen the close, returning quietly leaves uvicorn nothing to log and the client gets
        "Server disconnected without sending a response". Under httpx.ASGITransport (or any server we
        cannot reach into) we raise ConnectionDropped, an httpx.RemoteProtocolError, which
        ASGITransport re-raises to the client unchanged.
        """
        transport = getattr(getattr(send, "__self__", None), "transport", None)
        if transport is not None and hasattr(transport, "close"):
            transport.close()
            await asyncio.sleep(0)
            return
        host = dict(scope.get("headers", [])).get(b"host", b"simulator").decode("latin-1")
        url = f"{scope.get('scheme', 'http')}://{host}{scope['path']}"
        if scope.get("query_string"):
            url += "?" + scope["query_string"].decode("latin-1")
        raise ConnectionDropped(
            "Server disconnected without sending a response.", request=httpx.Request(scope["method"], url)
        )

    async def _send_json(self, send: Send, status: int, payload: Any, headers: dict | None = None) -> int:
        return await self._send(send, status, {"Content-Type": _JSON, **(headers or {})}, json.dumps(payload).encode())

    async def _send(self, send: Send, status: int, headers: dict[str, str], body: bytes, chunked: bool = False) -> int:
        out = [(k.encode("latin-1"), str(v).encode("latin-1")) for k, v in headers.items()]
        out.append((b"x-request-id", (_request_id.get() or uuid.uuid4().hex).encode()))
        # Date from the simulator's clock (uvicorn's own is turned off), so clients that read the
        # gateway's time, e.g. to explain a clock-skew refusal, see the simulated time.
        out.append((b"date", email.utils.formatdate(self.clock.time(), usegmt=True).encode()))
        if not chunked:
            out.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": out})
        step = 64 * 1024
        if len(body) <= step:
            await send({"type": "http.response.body", "body": body})
            return status
        for i in range(0, len(body), step):  # big bodies go out in pieces, as a real server streams them
            await send({"type": "http.response.body", "body": body[i : i + step], "more_body": i + step < len(body)})
        return status


def _apig(code: str, msg: str) -> dict[str, str]:
    return {"error_code": code, "error_msg": msg, "request_id": _request_id.get()}
