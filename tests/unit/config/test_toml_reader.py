"""The TOML reader's bound on nesting: deep enough for any hcwatch file, never a RecursionError."""

from __future__ import annotations

import tomllib

import pytest

from tui.config.toml_reader import MAX_NESTING, NestedTooDeep, parse, syntax_error


def test_nesting_up_to_the_bound_is_read():
    text = "x = " + "[" * (MAX_NESTING - 1) + "]" * (MAX_NESTING - 1) + "\n"
    assert parse(text)["x"] is not None


@pytest.mark.parametrize("text, line", [
    ("a = 1\nx = " + "[" * 5000 + "\n", 2),                       # tomllib: RecursionError
    ("x = " + "[" * (MAX_NESTING + 1) + "]" * (MAX_NESTING + 1), 1),  # parses, one level too deep
    (".".join(["a"] * 5000) + " = 1", 1),
])
def test_deeper_is_a_syntax_error_with_its_line(text, line):
    with pytest.raises(tomllib.TOMLDecodeError) as info:
        parse(text)
    assert isinstance(info.value, NestedTooDeep)
    assert syntax_error(info.value, text)[0] == line
