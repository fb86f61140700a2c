"""Score scales of the demo region's assessment procedures (approximations of the 2023–2026 scales).

Each work has a maximum primary score and the primary-score cut-offs of marks «3», «4», «5»
(below the first cut-off the mark is «2»). ЕГЭ works have a test-score conversion and a minimum
test score instead of marks, except basic mathematics, which is marked 2–5.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Work:
    procedure: str
    grade: int
    subject: str
    max_score: int
    cuts: tuple[int, int, int] | None  # primary scores at which «3», «4», «5» start
    difficulty: float  # logit of the solve rate of an average student
    min_test_score: int | None = None  # ЕГЭ: minimum threshold on the 100-point scale

    @property
    def has_test_score(self) -> bool:
        return self.procedure == "EGE" and self.subject != "math_base"

    def marks(self, scores: np.ndarray) -> np.ndarray:
        assert self.cuts is not None
        return 2 + np.searchsorted(np.asarray(self.cuts), scores, side="right")

    def test_scores(self, scores: np.ndarray) -> np.ndarray:
        """Primary → test score: a monotone concave scale reaching 100 at the maximum."""
        x = scores / self.max_score
        return np.round(100 * (1 - (1 - x) ** 1.35)).astype(np.int64)


WORKS: tuple[Work, ...] = (
    Work("VPR", 4, "rus", 38, (14, 24, 33), 0.55),
    Work("VPR", 4, "math", 20, (6, 10, 15), 0.6),
    Work("VPR", 5, "rus", 45, (18, 29, 39), 0.35),
    Work("VPR", 5, "math", 20, (7, 11, 15), 0.3),
    Work("VPR", 6, "rus", 51, (21, 33, 44), 0.25),
    Work("VPR", 6, "math", 16, (6, 10, 14), 0.2),
    Work("VPR", 7, "rus", 47, (20, 30, 41), 0.15),
    Work("VPR", 7, "math", 16, (6, 10, 14), 0.05),
    Work("VPR", 8, "rus", 51, (22, 34, 45), 0.1),
    Work("VPR", 8, "math", 25, (7, 13, 20), -0.05),
    Work("OGE", 9, "rus", 33, (15, 23, 29), 0.55),
    Work("OGE", 9, "math", 31, (8, 15, 22), 0.05),
    Work("EGE", 11, "rus", 50, None, 0.75, min_test_score=24),
    Work("EGE", 11, "math_prof", 32, None, -0.35, min_test_score=27),
    Work("EGE", 11, "math_base", 21, (7, 12, 17), 0.7),
)
