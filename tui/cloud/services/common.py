"""Lenient readers shared by the service parsers: percentages, status codes, flattened fields."""

from __future__ import annotations

import math
import re
from typing import Any

from tui.model import plain_text

# The detail pane shows every field; a hostile 1 MiB body must not become 100,000 rows.
MAX_FIELDS = 200
MAX_DEPTH = 4
FIELD_TEXT_LIMIT = 500

_PERCENT_RE = re.compile(r"([+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*%?")


def parse_percent(value: Any) -> float | None:
    """A progress value in 0..100 from "9%", " 9 % ", "50.5%", 42 or 42.0; None for anything else."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        match = _PERCENT_RE.fullmatch(value.strip())
        if not match:
            return None
        number = float(match.group(1))
    else:
        return None
    if math.isnan(number) or math.isinf(number):
        return None
    return min(max(number, 0.0), 100.0)


def parse_int(value: Any) -> int | None:
    """An integer from 2, 2.0 or "2" (a status sent as a string); None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d{1,9}\s*", value):
        return int(value)
    return None


def raw_text(value: Any) -> str | None:
    """The raw status as text, JSON-spelt: 0 → "0", True → "true", None → None."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return plain_text(type(value).__name__, 40)
    return plain_text(value, 100)


def text_or_none(value: Any, limit: int = FIELD_TEXT_LIMIT) -> str | None:
    """A string field as safe text; None when missing, empty or not a scalar."""
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    return plain_text(value, limit) or None


def flatten(data: Any, prefix: str = "", out: dict[str, Any] | None = None, depth: int = 0) -> dict[str, Any]:
    """Every field of a JSON value as {"a.b": safe scalar}, bounded in count and depth."""
    out = {} if out is None else out
    if len(out) >= MAX_FIELDS:
        return out
    if isinstance(data, dict) and depth < MAX_DEPTH:
        if not data and prefix:
            out[prefix] = None
        for key, value in data.items():
            name = plain_text(key, 80)
            flatten(value, f"{prefix}.{name}" if prefix else name, out, depth + 1)
            if len(out) >= MAX_FIELDS:
                break
    elif isinstance(data, list) and depth < MAX_DEPTH:
        if not data and prefix:
            out[prefix] = []
        for index, value in enumerate(data):
            flatten(value, f"{prefix}[{index}]", out, depth + 1)
            if len(out) >= MAX_FIELDS:
                break
    elif isinstance(data, (dict, list)):
        out[prefix or "value"] = plain_text(type(data).__name__ + " (too deep)", 40)
    elif isinstance(data, str):
        out[prefix or "value"] = plain_text(data, FIELD_TEXT_LIMIT)
    elif isinstance(data, float) and (math.isnan(data) or math.isinf(data)):
        out[prefix or "value"] = str(data)
    else:
        out[prefix or "value"] = data
    return out
