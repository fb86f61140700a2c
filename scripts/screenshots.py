"""The user guide's pictures of the demo region, regenerated (`make screenshots`, issue 24).

Builds the demo region into a temporary data folder (or uses `--data-dir` if it holds one), serves it,
signs in as each role in Debian's chromium and saves each screen of SHOTS at 1 366 px wide into
docs/guide/img/. The guide's pages refer to every picture by name (tests/app/test_guide_shots.py
holds the two lists together). The import pictures come from their own browser journey
(tests/browser/test_messy_import.py with SHNOR_GUIDE_SHOTS), which `make screenshots` runs as well.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IMG = ROOT / "docs" / "guide" / "img"
WIDTH, HEIGHT = 1366, 900

# (picture, role, address, full page?) — an address may name {school} (the role's own school) or {run}
# (the latest identification run).
SHOTS: list[tuple[str, str, str, bool]] = [
    ("workspace-operator", "operator", "/", True),
    ("workspace-municipal", "municipal", "/", True),
    ("workspace-school", "school", "/", False),
    ("workspace-curator", "curator", "/", True),
    ("workspace-teacher", "teacher", "/", False),
    ("school-timeline", "school", "/registry/schools/{school}/", False),
    ("network-map", "operator", "/support/map/", False),
    ("effect", "operator", "/cycle/effect/", False),
    ("indicators", "coordinator", "/cycle/indicators/", False),
    ("risks-heat-map", "coordinator", "/risks/", False),
]


def _serve(data: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SHNOR_DATA_DIR": str(data)}
    server = subprocess.Popen(  # noqa: S603  # the checkout's own shnor
        [str(ROOT / ".venv" / "bin" / "shnor"), "serve", "--port", str(port), "--no-worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(120):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)  # our own local server
            return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise SystemExit("Сервер демонстрационного региона не запустился.")


def _facts(data: Path) -> dict[str, int]:
    """The director's school and the latest run, read from the demo's database."""
    code = (
        "import django, os; django.setup(); "
        "from shnor.accounts.models import User; from shnor.identification.models import Run; "
        "print(User.objects.get(username='school').school_id, Run.objects.order_by('-year', '-pk').first().pk)"
    )
    env = {**os.environ, "SHNOR_DATA_DIR": str(data), "DJANGO_SETTINGS_MODULE": "shnor.settings"}
    out = subprocess.run(  # noqa: S603  # the checkout's own python
        [str(ROOT / ".venv" / "bin" / "python"), "-c", code], env=env, check=True, capture_output=True, text=True
    )
    school, run = out.stdout.split()
    return {"school": int(school), "run": int(run)}


def shoot(data: Path, port: int = 8790) -> list[Path]:
    from playwright.sync_api import sync_playwright

    facts = _facts(data)
    server = _serve(data, port)
    saved = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=os.environ.get("SHNOR_CHROMIUM", "/usr/bin/chromium"))
            for name, role, address, full in SHOTS:
                page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
                page.goto(f"http://127.0.0.1:{port}/accounts/login/")
                page.fill("input[name=username]", role)
                page.fill("input[name=password]", f"demo-{role}-2026")
                page.click("button[type=submit]")
                page.wait_for_url(f"http://127.0.0.1:{port}/")
                page.goto(f"http://127.0.0.1:{port}{address.format(**facts)}")
                page.wait_for_load_state("networkidle")
                target = IMG / f"{name}.png"
                page.screenshot(path=str(target), full_page=full)
                saved.append(target)
                page.close()
            browser.close()
    finally:
        server.terminate()
        server.wait()
    return saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, help="a data folder that already holds the demo region")
    args = parser.parse_args()
    IMG.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="shnor-shots-") as tmp:
        data = args.data_dir or Path(tmp) / "demo"
        if args.data_dir is None:
            subprocess.run(  # noqa: S603  # the checkout's own shnor
                [str(ROOT / ".venv" / "bin" / "shnor"), "demo", "--data-dir", str(data), "--no-serve"], check=True
            )
        for path in shoot(data):
            print(path.relative_to(ROOT))
    sys.exit(0)


if __name__ == "__main__":
    main()
