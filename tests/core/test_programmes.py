"""Programme arithmetic, templates and exit rules against hand-computed examples."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from pydantic import ValidationError

from shnor.core import programmes as pg
from shnor.core.programmes import ExitEvidence, ExitRule
from shnor.presets import load

START, END = dt.date(2026, 1, 1), dt.date(2026, 12, 31)


def test_month_end() -> None:
    assert pg.month_end(dt.date(2020, 9, 1), 0) == dt.date(2020, 9, 30)
    assert pg.month_end(dt.date(2020, 9, 15), 5) == dt.date(2021, 2, 28)
    assert pg.month_end(dt.date(2023, 11, 1), 3) == dt.date(2024, 2, 29)


def test_expected_path_and_on_track() -> None:
    mid = dt.date(2026, 7, 2)  # 182 of 364 days: half-way
    assert pg.expected(0.0, 10.0, START, END, mid) == pytest.approx(5.0)
    assert pg.on_track("higher_better", 5.5, 0.0, 10.0, START, END, mid) is True
    assert pg.on_track("higher_better", 4.0, 0.0, 10.0, START, END, mid) is False
    # Lower is better: from 4 risks to 0, half-way the line is 2.
    assert pg.on_track("lower_better", 2.0, 4.0, 0.0, START, END, mid) is True
    assert pg.on_track("lower_better", 3.0, 4.0, 0.0, START, END, mid) is False
    assert pg.on_track("higher_better", None, 0.0, 10.0, START, END, mid) is None
    # Without a baseline it is judged only at the end, or once the target is reached.
    assert pg.on_track("higher_better", 3.0, None, 10.0, START, END, mid) is None
    assert pg.on_track("higher_better", 3.0, None, 10.0, START, END, dt.date(2027, 1, 5)) is False
    assert pg.on_track("higher_better", 11.0, None, 10.0, START, END, mid) is True


def test_overdue() -> None:
    today = dt.date(2026, 5, 1)
    assert pg.effective_status("planned", dt.date(2026, 4, 30), today) == "overdue"
    assert pg.effective_status("in_progress", dt.date(2026, 5, 1), today) == "in_progress"
    assert pg.effective_status("done", dt.date(2026, 1, 1), today) == "done"
    assert pg.effective_status("cancelled", dt.date(2026, 1, 1), today) == "cancelled"


def evidence(**kw: Any) -> ExitEvidence:
    base: dict[str, Any] = {
        "ior_before": -0.5,
        "ior_after": -0.2,
        "ior_se": 0.06,
        "ior_se_before": 0.08,
        "indicators_on_target": 3,
        "indicators_total": 4,
        "objectivity_flag": False,
        "fixed_before": 3,
        "fixed_after": 1,
    }
    base.update(kw)
    return ExitEvidence(**base)


def test_exit_rules() -> None:
    volgograd = ExitRule(all_of=["ior_positive", "no_objectivity_signs"])
    assert pg.evaluate(volgograd, evidence())[0] is True
    ok, detail = pg.evaluate(volgograd, evidence(objectivity_flag=True))
    assert ok is False and detail == {"ior_positive": True, "no_objectivity_signs": False}
    assert pg.evaluate(volgograd, evidence(ior_after=-0.6))[0] is False
    # A rise counts beyond its measurement error only: the standard error of the difference is
    # √(0.08² + 0.06²) = 0.1, so the rise must exceed 1.645 × 0.1 = 0.1645.
    strict = ExitRule(all_of=["ior_positive"])
    assert strict.beyond_error and strict.error_z == 1.645
    assert pg.evaluate(strict, evidence(ior_after=-0.34))[0] is False  # +0.16
    assert pg.evaluate(strict, evidence(ior_after=-0.335))[0] is True  # +0.165
    r = pg.rise(strict, -0.5, -0.2, 0.08, 0.06)
    assert r.change == pytest.approx(0.3) and r.needed == pytest.approx(0.1645) and r.holds is True
    assert pg.rise(strict, -0.5, -0.2, None, 0.06).needed == pytest.approx(1.645 * 0.06)  # one error known
    assert pg.rise(strict, -0.5, -0.2, None, None).holds is None  # no error known: not judged
    assert pg.rise(ExitRule(ior_delta=0.2), -0.5, -0.2, 0.08, 0.06).needed == pytest.approx(0.2)
    loose = ExitRule(all_of=["ior_positive"], beyond_error=False)
    assert pg.evaluate(loose, evidence(ior_after=-0.49))[0] is True  # any rise, noise included
    assert pg.evaluate(loose, evidence(ior_after=-0.5))[0] is False
    # The order states what each condition found.
    volgograd_rule = ExitRule(all_of=["ior_positive", "no_objectivity_signs"])
    ok, checks = pg.evaluate(volgograd_rule, evidence())
    assert pg.basis(volgograd_rule, evidence(), checks) == (
        "ИОР вырос: +0,3 при пороге 0,16; признаков необъективности нет"
    )
    assert pg.title_reason(volgograd_rule) == "в связи с положительной динамикой образовательных результатов"
    assert pg.title_reason(ExitRule(all_of=["indicators_on_target"])) == "в связи с достижением показателей программы"
    ivanovo = ExitRule(all_of=["indicators_on_target"], min_indicators=3)
    assert pg.evaluate(ivanovo, evidence())[0] is True
    assert pg.evaluate(ivanovo, evidence(indicators_on_target=2))[0] is False
    # Missing evidence never lets a school out.
    ok, detail = pg.evaluate(ivanovo, evidence(indicators_total=0, indicators_on_target=0))
    assert ok is False and detail["indicators_on_target"] is None
    vologda = ExitRule(all_of=["ior_positive"], any_of=["indicators_on_target", "risks_reduced"], min_indicators=2)
    assert pg.evaluate(vologda, evidence(indicators_on_target=0))[0] is True  # risks fell 3 → 1
    assert pg.evaluate(vologda, evidence(indicators_on_target=0, fixed_after=3))[0] is False


def test_preset_templates_follow_the_seeds() -> None:
    ivanovo = load("ivanovo-2020")[0]
    project = ivanovo.template("ivanovo-municipal-project")
    assert project.activity_count() == 25  # act 002: 25 activities in phases
    assert len(project.phases) == 5
    assert project.regulation[0] == "Заявка от руководства школы" and len(project.regulation) == 7
    assert ivanovo.exit.all_of == ["outsider_exit"] and ivanovo.exit.min_indicators == 3
    vologda = load("vologda-2019")[0].template("vologda-regional-model")
    assert len(vologda.phases) == 8  # act 001: eight directions with their targets
    assert [i.target for i in vologda.indicators][2:4] == [5, 4]
    dobrinka = load("dobrinka-2018")[0].template("dobrinka-municipal-plan")
    assert [i.target for i in dobrinka.indicators] == [72, 100, 30, 10]
    assert dobrinka.activity_count() == 21 and len(dobrinka.phases) == 4  # act 003's plan: 1.1–4.2
    assert "план из 21 мероприятия" in load("dobrinka-2018")[0].description
    assert load("volgograd-2021")[0].template("volgograd-school-pko").level == "school"


def test_vologda_regional_model_keeps_the_acts_deadlines() -> None:
    """Act 001, section 5, «Сроки», for the model started on 01.01.2019: item 1 «март-апрель» →
    30.04; item 2 «апрель-май» → 31.05; item 3 «в течение года» → 31.12; items 4 and 6 «до 31
    декабря» → 31.12; item 7 «октябрь-ноябрь» → 30.11; item 8 «ноябрь» → 30.11. The plan names no
    responsible parties, and the template invents none."""
    import datetime as dt

    model = load("vologda-2019")[0].template("vologda-regional-model")
    start = dt.date(2019, 1, 1)
    last = [max(pg.month_end(start, a.months) for a in phase.activities) for phase in model.phases]
    assert [d.strftime("%d.%m") for i, d in enumerate(last) if i != 4] == [
        "30.04",
        "31.05",
        "31.12",
        "31.12",
        "31.12",
        "30.11",
        "30.11",
    ]
    assert all(not a.responsible for phase in model.phases for a in phase.activities)
    # Its name and goal are the act's own (разд. 1, пп. 1 и 3).
    act = " ".join((Path(__file__).resolve().parents[2] / "docs/acts/001.txt").read_text(encoding="utf-8").split())
    assert model.title in act and model.goal in act


def _periods(preset: str, template: str, start: dt.date) -> list[str]:
    """Each activity with a period of two dates, as «first day–last day» for the template's start."""
    t = load(preset)[0].template(template)
    return [
        f"{pg.month_start(start, a.from_months):%d.%m.%Y}–{pg.month_end(start, a.months):%d.%m.%Y}"
        for phase in t.phases
        for a in phase.activities
        if a.from_months is not None
    ]


def test_a_plan_item_of_two_dates_keeps_both() -> None:
    """The acts' periods, read from their plans with each template started as its act says:
    act 001 (January 2019) «март-апрель», «апрель-май», «октябрь-ноябрь 2019 года»; act 002
    (September 2020) пп. 4 «Сентябрь 2020-май 2021», 6 «Октябрь 2020- май 2021», 7 «Октябрь 2020
    Май 2021» (two analyses: from the first to the second), 8 «Декабрь 2020 - Февраль 2021», 13
    «Сентябрь - октябрь», 17 «Апрель-май 2021», 25 «Май, август 2021»; act 003 (March 2018)
    пп. 1.1 «март - май», 1.4 «март - апрель», 1.5 «апрель - май», 1.7 «июнь – август», 3.2 «апрель -
    сентябрь», 3.7 «июнь – сентябрь», 3.8 «август, сентябрь, октябрь, ноябрь»."""
    assert _periods("vologda-2019", "vologda-regional-model", dt.date(2019, 1, 1)) == [
        "01.03.2019–30.04.2019",
        "01.04.2019–31.05.2019",
        "01.10.2019–30.11.2019",
    ]
    assert _periods("ivanovo-2020", "ivanovo-municipal-project", dt.date(2020, 9, 1)) == [
        "01.09.2020–31.05.2021",
        "01.10.2020–31.05.2021",
        "01.10.2020–31.05.2021",
        "01.12.2020–28.02.2021",
        "01.09.2020–31.10.2020",
        "01.04.2021–31.05.2021",
        "01.05.2021–31.08.2021",
    ]
    assert _periods("dobrinka-2018", "dobrinka-municipal-plan", dt.date(2018, 3, 1)) == [
        "01.03.2018–31.05.2018",
        "01.03.2018–30.04.2018",
        "01.04.2018–31.05.2018",
        "01.06.2018–31.08.2018",
        "01.04.2018–30.09.2018",
        "01.06.2018–30.09.2018",
        "01.08.2018–30.11.2018",
    ]
    # A start mid-month counts from that month; a period cannot begin after its deadline.
    assert pg.month_start(dt.date(2020, 9, 15), 8) == dt.date(2021, 5, 1)
    assert pg.month_start(dt.date(2019, 11, 30), 2) == dt.date(2020, 1, 1)
    with pytest.raises(ValidationError, match="начало периода"):
        pg.ActivityTemplate(title="x", from_months=3, months=2)


def test_vologda_and_volgograd_have_municipal_programmes_as_their_acts_ask() -> None:
    """Act 001 (разд. 4, направление 3): «необходима разработка и реализация муниципальных и школьных
    … программ повышения качества образования»; act 004 §4: the lists of each municipality are «для
    включения в муниципальные программы поддержки таких школ». The tasks quote the acts."""
    import re

    acts = Path(__file__).resolve().parents[2] / "docs" / "acts"

    def joined(text: str) -> str:
        return re.sub(r"\s+", " ", text).strip()

    vologda = load("vologda-2019")[0].template("vologda-municipal-programme")
    assert vologda.level == "municipality" and vologda.activity_count() == 5
    act_001 = joined((acts / "001.txt").read_text(encoding="utf-8"))
    for task in (vologda.tasks[0], vologda.tasks[2]):
        assert joined(task).lower() in act_001.lower(), task
    volgograd = load("volgograd-2021")[0].template("volgograd-municipal-programme")
    assert volgograd.level == "municipality" and volgograd.activity_count() == 5
    act_004 = joined((acts / "004.txt").read_text(encoding="utf-8"))
    assert "Планирование мероприятий по организации методической помощи" in act_004
    assert all(not a.responsible for p in volgograd.phases + vologda.phases for a in p.activities)  # not the acts'


def test_unknown_binding_is_refused() -> None:
    with pytest.raises(ValidationError, match="неизвестная привязка"):
        pg.IndicatorTemplate(title="x", target=1, binding="magic")
    assert pg.IndicatorTemplate(title="x", target=1, binding="param:R01.2").binding == "param:R01.2"


def test_leaving_the_group_of_outsiders_on_three_diagnostic_indicators() -> None:
    """Act 002: «Выход из группы аутсайдеров не менее чем по трем показателям диагностики». Four
    schools write two works; the lowest quarter of each work (one school of four) are its
    outsiders. A is an outsider on both works, B on the second only."""
    frame = pd.DataFrame(
        [
            {"school_id": s, "procedure": "OGE", "subject": subj, "grade": 9, "z": z}
            for subj, zs in (
                ("rus", {"A": -1.0, "B": 0.0, "C": 0.5, "D": 1.0}),
                ("math", {"A": -0.9, "B": -1.2, "C": 0.4, "D": 0.8}),
            )
            for s, z in zs.items()
        ]
    )
    frame.loc[(frame["subject"] == "math") & (frame["school_id"] == "A"), "z"] = -2.0  # A lowest on both
    outs = pg.outsider_works(frame, 0.25)
    assert outs == {"A": {("OGE", "rus", 9), ("OGE", "math", 9)}}
    assert pg.outsider_works(frame, 0.5) == {
        "A": {("OGE", "rus", 9), ("OGE", "math", 9)},
        "B": {("OGE", "rus", 9), ("OGE", "math", 9)},
    }
    rule = ExitRule(all_of=["outsider_exit"], min_indicators=3)
    # An outsider on five works who left three of them exits; on two — not yet.
    assert pg.evaluate(rule, evidence(outsider_before=5, outsider_left=3))[0] is True
    assert pg.evaluate(rule, evidence(outsider_before=5, outsider_left=2))[0] is False
    # An outsider on two works only leaves on both (it cannot leave on three).
    assert pg.outsider_needed(rule, 2) == 2
    assert pg.evaluate(rule, evidence(outsider_before=2, outsider_left=2))[0] is True
    assert pg.evaluate(rule, evidence(outsider_before=2, outsider_left=1))[0] is False
    assert pg.evaluate(rule, evidence())[1] == {"outsider_exit": None}  # no data: not met
    assert pg.evaluate(rule, evidence(outsider_before=0, outsider_left=0))[1] == {"outsider_exit": None}  # never one
    assert pg.title_reason(rule) == "в связи с выходом из группы «аутсайдеров»"
    ok, checks = pg.evaluate(rule, evidence(outsider_before=5, outsider_left=3))
    assert pg.basis(rule, evidence(outsider_before=5, outsider_left=3), checks) == (
        "вышла из группы «аутсайдеров» по 3 из 5 показателей (нужно 3)"
    )
    assert load("ivanovo-2020")[0].exit.all_of == ["outsider_exit"]


def test_the_exit_basis_states_each_condition_in_words_and_figures() -> None:
    """The order's appendix, condition by condition, as a person reads it (every branch by hand)."""
    every = ExitRule(
        all_of=["ior_positive", "outsider_exit", "indicators_on_target", "no_objectivity_signs", "risks_reduced"],
        min_indicators=3,
    )

    def text(**kw: Any) -> str:
        e = evidence(**kw)
        return pg.basis(every, e, {c: pg.check(c, every, e) for c in every.conditions()})

    # ИОР −0,5 → −0,2 (+0,3) against 1,645 × √(0,08² + 0,06²) = 0,1645 → «0,16»; outsider on 5 works,
    # left 3 of them (3 needed); 3 of 4 indicators; no flag; risks 3 → 1.
    assert text(outsider_before=5, outsider_left=3) == (
        "ИОР вырос: +0,3 при пороге 0,16; вышла из группы «аутсайдеров» по 3 из 5 показателей (нужно 3); "
        "показателей достигнуто 3 из 4 (нужно не менее 3); признаков необъективности нет; "
        "зафиксированных рисков 3 → 1"
    )
    # A fall, no error known, an outsider on two works only (both needed), a flag, no risk data.
    assert text(
        ior_after=-0.75, ior_se=None, ior_se_before=None, outsider_before=2, outsider_left=1,
        objectivity_flag=True, fixed_after=None,
    ) == (
        "ИОР не вырос: −0,25 (ошибка неизвестна); вышла из группы «аутсайдеров» по 1 из 2 показателей "
        "(нужно 2); показателей достигнуто 3 из 4 (нужно не менее 3); есть признаки необъективности; "
        "риски: нет данных"
    )  # fmt: skip
    # No change at all is neither + nor −; nothing known of ИОР, the outsiders, the flag or the risks.
    assert text(ior_after=-0.5, outsider_before=4, outsider_left=None).startswith("ИОР не вырос: 0 при пороге 0,16;")
    assert text(
        ior_before=None, outsider_before=None, outsider_left=2, objectivity_flag=None, fixed_before=None
    ) == (
        "ИОР: нет данных за оба срока; группа «аутсайдеров»: нет данных; показателей достигнуто 3 из 4 "
        "(нужно не менее 3); признаки необъективности: нет данных; риски: нет данных"
    )  # fmt: skip
    assert pg._decimal(2.0, 2) == "2" and pg._decimal(0.105, 3) == "0,105" and pg._decimal(10.50, 2) == "10,5"


def test_the_straight_line_reaching_a_target_and_the_overdue_states_at_their_bounds() -> None:
    start, end = dt.date(2026, 1, 1), dt.date(2026, 12, 31)
    assert pg.expected(0.0, 10.0, start, start, dt.date(2026, 6, 1)) == 10.0  # no duration: the target
    assert pg.expected(0.0, 10.0, start, end, dt.date(2027, 6, 1)) == 10.0  # not beyond the target
    assert pg.expected(0.0, 10.0, start, end, dt.date(2025, 6, 1)) == 0.0  # not before the baseline
    # Reaching the target exactly counts, either way.
    assert pg.reached("higher_better", 10.0, 10.0) and pg.reached("lower_better", 0.0, 0.0)
    assert not pg.reached("higher_better", 9.99, 10.0) and not pg.reached("lower_better", 0.01, 0.0)
    # Exactly on the line is on track; without a baseline, at the end and not reached is not.
    mid = dt.date(2026, 7, 2)
    line = pg.expected(0.0, 10.0, START, END, mid)
    assert pg.on_track("higher_better", line, 0.0, 10.0, START, END, mid) is True
    assert pg.on_track("lower_better", line, 10.0, 0.0, START, END, mid) is True
    assert pg.on_track("higher_better", 3.0, None, 10.0, START, END, END) is False
    # In progress past its deadline is overdue too; on the deadline day it is not yet.
    assert pg.effective_status("in_progress", dt.date(2026, 4, 30), dt.date(2026, 5, 1)) == "overdue"
    assert pg.effective_status("planned", dt.date(2026, 5, 1), dt.date(2026, 5, 1)) == "planned"
    assert pg.effective_status("planned", None, dt.date(2026, 5, 1)) == "planned"


def test_titles_outsiders_and_their_works_at_their_bounds() -> None:
    assert (
        pg.title_reason(ExitRule(all_of=["no_objectivity_signs"]))
        == "в связи с выполнением условий выхода из программы"
    )
    assert pg.title_reason(ExitRule(all_of=["outsider_exit"])) == "в связи с выходом из группы «аутсайдеров»"
    # An outsider on one work leaves on that one; on two, on both; on five, on the rule's three.
    rule = ExitRule(all_of=["outsider_exit"], min_indicators=3)
    assert [pg.outsider_needed(rule, n) for n in (0, 1, 2, 5)] == [1, 1, 2, 3]
    # The lowest 20 % of five schools: the cut is the 0,2 quantile, 1,8 of (1, 2, 3, 4, 5); a school
    # at the cut counts (2,0 of 1, 2, …: quantile 0,25 is exactly 2).
    frame = pd.DataFrame(
        {"school_id": list("ABCDE"), "procedure": "OGE", "subject": "rus", "grade": 9, "z": [1.0, 2.0, 3.0, 4.0, 5.0]}
    )
    assert pg.outsider_works(frame, 0.2) == {"A": {("OGE", "rus", 9)}}
    assert pg.outsider_works(frame, 0.25) == {"A": {("OGE", "rus", 9)}, "B": {("OGE", "rus", 9)}}


def test_the_exit_rule_in_words() -> None:
    """What the exit page and the order say of each preset's kind of rule."""
    assert pg.rule_text(ExitRule(all_of=["ior_positive", "no_objectivity_signs"])) == (
        "положительная динамика ИОР; нет признаков необъективных результатов "
        "(рост ИОР больше 1,645 стандартной ошибки разности)"
    )
    assert pg.rule_text(ExitRule(all_of=["ior_positive"], ior_delta=0.2)) == (
        "положительная динамика ИОР (рост ИОР больше 1,645 стандартной ошибки разности и больше 0,2)"
    )
    assert pg.rule_text(ExitRule(all_of=["ior_positive"], beyond_error=False, ior_delta=0.25)) == (
        "положительная динамика ИОР (рост ИОР больше 0,25)"
    )
    assert pg.rule_text(ExitRule(all_of=["ior_positive"], beyond_error=False)) == "положительная динамика ИОР"
    assert pg.rule_text(
        ExitRule(all_of=["ior_positive"], any_of=["indicators_on_target", "risks_reduced"], min_indicators=2)
    ) == (
        "положительная динамика ИОР; а также одно из: достигнуты цели показателей программы, число "
        "зафиксированных рисков снизилось (показателей — не меньше 2) (рост ИОР больше 1,645 стандартной "
        "ошибки разности)"
    )
    assert pg.rule_text(ExitRule(all_of=["outsider_exit"], min_indicators=3)) == (
        "выход из группы «аутсайдеров» по показателям диагностики (не менее чем по 3 показателям; школа, "
        "бывшая аутсайдером по меньшему числу, — по всем своим)"
    )
