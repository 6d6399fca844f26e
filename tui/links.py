"""Console links: a task's page in the Huawei Cloud console, from the `[links]` templates of config.toml.

A template's placeholders are filled from what is known of the task; a template with any placeholder
left unknown gives no link at all (None), never a broken one. Known placeholders: `{region}`,
`{project_id}` (the DWS job's, else the profile's), `{id}` (the task or job id), `{build_no}` (the last
Build number seen), any top-level field of the last API answer, and any other key of `[links]` (e.g.
`codearts_project = "…"`, the CodeArts project id the Check and Build pages need; a task added by its
console URL knows its own).
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Mapping

from tui.model import Service, Snapshot, WatchedTask

__all__ = ["DEFAULTS", "SERVICES", "url_for"]

SERVICES = tuple(s.value for s in Service)
# The best-known forms (API-NOTES): Check's is documented; Build's host part is unconfirmed; DWS has
# no page per job, so its link is the cluster list of the region.
DEFAULTS = {
    "check": "https://devcloud.{region}.huaweicloud.com/codecheck/project/{codearts_project}/codecheck/task/{id}/detail",
    "build": "https://devcloud.{region}.huaweicloud.com/cloudbuild/project/{codearts_project}/job/{id}/detail",
    "dws": "https://console.huaweicloud.com/dws/?region={region}#/dws/cluster-mgmt",
}
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]{0,40})\}")
_SIMPLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,40}")


def _values(task: WatchedTask, snapshot: Snapshot | None, region: str | None, project_id: str | None,
            extra: Mapping[str, str]) -> dict[str, str]:
    values: dict[str, str] = {}
    if snapshot is not None:
        for key, value in snapshot.fields.items():
            if _SIMPLE.fullmatch(key) and isinstance(value, (str, int)) and not isinstance(value, bool) and value != "":
                values[key] = str(value)
    values.update({k: v for k, v in extra.items() if k not in SERVICES and isinstance(v, str) and v})
    if task.codearts_project:  # from the console URL the task was added with
        values["codearts_project"] = task.codearts_project
    if snapshot is not None and snapshot.outcome is not None and snapshot.outcome.number:
        values["build_no"] = snapshot.outcome.number
    project = task.ref.project_id or project_id
    if project:
        values["project_id"] = project
    if region:
        values["region"] = region
    values["id"] = task.ref.task_id
    return values


def url_for(task: WatchedTask, snapshot: Snapshot | None, templates: Mapping[str, str], *,
            region: str | None, project_id: str | None) -> str | None:
    """The console URL of a task, or None when its template is empty or needs a value nobody knows."""
    service = task.ref.service.value
    template = templates.get(service, DEFAULTS[service])
    if not template:
        return None  # `check = ""` in [links] turns a service's links off
    values = _values(task, snapshot, region, project_id, templates)
    missing = False

    def fill(match: re.Match[str]) -> str:
        nonlocal missing
        value = values.get(match.group(1))
        if value is None:
            missing = True
            return ""
        return urllib.parse.quote(value, safe="-_.~")

    url = _PLACEHOLDER.sub(fill, template)
    if missing or not url.startswith(("https://", "http://")) or any(ch < " " or ch == "\x7f" for ch in url):
        return None
    return url
