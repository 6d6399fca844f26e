"""Pilot tests of what the TUI says when something is off: keymap mistakes, a broken watch list,
prompts, auth and clipboard messages (issue 11: honest words)."""

from __future__ import annotations

import pytest


@pytest.mark.keymap(refrsh="x", sort="a")
async def test_keymap_mistakes_are_toasted_at_start(pilot, toasts):
    warnings = [n.message for n in toasts() if n.severity == "warning"]
    assert any("unknown binding id 'refrsh'" in w and "did you mean 'refresh'" in w for w in warnings), warnings
    assert any("key 'a' of sort" in w and "add" in w for w in warnings), warnings
