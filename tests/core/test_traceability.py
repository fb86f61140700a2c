"""The traceability documents (docs/presets/<preset>.md) against the acts and the tests: every
clause quotes its act verbatim, has one status, the summary adds up, and every test named exists;
every clause «как в акте» names a test."""

from __future__ import annotations

import ast
import re
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STATUSES = ("как в акте", "истолковано", "настройка оператора", "расходится с актом", "не реализовано")
DOCUMENTS = {
    "dobrinka-2018": ("003",),
    "ivanovo-2020": ("002",),
    "volgograd-2021": ("000", "004"),
    "vologda-2019": ("001",),
}
ROW = re.compile(r"^\| (\d{3})-(\d+) \|(.+)$")
TEST_ID = re.compile(r"`(tests/[\w/]+\.py)::(\w+)")


def _joined(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _rows(name: str) -> list[tuple[str, list[str]]]:
    text = (ROOT / "docs" / "presets" / f"{name}.md").read_text(encoding="utf-8")
    rows = []
    for line in text.splitlines():
        match = ROW.match(line)
        if match:
            cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
            rows.append((f"{match.group(1)}-{match.group(2)}", cells))
    return rows


def _functions(path: str, cache: dict[str, set[str]]) -> set[str]:
    if path not in cache:
        file = ROOT / path
        tree = ast.parse(file.read_text(encoding="utf-8")) if file.exists() else ast.Module(body=[], type_ignores=[])
        cache[path] = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    return cache[path]


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_each_clause_quotes_its_act_has_a_status_and_names_real_tests(name: str) -> None:
    acts = {
        number: _joined((ROOT / "docs" / "acts" / f"{number}.txt").read_text(encoding="utf-8"))
        for number in DOCUMENTS[name]
    }
    rows = _rows(name)
    assert len(rows) >= 50, "a document names every concrete clause of its act"
    ids = [clause for clause, _ in rows]
    assert len(set(ids)) == len(ids), "clause numbers are unique"
    counts = dict.fromkeys(STATUSES, 0)
    functions: dict[str, set[str]] = {}
    for clause, cells in rows:
        assert len(cells) == 5, (clause, len(cells))
        act = acts[clause[:3]]
        quoted = cells[1]
        start, end = quoted.find("«"), quoted.rfind("»")
        assert 0 <= start < end, (clause, "a clause quotes its act")
        for piece in re.split(r"\s*…\s*|»[^«]*«", quoted[start + 1 : end]):
            piece = _joined(piece).strip(" .,;:")
            if len(piece) >= 8:
                assert piece in act, (clause, piece[:80])
        status = re.match(r"\*\*(.+?)\*\*", cells[4])
        assert status and status.group(1) in STATUSES, (clause, cells[4][:40])
        counts[status.group(1)] += 1
        named = TEST_ID.findall(cells[3])
        for path, function in named:
            assert function in _functions(path, functions), (clause, f"{path}::{function}")
        if status.group(1) == "как в акте":
            assert named, (clause, "a clause «как в акте» names the test that checks it")
    text = (ROOT / "docs" / "presets" / f"{name}.md").read_text(encoding="utf-8")
    summary = text[text.index("## Сводка") :]
    header = next(line for line in summary.splitlines() if line.startswith("| Статус"))
    columns = re.findall(r"Акт (\d{3})", header)  # one column per act, then the total; or the total only
    by_act: Counter[tuple[str, str]] = Counter()
    for clause, cells in rows:
        status = re.match(r"\*\*(.+?)\*\*", cells[4])
        assert status
        by_act[(clause[:3], status.group(1))] += 1
    for title in STATUSES:
        line = next((row for row in summary.splitlines() if row.startswith(f"| {title} |")), None)
        assert line is not None or counts[title] == 0, title
        if line is None:
            continue
        numbers = [int(n) for n in re.findall(r"\|\s*(\d+)\s*(?=\|)", line)]
        assert numbers[-1] == counts[title], (title, numbers, counts[title])
        assert numbers[:-1] == [by_act[(act, title)] for act in columns], (title, numbers)
