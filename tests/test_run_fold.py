"""The run state fold, as pure functions (no database): `run_step`, `run_times`, `fold_run`.

The writer keeps a run's state, state time, start and end on its row and folds each arriving
event into it with `fold_run`: one step for an event newer than the row's state, a refold of
the run's logged events for an older one. The property: whatever order a run's events arrive
in, the row ends where `run_times` of all of them puts it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from lineage.store.ingest import RunTimes, fold_run, run_step, run_times

T0 = datetime(2026, 1, 1, tzinfo=UTC)
Event = tuple[str | None, datetime]


def t(minute: int) -> datetime:
    return T0 + timedelta(minutes=minute)


def arrive(events: list[Event]) -> RunTimes:
    """The run row after `events` arrive in this order, one `fold_run` each; a new row takes
    the writer's defaults (state NEW since its first event)."""
    row: RunTimes | None = None
    for i, (event_type, at) in enumerate(events):
        values: dict[str, Any] = fold_run(row, event_type, at, lambda i=i: events[: i + 1])
        if row is None:
            row = RunTimes(**{"state": "NEW", "state_time": at, **values})
        else:
            row = replace(row, **values)
    assert row is not None
    return row


def test_complete_before_start_arrives() -> None:
    row = arrive([("COMPLETE", t(2)), ("START", t(1))])
    assert row == RunTimes("COMPLETED", t(2), started_at=t(1), ended_at=t(2))


def test_a_tie_on_time_goes_to_the_terminal_state_of_highest_rank() -> None:
    for events in ([("COMPLETE", t(2)), ("FAIL", t(2))], [("FAIL", t(2)), ("COMPLETE", t(2))]):
        row = arrive([("START", t(1)), *events])
        assert row == RunTimes("FAILED", t(2), started_at=t(1), ended_at=t(2))
    assert arrive([("RUNNING", t(2)), ("COMPLETE", t(2))]).state == "COMPLETED"
    assert arrive([("COMPLETE", t(2)), ("RUNNING", t(2))]).state == "COMPLETED"


def test_a_start_after_the_end_reopens_the_run() -> None:
    row = arrive([("START", t(1)), ("COMPLETE", t(2)), ("START", t(3))])
    assert row == RunTimes("RUNNING", t(3), started_at=t(3), ended_at=None)
    assert arrive([("START", t(3)), ("COMPLETE", t(2)), ("START", t(1))]) == row


def test_events_without_a_state_leave_the_run_new_since_the_first() -> None:
    assert run_times([("OTHER", t(5)), (None, t(3))]) is None
    assert arrive([("OTHER", t(5)), (None, t(3))]) == RunTimes("NEW", t(3))
    assert run_step(None, "OTHER", t(1)) == {}


def test_a_later_start_keeps_the_earliest_start() -> None:
    assert run_step(RunTimes("RUNNING", t(1), started_at=t(1)), "START", t(4)) == {
        "state": "RUNNING",
        "state_time": t(4),
        "started_at": t(1),
    }


EVENT_TYPES = ["START", "RUNNING", "COMPLETE", "FAIL", "ABORT", "OTHER", None]
events = st.lists(
    st.tuples(st.sampled_from(EVENT_TYPES), st.integers(0, 4).map(t)), min_size=1, max_size=7
)


@given(history=events, data=st.data())
def test_any_arrival_order_ends_at_run_times_of_all_events(
    history: list[Event], data: st.DataObject
) -> None:
    order = data.draw(st.permutations(history))
    row = arrive(order)
    folded = run_times(history)
    if folded is None:
        assert row == RunTimes("NEW", min(at for _, at in history))
    else:
        assert row == folded
    assert run_times(order) == folded
