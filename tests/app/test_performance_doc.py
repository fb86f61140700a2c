"""docs/performance.md holds no figure typed by hand: it is what bench/report.py writes from the
results the scripts of bench/ saved, and its template has no figure of its own."""

from __future__ import annotations

import inspect
import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

import report  # noqa: E402  (bench/ is not a package on the test path)


def test_the_document_is_what_its_results_make() -> None:
    assert (ROOT / "docs/performance.md").read_text("utf-8") == report.render(), (
        "docs/performance.md differs from bench/results: run .venv/bin/python bench/report.py"
    )


def prose(template: str) -> str:
    """The template without what may hold digits: code blocks and spans, placeholders, comments,
    the percentiles' names and the numbers of issues."""
    text = re.sub(r"<!--.*?-->", "", template, flags=re.S)
    text = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)
    text = "\n".join(line for line in text.splitlines() if not line.startswith("    "))
    text = re.sub(r"`[^`]*`", "", text)
    text = report.PLACEHOLDER.sub("", text)
    text = re.sub(r"\bp(?:50|95|99)\b", "", text)  # the percentiles' names
    return re.sub(r"\bissues? \d+(?: and \d+)?", "", text)


def test_the_template_holds_no_figure_of_its_own() -> None:
    text = prose(report.TEMPLATE.read_text("utf-8"))
    typed = [line for line in text.splitlines() if re.search(r"\d", line)]
    assert typed == [], f"figures typed into bench/performance.md.in (put them in a script's results): {typed}"


def test_the_prose_check_sees_a_typed_figure() -> None:
    assert re.search(r"\d", prose("The aggregation takes 8.66 s at `40 M` rows (issue 26)."))
    assert not re.search(r"\d", prose("The aggregation takes {{identify_scale.seconds}} (issue 26)."))


def test_every_result_the_document_quotes_is_a_full_run_with_its_provenance() -> None:
    """Each benchmark the template quotes either has a full run's result, with when, where, which
    commit and which command, or is printed as «not measured» with the command that measures it:
    never a figure without its run."""
    names = {
        m.group(2).rpartition(".")[0] if m.group(1) != "meta" else m.group(2)
        for m in report.PLACEHOLDER.finditer(report.TEMPLATE.read_text("utf-8"))
        if m.group(2)
    }
    names -= {"", "targets", "quick"}
    assert names, "the template quotes no results"
    measured = 0
    text = report.render()
    for name in sorted(names):
        result = report.load(name)
        if result is None:
            assert report.missing(name) in text
            continue
        measured += 1
        assert result["scale"] == "full", name
        assert {"date", "commit", "machine", "command"} <= set(result), name
        for table in result["tables"].values():
            assert table["rows"], name
            assert all(len(row) == len(table["columns"]) for row in table["rows"]), name
    assert measured >= len(names) // 2, "most of the document is not measured: run `make bench`"


def test_a_target_is_judged_on_its_saved_value(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The summary's verdict comes from the value, not from prose: the same target is met or not
    as the value crosses its bound, and a missing result says so."""
    monkeypatch.setattr(report, "RESULTS", tmp_path)
    monkeypatch.setattr(report, "TARGETS", [t for t in report.TARGETS if t.value == "exact_seconds"])
    assert "not measured" in report.targets()

    def saved(seconds: float) -> None:
        data = {"values": {"exact_seconds": seconds}, "tables": {}, "figures": {}}
        (tmp_path / "matching.json").write_text(json.dumps(data), "utf-8")

    saved(5.23)
    assert "| 5.23 s, exact | met |" in report.targets()
    saved(12.0)
    assert "| 12.00 s, exact | **not met** |" in report.targets()


def test_a_missing_figure_stops_the_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report, "RESULTS", tmp_path)
    (tmp_path / "matching.json").write_text(json.dumps({"tables": {}, "figures": {}, "values": {}}), "utf-8")
    with pytest.raises(SystemExit, match="no figure"):
        report.render("{{matching.exact}}")
    assert report.render("{{documents.note}}") == "*not measured: run `make bench`*"


def test_the_documents_floor_is_python_docx_alone() -> None:
    """The floor of the documents' bench does not run shnor's own code (a floor of shnor's table
    helper made every ratio about one by construction)."""
    sys.path.insert(0, str(ROOT / "bench"))
    import documents

    source = inspect.getsource(documents.floor)
    assert "shnor" not in source.replace("none of shnor's code", "")
    document = documents.floor(3, 2)
    assert document[:2] == b"PK"
