"""Checks the `[keymap]` of config.toml against the actions table: unknown binding ids and keys bound twice.

No Textual here: the command line runs the same check, so `hcwatch list` warns about a
keymap mistake as it warns about any other setting (file:line), and the TUI toasts it.
Textual itself would accept both silently: an unknown id does nothing, and of two
bindings on one key only one ever runs.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Mapping

from tui.app.actions import BY_ID, SCOPES

# Keys Textual or the table already use for something the actions table does not list.
RESERVED = {
    "ctrl+p": "the command palette",
    "ctrl+c": "copy / quit",
    "tab": "focus the next widget",
    "shift+tab": "focus the previous widget",
}
_SPELLING = {"solidus": "slash", "reverse_solidus": "backslash", "commercial_at": "at", "hyphen_minus": "minus",
             "plus_sign": "plus", "low_line": "underscore"}


def normalise(key: str) -> str:
    """A key as Textual names it: "?" is "question_mark", "/" is "slash" (as App.set_keymap does)."""
    key = key.strip()
    if len(key) == 1 and not key.isalnum():
        try:
            key = unicodedata.name(key).lower().replace("-", "_").replace(" ", "_")
        except ValueError:
            return key
        return _SPELLING.get(key, key)
    return key


def _keys(text: str) -> list[str]:
    return [normalise(k) for k in text.split(",") if k.strip()]


def keymap_warnings(keymap: Mapping[str, str], where: Mapping[str, str] | None = None) -> list[str]:
    """One line per problem, each starting with the file and line of the entry at fault."""
    where = where or {}
    out: list[str] = []

    def at(binding: str) -> str:
        return where.get(binding) or "config.toml [keymap]"

    known = [b for b in keymap if b in BY_ID]
    for binding in keymap:
        if binding not in BY_ID:
            close = difflib.get_close_matches(binding, list(BY_ID), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else f" (binding ids: {', '.join(sorted(BY_ID))})"
            out.append(f"{at(binding)}: unknown binding id {binding!r} in [keymap] ignored{hint}")
    # Every key as bound after the keymap, per set of actions live together (the screen's with the
    # table's, or with the focused detail pane's: j is the table's and the pane's, never both at once).
    scopes: list[dict[str, list[str]]] = []
    for scope in SCOPES:
        bound: dict[str, list[str]] = {}
        for action in scope:
            keys = keymap[action.id] if action.id in keymap else action.keys
            for key in _keys(keys):
                bound.setdefault(key, []).append(action.id)
        scopes.append(bound)
    for binding in known:
        for key in _keys(keymap[binding]):
            others = list(dict.fromkeys(b for bound in scopes if binding in bound.get(key, [])
                                        for b in bound[key] if b != binding))
            if others:
                if all(o in keymap for o in others) and min([binding, *others]) != binding:
                    continue  # two remapped ids on one key: said once, at the first of them
                other = others[0]
                fix = f"remap {other} too" if other not in keymap else "give one of them another key"
                out.append(f"{at(binding)}: key {key!r} of {binding} in [keymap] is also {other}'s; only one of "
                           f"them will run ({fix})")
            elif key in RESERVED:
                out.append(f"{at(binding)}: key {key!r} of {binding} in [keymap] is already {RESERVED[key]}")
    return out
