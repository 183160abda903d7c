"""Keyset paging in SQL: the condition "key after the cursor's key", for any key a cursor can carry.

A cursor is any base64url text, so the key it carries may hold what no ID can: a lone surrogate (from
bytes that are not UTF-8) or NUL. Python compares such keys by code point; SQL drivers cannot send them.
`after_clause` gives a condition with a key they can send that keeps exactly the same IDs.
"""

from __future__ import annotations

_SURROGATES = range(0xD800, 0xE000)


def after_clause(column: str, after: str | None, placeholder: str) -> tuple[str, list[str]]:
    """An SQL condition on `column` (with its parameters) that keeps the IDs greater than `after`.

    Up to the first character no ID can hold, an ID that shares the key's beginning is greater exactly
    when it goes on: past NUL (the smallest character) with anything, past a surrogate with a character
    from U+E000 up (IDs hold no surrogate).
    """
    if after is None:
        return "", []
    for index, char in enumerate(after):
        if char == "\x00":
            return f" AND {column} > {placeholder}", [after[:index]]
        if ord(char) in _SURROGATES:
            return f" AND {column} >= {placeholder}", [after[:index] + "\ue000"]
    return f" AND {column} > {placeholder}", [after]


def limit_clause(limit: int | None, placeholder: str) -> tuple[str, list[int]]:
    return ("", []) if limit is None else (f" LIMIT {placeholder}", [limit])
