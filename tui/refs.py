"""What a user may type where a task is asked for: a REF, or a console/API URL that carries the task's id.

    parse_target("https://devcloud.cn-north-4.huaweicloud.com/codecheck/project/P/codecheck/task/ID/detail")
    → Target(ref=check:ID, codearts_project="P", region="cn-north-4")

Console pages route in the path or after `#` (single-page apps); both are read as one list of
segments, and `?a=b` pairs from the query and from the fragment count alike. The host must be a
Huawei Cloud one (`*.huaweicloud.com`, `*.myhuaweicloud.com`, and the `.eu` forms). A URL that
names no id is refused with a line saying what was expected. No network, no Textual.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass

from tui.errors import RefError
from tui.model import ID_RE, Service, TaskRef, validate_id

__all__ = ["HOST_SUFFIXES", "Target", "looks_like_url", "parse_target", "parse_url"]

HOST_SUFFIXES = ("huaweicloud.com", "myhuaweicloud.com", "huaweicloud.eu", "myhuaweicloud.eu")
_HEX32 = re.compile(r"[0-9a-fA-F]{32}")
_REGION = re.compile(r"[a-z]{2}-[a-z]+-[0-9]{1,3}")
# Words in a path that say which console (or API host) a URL belongs to.
_CHECK_WORDS = {"codecheck", "codearts-check", "codeartscheck", "check"}
_BUILD_WORDS = {"cloudbuild", "codearts-build", "codeartsbuild", "build", "cloudbuildservice", "cloudbuild-ext"}
_DWS_WORDS = {"dws"}
_ID_KEYS = {"task_id", "taskid", "job_id", "jobid", "id"}
_PROJECT_KEYS = {"project_id", "projectid"}

EXPECTED = {
    Service.CHECK: "a CodeArts Check task page like "
                   "https://devcloud.REGION.huaweicloud.com/codecheck/project/PROJECT/codecheck/task/TASK_ID/detail",
    Service.BUILD: "a CodeArts Build job page whose path ends in the 32-character job id "
                   "(or has it after /detail/history/)",
    Service.DWS: "a DWS URL carrying the job id (job_id=ID, or …/job/ID)",
}


@dataclass(frozen=True)
class Target:
    """A task as the user named it: the REF, plus what a URL told besides (kept for console links)."""

    ref: TaskRef
    codearts_project: str | None = None  # the CodeArts project of a Check task or Build job (from a URL)
    region: str | None = None            # the region the URL's host names, if it names one
    from_url: bool = False


def looks_like_url(text: str) -> bool:
    """True for text that is meant as a URL (a scheme, or a Huawei Cloud host at the start)."""
    text = text.strip().strip("<>\"'")
    low = text.lower()
    if low.startswith(("http://", "https://")):
        return True
    host = low.split("/", 1)[0]
    return "/" in low and any(host == s or host.endswith("." + s) for s in HOST_SUFFIXES)


def parse_target(text: str, default_project: str | None = None) -> Target:
    """A REF or a URL → Target; raises RefError with one line saying what is wrong."""
    if not isinstance(text, str):
        raise RefError(f"task reference must be text, not {type(text).__name__}")
    if looks_like_url(text):
        return parse_url(text, default_project)
    return Target(TaskRef.parse(text.strip(), default_project))


def _shown(text: str) -> str:
    return text.encode("unicode_escape").decode("ascii")[:100]


@dataclass
class _Parts:
    host: str
    segments: list[str]
    params: dict[str, str]


def _split(text: str) -> _Parts:
    raw = text.strip().strip("<>\"'")
    if not raw.lower().startswith(("http://", "https://")):
        raw = "https://" + raw
    try:
        parts = urllib.parse.urlsplit(raw)
        host = (parts.hostname or "").lower()
    except ValueError:
        raise RefError(f"{_shown(text)!r} is not a URL that can be read") from None
    if not host:
        raise RefError(f"{_shown(text)!r} has no host")
    if not any(host == s or host.endswith("." + s) for s in HOST_SUFFIXES):
        raise RefError(f"{host[:60]!r} is not a Huawei Cloud host (expected *.huaweicloud.com or *.myhuaweicloud.com)")
    fragment_path, _, fragment_query = parts.fragment.partition("?")
    segments = [urllib.parse.unquote(s) for s in (parts.path + "/" + fragment_path).split("/") if s.strip()]
    params: dict[str, str] = {}
    for query in (parts.query, fragment_query):
        for key, value in urllib.parse.parse_qsl(query, keep_blank_values=False):
            params.setdefault(key.lower(), value.strip())
    return _Parts(host, segments, params)


def _region(p: _Parts) -> str | None:
    wanted = p.params.get("region", "")
    if _REGION.fullmatch(wanted):
        return wanted
    return next((label for label in p.host.split(".") if _REGION.fullmatch(label)), None)


def _service(p: _Parts) -> Service | None:
    """Which service the URL is for: the API host first, then the words in its path."""
    first = p.host.split(".", 1)[0]
    if first in ("codearts-check", "codecheck-ext", "check"):
        return Service.CHECK
    if first in ("cloudbuild-ext", "build-backend"):
        return Service.BUILD
    if first == "dws":
        return Service.DWS
    words = {s.lower() for s in p.segments}
    for service, known in ((Service.CHECK, _CHECK_WORDS), (Service.BUILD, _BUILD_WORDS), (Service.DWS, _DWS_WORDS)):
        if words & known:
            return service
    return None


def _after(segments: list[str], word: str) -> str | None:
    """The segment right after the last occurrence of `word` (case-insensitive), if any."""
    low = [s.lower() for s in segments]
    for i in range(len(low) - 2, -1, -1):
        if low[i] == word:
            return segments[i + 1]
    return None


def _project(p: _Parts) -> str | None:
    """A CodeArts project id: …/project/P/…, …/projects/P/…, or project_id=P."""
    for word in ("project", "projects"):
        value = _after(p.segments, word)
        if value and ID_RE.fullmatch(value):
            return value
    for key in _PROJECT_KEYS:
        if ID_RE.fullmatch(p.params.get(key, "")):
            return p.params[key]
    return None


def _query_id(p: _Parts, keys: tuple[str, ...]) -> str | None:
    return next((p.params[k] for k in keys if p.params.get(k)), None)


def _check(p: _Parts) -> tuple[str | None, str | None]:
    """(task id, CodeArts project) of a Check URL."""
    project = _project(p)
    task = _after(p.segments, "task") or _query_id(p, ("task_id", "taskid"))
    if task is None:
        api = _after(p.segments, "tasks")  # the API form /v2/tasks/ID/progress, /v2/P/tasks/ID
        task = api
        if p.segments[:1] == ["v2"] and len(p.segments) > 2 and p.segments[2] == "tasks":
            project = project or p.segments[1]
    return task, project


def _build(p: _Parts) -> tuple[str | None, str | None]:
    """(job id, CodeArts project) of a Build URL: after /detail/history/, the API's /jobs/ID, or the 32-hex tail."""
    project = _project(p)
    job = _after(p.segments, "history")
    if job is not None and not _HEX32.fullmatch(job):
        job = None
    if job is None:
        job = _query_id(p, ("job_id", "jobid", "id"))
    if job is None and p.segments[:1] in (["v3"], ["v1"]):
        job = _after(p.segments, "jobs") or _after(p.segments, "job")
    if job is None:
        # The tail: the last 32-hex segment that is not the project's.
        hexes = [s for s in p.segments if _HEX32.fullmatch(s) and s != project]
        job = hexes[-1] if hexes else None
    return job, project


def _dws(p: _Parts) -> tuple[str | None, str | None]:
    """(job id, DWS project id) of a DWS URL: job_id=…, the API's /v1.0/P/job/ID, or …/job/ID."""
    job = _query_id(p, ("job_id", "jobid"))
    project = None
    segs = p.segments
    if job is None:
        job = _after(segs, "job") or _after(segs, "jobs")
    if len(segs) >= 4 and segs[0].lower() in ("v1.0", "v2") and segs[2].lower() == "job":
        project = segs[1]
    project = project or next((p.params[k] for k in _PROJECT_KEYS if p.params.get(k)), None)
    return job, project


def parse_url(text: str, default_project: str | None = None) -> Target:
    """A console or API URL → Target; RefError naming what was expected when it carries no id."""
    p = _split(text)
    service = _service(p)
    if service is None:
        raise RefError(
            "cannot tell which service this URL is for: expected a CodeArts Check task page (…/codecheck/…/task/ID), "
            "a CodeArts Build job page (…/cloudbuild/…/JOB_ID) or a DWS URL with job_id=ID"
        )
    region = _region(p)
    if service is Service.DWS:
        job, project = _dws(p)
        if not job:
            raise RefError(f"no DWS job id in this URL: expected {EXPECTED[service]} (the DWS console's list page "
                           "has none: copy the job id from the job's details)")
        validate_id(job, "DWS job id")
        project = project or default_project
        if project:
            validate_id(project, "DWS project id")
        return Target(TaskRef(Service.DWS, job, project or None), None, region, True)
    task_id, project = (_check if service is Service.CHECK else _build)(p)
    if not task_id:
        raise RefError(f"no {service.product} id in this URL: expected {EXPECTED[service]}")
    validate_id(task_id, f"{service.value} id")
    if project is not None and not ID_RE.fullmatch(project):
        project = None  # a link detail only: never worth refusing the task over
    return Target(TaskRef(service, task_id), project, region, True)
