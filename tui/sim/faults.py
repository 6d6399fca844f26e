"""Injectable faults: what the gateway or a service answers when things go wrong."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx

from tui.model import Service, TaskRef

FAULTS = (
    "latency", "busy", "expired", "forbidden", "not_found", "throttle", "server",
    "unavailable", "bad_gateway", "gateway_timeout", "garbage", "empty", "drop", "huge",
)

BAD_GATEWAY_HTML = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)


class ConnectionDropped(httpx.RemoteProtocolError):
    """Raised by the app for the `drop` fault: through httpx.ASGITransport the client sees exactly this
    (an httpx.TransportError), like a server that closed the connection without answering."""


@dataclass
class Fault:
    """One injected fault; `remaining` None means until cleared."""

    kind: str
    ref: TaskRef | None = None
    remaining: int | None = None
    opts: dict[str, Any] = field(default_factory=dict)
    hits: int = 0

    def matches(self, ref: TaskRef | None, service: str | None, route: str | None = None) -> bool:
        if self.remaining is not None and self.remaining <= 0:
            return False
        if self.opts.get("route") is not None and self.opts["route"] != route:
            return False
        want = self.opts.get("service")
        if want is not None and want != service:
            return False
        if self.ref is None:
            return True
        if ref is None or ref.service is not self.ref.service or ref.task_id != self.ref.task_id:
            return False
        # "dws:JOB" without a project matches that job under any project.
        return self.ref.project_id is None or self.ref.project_id == ref.project_id

    def consume(self) -> None:
        self.hits += 1
        if self.remaining is not None:
            self.remaining -= 1


def not_found_body(service: str | None) -> tuple[int, dict[str, str]]:
    """What each service answers for a task id it does not know."""
    if service == Service.CHECK.value:
        return 404, {"error_code": "CC.00070011", "error_msg": "The task does not exist."}
    if service == Service.BUILD.value:
        return 404, {"error_code": "CB.00060201", "error_msg": "Invalid job ID or the job does not exist."}
    if service == Service.DWS.value:
        return 404, {"error_code": "DWS.0047", "error_msg": "The job does not exist."}
    return 404, {"error_code": "APIG.0101",
                 "error_msg": "The API does not exist or has not been published in the environment"}


def error_response(fault: Fault, service: str | None) -> tuple[int, dict[str, str], bytes]:
    """(status, extra headers, body) for every fault except latency, drop, garbage and huge."""
    kind, o = fault.kind, fault.opts
    headers: dict[str, str] = {}
    if kind == "busy":
        status, body = (
            (500, {"error_code": "CB.00060100", "error_msg": "Network busy. Try again later."})
            if service == "build"
            else (400, {"error_code": "CC.00000000", "error_msg": "Network busy. Try again later."})
        )
    elif kind == "expired":
        status, body = (
            (401, {"error_code": "CC.00000003", "error_msg": "Authentication information expired."})
            if service == "check"
            else (401, {"error_code": "APIG.0301",
                        "error_msg": "Incorrect IAM authentication information: token expires"})
        )
    elif kind == "forbidden":
        status, body = (
            (403, {"error_code": "DWS.0015", "error_msg": "You do not have required permissions."})
            if service == "dws"
            else (403, {"error_code": "APIG.0302", "error_msg": "The IAM user is not authorized to access the API."})
        )
    elif kind == "not_found":
        status, body = not_found_body(service)
    elif kind == "throttle":
        status = 429
        body = {"error_code": "APIG.0308",
                "error_msg": "The throttling threshold has been reached: policy user over ratelimit"}
        retry_after = o.get("retry_after", 5)
        if retry_after is not None:
            headers["Retry-After"] = str(retry_after)
    elif kind == "server":
        prefix = {"check": "CC.00050006", "build": "CB.00060000", "dws": "DWS.0000"}.get(service or "", "APIG.0201")
        status, body = 500, {"error_code": prefix, "error_msg": "Internal server error."}
    elif kind == "unavailable":
        status, body = 503, {"error_code": "APIG.0202", "error_msg": "Backend unavailable"}
    elif kind == "gateway_timeout":
        status, body = 504, {"error_code": "APIG.0201", "error_msg": "Backend timeout"}
    elif kind == "bad_gateway":
        return 502, {"Content-Type": "text/html"}, BAD_GATEWAY_HTML
    elif kind == "empty":
        return o.get("status", 200), {"Content-Type": "application/json"}, b""
    else:
        raise ValueError(f"not an error fault: {kind}")
    status = o.get("status", status)
    if "code" in o or "msg" in o:
        body = {"error_code": o.get("code", body["error_code"]), "error_msg": o.get("msg", body["error_msg"])}
    headers["Content-Type"] = "application/json;charset=UTF-8"
    return status, headers, json.dumps(body).encode()


GARBAGE = b'{"task_status": 0, "progress": {"ratio": "5'  # cut off mid-string: not valid JSON


def huge_body(size: int) -> bytes:
    """A syntactically valid JSON object larger than `size` bytes."""
    return b'{"result": true, "padding": "' + b"x" * size + b'"}'
