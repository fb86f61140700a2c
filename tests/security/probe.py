"""The probe of issue 20 kept as code: what an adversary signed in as each role would try, and the
checks that say whether it got anything. Used by tests/security/test_probe.py on the demo region
(a bounded number of requests in `make test`, every id in `make fuzz`).

- The response scan: every page, export and API answer a scoped role may open is searched for any
  name or code of a school, municipality or teacher outside the role's scope (HTML and JSON as
  text, XLSX and DOCX through their XML, PDF through its text layer).
- The id sweep: each scoped role asks every detail address and operation for ids 1…N; whatever it
  gets must pass the response scan.
- The foreign-key sweep: each write a scoped role may make is sent with one foreign key pointed at
  an object outside its scope; it must be refused and change nothing.
- Cross-level takeovers: a create that matches an object held by another level or school must not
  take it over.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.test import Client

if TYPE_CHECKING:
    from shnor.accounts.models import User


class SignedIn(Client):
    """A test client and the user it signed in as."""

    user: User


def sign_in(username: str, password: str) -> SignedIn:
    """A client signed in through the sign-in page, as a person does: the views then get the lazy
    `request.user` they get in production (force_login would too, but this walks the real path,
    the throttle and the session included)."""
    from shnor.accounts.models import User

    client = SignedIn()
    response = client.post("/accounts/login/", {"username": username, "password": password})
    assert response.status_code == 302, (username, response.status_code)
    client.user = User.objects.get(username=username)
    return client


def text_of(response: Any) -> str:
    """The text a person or a program would read in a response, whatever its format."""
    content = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    if content.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(content)) as z:
            parts = [z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml")]
        return html.unescape(re.sub(r"<[^>]+>", "", "".join(parts)))
    if content.startswith(b"%PDF"):
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError

        try:
            return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)
        except PdfReadError:  # an uploaded file that only calls itself a PDF: read as bytes
            return content.decode("utf-8", "replace")
    text = content.decode("utf-8", "replace")
    return html.unescape(text) if "html" in response.get("Content-Type", "") else _json_unescape(text)


def _json_unescape(text: str) -> str:
    try:
        import json

        return json.dumps(json.loads(text), ensure_ascii=False)
    except ValueError:
        return text


@dataclass
class Marks:
    """The names and codes of what a user may not see, and one regex finding any of them."""

    what: dict[str, str]
    pattern: re.Pattern[str] | None = None

    def __post_init__(self) -> None:
        if self.what:
            words = sorted(self.what, key=len, reverse=True)
            self.pattern = re.compile(r"(?<![\w№-])(" + "|".join(map(re.escape, words)) + r")(?![\w-])")

    def found(self, text: str) -> set[str]:
        if self.pattern is None:
            return set()
        return {self.what[m] for m in self.pattern.findall(text)}


def foreign_marks(user: Any, allowed: Iterable[str] = ()) -> Marks:
    """Every school (name and code), municipality (name) and teacher (code) outside `user`'s scope,
    but for the names in `allowed` (objects the role legitimately names though it does not scope
    them, e.g. the curator school of its own pair)."""
    from shnor.accounts.scoping import restrict
    from shnor.registry.models import Municipality, School
    from shnor.staff.models import Teacher

    what: dict[str, str] = {}
    for school_id, name in School.objects.exclude(pk__in=restrict(School.objects.all(), user).values("pk")).values_list(
        "school_id", "name"
    ):
        what[school_id] = f"школа {school_id}"
        what[name] = f"школа {school_id}"
    for name in Municipality.objects.exclude(
        pk__in=restrict(Municipality.objects.all(), user).values("pk")
    ).values_list("name", flat=True):
        what[name] = f"муниципалитет «{name}»"
    for key in Teacher.objects.exclude(pk__in=restrict(Teacher.objects.all(), user).values("pk")).values_list(
        "staff_key", flat=True
    ):
        what[key] = f"педагог {key}"
    # A name shared with a visible object (two districts each with a «СОШ № 3») names that one.
    visible = set(restrict(School.objects.all(), user).values_list("name", flat=True))
    for name in [*allowed, *visible]:
        what.pop(name, None)
    return Marks(what)


@dataclass
class Tally:
    """What a probe sent and found, for docs/security.md."""

    requests: int = 0
    refused: int = 0
    opened: int = 0
    findings: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        self.requests += other.requests
        self.refused += other.refused
        self.opened += other.opened
        self.findings += other.findings
