"""Keyset pagination as `pagination.py` does it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mock_server.model.errors import RiseError
from mock_server.model.pagination import decode_cursor, encode_cursor, keyset_page, paginate

ITEMS = ["a", "b", "c", "d", "e"]


def _key(item: str) -> str:
    return item


def _walk(items: list[str], limit: int) -> list[list[str]]:
    pages, cursor = [], None
    while True:
        page = paginate(items, _key, limit, cursor)
        pages.append(page.items)
        if page.next_cursor is None:
            return pages
        cursor = page.next_cursor


def test_paginate_gives_at_most_limit_items_from_the_start() -> None:
    page = paginate(ITEMS, _key, 2, None)
    assert page.items == ["a", "b"]
    assert page.next_cursor is not None


def test_paginate_continues_after_the_cursor() -> None:
    first = paginate(ITEMS, _key, 2, None)
    assert paginate(ITEMS, _key, 2, first.next_cursor).items == ["c", "d"]


def test_paginate_last_page_has_no_cursor() -> None:
    assert _walk(ITEMS, 2) == [["a", "b"], ["c", "d"], ["e"]]
    assert paginate(ITEMS, _key, 5, None).next_cursor is None
    assert paginate(ITEMS, _key, 100, None).next_cursor is None


def test_paginate_of_nothing_is_one_empty_last_page() -> None:
    page = paginate([], _key, 10, None)
    assert (page.items, page.next_cursor) == ([], None)


def test_paginate_neither_repeats_nor_skips_when_an_item_is_inserted_between_pages() -> None:
    first = paginate(ITEMS, _key, 2, None)
    grown = sorted([*ITEMS, "aa"])  # lands on the page already read
    second = paginate(grown, _key, 2, first.next_cursor)
    assert second.items == ["c", "d"]


def test_paginate_shows_an_item_inserted_after_the_cursor_on_a_later_page() -> None:
    first = paginate(ITEMS, _key, 2, None)
    grown = sorted([*ITEMS, "bb"])
    assert paginate(grown, _key, 2, first.next_cursor).items == ["bb", "c"]


def test_paginate_does_not_skip_when_the_last_item_read_is_deleted() -> None:
    first = paginate(ITEMS, _key, 2, None)
    shrunk = [item for item in ITEMS if item != "b"]
    assert paginate(shrunk, _key, 2, first.next_cursor).items == ["c", "d"]


@given(
    st.lists(st.text(min_size=1, max_size=8), unique=True, max_size=30).map(sorted),
    st.integers(min_value=1, max_value=7),
)
def test_paginate_walk_gives_every_item_once_in_order(items: list[str], limit: int) -> None:
    pages = _walk(items, limit)
    assert [item for page in pages for item in page] == items
    assert all(1 <= len(page) <= limit for page in pages[:-1] if items)


@given(st.text(min_size=1))
def test_decode_cursor_reads_back_what_encode_cursor_wrote(key: str) -> None:
    cursor = encode_cursor(key)
    assert "=" not in cursor
    assert decode_cursor(cursor) == key


@pytest.mark.parametrize("cursor", ["!!!", "a", "not base64 at all", "ab=c", "abcde"])
def test_paginate_rejects_an_unreadable_cursor_as_invalid_request(cursor: str) -> None:
    with pytest.raises(RiseError) as error:
        paginate(ITEMS, _key, 2, cursor)
    assert error.value.code == "invalid_request"
    assert error.value.status == 400
    assert repr(cursor) in error.value.message
    assert "nextUrl" in error.value.message


def test_paginate_takes_any_base64url_cursor_as_a_position() -> None:
    # "_w" is base64url for the byte 0xFF: not UTF-8, but still a place in the order of keys
    assert paginate(ITEMS, _key, 2, "_w").items == []
    assert paginate(ITEMS, _key, 2, encode_cursor("bz")).items == ["c", "d"]


def _store_query(items: list[str], asked: list[int]):
    """A store's keyset query over sorted `items`, noting how many items each call returned."""

    def fetch(after: str | None, limit: int) -> list[str]:
        found = [item for item in items if after is None or item > after][:limit]
        asked.append(len(found))
        return found

    return fetch


@given(
    st.lists(st.text(min_size=1, max_size=6), unique=True, max_size=40).map(sorted),
    st.integers(min_value=1, max_value=7),
    st.sets(st.integers(min_value=0, max_value=39)),
    st.data(),
)
def test_keyset_page_gives_the_page_paginate_gives_of_the_kept_items(
    items: list[str], limit: int, hidden: set[int], data: st.DataObject
) -> None:
    """Same items, same cursor, with some items passed over (writes the reports do not show yet)."""
    kept = [item for index, item in enumerate(items) if index not in hidden]
    cursor = data.draw(st.none() | st.sampled_from(kept).map(encode_cursor) if kept else st.none())
    page = keyset_page(_store_query(items, []), _key, limit, cursor, keep=lambda item: item in kept)
    assert page == paginate(kept, _key, limit, cursor)


def test_keyset_page_reads_one_item_past_the_page_when_nothing_is_passed_over() -> None:
    asked: list[int] = []
    items = [f"user-{index:05d}" for index in range(10_000)]
    page = keyset_page(_store_query(items, asked), _key, 50, encode_cursor("user-04000"))
    assert page.items == items[4001:4051]
    assert asked == [51]


def test_keyset_page_asks_again_after_items_it_passes_over() -> None:
    asked: list[int] = []
    page = keyset_page(_store_query(ITEMS, asked), _key, 2, None, keep=lambda item: item != "b")
    assert page.items == ["a", "c"]
    assert page.next_cursor == encode_cursor("c")
    assert asked == [3, 1]
