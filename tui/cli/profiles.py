"""`hcwatch profiles`: each profile, where its credentials come from (never the secret) and whether they work."""

from __future__ import annotations

import argparse
import asyncio
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tui.cli.exits import EXIT_AUTH, EXIT_FAILED, EXIT_OK
from tui.cli.table import Fit, render
from tui.errors import ApiError, UserError
from tui.model import ErrorKind, clean_text
from tui.text import json_line

if TYPE_CHECKING:
    from tui.runtime import Runtime

# The cheap authenticated call: one Build job of the list (the gateway checks the credentials like any other).
PROBE = ("build", "/v1/job/list", {"page_index": 0, "page_size": 1})


def add_parser(cmd: Callable[[str, str], argparse.ArgumentParser]) -> None:
    """The `profiles` sub-command's arguments (tui.cli.parser calls this)."""
    sp = cmd("profiles", "list the profiles, where their credentials come from, and whether they work")
    sp.add_argument("--json", action="store_true", help="one JSON object per line")
    sp.add_argument("--offline", action="store_true", help="do not try the credentials (no request is made)")


@dataclass
class Verdict:
    """What trying one profile's credentials told."""

    ok: bool | None   # None: not tried
    words: str
    auth_failed: bool = False


async def _try(rt: Runtime, profile: str) -> Verdict:
    """One authenticated request with the profile's credentials (an AK/SK is never tried twice: lock-out)."""
    try:
        async with rt.online() as cloud:
            creds = await cloud.credentials(profile)
            await cloud.get_json(profile, *PROBE)
    except ApiError as exc:
        err = exc.error
        if err.kind is ErrorKind.AUTH and err.http_status == 403:
            return Verdict(True, f"accepted, but CodeArts Build refused this account ({err.one_line()})")
        if err.kind is ErrorKind.AUTH:
            return Verdict(False, f"refused: {err.one_line()}", auth_failed=True)
        if err.http_status is not None:  # the gateway let it through, the service said something else
            return Verdict(True, f"accepted ({err.one_line()})")
        return Verdict(None, f"not tried to the end: {err.one_line()}")
    except UserError as exc:
        return Verdict(False, str(exc), auth_failed=True)
    return Verdict(True, f"accepted ({creds.describe()})")


def run(rt: Runtime, args: argparse.Namespace) -> int:
    """Print each profile with its region, credential source and verdict; exit 5 if any was refused."""
    from tui.cloud.auth.sources import describe  # here: the parser imports this module for every command

    names = sorted(rt.settings.profiles, key=lambda n: (n != "default", n))
    verdicts: dict[str, Verdict] = {}
    if not args.offline:
        async def go() -> None:
            async with rt.online():  # one client for every profile's try
                for name in names:
                    verdicts[name] = await _try(rt, name)

        asyncio.run(go())
    rows: list[dict[str, Any]] = []
    for name in names:
        prof = rt.settings.profiles[name]
        source = "the demo's token" if rt.demo and not _custom(prof) else describe(prof, os.environ)
        verdict = verdicts.get(name, Verdict(None, "not tried (--offline)"))
        rows.append({"profile": name, "region": prof.region, "credentials": source, "ok": verdict.ok,
                     "check": verdict.words})
    mask = rt.cloud.mask()
    out = [json_line(r) for r in rows] if args.json else [_table(rows, mask)]
    print(mask("\n".join(out)), flush=True)
    if any(v.auth_failed for v in verdicts.values()):
        return EXIT_AUTH
    return EXIT_FAILED if any(v.ok is None for v in verdicts.values()) else EXIT_OK


def _custom(profile: Any) -> bool:
    from tui.cloud.auth.sources import sources_for

    return sources_for(profile).custom


PROFILES_FIT = Fit(steps=())  # never cut: the reason a credential was refused is the point of the command


def _table(rows: list[dict[str, Any]], mask: Callable[[str], str]) -> str:
    header = ("PROFILE", "REGION", "CREDENTIALS", "WORKS")
    marks = {True: "✔ ", False: "✘ ", None: "? "}
    lines = [(r["profile"], r["region"], clean_text(r["credentials"], 70), marks[r["ok"]] + clean_text(r["check"], 120))
             for r in rows]
    return render(lines, None, header, PROFILES_FIT, mask)  # masked cell by cell, then measured
