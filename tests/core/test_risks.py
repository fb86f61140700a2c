"""The risk profile against hand-computed examples (act 004 appendix)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from shnor.core import risks
from shnor.core.risks import Catalogue, Level, Source
from shnor.presets import available, load


def small() -> Catalogue:
    return Catalogue.model_validate(
        {
            "version": "t1",
            "title": "test",
            "high": 0.66,
            "medium": 0.33,
            "factors": [
                {
                    "code": "R01",
                    "title": "Оснащение",
                    "parameters": [
                        {
                            "code": "R01.1",
                            "title": "a",
                            "source": "director",
                            "scale": "scale5",
                            "direction": "lower_is_risk",
                            "threshold": 3,
                            "answer": "scale5",
                            "question": "?",
                        },
                        {
                            "code": "R01.2",
                            "title": "b",
                            "source": "director",
                            "scale": "scale5",
                            "direction": "lower_is_risk",
                            "threshold": 3,
                            "answer": "scale5",
                            "question": "?",
                        },
                        {
                            "code": "R01.3",
                            "title": "c",
                            "source": "admin",
                            "derive": "social:share_x",
                            "direction": "higher_is_risk",
                            "threshold": 0.1,
                        },
                    ],
                },
                {
                    "code": "R02",
                    "title": "Язык",
                    "parameters": [
                        {
                            "code": "R02.1",
                            "title": "d",
                            "source": "admin",
                            "derive": "social:share_non_native",
                            "direction": "higher_is_risk",
                            "threshold": 0.1,
                        },
                        {
                            "code": "R02.2",
                            "title": "e",
                            "source": "director",
                            "direction": "lower_is_risk",
                            "threshold": 0.5,
                            "answer": "yes_no",
                            "question": "?",
                            "requires": "R02.1",
                        },
                    ],
                },
            ],
        }
    )


def test_levels_follow_the_share_of_parameters_past_threshold() -> None:
    c = small()
    # R01: 2.5 < 3 past; 3.0 is not past (the threshold itself is not risky); 0.2 > 0.1 past → 2/3 → high.
    p = risks.profile(c, {"R01.1": 2.5, "R01.2": 3.0, "R01.3": 0.2, "R02.1": 0.05, "R02.2": 0.0})
    assert p.parameters["R01.1"].past is True
    assert p.parameters["R01.2"].past is False
    assert p.factors["R01"].past == 2 and p.factors["R01"].measured == 3
    assert p.factors["R01"].level == Level.HIGH
    # R02.2 (no extra lessons) applies only where R02.1 is past: here it is not → not judged.
    assert p.parameters["R02.2"].past is None
    assert p.factors["R02"].measured == 1 and p.factors["R02"].level == Level.LOW
    assert p.fixed == ["R01"]


def test_one_of_three_is_medium_and_missing_values_are_not_counted() -> None:
    c = small()
    p = risks.profile(c, {"R01.1": 2.0, "R01.2": 4.0, "R01.3": 0.05})
    assert p.factors["R01"].level == Level.MEDIUM  # 1/3 ≥ 0.33
    p = risks.profile(c, {"R01.1": 2.0})
    assert p.factors["R01"].measured == 1 and p.factors["R01"].level == Level.HIGH
    assert p.factors["R02"].level is None and p.factors["R02"].measured == 0
    assert p.completeness == pytest.approx(1 / 5)


def test_the_condition_applies_when_its_parameter_is_past() -> None:
    p = risks.profile(small(), {"R02.1": 0.3, "R02.2": 0.0})
    assert p.parameters["R02.2"].past is True
    assert p.factors["R02"].level == Level.HIGH


def test_medians_and_changes() -> None:
    c = small()
    rows = [{"R01.1": 1.0}, {"R01.1": 3.0}, {"R01.1": 4.0, "R01.2": 2.0}, {}]
    m = risks.medians(rows, c)
    assert m["R01.1"] == 3.0 and m["R01.2"] == 2.0 and m["R01.3"] is None
    ch = {
        x.code: x.direction
        for x in risks.changes({"R01": Level.HIGH, "R02": Level.LOW}, {"R01": Level.MEDIUM, "R02": Level.HIGH})
    }
    assert ch == {"R01": -1, "R02": 1}


def test_answers_aggregate_into_parameter_values() -> None:
    c = small()
    params = [c.parameter("R01.1"), c.parameter("R02.2")]
    got = risks.aggregate_answers(
        params, [{"R01.1": "2", "R02.2": "yes"}, {"R01.1": "5", "R02.2": "no"}, {"R01.1": ""}]
    )
    assert got == {"R01.1": (3.5, 2), "R02.2": (0.5, 2)}
    pct = risks.default_catalogue().parameter("R02.1")
    assert risks.aggregate_answers([pct], [{"R02.1": "10"}, {"R02.1": "30"}]) == {"R02.1": (pytest.approx(0.2), 2)}
    # Numbers as JSON gives them (int, float) count as their text does.
    assert risks.aggregate_answers(params, [{"R01.1": 2, "R02.2": 1}, {"R01.1": 4.5, "R02.2": 0}]) == {
        "R01.1": (3.25, 2),
        "R02.2": (0.5, 2),
    }
    assert risks.aggregate_answers([pct], [{"R02.1": 10}, {"R02.1": 30.0}]) == {"R02.1": (pytest.approx(0.2), 2)}


def test_the_built_in_catalogue_is_act_004s_ten_factors() -> None:
    c = risks.default_catalogue()
    assert [f.code for f in c.factors] == [f"R{i:02d}" for i in range(1, 11)]
    assert c.factor("R01").title == "Низкий уровень оснащения школы"
    assert [p.title for p in c.factor("R01").parameters][:3] == [
        "Учебные материалы",
        "Цифровое оборудование",
        "Качество интернет-соединения",
    ]
    # Every questionnaire has items, and every derived parameter names a known source.
    for group in risks.GROUPS:
        assert c.questionnaire(group), group
    assert {p.derive for p in c.parameters() if p.derive} >= {
        "social:share_disabilities",
        "diagnostics:mean",
        "results:vpr_share_2",
    }
    assert all(f.measures for f in c.factors)
    # The factors are the appendix's own (letter ё and the abbreviation's note aside); R10 «низкий
    # уровень вовлеченности родителей» keeps its three parameters, the first read on the reverse
    # scale (interest, not «незаинтересованность»: lower is the risk).
    act = _plain((ROOT / "docs" / "acts" / "004.txt").read_text(encoding="utf-8"))
    for factor in c.factors:
        assert _plain(factor.title.replace("(ОВЗ)", "(далее – ОВЗ)")) in act, factor.code
    r10 = c.factor("R10").parameters
    assert [p.title.split(" (")[0] for p in r10] == [
        "Степень заинтересованности родителей учебным процессом",
        "Проявление родителями поддержки детей в учёбе",
        "Доля родителей, регулярно посещающих родительские собрания",
    ]
    assert r10[0].direction == "lower_is_risk"
    for name in available():
        assert load(name)[0].catalogue().version == c.version


def test_bad_catalogues_are_refused_with_the_reason() -> None:
    base = small().model_dump(mode="json")
    base["factors"][0]["parameters"][1]["code"] = "R01.1"
    with pytest.raises(ValidationError, match="повторяются: R01.1"):
        Catalogue.model_validate(base)
    base = small().model_dump(mode="json")
    base["factors"][0]["parameters"][0].pop("question")
    with pytest.raises(ValidationError, match="требует вопроса"):
        Catalogue.model_validate(base)
    base = small().model_dump(mode="json")
    base["factors"][0]["parameters"][2]["derive"] = "magic:x"
    with pytest.raises(ValidationError, match="неизвестный источник"):
        Catalogue.model_validate(base)
    assert Source.PARENTS.value == "parents"


ROOT = Path(__file__).resolve().parents[2]


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", text).lower().replace("ё", "е")


@pytest.mark.parametrize(
    ("count", "of", "band"),
    [(0, 17, 0), (1, 17, 1), (4, 17, 1), (5, 17, 2), (8, 17, 2), (9, 17, 3), (12, 17, 3), (13, 17, 4), (17, 17, 4),
     (1, 4, 2), (3, 4, 4), (1, 1, 4), (2, 0, 0), (-1, 5, 0)],
)  # fmt: skip
def test_the_heat_maps_shade_by_quarters_of_the_districts_schools(count: int, of: int, band: int) -> None:
    """1 school of 17 is shaded (1), 4 of 17 (23,5 %) still the first quarter, 5 of 17 (29 %) the
    second, 13 of 17 (76 %) the last; none shaded only at none."""
    assert risks.heat_band(count, of) == band
