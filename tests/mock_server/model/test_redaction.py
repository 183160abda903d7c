"""Redaction: every whole occurrence of a configured key is hidden, in every form a request carries it,
and nothing else is touched, however short the key."""

from __future__ import annotations

import json

import pytest

from mock_server.model.redaction import MASK, Redactor, redact, shown_key

KEY = "s3cret-key-123"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"Authorization: Bearer {KEY}", "Authorization: Bearer ***"),
        (f"/courses?api_key={KEY}&limit=5", "/courses?api_key=***&limit=5"),
        (f'{{"token": "{KEY}"}}', '{"token": "***"}'),
        (f"/courses/{KEY}/users", "/courses/***/users"),
        (f"it was {KEY}.", "it was ***."),
        (f"{KEY} and {KEY}", "*** and ***"),
    ],
    ids=["header", "query", "json", "path", "end of sentence", "twice"],
)
def test_redact_hides_every_whole_occurrence(text: str, expected: str) -> None:
    assert redact(text, KEY) == expected


@pytest.mark.parametrize(
    "text",
    [
        "http://127.0.0.1:18502 refused the API key (401)",
        "GET http://127.0.0.1:8080/courses?limit=10 took 0.1 s",
        "rise-mock-key 2021-11-01",
    ],
)
def test_redact_with_a_one_character_key_leaves_other_words_alone(text: str) -> None:
    assert redact(text, "1") == text


def test_redact_with_a_one_character_key_still_hides_the_key_itself() -> None:
    assert redact("Bearer 1, /courses/1?api_key=1&b=x", "1") == "Bearer ***, /courses/***?api_key=***&b=x"


def test_redact_leaves_a_longer_word_that_contains_the_key() -> None:
    assert redact("rise-mock-key mockery mock", "mock") == "rise-mock-key mockery ***"


@pytest.mark.parametrize(
    "form",
    ["a+b/c=", "a%2Bb%2Fc%3D", "a%2bb%2fc%3d", "a%2Bb/c%3D"],
    ids=["as is", "percent-encoded", "lower-case escapes", "slash kept"],
)
def test_redact_finds_a_key_in_a_query_string_however_it_is_encoded(form: str) -> None:
    assert redact(f"?api_key={form}&x=1", "a+b/c=") == "?api_key=***&x=1"


def test_redact_finds_a_json_escaped_key() -> None:
    secret = 'pä"ss-word'
    text = json.dumps({"key": secret})  # {"key": "p\u00e4\"ss-word"}
    assert secret not in text
    assert redact(text, secret) == '{"key": "***"}'


def test_redact_finds_a_key_after_a_percent_escape_and_in_xml() -> None:
    assert redact("Bearer%20s3cret-key-123", KEY) == "Bearer%20***"
    assert redact("<p>k&amp;v</p>", "k&v") == "<p>***</p>"


def test_redactor_hides_the_longest_key_first_and_walks_json() -> None:
    redactor = Redactor(["abc", "abc-def", None, ""])
    value = {"abc-def": ["x abc y", 1, None, True], "k": "abcdefg"}
    assert redactor.value(value) == {"***": ["x *** y", 1, None, True], "k": "abcdefg"}
    assert redactor.text("abc-def") == MASK


def test_redactor_without_keys_changes_nothing() -> None:
    redactor = Redactor([None, ""])
    assert not redactor
    assert redactor.text("Bearer x") == "Bearer x"
    assert redact("Bearer x", None) == "Bearer x"


def test_shown_key_keeps_at_most_three_characters_at_each_end_and_hides_at_least_half() -> None:
    assert shown_key(KEY) == "s3c…123"
    assert shown_key("s3cret123") == "s3…23"
    assert shown_key("abcd") == "a…d"
    assert shown_key("abc") == MASK and shown_key("1") == MASK


def test_redactor_can_hide_long_keys_inside_other_words_and_short_ones_whole_only() -> None:
    redactor = Redactor([KEY, "1"], anywhere_from=8)
    assert redactor.text(f"token={KEY}_x&limit=10&n=1") == "token=***_x&limit=10&n=***"
    assert Redactor([KEY]).text(f"token={KEY}_x") == f"token={KEY}_x"
