"""The shared edge helpers every domain uses: the form reader, rows to Structs, declared
workflows and the frozen clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time

import msgspec
import pytest

from innovation_hub.core import clock
from innovation_hub.core.errors import FormInvalid, RuleBroken
from innovation_hub.core.forms import Form, parse_clock, parse_day, parse_id, parse_int, parse_vnd
from innovation_hub.core.i18n import use_locale
from innovation_hub.core.rows import to_struct
from innovation_hub.core.workflow import State, Transition, Workflow


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-12-04", date(2026, 12, 4)),
        ("1999-12-31", None),
        ("2100-01-01", None),
        ("04/12/2026", None),
        ("2026-02-30", None),
        ("", None),
        (["2026-12-04", "x"], date(2026, 12, 4)),
    ],
)
def test_one_date_reader_with_one_set_of_bounds(raw: object, expected: date | None) -> None:
    assert parse_day(raw) == expected


def test_numbers_are_whole_non_negative_and_bounded() -> None:
    assert parse_int("42") == 42
    assert parse_int("-3") is None and parse_int("3.5") is None and parse_int("٣") is None
    assert parse_int("1" * 10) is None  # past 999,999,999
    assert parse_id("0") is None and parse_id("7") == 7
    assert parse_vnd("150.000 ₫") == 150_000 and parse_vnd("1,200,000") == 1_200_000
    assert parse_vnd("-5") is None and parse_vnd("1" * 15) is None
    assert parse_clock("09:30") == time(9, 30) and parse_clock("09:30:00") == time(9, 30)
    assert parse_clock("25:00") is None and parse_clock("09:30:15") is None


def test_a_form_names_every_wrong_field_at_once() -> None:
    form = Form(
        {"name": "", "people": "-2", "day": "2026-13-01", "kind": "desk", "note": "x" * 301}
    )
    form.text("name", required=True)
    form.number("people", minimum=1, maximum=50)
    form.day("day")
    form.choice("kind", ("room", "hall"))
    form.text("note")
    form.day("missing")  # left empty and not required: no error
    with pytest.raises(FormInvalid) as refused:
        form.check()
    assert set(refused.value.field_errors) == {"name", "people", "day", "kind", "note"}
    assert refused.value.status_code == 422


class Upload(msgspec.Struct):
    name: str
    uploaded_at: datetime


class CaseOut(msgspec.Struct):
    id: int
    owner_id: int
    files: list[Upload]
    created_at: datetime
    note: str = ""


class Row:
    def __init__(self) -> None:
        self.id, self.owner = 5, 9
        self.created_at = datetime(2026, 12, 3, 17, 30, tzinfo=UTC)
        self.files = [{"name": "logo.png", "uploaded_at": datetime(2026, 12, 3, 1, tzinfo=UTC)}]


def test_rows_become_structs_in_local_time_naming_only_what_differs() -> None:
    out = to_struct(Row(), CaseOut, owner_id=9)
    assert out.id == 5 and out.owner_id == 9 and out.note == ""
    assert out.created_at.isoformat() == "2026-12-04T00:30:00+07:00"  # the next local day
    assert out.files[0].uploaded_at.isoformat() == "2026-12-03T08:00:00+07:00"


def test_a_row_missing_a_required_field_is_refused() -> None:
    with pytest.raises(msgspec.ValidationError):
        to_struct(Row(), CaseOut)  # owner_id is neither an attribute nor given


def _workflow() -> Workflow:
    from innovation_hub.bookings.tables import Booking

    return Workflow(
        name="example",
        table=Booking,
        states=(State("open", "Open", "○"), State("done", "Done", "●", "Finished", final=True)),
        transitions=(Transition("finish", ("open",), ("done",), frozenset({"owner"})),),
        conflict_message="Changed meanwhile.",
    )


def test_a_workflow_says_words_icons_and_buttons_from_one_declaration() -> None:
    flow = _workflow()
    with use_locale("en"):
        assert flow.view("done").icon == "●" and flow.label("done", member=True) == "Finished"
    with use_locale("vi"):  # declared once, read in the reader's language
        assert flow.label("done", member=True) == "Đã kết thúc"
    assert flow.final_statuses == ("done",) and flow.open_statuses == ("open",)
    assert [t.action for t in flow.actions_for("open", {"owner"})] == ["finish"]
    assert flow.actions_for("open", {"staff"}) == [] and flow.actions_for("done", {"owner"}) == []
    with pytest.raises(RuleBroken) as refused:
        flow.require("finish", "done")
    assert refused.value.code == "wrong_status"


def test_a_workflow_naming_an_undeclared_state_fails_at_import() -> None:
    from innovation_hub.bookings.tables import Booking

    with pytest.raises(ValueError, match="unknown states"):
        Workflow(
            name="broken",
            table=Booking,
            states=(State("open", "Open", "○"),),
            transitions=(Transition("close", ("open",), ("closed",)),),
            conflict_message="",
        )


def test_the_frozen_clock_stops_and_moves_utcnow(
    frozen_clock: Callable[[datetime], None],
) -> None:
    moment = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
    frozen_clock(moment)
    assert clock.utcnow() == moment
    frozen_clock(datetime(2026, 12, 7, 9, 0, tzinfo=clock.LOCAL_TZ))
    assert clock.utcnow() == datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
    with pytest.raises(ValueError):
        frozen_clock(datetime(2026, 12, 7))  # a moment without a zone is ambiguous


def test_labels_are_declared_once_and_read_in_the_readers_language() -> None:
    from innovation_hub.core.i18n import N_, Labels

    party = Labels({"applicant": N_("Applicant"), "office": N_("IP Office")})
    with use_locale("en"):
        assert party("applicant") == "Applicant" and party("mystery") == "mystery"
    with use_locale("vi"):
        assert party("applicant") != "Applicant"  # the catalogue's Vietnamese
        assert [code for code, _ in party.choices()] == ["applicant", "office"]
