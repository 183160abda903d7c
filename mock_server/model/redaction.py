"""Keys are never kept or printed: every occurrence of a configured key in text or JSON becomes `***`.

The one place for that rule, used wherever requests are kept or shown: the mock's journal (memory and
SQLite), its banner and messages, and every output and report of `rise-conformance`.

Only whole occurrences count. A key is text bounded by characters that cannot continue it: the space of
`Bearer KEY`, the `=` and `&` of `?api_key=KEY&`, the quotes of `"KEY"`, the slashes of `/KEY/`. So the
key `1` is hidden in `Bearer 1` and `/courses/1`, but `127.0.0.1` and `(401)` stay as they are; a dot or a
hyphen between two word characters (`127.0.0.1`, `rise-mock-key`) joins them into one word. A key is
also found in the forms requests and reports carry it in: percent-encoded (query strings, form bodies),
JSON-escaped and XML-escaped. What keeps records (the journal) also hides a key of eight characters or
more inside a longer word (`KEY_x`), where it cannot be an ordinary word.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from functools import cache
from typing import Any
from urllib.parse import quote, quote_plus

MASK = "***"
_JOINERS = ".-"
"""Characters that join the word characters on either side of them into one word."""
_SHOWN_EDGE = 3
"""At most this many characters of a key are shown at each end, and never more than a quarter of it."""


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


def _continues(text: str, inner: int, outer: int) -> bool:
    """Whether the character at `inner`, beside a candidate occurrence, makes it part of a longer word;
    `outer` is the index one further out (for a joiner, which joins only when a word character follows)."""
    if not 0 <= inner < len(text):
        return False
    char = text[inner]
    if _is_word(char):
        return True
    return char in _JOINERS and 0 <= outer < len(text) and _is_word(text[outer])


def _percent_escape(text: str, end: int) -> bool:
    """Whether `text[:end]` ends with a percent escape such as %20 (a boundary, like what it encodes)."""
    escape = text[end - 3 : end] if end >= 3 else ""
    return len(escape) == 3 and escape[0] == "%" and all(c in "0123456789abcdefABCDEF" for c in escape[1:])


def _whole(text: str, start: int, end: int) -> bool:
    left_joined = not _percent_escape(text, start) and _continues(text, start - 1, start - 2)
    return not left_joined and not _continues(text, end, end + 1)


def _hide(text: str, form: str) -> str:
    pieces: list[str] = []
    done = 0
    found = text.find(form)
    while found != -1:
        end = found + len(form)
        if _whole(text, found, end):
            pieces += [text[done:found], MASK]
            done = end
            found = text.find(form, end)
        else:
            found = text.find(form, found + 1)
    return "".join(pieces) + text[done:] if pieces else text


def _lower_escapes(text: str) -> str:
    """%2B as %2b: clients write percent escapes in either case."""
    out, index = [], 0
    while index < len(text):
        if text[index] == "%" and index + 2 < len(text):
            out.append(text[index : index + 3].lower())
            index += 3
        else:
            out.append(text[index])
            index += 1
    return "".join(out)


def _forms(secret: str) -> set[str]:
    """The ways a request or a report may carry `secret`: as is, percent-encoded, JSON- or XML-escaped."""
    encoded = {quote(secret, safe=""), quote(secret), quote_plus(secret)}
    escaped = {json.dumps(secret)[1:-1], html.escape(secret, quote=False), html.escape(secret)}
    return {secret, *escaped, *encoded, *map(_lower_escapes, encoded)}


class Redactor:
    """Hides a fixed set of keys in text and in JSON values (strings and object keys alike).

    `anywhere_from`: keys at least this long are hidden wherever they appear, inside a longer word too
    (what keeps records, such as the journal, wants: such a key is no ordinary word); shorter keys, and
    every key without it, only as whole occurrences."""

    def __init__(self, secrets: Iterable[str | None], *, anywhere_from: int | None = None) -> None:
        forms: dict[str, bool] = {}
        for secret in secrets:
            if secret:
                anywhere = anywhere_from is not None and len(secret) >= anywhere_from
                for form in _forms(secret):
                    forms[form] = forms.get(form, False) or anywhere
        # Longest first, so that a key containing another key is hidden whole.
        self._forms = sorted(forms.items(), key=lambda item: len(item[0]), reverse=True)

    def __bool__(self) -> bool:
        return bool(self._forms)

    def text(self, text: str) -> str:
        for form, anywhere in self._forms:
            if form in text:
                text = text.replace(form, MASK) if anywhere else _hide(text, form)
        return text

    def value(self, value: Any) -> Any:
        """A JSON value with every string in it redacted; other values as they are."""
        if not self._forms:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.value(key): self.value(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.value(item) for item in value]
        return value


@cache
def _redactor(secret: str) -> Redactor:
    return Redactor([secret])


def redact(text: str, secret: str | None) -> str:
    """`text` with every whole occurrence of `secret` replaced by `***`."""
    return _redactor(secret).text(text) if secret else text


def shown_key(key: str) -> str:
    """How a key is named where it must be named (a banner): `s3c…123`, enough to tell keys apart with at
    least half of it hidden (`s3…23` for a 9-character key), or `***` when it is too short for that."""
    edge = min(_SHOWN_EDGE, len(key) // 4)
    return f"{key[:edge]}…{key[-edge:]}" if edge else MASK
