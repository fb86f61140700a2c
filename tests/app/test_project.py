"""Project hygiene: migrations match the models, every setting and command is documented."""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path
from typing import Any

from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]


def test_it_has_no_missing_migrations(db: Any) -> None:
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def test_it_documents_every_setting() -> None:
    source = "".join((ROOT / "src" / "shnor" / f).read_text(encoding="utf-8") for f in ("settings.py", "env.py"))
    names = set(re.findall(r'env_\w+\(\s*"([A-Z_]+)"', source)) | {"DATABASE_URL", "SHNOR_DATA_DIR", "SHNOR_SECRET_KEY"}
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    guide = (ROOT / "docs" / "guide" / "settings.md").read_text(encoding="utf-8")
    for name in names:
        assert f"{name}=" in example, f"{name} is missing from .env.example"
        assert f"`{name}`" in guide, f"{name} is missing from docs/guide/settings.md"


def test_settings_are_read_in_one_place() -> None:
    """Issue 21: a setting is read by settings.py or env.py, nowhere else (the engines read theirs
    from os.environ and none was in .env.example). The failpoint is the tests' own switch."""
    readers = []
    for path in (ROOT / "src" / "shnor").rglob("*.py"):
        if path.name in ("settings.py", "env.py", "failpoints.py"):
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if re.search(r'(environ\.get|getenv)\(\s*"SHNOR_', line):
                readers.append(f"{path.relative_to(ROOT)}: {line.strip()}")
    assert readers == []


def test_it_documents_every_cli_command() -> None:
    from shnor.cli import app, imports_app, mapping_app, token_app

    commands = {c.name or c.callback.__name__ for c in app.registered_commands if c.callback}
    for group, sub in (("token", token_app), ("imports", imports_app), ("mapping", mapping_app)):
        commands |= {f"{group} {c.name}" for c in sub.registered_commands}
    guide = (ROOT / "docs" / "guide" / "cli.md").read_text(encoding="utf-8")
    for command in commands:
        assert f"shnor {command}" in guide, f"`shnor {command}` is missing from docs/guide/cli.md"


def test_it_vendors_every_static_asset() -> None:
    templates = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "src" / "shnor").rglob("*.html"))
    assert not re.search(r'(src|href)="https?://', templates)


def test_no_template_line_is_longer_than_120() -> None:
    """The templates are formatted by djLint (`make lint`) within the 120 columns of the Python code."""
    offenders = [
        f"{template.relative_to(ROOT)}:{number}:{len(line)}"
        for template in sorted((ROOT / "src" / "shnor").glob("**/templates/**/*.html"))
        for number, line in enumerate(template.read_text(encoding="utf-8").splitlines(), start=1)
        if len(line) > 120
    ]
    assert offenders == [], "lines over 120 characters:\n" + "\n".join(offenders)


def test_it_runs_on_the_configured_database(db: Any) -> None:
    """The PostgreSQL lane really runs on PostgreSQL (scripts/with-postgres.sh sets DATABASE_URL)."""
    import os

    from django.db import connection

    expected = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    assert connection.vendor == expected


def test_numbers_in_attributes_and_years_are_not_grouped_by_thousands() -> None:
    """USE_THOUSAND_SEPARATOR turns 1234 into «1 234» in templates: a primary key in a form value or
    a year printed that way breaks the form or reads wrong, so such places must unlocalize."""
    root = Path(__file__).resolve().parents[2] / "src" / "shnor"
    attribute = re.compile(r'(?:value|href)="[^"]*\{\{\s*[\w.]+\.pk\s*\}\}')
    year = re.compile(r"\{\{\s*(?!\w*form\.)[\w.]*year\s*\}\}")  # a form field renders itself
    offenders = []
    for template in root.rglob("templates/**/*.html"):
        text = template.read_text(encoding="utf-8")
        offenders += [f"{template.name}: {m.group(0)}" for m in attribute.finditer(text)]
        offenders += [f"{template.name}: {m.group(0)}" for m in year.finditer(text)]
        if "unlocalize" in text:
            assert re.search(r"\{% load [^%]*l10n", text), f"{template.name} uses unlocalize without loading l10n"
    assert offenders == []


def test_comments_cite_documents_inside_the_repository() -> None:
    """An act is cited by its number (docs/sources.md lists them), a topic by its guide — never by a
    file that lives outside the repository (the team's seeds, DOMAIN.md, DATA_CONTRACT.md)."""
    outside = re.compile(r"\bseeds? \d{3}|\bDOMAIN(\.md)? §|DATA_CONTRACT|\.\./shared/", re.IGNORECASE)
    offenders = []
    for folder in ("src", "tests", "docs", "bench"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix not in {".py", ".md", ".yaml", ".html"} or "vendor" in path.parts or path == Path(__file__):
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                if outside.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:80]}")
    assert not offenders, "\n".join(offenders)
    acts = (ROOT / "docs" / "sources.md").read_text(encoding="utf-8")
    assert all(f"| {n} |" in acts for n in ("000", "001", "002", "003", "004"))


def _python_files(folder: str) -> list[Path]:
    return [p for p in (ROOT / folder).rglob("*.py") if "migrations" not in p.parts and "vendor" not in p.parts]


def test_every_type_ignore_says_why() -> None:
    """`# type: ignore[code]  # reason` (docs/development.md, «Rules that hold»)."""
    bare = re.compile(r"# type: ignore(\[[\w-]+(, [\w-]+)*\])?\s*$")
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for folder in ("src", "tests", "bench")
        for path in _python_files(folder)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if bare.search(line)
    ]
    assert not offenders, offenders


def test_no_services_module_is_longer_than_500_lines() -> None:
    """A stage's use cases are a package, one module per stage (docs/development.md)."""
    services = [p for p in _python_files("src") if "services" in p.parts or p.stem == "services"]
    long = {
        str(p.relative_to(ROOT)): n for p in services if (n := len(p.read_text(encoding="utf-8").splitlines())) > 500
    }
    assert services and not long, long


def test_no_function_is_longer_than_80_lines() -> None:
    """Outside migrations and the demo generator (docs/development.md, «Rules that hold»)."""
    import ast

    long = []
    for path in _python_files("src"):
        if path.name == "generator.py" and path.parent.name == "demo":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) or node.end_lineno is None:
                continue
            if (n := node.end_lineno - node.lineno + 1) > 80:
                long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({n})")
    assert not long, long
