"""Durations round-trip between the mock's writer and the tester's reader, for every length."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from conformance.checks.dates import parse_any_duration, parse_duration
from mock_server.model.dates import iso_duration

LENGTHS = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=36500))


@given(LENGTHS)
def test_parse_reads_back_what_the_model_writes(length: timedelta) -> None:
    assert parse_duration(iso_duration(length)) == length


@given(LENGTHS)
def test_the_lenient_reader_agrees_on_the_contract_form(length: timedelta) -> None:
    assert parse_any_duration(iso_duration(length)) == length


def test_the_lenient_reader_takes_weeks_and_zero_years_the_strict_one_refuses() -> None:
    assert parse_any_duration("P1W") == timedelta(days=7) and parse_duration("P1W") is None
    assert (
        parse_any_duration("P0Y0M2DT3H") == timedelta(days=2, hours=3)
        and parse_duration("P0Y0M2DT3H") is None
    )
    assert parse_any_duration("P1M") is None, "a month has no fixed length"
