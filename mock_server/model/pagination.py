"""Keyset pagination: a page of items sorted by ID, and the opaque cursor to the next one."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from mock_server.model.errors import RiseError

T = TypeVar("T")
_BASE64URL = re.compile(r"^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2,3})?$")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None
    """Where the next page starts; None on the last page."""


def encode_cursor(last_key: str) -> str:
    return base64.urlsafe_b64encode(last_key.encode("utf-8")).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> str:
    """The key a cursor points after; a cursor that is not base64url is the client's error (400).

    Any base64url text is a position (keys compare as strings), so a well-formed cursor never fails.
    """
    try:
        if not _BASE64URL.match(cursor):
            raise ValueError("not unpadded base64url")
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        return raw.decode("utf-8", errors="surrogateescape")
    except (binascii.Error, ValueError):
        raise RiseError(
            "invalid_request",
            f"cursor {cursor!r} is not one this server issued: follow nextUrl from the previous page "
            "as it is, or leave cursor out to start from the first page.",
        ) from None


def paginate(items: Sequence[T], key: Callable[[T], str], limit: int, cursor: str | None) -> Page[T]:
    """Items after the cursor, at most `limit` of them; items must already be sorted by `key`.

    Keyset (not offset) paging, so that a write between two pages neither repeats nor skips an item.
    """
    start = 0
    if cursor is not None:
        after = decode_cursor(cursor)
        start = next((i for i, item in enumerate(items) if key(item) > after), len(items))
    chunk = list(items[start : start + limit])
    more = start + limit < len(items)
    return Page(chunk, encode_cursor(key(chunk[-1])) if more else None)


Fetch = Callable[[str | None, int], Sequence[T]]
"""A store query: the items after a key (None: from the first), at most that many, sorted by key."""


def keyset_page(
    fetch: Fetch[T],
    key: Callable[[T], str],
    limit: int,
    cursor: str | None,
    keep: Callable[[T], bool] | None = None,
) -> Page[T]:
    """The page `paginate` would give of the items `keep` keeps, read from a store a page at a time.

    It asks for one item more than the page, so that telling whether another page follows costs
    nothing more; items `keep` passes over (writes the reports do not show yet) are replaced by asking
    again after them. Reading a page costs the page, not the whole list.
    """
    after = None if cursor is None else decode_cursor(cursor)
    found: list[T] = []
    while len(found) <= limit:
        wanted = limit + 1 - len(found)
        batch = fetch(after, wanted)
        found.extend(item for item in batch if keep is None or keep(item))
        if len(batch) < wanted:
            break
        after = key(batch[-1])
    items = found[:limit]
    return Page(items, encode_cursor(key(items[-1])) if len(found) > limit else None)
