"""An Outcome and a Run read back alike: one reading of the members they share (phase, number, start, duration)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tui.model import Phase
from tui.outcome import Outcome, Run

T0 = datetime(2026, 12, 1, 14, 5, tzinfo=UTC)


def test_an_outcome_survives_its_json_and_its_head_is_the_runs():
    outcome = Outcome(Phase.FAILED, number="118", started_at=T0, duration_s=372.0, step="unit tests",
                      error="3 failed", log_lines=("a", "b"), defects=(("critical", 3),), total_defects=3,
                      gate_passed=False, code="E1")
    data = outcome.to_json()
    assert list(data)[:4] == ["phase", "number", "started_at", "duration_s"]  # the order --json prints
    assert Outcome.from_json(data) == outcome
    assert Run.from_json(data) == outcome.run == Run(Phase.FAILED, 372.0, T0, "118")


@pytest.mark.parametrize("data", [None, [], "failed", {}, {"phase": "bogus"}, {"phase": None}])
def test_a_malformed_object_is_none_for_both(data):
    assert Outcome.from_json(data) is None and Run.from_json(data) is None


def test_members_of_the_wrong_type_are_dropped_alike():
    data = {"phase": "succeeded", "number": 7, "started_at": "yesterday", "duration_s": True, "gate_passed": "yes"}
    outcome, run = Outcome.from_json(data), Run.from_json(data)
    assert outcome is not None and run is not None
    assert outcome.run == run == Run(Phase.SUCCEEDED)
    assert outcome.gate_passed is None
