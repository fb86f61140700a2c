"""FastSelect renders what Django's Select renders (the same markup, escaped the same way)."""

from __future__ import annotations

import re

from django import forms

from shnor.lib.widgets import FastSelect


class _Form(forms.Form):
    plain = forms.ChoiceField(choices=[("", "все"), ("a&b", "A <и> B"), ("2", "два")], required=False)
    grouped = forms.ChoiceField(
        choices=[("", "—"), ("Школы", [("school:1", "A001 — «Школа»")]), ("Кураторам", [("curator:2", "К")])],
        required=False,
    )
    must = forms.ChoiceField(choices=[("1", "один"), ("1", "снова один"), ("3", '"три"')])


def _both(field: str, data: dict[str, str]) -> tuple[str, str]:
    slow, fast = _Form(data), _Form(data)
    select = fast.fields[field].widget
    assert isinstance(select, forms.Select)
    # The field's choices, read from its select: the field hands its widget the same list.
    fast.fields[field].widget = FastSelect(choices=select.choices)
    return str(slow[field]), str(fast[field])


def test_the_same_markup_as_djangos_select() -> None:
    for field, data in (
        ("plain", {"plain": "a&b"}),
        ("grouped", {"grouped": "curator:2"}),
        ("plain", {}),
        ("must", {"must": "1"}),
        ("must", {}),
    ):
        slow, fast = _both(field, data)
        assert re.sub(r">\s+<", "><", slow) == fast, (slow, fast)  # Django's template adds whitespace
    _, fast = _both("plain", {"plain": "a&b"})
    assert '<option value="a&amp;b" selected>A &lt;и&gt; B</option>' in fast


def test_a_typed_number_is_ascii_digits_within_a_key() -> None:
    from shnor.lib.lookup import as_int

    assert as_int("42") == 42 and as_int(" 7 ") == 7
    assert [as_int(v) for v in ("", None, "²", "١٢٣", "-1", "1.5", "9" * 11, str(2**31), "да")] == [None] * 9
    assert as_int("2026", maximum=9999) == 2026 and as_int("10000", maximum=9999) is None
