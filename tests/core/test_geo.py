"""The outline of a municipality on the offline map: the convex hull of its schools' points."""

from __future__ import annotations

from shnor.core.geo import convex_hull


def test_the_hull_of_a_square_with_inner_and_edge_points() -> None:
    square = [(0.0, 0.0), (2.0, 0.0), (2.0, 2.0), (0.0, 2.0)]
    inner = [(1.0, 1.0), (0.5, 1.5), (1.0, 0.0), (2.0, 1.0)]  # inside, and on two edges
    assert convex_hull(square + inner + [(0.0, 0.0)]) == [(0.0, 0.0), (2.0, 0.0), (2.0, 2.0), (0.0, 2.0)]


def test_a_triangle_comes_back_counter_clockwise_and_a_line_collapses() -> None:
    assert convex_hull([(3.0, 1.0), (0.0, 0.0), (1.0, 3.0)]) == [(0.0, 0.0), (3.0, 1.0), (1.0, 3.0)]
    assert convex_hull([(0.0, 0.0), (1.0, 1.0), (2.0, 2.0)]) == [(0.0, 0.0), (2.0, 2.0)]
    assert convex_hull([(1.0, 1.0), (1.0, 1.0)]) == [(1.0, 1.0)]
    assert convex_hull([]) == []
