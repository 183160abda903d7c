"""Fixtures of the importer's tests (this folder's conftest also puts `rise_importer` on sys.path)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

HEADER = "course_id,user_id,started_at,completed_at"


@pytest.fixture
def completions_csv(tmp_path: Path) -> Callable[..., Path]:
    """`completions_csv("rise-quiz-101,user-ada,2023-05-02T09:00:00Z,2023-05-02T10:30:00Z", ...)`: a CSV
    file with the header and these rows."""

    def write(*rows: str) -> Path:
        path = tmp_path / "completions.csv"
        path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
        return path

    return write
