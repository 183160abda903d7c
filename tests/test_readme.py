"""The README's Python examples run as tests, with the importer of examples/importer/, so that what an
integrator copies from it works."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
EXAMPLES = [block for block in re.findall(r"```python\n(.*?)```", README, re.DOTALL) if "def test_" in block]


def test_readme_has_fixture_examples_that_use_the_example_importer() -> None:
    assert len(EXAMPLES) >= 2
    assert all("from rise_importer import" in block for block in EXAMPLES)
    assert "my_importer" not in README


@pytest.mark.parametrize("block", EXAMPLES, ids=[f"example-{n}" for n in range(1, len(EXAMPLES) + 1)])
def test_readme_example_passes(block: str, pytester: pytest.Pytester) -> None:
    pytester.syspathinsert(ROOT / "examples" / "importer")
    pytester.makepyfile(test_readme_example=block)
    result = pytester.runpytest("-p", "no:cacheprovider")
    tests = len(re.findall(r"^def test_", block, re.MULTILINE))
    result.assert_outcomes(passed=tests)
