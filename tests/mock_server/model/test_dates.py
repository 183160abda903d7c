"""Import dates as `dates.py` reads them, and dates and durations as the reports write them."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mock_server.model.dates import check_order, format_datetime, iso_duration, parse_import_date
from mock_server.model.errors import RiseError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-05-02T09:00:00Z", datetime(2023, 5, 2, 9, 0, tzinfo=UTC)),
        ("2023-05-02t09:00:00z", datetime(2023, 5, 2, 9, 0, tzinfo=UTC)),
        ("2023-05-02T11:00:00+02:00", datetime(2023, 5, 2, 9, 0, tzinfo=UTC)),
        ("2023-05-02T04:30:00-04:30", datetime(2023, 5, 2, 9, 0, tzinfo=UTC)),
        ("2023-05-02T09:00:00+00:00", datetime(2023, 5, 2, 9, 0, tzinfo=UTC)),
        ("2023-05-02T09:00:00.5Z", datetime(2023, 5, 2, 9, 0, 0, 500000, tzinfo=UTC)),
        ("2023-05-02T09:00:00.123456789Z", datetime(2023, 5, 2, 9, 0, 0, 123456, tzinfo=UTC)),
        ("2016-12-31T23:59:60Z", datetime(2017, 1, 1, 0, 0, 0, tzinfo=UTC)),
        ("2023-05-02", datetime(2023, 5, 2, 0, 0, tzinfo=UTC)),
        ("2024-02-29", datetime(2024, 2, 29, tzinfo=UTC)),
    ],
)
def test_parse_import_date_reads_rfc3339_date_times_and_full_dates(text: str, expected: datetime) -> None:
    parsed = parse_import_date("startedAt", text)
    assert parsed == expected
    assert parsed.utcoffset() is not None


def test_parse_import_date_keeps_the_offset_as_sent() -> None:
    parsed = parse_import_date("startedAt", "2023-05-02T11:00:00+02:00")
    assert parsed.utcoffset() == timedelta(hours=2)


def test_parse_import_date_reads_a_date_as_midnight_utc() -> None:
    parsed = parse_import_date("completedAt", "2023-05-03")
    assert parsed.utcoffset() == timedelta(0)
    assert (parsed.hour, parsed.minute, parsed.second) == (0, 0, 0)


def test_parse_import_date_does_not_overflow_at_the_ends_of_the_calendar() -> None:
    assert parse_import_date("startedAt", "0001-01-01T00:00:00+01:00").year == 1
    assert parse_import_date("startedAt", "9999-12-31T23:59:59-01:00").year == 9999


@pytest.mark.parametrize(
    "text",
    [
        "2023-05-02T09:00:00",  # no offset
        "2023-05-02 09:00:00Z",  # space, not T
        "2023-05-02T09:00Z",  # no seconds
        "2023-05-02T09:00:00+0200",  # offset without colon
        "20230502",
        "2023-5-2",
        "yesterday",
        "",
        "2023-02-30",  # no such day
        "2023-13-01",
        "2023-02-29",  # not a leap year
        "2023-05-02T24:00:00Z",
        "2023-05-02T09:60:00Z",
        "2023-05-02T09:00:00+24:00",
        "\uff12\uff10\uff12\uff13-05-02",  # full-width digits
    ],
)
def test_parse_import_date_rejects_what_is_neither_form_as_invalid_request_naming_the_field(
    text: str,
) -> None:
    with pytest.raises(RiseError) as error:
        parse_import_date("completedAt", text)
    assert error.value.code == "invalid_request"
    assert error.value.status == 400
    assert "completedAt" in error.value.message
    assert repr(text) in error.value.message


def test_check_order_accepts_equal_dates() -> None:
    moment = datetime(2023, 5, 2, tzinfo=UTC)
    check_order(moment, moment)


def test_check_order_accepts_the_same_instant_written_with_different_offsets() -> None:
    check_order(
        parse_import_date("startedAt", "2023-05-02T11:00:00+02:00"),
        parse_import_date("completedAt", "2023-05-02T09:00:00Z"),
    )


def test_check_order_rejects_a_completion_before_its_start_naming_both_dates() -> None:
    with pytest.raises(RiseError) as error:
        check_order(datetime(2023, 5, 2, tzinfo=UTC), datetime(2023, 5, 1, tzinfo=UTC))
    assert error.value.code == "invalid_request"
    message = error.value.message
    assert "completedAt (2023-05-01T00:00:00Z)" in message
    assert "startedAt (2023-05-02T00:00:00Z)" in message


def test_check_order_compares_instants_not_local_times() -> None:
    # 10:00+02:00 is 08:00Z, one hour before 09:00Z although its local time is later
    with pytest.raises(RiseError):
        check_order(
            parse_import_date("startedAt", "2023-05-02T09:00:00Z"),
            parse_import_date("completedAt", "2023-05-02T10:00:00+02:00"),
        )


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (datetime(2023, 5, 2, 9, 0, tzinfo=UTC), "2023-05-02T09:00:00Z"),
        (datetime(2023, 5, 2, 9, 0, 0, 500000, tzinfo=UTC), "2023-05-02T09:00:00.500000Z"),
        (datetime(2023, 5, 2, 11, 0, tzinfo=timezone(timedelta(hours=2))), "2023-05-02T11:00:00+02:00"),
    ],
)
def test_format_datetime_writes_rfc3339_with_z_for_utc(value: datetime, text: str) -> None:
    assert format_datetime(value) == text


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(hours=1, minutes=30), "PT1H30M"),
        (timedelta(days=2, hours=3), "P2DT3H"),
        (timedelta(0), "PT0S"),
        (timedelta(days=2), "P2D"),
        (timedelta(seconds=1), "PT1S"),
        (timedelta(minutes=5), "PT5M"),
        (timedelta(days=1, seconds=1), "P1DT1S"),
        (timedelta(seconds=1, microseconds=500000), "PT1.5S"),
        (timedelta(microseconds=1), "PT0.000001S"),
        (timedelta(days=400, hours=23, minutes=59, seconds=59), "P400DT23H59M59S"),
    ],
)
def test_iso_duration_writes_days_hours_minutes_and_seconds(delta: timedelta, text: str) -> None:
    assert iso_duration(delta) == text


def test_iso_duration_refuses_a_negative_duration() -> None:
    with pytest.raises(ValueError, match="negative"):
        iso_duration(timedelta(seconds=-1))


# The pattern openapi.yaml gives ReportRow.duration.
_CONTRACT_DURATION = re.compile(r"^P(?!$)(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$")
_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")


def _read_duration(text: str) -> timedelta:
    days, hours, minutes, seconds = _DURATION.fullmatch(text).groups()  # type: ignore[union-attr]
    whole, _, fraction = (seconds or "0").partition(".")
    return timedelta(
        days=int(days or 0),
        hours=int(hours or 0),
        minutes=int(minutes or 0),
        seconds=int(whole),
        microseconds=int(fraction.ljust(6, "0")) if fraction else 0,
    )


@given(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=100_000)))
def test_iso_duration_round_trips_and_matches_the_contract_pattern(delta: timedelta) -> None:
    text = iso_duration(delta)
    assert _CONTRACT_DURATION.fullmatch(text), text
    assert _read_duration(text) == delta


@given(
    st.datetimes(
        min_value=datetime(1900, 1, 1),
        max_value=datetime(2200, 1, 1),
        timezones=st.sampled_from(
            [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8))]
        ),
    )
)
def test_format_datetime_output_is_read_back_by_parse_import_date(value: datetime) -> None:
    assert parse_import_date("startedAt", format_datetime(value)) == value
