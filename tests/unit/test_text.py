"""What text may reach a terminal: controls removed, invisible characters shown, JSON escaped, values quoted."""

from __future__ import annotations

import json
import sys
import unicodedata

import pytest

from tui.text import HIDDEN_RE, clean_text, json_line, plain_text, quoted, visible

INVISIBLE = ["\u202e", "\u202a", "\u202d", "\u2066", "\u2067", "\u2068", "\u2069", "\u200e", "\u200f", "\u061c",
             "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\U000e0041", "\u3164"]


@pytest.mark.parametrize("ch", INVISIBLE)
def test_each_invisible_character_is_shown_by_its_code_point(ch):
    assert clean_text(f"a{ch}b") == f"a<U+{ord(ch):04X}>b"
    assert visible(f"a  {ch}  b\n") == f"a  <U+{ord(ch):04X}>  b\n"


def test_every_format_character_of_this_python_is_hidden():
    # The table in tui/text.py is Unicode 15's category Cf; a newer Python may know more.
    missing = [f"U+{c:04X}" for c in range(sys.maxunicode + 1)
               if unicodedata.category(chr(c)) in ("Cf", "Cs") and not HIDDEN_RE.match(chr(c))]
    assert missing == []


def test_ordinary_text_is_left_alone():
    for text in ("payments-service scan", "数据管道 扫描", "café ✔ ● 100%", "שלום", "👍🏽"):
        assert clean_text(text) == text == plain_text(text)


def test_data_keeps_invisible_characters_but_never_a_lone_surrogate():
    assert plain_text("pay\u202ements\x1b[2J\u200b") == "pay\u202ements [2J\u200b"
    assert plain_text("a\ud800b") == "a\ufffdb"
    assert clean_text("a\ud800b") == "a<U+D800>b"  # shown, never printed raw (UnicodeEncodeError)


def test_json_escapes_what_a_terminal_would_act_on_and_means_the_same():
    obj = {"name": "pay\u202ements\u200b 中文", "message": "\x9b2J \x7f \U000e0041 \ud800"}
    line = json_line(obj)
    assert line.isprintable() and "中文" in line
    assert "\\u202e" in line and "\\u009b" in line and "\\udb40\\udc41" in line
    assert json.loads(line) == obj


def test_quoted_shows_each_character_once():
    assert quoted("caf\xe9\x07\u202e") == "'caf\xe9\\x07<U+202E>'"
    assert quoted("x" * 500, 10) == "'" + "x" * 9 + "…'"
