"""Monitoring waves: a programme's state taken at a date, and two waves compared."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from shnor.accounts.actor import Actor
from shnor.programmes.models import Programme, Wave
from shnor.programmes.services.common import ProgrammeError, S, account_of, can_edit, can_enforce, preset, today
from shnor.programmes.services.indicators import activity_counts, indicator_rows, latest_profile, latest_result, refresh


def snapshot(programme: Programme, on: dt.date) -> dict[str, Any]:
    refresh(programme)
    indicators = [
        {
            "id": r.indicator.pk,
            "title": r.indicator.title,
            "unit": r.indicator.unit,
            "baseline": r.indicator.baseline,
            "target": r.indicator.target,
            "actual": r.indicator.actual,
            "direction": r.indicator.direction,
            "on_track": r.on_track,
            "reached": r.reached,
        }
        for r in indicator_rows(programme, on)
    ]
    counts = activity_counts(programme, on)
    total = sum(counts.values()) - counts["cancelled"]
    snap: dict[str, Any] = {
        "indicators": indicators,
        "activities": {**counts, "share_done": counts["done"] / total if total else None},
        "ior": None,
        "ior_se": None,
        "run": None,
        "objectivity_flag": None,
        "profile": None,
    }
    if programme.school_id:
        result = latest_result(programme.school_id)
        if result is not None:
            snap.update(
                ior=result.ior, ior_se=result.ior_se, run=result.run_id, objectivity_flag=result.objectivity_flag
            )
        profile = latest_profile(programme.school_id)
        if profile is not None:
            snap["profile"] = {
                "year": profile.year,
                "factors": {c: f.get("level") for c, f in profile.factors.items()},
                "fixed": list(profile.fixed),
            }
    return snap


def take_wave(user: Actor, programme: Programme, kind: str, on: dt.date | None = None) -> Wave:
    if kind not in Wave.Kind.values:
        raise ProgrammeError(f"Неизвестный вид мониторинга «{kind}».")
    if not (can_edit(user, programme) or can_enforce(user, programme)):
        raise PermissionDenied("Проводить мониторинг может исполнитель программы или координатор.")
    if programme.status not in (S.IN_FORCE, S.COMPLETED) and kind != Wave.Kind.ENTRY:
        raise ProgrammeError("Промежуточный и итоговый мониторинг проводятся по действующей программе.")
    if programme.waves.filter(kind=kind).exists():
        raise ProgrammeError("Этот мониторинг по программе уже проведён: его снимок не меняется.")
    on = on or today()
    with transaction.atomic():
        wave = Wave.objects.create(
            programme=programme, kind=kind, date=on, snapshot=snapshot(programme, on), created_by=account_of(user)
        )
    return wave


@dataclass
class WaveComparison:
    waves: list[Wave]
    indicators: list[dict[str, Any]] = field(default_factory=list)
    activities: list[tuple[str, list[Any]]] = field(default_factory=list)
    ior: list[Any] = field(default_factory=list)
    factors: list[tuple[str, list[Any]]] = field(default_factory=list)


def compare(programme: Programme) -> WaveComparison:
    order = {k: i for i, k in enumerate(Wave.Kind.values)}
    waves = sorted(programme.waves.all(), key=lambda w: order[w.kind])
    out = WaveComparison(waves)
    titles: dict[int, str] = {}
    for w in waves:
        for ind in w.snapshot.get("indicators", []):
            titles.setdefault(ind["id"], ind["title"])
    for ind_id, title in titles.items():
        cells = []
        for w in waves:
            found = next((i for i in w.snapshot.get("indicators", []) if i["id"] == ind_id), None)
            cells.append(found)
        first = next((c["actual"] for c in cells if c and c["actual"] is not None), None)
        last = next((c["actual"] for c in reversed(cells) if c and c["actual"] is not None), None)
        delta = None if first is None or last is None else last - first
        out.indicators.append({"title": title, "cells": cells, "delta": delta})
    labels = {"done": "выполнено", "overdue": "просрочено", "share_done": "доля выполненных"}
    for key, label in labels.items():
        out.activities.append((label, [w.snapshot.get("activities", {}).get(key) for w in waves]))
    out.ior = [w.snapshot.get("ior") for w in waves]
    cat = preset().catalogue()
    for f in cat.factors:
        out.factors.append(
            (f.title, [((w.snapshot.get("profile") or {}).get("factors") or {}).get(f.code) for w in waves])
        )
    return out
