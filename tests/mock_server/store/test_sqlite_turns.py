"""SQLite writers of rise-mock take turns through an exclusive flock on the file beside the database, so
that one waiting for another's write sleeps until it ends instead of retrying SQLite's lock."""

from __future__ import annotations

import fcntl
import threading
from pathlib import Path

import pytest

from mock_server.store.sqlite import Database


def _turn_is_free(path: Path) -> bool:
    with open(path, "ab") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        return True


def test_a_write_transaction_holds_the_turn_and_the_next_writer_waits_for_it(tmp_path: Path) -> None:
    database = Database(tmp_path / "tenant.sqlite3")
    turns = tmp_path / "tenant.sqlite3-lock"
    order: list[str] = []
    inside, release = threading.Event(), threading.Event()

    def first() -> None:
        with database.atomic():
            order.append("first in")
            inside.set()
            release.wait(10)
            order.append("first out")

    def second() -> None:
        inside.wait(10)
        with database.atomic():  # another thread: its own connection and its own handle on the turn
            order.append("second in")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    assert inside.wait(10)
    assert not _turn_is_free(turns)  # held for the whole transaction
    release.set()
    for thread in threads:
        thread.join(10)
    assert order == ["first in", "first out", "second in"]
    assert _turn_is_free(turns)  # given back after each transaction


def test_nested_transactions_take_the_turn_once_and_give_it_back_when_the_outer_one_ends(
    tmp_path: Path,
) -> None:
    database = Database(tmp_path / "tenant.sqlite3")
    turns = tmp_path / "tenant.sqlite3-lock"
    with database.atomic():
        with database.atomic():
            assert not _turn_is_free(turns)
        assert not _turn_is_free(turns)
    assert _turn_is_free(turns)


def test_a_failed_transaction_gives_the_turn_back(tmp_path: Path) -> None:
    database = Database(tmp_path / "tenant.sqlite3")
    with pytest.raises(RuntimeError), database.atomic():
        raise RuntimeError("the write failed")
    assert _turn_is_free(tmp_path / "tenant.sqlite3-lock")
