"""Print Plotly's global style rules as a CSS file (src/shnor/web/static/shnor/css/plotly.css).

Plotly inserts its rules into an inline <style>, which the content security policy refuses; the site
serves them as a file instead. Run after upgrading plotly:

    .venv/bin/python scripts/plotly-css.py > src/shnor/web/static/shnor/css/plotly.css
"""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import tempfile
import threading
from pathlib import Path

import plotly
from playwright.sync_api import sync_playwright

BUNDLE = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
PAGE = """<!doctype html><html><head><meta charset="utf-8"><script src="plotly.min.js"></script></head>
<body><div id="g"></div><script>Plotly.newPlot('g', [{x: [1, 2], y: [1, 2]}], {}, {displayModeBar: true});</script>
</body></html>"""
RULES = """() => [...document.getElementById('plotly.js-style-global').sheet.cssRules].map(r => r.cssText).reverse()"""


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def main() -> None:
    version = re.search(r'version:"([0-9.]+)"', BUNDLE.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as folder:
        shutil.copy(BUNDLE, folder)
        Path(folder, "index.html").write_text(PAGE, encoding="utf-8")
        handler = functools.partial(Quiet, directory=folder)
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{server.server_port}/index.html")
            page.wait_for_selector(".js-plotly-plot .main-svg")
            page.hover(".nsewdrag")
            rules = page.evaluate(RULES)
            browser.close()
        server.shutdown()
    print(
        f"/* Plotly.js {version.group(1) if version else '?'}: its global style rules, in the order it inserts them, kept as a file so that pages"
    )
    print("   with charts need no inline <style> (the content security policy allows none). The <link> that loads")
    print('   this file has id="plotly.js-style-global" and class "no-inline-styles", which tells Plotly not to')
    print("   insert its own. Regenerate after upgrading plotly: scripts/plotly-css.py > this file. */")
    print("\n".join(rules))


if __name__ == "__main__":
    main()
