"""Russian number words: the noun's form agrees with the count (shnor.core.numbers.plural)."""

from __future__ import annotations

import pytest

from shnor.core.numbers import plural


@pytest.mark.parametrize(
    ("n", "form"),
    [(0, "школ"), (1, "школа"), (2, "школы"), (4, "школы"), (5, "школ"), (11, "школ"), (12, "школ"), (14, "школ"),
     (21, "школа"), (22, "школы"), (25, "школ"), (101, "школа"), (111, "школ"), (112, "школ"), (1_004, "школы"),
     (-3, "школы")],
)  # fmt: skip
def test_the_russian_form_agrees_with_the_count(n: int, form: str) -> None:
    assert plural(n, "школа", "школы", "школ") == form
