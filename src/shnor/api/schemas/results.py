"""The schemas of the effectiveness of measures (difference in differences with matched controls).

No `from __future__ import annotations` in the schema modules: django-ninja reads the annotations at import.
"""

from ninja import Schema


class MatchOut(Schema):
    treated: str
    change: float
    controls: list[str]
    control_change: float
    difference: float


class EffectOut(Schema):
    start: int
    end: int
    verdict: str
    effect: float
    low: float
    high: float
    level: float
    significant: bool
    treated: int
    controls: int
    change_treated: float
    change_controls: float
    balance: list[tuple[str, float, float]]
    matches: list[MatchOut]
    unmatched: list[str]
