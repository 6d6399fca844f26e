"""REF parsing and validation, snapshot JSON, and change detection."""

from datetime import UTC, datetime

import pytest

from tui.errors import RefError, UserError
from tui.model import ErrorKind, Phase, Service, Snapshot, TaskError, TaskRef, WatchedTask, clean_text, diff

T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    "text, service, task_id, project",
    [
        ("check:2b31ed520aaaaaaaebedb6e57bbbbbbb", Service.CHECK, "2b31ed520aaaaaaaebedb6e57bbbbbbb", None),
        ("build:901878212b1a49be9c1a1054c272762a", Service.BUILD, "901878212b1a49be9c1a1054c272762a", None),
        ("dws:05f2cff45100d5112f4bc00b794ea08e/2c9080e8845b207101845b245e1e0001", Service.DWS,
         "2c9080e8845b207101845b245e1e0001", "05f2cff45100d5112f4bc00b794ea08e"),
        ("check:" + "a" * 64, Service.CHECK, "a" * 64, None),
    ],
)
def test_valid_refs_parse_and_print_back(text, service, task_id, project):
    ref = TaskRef.parse(text)
    assert (ref.service, ref.task_id, ref.project_id) == (service, task_id, project)
    assert TaskRef.parse(str(ref)) == ref


def test_dws_ref_without_project_takes_the_profiles():
    ref = TaskRef.parse("dws:job1", default_project="proj1")
    assert str(ref) == "dws:proj1/job1"
    assert str(TaskRef.parse("dws:job1")) == "dws:job1"
    assert str(TaskRef.parse("dws:job1").with_project("p2")) == "dws:p2/job1"


@pytest.mark.parametrize(
    "text, words",
    [
        ("check:", "is empty"),
        ("check:a/b", "'/'"),
        ("check:a?x=1", "'?'"),
        ("check:a#frag", "'#'"),
        ("check:a%2F", "'%'"),
        ("check:..", "'.'"),
        ("check:a b", "whitespace"),
        ("check:a\x1b[2J", "control character"),
        ("check:a\nb", "control character"),
        ("check:" + "a" * 65, "at most 64"),
        ("build:ünïcode", "'ü'"),
        ("dws:p/../j", "'.'"),
        ("dws:/job", "is empty"),
        ("dws:proj/", "is empty"),
        ("nosuch:abc", "unknown service"),
        ("abc", "service prefix"),
        ("", "service prefix"),
    ],
)
def test_hostile_refs_are_refused_with_a_message_naming_the_bad_part(text, words):
    with pytest.raises(RefError) as info:
        TaskRef.parse(text)
    message = str(info.value)
    assert words in message
    assert "\n" not in message and "\x1b" not in message
    assert isinstance(info.value, UserError)


@pytest.mark.parametrize("text, meant", [("CHECK:abc", "check:abc"), ("Build:j1", "build:j1"),
                                         ("DWS:p1/j1", "dws:p1/j1"), (" Dws:j1", "dws:j1")])
def test_a_service_in_capitals_is_refused_naming_the_ref_meant(text, meant):
    # Service names are lower case in the contract: CHECK:abc used to be taken as check:abc.
    with pytest.raises(RefError) as info:
        TaskRef.parse(text)
    assert str(info.value).endswith(f"lower case; did you mean {meant}?")


def test_refused_values_are_quoted_once_with_their_characters_readable():
    # unicode_escape + repr printed 'caf\\xe9' (two backslashes) for a one-character problem.
    with pytest.raises(RefError) as info:
        TaskRef.parse("check:caf\xe9\x07\u202e")
    assert "'caf\xe9\\x07<U+202E>'" in str(info.value)


def test_path_ids_are_percent_encoded():
    # Validation already forbids unsafe characters; encoding is the second lock on the door.
    ref = TaskRef(Service.CHECK, "a/b?c")
    assert ref.path_ids == ("a%2Fb%3Fc",)


def test_snapshot_json_has_the_documented_fields():
    ref = TaskRef.parse("check:abc")
    snap = Snapshot(ref, Phase.RUNNING, 50.0, "Executing", "0", {}, T0)
    obj = snap.to_json("nightly", "team-b")
    assert obj == {
        "ref": "check:abc", "service": "check", "name": "nightly", "profile": "team-b", "phase": "running",
        "progress": 50.0, "message": "Executing", "raw_status": "0",
        "fetched_at": "2026-01-01T00:00:00Z", "stale": False, "error": None, "outcome": None,
    }
    err = TaskError(ErrorKind.THROTTLED, "slow down", "APIG.0308", 429, "req-1")
    obj = snap.failed_with(err, T0).to_json()
    assert obj["phase"] == "running" and obj["stale"] is True  # the last known phase, marked as such
    assert obj["error"] == {"kind": "throttled", "code": "APIG.0308", "message": "slow down",
                            "http_status": 429, "request_id": "req-1"}


def test_a_task_never_fetched_has_no_phase_and_is_not_stale():
    ref = TaskRef.parse("check:abc")
    never = Snapshot(ref).failed_with(TaskError(ErrorKind.NETWORK, "down"), T0)
    obj = never.to_json()
    assert obj["phase"] is None and obj["fetched_at"] is None and obj["stale"] is False
    assert Snapshot(ref, Phase.RUNNING, fetched_at=T0, stale=True).to_json()["stale"] is True
    # Its first answer gives it a phase: that is not a change of the task.
    assert diff(never, Snapshot(ref, Phase.RUNNING, fetched_at=T0)) is None


def test_diff_reports_phase_changes_as_major_and_progress_as_minor():
    ref = TaskRef.parse("dws:p/j")
    a = Snapshot(ref, Phase.RUNNING, 10.0, "", "RUNNING", {}, T0)
    b = Snapshot(ref, Phase.RUNNING, 20.0, "", "RUNNING", {}, T0)
    c = Snapshot(ref, Phase.FAILED, 20.0, "boom", "FAIL", {}, T0)
    assert diff(a, a) is None
    assert diff(a, b).major is False
    change = diff(b, c)
    assert (change.major, change.from_phase, change.to_phase) == (True, Phase.RUNNING, Phase.FAILED)
    assert "running → failed" in change.describe()
    # An error is not a change of the task; a first sighting is not a change either.
    assert diff(b, b.failed_with(TaskError(ErrorKind.NETWORK, "down"), T0)) is None
    assert diff(None, b) is None


def test_change_seen_after_restart_is_marked_while_closed():
    ref = TaskRef.parse("check:abc")
    old = Snapshot(ref, Phase.RUNNING, 10.0, "", "0", {}, T0, stale=True)
    new = Snapshot(ref, Phase.SUCCEEDED, 100.0, "", "2", {}, T0)
    change = diff(old, new)
    assert change.while_closed and "while hcwatch was closed" in change.describe()


def test_clean_text_removes_control_characters_and_keeps_markup_as_text():
    assert clean_text("[red]x[/]\x1b[2J\x07ok\x9b") == "[red]x[/] [2J ok"
    assert clean_text(None) == ""
    assert len(clean_text("x" * 5000, 100)) == 100


def test_watched_task_key_and_label():
    t = WatchedTask(TaskRef.parse("build:j1"))
    assert (t.key, t.label) == ("build:j1", "j1")
    assert WatchedTask(TaskRef.parse("build:j1"), "nightly").label == "nightly"


def test_a_watched_tasks_key_follows_its_ref_and_does_not_change_equality():
    from dataclasses import replace

    a = WatchedTask(TaskRef.parse("check:abc"), "nightly")
    b = WatchedTask(TaskRef.parse("check:abc"), "nightly")
    assert a.key == "check:abc" and a.key == "check:abc"  # asked twice: the second answer is the kept one
    assert a == b and hash(a) == hash(b)  # b's key never asked for
    moved = replace(a, ref=TaskRef.parse("dws:05f2cff45100d5112f4bc00b794ea08e/job9"))
    assert moved.key == "dws:05f2cff45100d5112f4bc00b794ea08e/job9"
    assert repr(a) == repr(b)
