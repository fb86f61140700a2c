"""Does the loaded data fit the preset: which works of the results index (ИОР) have results in the
window of a run, and what works the data hold instead.

A preset whose works are all missing from the window cannot give an index: every school would come
out «недостаточно данных» and the run would look successful. The run refuses it before computing;
a preset with some of its works missing runs as before (the index rests on the works found).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from shnor.core.identification.identify import window
from shnor.core.methodology import Methodology

Work = tuple[str, str, int]  # procedure, subject, grade


@dataclass(frozen=True)
class Fit:
    years: list[int]  # the window
    components: list[Work]  # the preset's works, in the preset's order
    found: list[Work]  # those with results in the window
    data: list[tuple[Work, int]]  # every work with results in the window and its schools, most first

    @property
    def missing(self) -> list[Work]:
        return [c for c in self.components if c not in self.found]

    @property
    def fits(self) -> bool:
        """At least one work of the preset has results (a preset always has one: the methodology
        refuses an empty list)."""
        return bool(self.found) or not self.components


def fit(works: pd.DataFrame, year: int, methodology: Methodology) -> Fit:
    """`works`: the aggregates of shnor.core.identification.aggregate (pupil- and school-level rows
    together), one row per year × work × school."""
    years = window(year, methodology)
    components = [c.key for c in methodology.components]
    rows = works[works["year"].isin(years) & (works["n"] > 0)] if not works.empty else works
    counts: list[tuple[Work, int]] = []
    if not rows.empty:
        schools = rows.groupby(["procedure", "subject", "grade"])["school_id"].nunique()
        counts = [((str(p), str(s), int(g)), int(n)) for (p, s, g), n in schools.items()]
        counts.sort(key=lambda item: (-item[1], item[0]))
    present = {work for work, _ in counts}
    return Fit(years=years, components=components, found=[c for c in components if c in present], data=counts)
