"""`hcwatch discover build|check`: the jobs and tasks the credentials can see, with their last status; `--add`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from tui.cli.exits import EXIT_AUTH, EXIT_FAILED, EXIT_OK
from tui.cli.output import STDOUT
from tui.cli.table import Fit, render
from tui.errors import AlreadyWatched, ApiError
from tui.model import ErrorKind, WatchedTask, clean_text
from tui.text import json_line, visible

if TYPE_CHECKING:  # the catalog (httpx) only when discover runs: the parser imports this module for every command
    from tui.cloud import catalog
    from tui.runtime import Runtime


def add_parser(cmd: Callable[[str, str], argparse.ArgumentParser]) -> None:
    """The `discover` sub-command's arguments (tui.cli.parser calls this)."""
    sp = cmd("discover", "list the Build jobs or Check tasks the credentials can see, with their last status")
    sp.add_argument("service", metavar="build|check", choices=["build", "check", "dws"])
    sp.add_argument("--project", metavar="P",
                    help="a CodeArts project id (in console URLs after /project/); Check lists one project at a time")
    sp.add_argument("--search", metavar="TEXT", help="only names or ids that contain TEXT")
    sp.add_argument("--json", action="store_true", help="one JSON object per line")
    sp.add_argument("--add", action="store_true", help="watch every job or task listed (after --search/--project)")


async def _listing(rt: Runtime, args: argparse.Namespace, profile: str) -> catalog.Listing:
    from tui.cloud import catalog

    known = tuple(t.codearts_project for t in rt.tasks() if t.profile == profile and t.codearts_project)
    async with rt.online() as cloud:
        return await catalog.list_service(cloud.get_json, rt.clock, args.service, profile, project=args.project,
                                          search=args.search, known_projects=known)


# Narrower and narrower (tui.cli.table): the name and the last status matter most, the REF is copied whole.
FOUND_FIT = Fit(
    steps=(("PROJECT", 16), ("LAST STATUS", 28), ("NAME", 28)),
    below="REF",
    below_steps=(("PROJECT", 16), ("LAST STATUS", 28), ("NAME", 28), ("PROJECT", 10), ("LAST STATUS", 18),
                 ("NAME", 18), ("PROJECT", 4)),
    grow=("NAME", "LAST STATUS", "PROJECT"),
)


def format_found(rows: list[tuple[catalog.Found, bool]], width: int | None = None,
                 mask: Callable[[str], str] | None = None, year: int | None = None) -> str:
    """The plain table `discover` prints: name, last status, project, whether watched, REF (fitted to `width`;
    each cell masked by `mask` before it is measured; times of `year` without it)."""
    header = ("NAME", "LAST STATUS", "PROJECT", "WATCHED", "REF")
    lines = []
    for found, watched in rows:
        status = found.words(year)
        project = found.project_name or found.codearts_project or ""
        lines.append((clean_text(found.name, 40), clean_text(status, 50), clean_text(project, 40),
                      "yes" if watched else "", str(found.ref)))
    return render(lines, width, header, FOUND_FIT, mask)


def run(rt: Runtime, args: argparse.Namespace) -> int:
    """List (and with --add watch) what the profile's credentials can see."""
    profile = args.profile or rt.default_profile
    rt.profile(profile)

    def mask(text: str) -> str:  # every secret held by now (the listing makes the credentials)
        return rt.cloud.mask()(text)

    def say(text: str, err: bool = False) -> None:
        if err:
            print(visible(mask(text)), file=sys.stderr, flush=True)
        else:
            STDOUT.say(visible(mask(text)))  # a closed pipe (`| head`) ends the listing quietly

    what = "Build jobs" if args.service == "build" else "Check tasks"
    try:
        listing = asyncio.run(_listing(rt, args, profile))
    except ApiError as exc:
        say(f"hcwatch: cannot list {what} (profile {profile}): {exc.error.one_line()}", err=True)
        return EXIT_AUTH if exc.error.kind is ErrorKind.AUTH else EXIT_FAILED
    watched = {t.key for t in rt.tasks()}
    rows = [(f, str(f.ref) in watched) for f in listing.items]
    if args.json:
        for found, is_watched in rows:
            say(json_line({**found.to_json(profile), "watched": is_watched}))
    elif rows:
        say(format_found(rows, STDOUT.width(), mask, listing.year))
    else:
        say(f"hcwatch: no {what} found for profile {profile}" + (f" matching {args.search!r}" if args.search else ""),
            err=True)
    if listing.truncated:
        say(f"hcwatch: stopped after {listing.pages} pages ({len(listing.items)} of {listing.total or 'more'}); "
            "narrow it with --search or --project", err=True)
    if args.add:
        added = 0
        for found, is_watched in rows:
            if is_watched:
                continue
            try:
                rt.watchlist.add(WatchedTask(found.ref, found.name, profile, rt.clock.now(),
                                             codearts_project=found.codearts_project))
                added += 1
            except AlreadyWatched:
                pass
        say(f"hcwatch: watching {added} more ({len(rows) - added} already watched) in {rt.watchlist.path}",
            err=args.json)
    return EXIT_OK
