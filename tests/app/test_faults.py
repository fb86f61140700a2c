"""Faults: the `shnor` process killed with SIGKILL in the middle of an import, an identification run
and a batch of documents (at the failpoints of shnor.failpoints); then the same work again.

After each kill: nothing half-written (the database as before, the store's manifest as before, every
kept document whole), the interrupted work marked so, and the work redone to the end.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.app.test_cli import _query, clean_env, run

SHNOR = [sys.executable, "-m", "shnor.cli"]


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("faults")
    run("demo", "--no-serve", "--schools", "30", "--municipalities", "3", data_dir=folder)
    return folder


def _killed(folder: Path, point: str, *args: str) -> None:
    """Start `shnor *args`, read its error stream until it says it stands at the failpoint (the end of
    the stream if it never does), and kill it with SIGKILL."""
    env = {**clean_env(), "SHNOR_FAILPOINT": point}
    process = subprocess.Popen(
        [*SHNOR, *args, "--data-dir", str(folder)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    said = []
    for line in process.stderr:  # blocks on the pipe, not on the clock
        said.append(line)
        if line.startswith(f"shnor failpoint {point.partition(':n=')[0]} "):
            assert int(line.split()[-1]) == process.pid
            break
    else:
        process.wait(timeout=30)
        pytest.fail(f"the process ended before the failpoint {point}: {''.join(said)}")
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL


def _changed_social(folder: Path) -> Path:
    source = folder / "demo" / "social.csv"
    target = folder / "social-changed.csv"
    with source.open(encoding="utf-8") as f, target.open("w", encoding="utf-8", newline="") as out:
        rows = list(csv.DictReader(f))
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            row["share_on_register"] = "0.5"
            writer.writerow(row)
    return target


def test_an_import_killed_midway_changes_nothing_and_is_redone(region: Path) -> None:
    before = _query(region, "select school_id, year, share_on_register from datasets_socialrecord order by 1, 2")
    changed = _changed_social(region)
    _killed(region, "import:rows-written", "import", "social", str(changed))
    assert (
        _query(region, "select school_id, year, share_on_register from datasets_socialrecord order by 1, 2") == before
    )
    assert _query(region, "select status from datasets_importrun order by id desc limit 1") == [("running",)]

    out = run("import", "social", str(changed), data_dir=region).stdout  # recovery first, then the import
    assert "Загружено" in out or "загружено" in out
    statuses = [s for (s,) in _query(region, "select status from datasets_importrun order by id desc limit 2")]
    assert statuses == ["applied", "interrupted"]
    assert {v for (v,) in _query(region, "select distinct share_on_register from datasets_socialrecord")} == {0.5}


def test_a_results_import_killed_after_writing_parts_leaves_the_store_as_it_was(region: Path) -> None:
    manifest = region / "store" / "results" / "_manifest.json"
    before = manifest.read_bytes()
    source = region / "demo" / "results_2026.csv"
    changed = region / "results-changed.csv"
    lines = source.read_text(encoding="utf-8").splitlines()
    changed.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")  # one pupil fewer
    _killed(region, "import:store-part-written", "import", "results", str(changed))
    assert manifest.read_bytes() == before

    run("import", "results", str(changed), data_dir=region)
    after = json.loads(manifest.read_text(encoding="utf-8"))
    assert after != json.loads(before)
    statuses = [s for (s,) in _query(region, "select status from datasets_importrun order by id desc limit 2")]
    assert statuses == ["applied", "interrupted"]


def test_an_identification_run_killed_while_saving_leaves_no_results_and_is_redone(region: Path) -> None:
    _killed(region, "identify:results-written", "identify", "--year", "2026")
    (lost, status), *_ = _query(region, "select id, status from identification_run order by id desc limit 1")
    assert status == "running"
    assert _query(region, f"select count(*) from identification_schoolresult where run_id = {lost}") == [(0,)]  # noqa: S608

    run("identify", "--year", "2026", data_dir=region)
    (status, message), *_ = _query(region, f"select status, message from identification_run where id = {lost}")  # noqa: S608
    assert status == "failed" and "прерван" in str(message)
    (done, count), *_ = _query(
        region,
        "select r.status, count(s.id) from identification_run r join identification_schoolresult s on s.run_id = r.id "
        "group by r.id order by r.id desc limit 1",
    )
    assert done == "done" and count == 30


def test_a_document_batch_killed_midway_keeps_whole_documents_and_finishes_on_the_second_go(region: Path) -> None:
    run("recommend", "--year", "2026", data_dir=region)
    drafts = {i for (i,) in _query(region, "select id from cycle_recommendation where status = 'draft'")}
    issued = _query(region, "select count(*) from cycle_recommendation where status != 'draft'")[0][0]
    kept = _query(region, "select count(*) from cycle_document where kind = 'recommendation'")[0][0]
    assert len(drafts) >= 3
    _killed(region, "documents:issue:n=3", "recommend", "--year", "2026", "--issue")
    # Two issued with their documents; the third was in flight: neither issued nor kept.
    assert _query(region, "select count(*) from cycle_recommendation where status != 'draft'")[0][0] == issued + 2
    assert _query(region, "select count(*) from cycle_document where kind = 'recommendation'")[0][0] == kept + 2
    _consistent(region)

    run("recommend", "--year", "2026", "--issue", data_dir=region)
    left = {i for (i,) in _query(region, "select id from cycle_recommendation where status = 'draft'")}
    assert left < drafts and len(drafts - left) > 2  # the batch went on; no new draft was left behind
    _consistent(region)


def _consistent(region: Path) -> None:
    """Each issued recommendation has exactly one document, each draft none, and every kept document is
    on disk with the size and checksum recorded with it."""
    odd = _query(
        region,
        "select r.id, r.status, count(d.id) from cycle_recommendation r left join cycle_document d "
        "on d.recommendation_id = r.id group by r.id "
        "having (r.status = 'draft' and count(d.id) > 0) or (r.status != 'draft' and count(d.id) != 1)",
    )
    assert odd == []
    _whole(region)


def _whole(region: Path) -> None:
    """Every kept document is on disk, with the size and checksum recorded with it."""
    for name, size, digest in _query(region, "select file, size, sha256 from cycle_document"):
        content = (region / "files" / str(name)).read_bytes()
        assert len(content) == size and hashlib.sha256(content).hexdigest() == digest, name


@pytest.mark.parametrize(
    "command",
    [
        ("createuser", "auditor", "--role", "observer"),
        ("token", "create", "auditor", "--name", "выгрузка"),
        ("profiles", "--year", "2026"),
        ("identify", "--year", "2026"),
        # The year before (the demo has its approved list): the kill test above issues 2026's drafts.
        ("recommend", "--year", "2025", "--issue"),
        ("import", "social", "demo/social.csv"),
        ("mapping", "save", "MAPPING"),
    ],
)
def test_every_command_that_changes_data_leaves_an_audit_record(region: Path, command: tuple[str, ...]) -> None:
    args = [str(region / a) if a.startswith("demo/") else a for a in command]
    if "MAPPING" in args:
        spec = region / "mapping.yaml"
        spec.write_text("name: codes\nkind: schools\ncolumns:\n  school_id: Код\n", encoding="utf-8")
        args[args.index("MAPPING")] = str(spec)
    before = _query(region, "select coalesce(max(id), 0) from audit_auditentry")[0][0]
    version = _query(region, "select value from audit_dataversion")
    run(*args, data_dir=region, env={"SHNOR_NEW_PASSWORD": "correct-horse-battery-9"})
    new = _query(region, f"select source, actor_repr from audit_auditentry where id > {before}")  # noqa: S608
    changed = _query(region, "select value from audit_dataversion") != version or command[0] in ("createuser", "token")
    # Each command here changes data on this region (the demo has drafts to issue, a year to compute):
    # one that changed nothing would leave this test checking nothing.
    assert changed, f"shnor {' '.join(command)} changed no data: the test has nothing to check"
    assert new, f"shnor {' '.join(command)} changed data and left no audit record"
    assert {source for source, _ in new} == {"cli"}
    assert all(
        f"shnor {command[0]}" in str(actor) or "загрузка" in str(actor) or "идентификация" in str(actor)
        for _, actor in new
    ), new
