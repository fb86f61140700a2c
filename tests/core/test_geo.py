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


def test_a_district_on_the_map_in_degrees() -> None:
    """Points as a district's schools lie (longitude ≈ 44, latitude ≈ 48, a tenth of a degree apart):
    a hexagon with points inside and on its edges comes back as its six corners, counter-clockwise."""
    hexagon = [(44.0, 48.1), (44.1, 48.0), (44.3, 48.0), (44.4, 48.1), (44.3, 48.2), (44.1, 48.2)]
    inside = [(44.2, 48.1), (44.15, 48.05), (44.2, 48.0), (44.2, 48.2), (44.3, 48.15)]
    assert convex_hull(inside + hexagon[::-1]) == [
        (44.0, 48.1), (44.1, 48.0), (44.3, 48.0), (44.4, 48.1), (44.3, 48.2), (44.1, 48.2)
    ]  # fmt: skip
