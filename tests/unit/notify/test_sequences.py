"""The bytes of every notification sequence, the tmux and screen wrappers, and the sanitising of what goes inside."""

from __future__ import annotations

import pytest

from tui.notify import sequences
from tui.notify.sanitise import one_text

E = "\x1b"


def test_osc777_is_notify_title_body_ended_by_st():
    assert sequences.osc777("build failed", "step 3") == f"{E}]777;notify;build failed;step 3{E}\\"


def test_osc9_is_one_text_and_never_starts_with_a_digit():
    assert sequences.osc9("scan failed", "3 critical") == f"{E}]9;scan failed: 3 critical{E}\\"
    # "4;…" would be read as OSC 9;4 progress, and Ghostty ignores texts starting with a digit
    assert sequences.osc9("4 tasks", "") == f"{E}]9;hcwatch: 4 tasks{E}\\"


def test_osc99_is_kittys_two_parts_with_one_id():
    assert sequences.osc99("scan failed", "3 critical", "t1") == (
        f"{E}]99;i=t1:d=0:p=title;scan failed{E}\\" f"{E}]99;i=t1:d=1:p=body;3 critical{E}\\")


def test_osc99_id_cannot_smuggle_metadata():
    assert sequences.osc99("a", "b", "x:p=;\x1b").startswith(f"{E}]99;i=xp:d=0")


def test_progress_sequences():
    assert sequences.progress(sequences.PROGRESS_SET, 42) == f"{E}]9;4;1;42{E}\\"
    assert sequences.progress(sequences.PROGRESS_CLEAR) == f"{E}]9;4;0;0{E}\\"
    assert sequences.progress(sequences.PROGRESS_SET, 140) == f"{E}]9;4;1;100{E}\\"


def test_tmux_wrap_doubles_every_esc_inside_a_dcs():
    inner = sequences.osc777("t", "b")
    assert sequences.tmux_wrap(inner) == f"{E}Ptmux;{E}{E}]777;notify;t;b{E}{E}\\{E}\\"
    assert sequences.wrap(inner, "tmux") == sequences.tmux_wrap(inner)
    assert sequences.wrap(inner, None) == inner


def test_screen_wrap_ends_each_osc_with_bel_inside_its_own_dcs():
    inner = sequences.osc99("t", "b", "i")
    wrapped = sequences.screen_wrap(inner)
    assert wrapped == (f"{E}P{E}]99;i=i:d=0:p=title;t\x07{E}\\" f"{E}P{E}]99;i=i:d=1:p=body;b\x07{E}\\")


def test_off_makes_no_sequence():
    assert sequences.notification("off", "t", "b") == "" and sequences.wrap("", "tmux") == ""


@pytest.mark.parametrize("text, expected", [
    ("evil\x1b]777;notify;pwned\x07", "evil ]777,notify,pwned"),      # ESC, BEL gone; ';' cannot split fields
    ("a\x9c\x9db", "a b"),                                             # C1 ST and OSC
    ("line\nbreak\r\tx", "line break x"),
    ("abc\u202edcba\u2066x\u2069\u200b", "abcdcbax"),                  # bidi overrides, isolates, zero width
    ("", ""),
])
def test_sanitising(text, expected):
    assert one_text(text, 100) == expected


def test_sanitising_bounds_the_length():
    text = one_text("x" * 500, 80)
    assert len(text) == 80 and text.endswith("…")


def test_network_text_cannot_break_out_of_a_notification():
    seq = sequences.osc777("name\x1b\\", "msg\x1b]2;title\x07;more")
    assert seq.count(E) == 2 and "\x07" not in seq          # only the opening ESC and the ST's ESC
    assert seq.count(";") == 3                              # 777 ; notify ; title ; body
