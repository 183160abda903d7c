"""Following a list page by page through `nextUrl`, and what the contract fixes about the pages: each holds
at most `limit` items, `nextUrl` is absolute and null on the last page, and following it visits every
item once. The page boundaries, the order and the cursor's form are the server's own."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from conformance.checks.differential.compare import header, is_absolute_url
from conformance.checks.differential.findings import Discrepancy
from conformance.engine.client import Exchange, RiseClient
from mock_server.model.contract import API_VERSION, LIMIT_DEFAULT, VERSION_HEADER

MAX_PAGES = 60
"""A walk stops here whatever the list's size: a profile's lists are small, and off loopback it is paced."""


@dataclass
class Page:
    exchange: Exchange
    items: list[Any]
    next_url: str | None


@dataclass
class Walk:
    """The pages one walk saw, from the first, and whether it reached a page whose nextUrl is null."""

    pages: list[Page] = field(default_factory=list)
    finished: bool = False

    @property
    def exchanges(self) -> list[Exchange]:
        return [page.exchange for page in self.pages]

    @property
    def items(self) -> list[Any]:
        return [item for page in self.pages for item in page.items]


def follow_url(next_url: str, base_url: str) -> str:
    """Where to send a nextUrl: as it is under the base URL, else its path and query under the base's host
    (the contract leaves the host to the server, e.g. a tenant behind another name)."""
    if next_url.startswith(base_url + "/") or next_url == base_url:
        return next_url
    base, target = urlsplit(base_url), urlsplit(next_url)
    query = f"?{target.query}" if target.query else ""
    return f"{base.scheme}://{base.netloc}{target.path}{query}"


def read_page(exchange: Exchange, key: str, rule: str) -> tuple[Page | None, Discrepancy | None]:
    """One page's items and nextUrl, or why the body is not a page of the list."""
    body = exchange.json()
    items = body.get(key) if isinstance(body, dict) else None
    if not isinstance(items, list) or "nextUrl" not in body:
        shape = f"a JSON object with a '{key}' list and a nextUrl"
        return None, Discrepancy(rule, shape, f"HTTP {exchange.status} body {exchange.response_body[:200]!r}")
    next_url = body["nextUrl"]
    if next_url is not None and not is_absolute_url(next_url):
        return None, Discrepancy("lists.next-url", "nextUrl as an absolute URL or null", repr(next_url))
    return Page(exchange, items, next_url), None


def walk(
    client: RiseClient,
    first: Exchange,
    key: str,
    limit: int | None,
    rule: str,
    max_pages: int = MAX_PAGES,
) -> tuple[Walk, Discrepancy | None]:
    """Follow nextUrl from the first page (already answered 200) and judge every page on the way."""
    seen = Walk()
    exchange = first
    page_size = limit or LIMIT_DEFAULT
    while True:
        page, problem = read_page(exchange, key, rule)
        if problem is not None:
            return seen, problem
        assert page is not None
        seen.pages.append(page)
        if len(page.items) > page_size:
            first_page = len(seen.pages) == 1
            return seen, Discrepancy(
                "lists.limit" if first_page else "lists.pages-complete",
                f"at most {page_size} items on page {len(seen.pages)}"
                + ("" if first_page else " (nextUrl keeps the limit)"),
                f"{len(page.items)} items",
            )
        if page.next_url is None:
            seen.finished = True
            return seen, None
        if len(seen.pages) >= max_pages:
            return seen, None
        exchange = client.get(follow_url(page.next_url, client.base_url))
        if exchange.status != 200:
            seen.pages.append(Page(exchange, [], None))
            return seen, Discrepancy(
                "lists.next-url",
                "HTTP 200 with the next page when following nextUrl",
                f"HTTP {exchange.status} for {exchange.url}",
            )
        version = header(exchange, VERSION_HEADER)
        if version != API_VERSION:
            seen.pages.append(Page(exchange, [], None))
            return seen, Discrepancy(
                "version.on-every-response",
                f"{VERSION_HEADER}: {API_VERSION} on every page",
                f"{VERSION_HEADER}: {version} on {exchange.url}",
            )


STEP_PAGES = 12
"""Pages one step follows at most: a long list is judged on the pages seen (its size, overlaps, fields)
rather than walked to its end, so that a large tenant costs a step a dozen requests, not hundreds."""


def page_budget(expected_items: int) -> int:
    """Pages a conforming server may take for a list: one per item at worst, and a last empty page."""
    return expected_items + 2


def walk_budget(expected_items: int) -> tuple[int, bool]:
    """(pages a step follows, whether that reaches the end of a conforming list)."""
    needed = page_budget(expected_items)
    return min(needed, STEP_PAGES), needed <= STEP_PAGES


def identities(seen: Walk, id_of: Any, rule: str) -> tuple[dict[str, Any], Discrepancy | None]:
    """Items by identity; an item twice is a page overlap when on two pages, else a listing error."""
    found: dict[str, Any] = {}
    where: dict[str, int] = {}
    for number, page in enumerate(seen.pages, 1):
        for item in page.items:
            identity = id_of(item)
            if identity is None:
                return found, Discrepancy(rule, "every item with its ID", f"item {item!r}")
            if identity in found:
                across = where[identity] != number
                return found, Discrepancy(
                    "lists.pages-complete" if across else rule,
                    f"{identity} listed once",
                    f"{identity} on page {where[identity]} and again on page {number}"
                    if across
                    else f"{identity} twice on page {number}",
                )
            found[identity] = item
            where[identity] = number
    return found, None
