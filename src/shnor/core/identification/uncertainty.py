"""Where a school's membership of a low zone is uncertain. Its own module, with no imports: the
database's models read it, and every process that starts Django loads them (the statistics of
`identify` took a second of each command's start)."""

from __future__ import annotations

# A school's membership of the low zone is uncertain between these probabilities (shown on the
# list, the scatter and the card).
UNCERTAIN = (0.1, 0.9)


def uncertain(probability: float | None) -> bool:
    """Whether membership of the low zone with this probability is uncertain (UNCERTAIN)."""
    return probability is not None and UNCERTAIN[0] < probability < UNCERTAIN[1]
