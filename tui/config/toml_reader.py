"""TOML helpers: the line that defines a key, one-line syntax errors, and a fast reader for simple files."""

from __future__ import annotations

import json
import re
import tomllib
from datetime import date, datetime, time
from typing import Any

# One part of a (possibly dotted, possibly quoted) key.
_KEYPART = re.compile(r"""[ \t]*(?:([A-Za-z0-9_-]+)|"((?:[^"\\]|\\.)*)"|'([^']*)')[ \t]*""")


def _parse_key(s: str, pos: int) -> tuple[list[str], int] | None:
    """Parse a dotted key starting at pos; return its parts and the position after it."""
    parts: list[str] = []
    while True:
        m = _KEYPART.match(s, pos)
        if not m:
            return None
        bare, basic, literal = m.groups()
        parts.append(bare if bare is not None else basic if basic is not None else literal)
        pos = m.end()
        if pos < len(s) and s[pos] == ".":
            pos += 1
            continue
        return parts, pos


def key_lines(text: str) -> dict[tuple[Any, ...], int]:
    """Map every table and key path in a TOML text to the (1-based) line defining it.

    Tables of an array (`[[task]]`) get the index as a path element: ("task", 3, "ref").
    Only used to point at the right line in an error, so it is forgiving, not a parser.
    """
    lines: dict[tuple[Any, ...], int] = {}
    table: tuple[Any, ...] = ()
    counters: dict[tuple[Any, ...], int] = {}
    multiline: str | None = None
    for no, raw in enumerate(text.split("\n"), 1):
        if multiline:
            if multiline in raw:
                multiline = None
            continue
        s = raw.strip()
        if not s or s.startswith("#"):
            continue
        if s.startswith("["):
            array = s.startswith("[[")
            parsed = _parse_key(s, 2 if array else 1)
            if parsed is None:
                continue
            base = tuple(parsed[0])
            if array:
                counters[base] = counters.get(base, -1) + 1
                lines.setdefault(base, no)
                table = base + (counters[base],)
            else:
                table = base
            lines.setdefault(table, no)
            continue
        parsed = _parse_key(s, 0)
        if parsed is None or parsed[1] >= len(s) or s[parsed[1]] != "=":
            continue
        parts = parsed[0]
        for i in range(1, len(parts) + 1):
            lines.setdefault(table + tuple(parts[:i]), no)
        rest = s[parsed[1] + 1 :]
        for delim in ('"""', "'''"):
            if rest.count(delim) == 1:
                multiline = delim
    return lines


def line_of(text: str, path: tuple[Any, ...], index: dict[tuple[Any, ...], int] | None = None) -> int | None:
    """The line defining `path`, or the nearest enclosing table's line, or None."""
    index = key_lines(text) if index is None else index
    for n in range(len(path), 0, -1):
        if path[:n] in index:
            return index[path[:n]]
    # A table only ever named in dotted headers (`[profile.default]` for ("profile",)): its first one.
    return min((line for key, line in index.items() if key[:len(path)] == path), default=None)


_ERR_POS = re.compile(r"\s*\((?:at line (\d+), column (\d+)|at end of document)\)\s*$")


def syntax_error(exc: tomllib.TOMLDecodeError, text: str) -> tuple[int | None, str]:
    """Turn tomllib's message into (line, "invalid TOML: reason (column N)")."""
    msg = str(exc)
    m = _ERR_POS.search(msg)
    if not m:
        return None, f"invalid TOML: {msg}"
    reason = msg[: m.start()]
    if m.group(1):
        return int(m.group(1)), f"invalid TOML: {reason} (column {m.group(2)})"
    return text.count("\n") + 1, f"invalid TOML: {reason} (at end of file)"


# The fast reader accepts only a small, unambiguous subset of TOML: comments, `key = value`
# with bare keys and simple scalars, and `[[array]]` headers. Anything else (escapes,
# dotted keys, other tables, duplicates) makes it give up, and tomllib reads the file
# instead; so its result always equals tomllib's. It exists because tomllib needs about
# 350 ms for a 10,000-task watch list and this needs a fraction of that.
_FAST_LINE = re.compile(
    r"""[ \t]*(?:
        \[\[[ \t]*(?P<array>[A-Za-z0-9_-]+)[ \t]*\]\]
      | (?P<key>[A-Za-z0-9_-]+)[ \t]*=[ \t]*(?:
            "(?P<str>[^"\\\x00-\x08\x0a-\x1f\x7f]*)"
          | '(?P<lit>[^'\x00-\x08\x0a-\x1f\x7f]*)'
          | (?P<bool>true|false)
          | (?P<int>0|[1-9][0-9]{0,17})
          | (?P<dt>[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}
                (?:\.[0-9]{3}|\.[0-9]{6})?(?:Z|[+-][0-9]{2}:[0-9]{2})?)
        )
    )?[ \t]*(?:\#[^\x00-\x08\x0a-\x1f\x7f]*)?""",
    re.X,
)


def fast_loads(text: str) -> dict[str, Any] | None:
    """Parse `text` if it is in the simple subset, else None (then use tomllib)."""
    root: dict[str, Any] = {}
    current = root
    match = _FAST_LINE.fullmatch
    for line in text.split("\n"):
        m = match(line)
        if m is None:
            return None
        kind = m.lastgroup
        if kind is None:
            continue
        if kind == "array":
            name = m.group("array")
            existing = root.get(name)
            if existing is None:
                existing = root[name] = []
            elif not isinstance(existing, list):
                return None
            current = {}
            existing.append(current)
            continue
        key = m.group("key")
        if key in current:
            return None
        value = m.group(kind)
        if kind == "bool":
            current[key] = value == "true"
        elif kind == "int":
            current[key] = int(value)
        elif kind == "dt":
            try:
                current[key] = datetime.fromisoformat(value)
            except ValueError:
                return None
        else:
            current[key] = value
    return root


# No hcwatch file needs more than four levels; tomllib recurses once or more per level of an
# array or inline table (RecursionError near 330 levels, a traceback), and a document that
# parses (a.a.a… = 1 with 5,000 parts) still breaks whatever walks it recursively later:
# repr(), tomli_w, a deep copy.
MAX_NESTING = 32


class NestedTooDeep(tomllib.TOMLDecodeError):
    """A TOML document nested deeper than MAX_NESTING: refused like a syntax error, with its place if known."""

    def __init__(self, place: tuple[int, int] | None) -> None:
        where = f" (at line {place[0]}, column {place[1]})" if place else ""
        # ValueError's own constructor: TOMLDecodeError's changes across Python versions.
        ValueError.__init__(self, f"arrays, tables or dotted keys nested more than {MAX_NESTING} levels deep{where}")


def _nesting(data: Any) -> int:
    """How deep dicts and lists nest in data (a scalar is 0), found without recursing."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            value = value.values()
        elif not isinstance(value, list):
            continue
        deepest = max(deepest, depth + 1)
        if deepest > MAX_NESTING:
            break
        stack.extend((v, depth + 1) for v in value)
    return deepest


def _too_deep_at(text: str) -> tuple[int, int] | None:
    """(line, column) where brackets or a dotted key first go past MAX_NESTING; a guess, only for the message."""
    depth = 0
    for no, line in enumerate(text.split("\n"), 1):
        dots = 0
        for col, ch in enumerate(line, 1):
            if ch in "[{":
                depth += 1
            elif ch in "]}":
                depth = max(0, depth - 1)
            elif ch == ".":
                dots += 1
            if depth > MAX_NESTING or dots >= MAX_NESTING:
                return no, col
    return None


def parse(text: str) -> dict[str, Any]:
    """tomllib.loads, refusing nesting deeper than MAX_NESTING with NestedTooDeep (a TOMLDecodeError)."""
    try:
        data = tomllib.loads(text)
    except RecursionError:
        raise NestedTooDeep(_too_deep_at(text)) from None
    if _nesting(data) > MAX_NESTING:
        raise NestedTooDeep(_too_deep_at(text))
    return data


def loads(text: str) -> dict[str, Any]:
    """tomllib.loads (as `parse`, depth-bounded), through the fast reader when the text allows it."""
    fast = fast_loads(text)
    return fast if fast is not None else parse(text)

def shown(value: Any) -> str:
    """A value as the user wrote it, briefly, for 'must be X, not Y' messages."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
        return text if len(text) <= 42 else text[:40] + '…"'
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, (datetime, date, time)):
        return "a date/time"
    return str(value)
