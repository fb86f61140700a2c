"""The main journey of every role in a real browser, with three checks on every page it passes:

* the content security policy holds: the page breaks none of it (the browser reports each
  violation as a `securitypolicyviolation` event, which an init script records);
* the page logs no script error;
* axe-core (vendored from npm, tests/browser/vendor/axe-core) finds no WCAG 2.1 A/AA violation:
  every form control has a label, contrast, landmarks, names of links and buttons, and so on.

And the sign-in and the skip link work from the keyboard alone.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.db.models import Model
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")
WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e =>
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
"""
RUN_AXE = """async () => {
  const r = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
  return r.violations.map(v => `${v.id} (${v.impact}): ${v.help} — ` +
    v.nodes.slice(0, 3).map(n => n.target.join(' ')).join('; '));
}"""

# Each role's way through the system: the links it clicks in the navigation (or an address), in order.
JOURNEYS: dict[str, list[str]] = {
    "operator": [
        "link:Загрузить файл",
        "link:История загрузок",
        "link:Расчёты и списки",
        "first:main table tbody a",
        "link:Журнал изменений",
    ],
    "coordinator": [
        "link:Расчёты и списки",
        "first:main table tbody a",
        "url:chart",
        "link:Показатели системы",
        "link:Адресные рекомендации",
        "link:Кураторы и пары",
    ],
    "municipal": ["link:Школы", "first:#table tbody a", "link:Программы и мониторинг", "link:Меры и мероприятия"],
    "school": [
        "link:Школы",
        "first:#table tbody a",
        "link:Рисковые профили",
        "url:profile",
        "link:Адресные рекомендации",
    ],
    "curator": ["link:Кураторы и пары", "link:Программы и мониторинг", "link:Педагоги"],
    "teacher": ["link:Педагоги", "link:Главная", "link:Профиль и токены API"],
    "observer": ["link:Школы", "link:Показатели системы", "link:Циклограмма", "link:Управленческие решения"],
}


@pytest.fixture
def demo(db: Any, settings: Any, tmp_path: Any) -> dict[str, Any]:
    from shnor.demo.build import build
    from shnor.demo.generator import DemoConfig
    from shnor.identification.models import Run

    settings.DATA_DIR = tmp_path
    _, logins = build(DemoConfig(schools=30, municipalities=3))
    return {"logins": {x.username: x.password for x in logins}, "run": Run.objects.get(year=2026)}


def _watch(page: Any) -> list[str]:
    errors: list[str] = []
    page.add_init_script(WATCH)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return errors


def _check(page: Any, errors: list[str], where: str) -> None:
    page.wait_for_load_state("load")
    broken = page.evaluate("window.__csp")
    assert broken == [], f"{where}: the content security policy was broken: {broken}"
    assert not errors, f"{where}: script errors {errors}"
    page.evaluate(AXE)  # evaluated by the test, not injected into the page: the policy stays as served
    violations = page.evaluate(RUN_AXE)
    assert violations == [], f"{where} ({page.url}): " + "\n".join(violations)


def _pk(obj: Model | None) -> Any:
    """The key of a row the demo region is known to hold."""
    assert obj is not None
    return obj.pk


def _sign_in(page: Any, base: str, username: str, password: str) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("Имя пользователя").fill(username)
    page.get_by_label("Пароль").fill(password)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_url(base + "/")


@pytest.mark.parametrize("role", sorted(JOURNEYS))
def test_the_journey_of_every_role(page: Any, live_server: Any, demo: dict[str, Any], role: str) -> None:
    base = live_server.url
    errors = _watch(page)
    page.goto(base + "/accounts/login/")
    _check(page, errors, "the sign-in page")
    _sign_in(page, base, role, demo["logins"][role])
    _check(page, errors, f"{role}: home")
    from shnor.accounts.models import User

    user = User.objects.get(username=role)
    for step in JOURNEYS[role]:
        kind, _, what = step.partition(":")
        if kind == "link":
            page.locator("nav").get_by_role("link", name=what, exact=True).first.click()
        elif kind == "first":
            page.locator(what).first.click()
        elif what == "chart":
            page.goto(f"{base}/identification/runs/{demo['run'].pk}/chart/")
            expect(page.locator(".js-plotly-plot").first).to_be_visible()
        elif what == "profile":
            page.goto(f"{base}/risks/schools/{user.school_id}/2026/")
            expect(page.locator(".js-plotly-plot").first).to_be_visible()
        page.wait_for_load_state("load")
        assert page.title() and "Ошибка" not in page.title(), f"{role}: {step} → {page.url}"
        _check(page, errors, f"{role}: {step}")


def test_the_policy_is_sent_with_every_page(client: Any, db: Any) -> None:
    response = client.get("/accounts/login/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy and response["X-Frame-Options"] == "DENY"
    assert "camera=()" in response["Permissions-Policy"]


def test_an_inline_script_is_refused_by_the_browser(page: Any, live_server: Any, demo: dict[str, Any]) -> None:
    """The test of the test: a page with an inline script breaks the policy, and the check sees it."""
    errors = _watch(page)
    page.route(
        "**/accounts/login/",
        lambda route: route.fulfill(
            response=route.fetch(),
            body=route.fetch().text().replace("</body>", "<script>document.title='x'</script></body>"),
        ),
    )
    page.goto(live_server.url + "/accounts/login/")
    page.wait_for_load_state("load")
    assert page.title() != "x"  # not run
    assert any("script-src" in v for v in page.evaluate("window.__csp"))
    with pytest.raises(AssertionError, match="content security policy"):
        _check(page, errors, "tampered")


def test_signing_in_and_skipping_to_the_content_by_keyboard(page: Any, live_server: Any, demo: dict[str, Any]) -> None:
    base = live_server.url
    page.goto(base + "/accounts/login/")
    assert page.evaluate("document.activeElement.name") == "username"  # the page opens in the first field
    page.keyboard.type("school")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "password"
    page.keyboard.type(demo["logins"]["school"])
    page.keyboard.press("Enter")
    page.wait_for_url(base + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Перейти к содержанию"
    page.keyboard.press("Enter")  # the skip link
    assert page.url.endswith("#main")
    page.keyboard.press("Tab")  # the next stop is inside the content, past the navigation
    inside = page.evaluate("document.getElementById('main').contains(document.activeElement)")
    assert inside


def test_every_page_of_the_navigation_and_its_forms_pass(page: Any, live_server: Any, demo: dict[str, Any]) -> None:
    """The operator sees every section: each page in the navigation, and the forms behind it, is checked."""
    from shnor.cycle.models import Meeting, Recommendation
    from shnor.programmes import services as programmes
    from shnor.records.models import Decision
    from shnor.registry.models import Municipality, School
    from shnor.staff.models import Teacher
    from shnor.support.models import Pairing

    base = live_server.url
    errors = _watch(page)
    _sign_in(page, base, "operator", demo["logins"]["operator"])
    links = page.locator("nav a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    school = School.objects.order_by("pk").first()
    assert school is not None
    operator = __import__("shnor.accounts.models", fromlist=["User"]).User.objects.get(username="operator")
    programme = programmes.create(
        operator, "volgograd-school-pko", school=school, start=__import__("datetime").date(2026, 9, 1)
    )
    details = [
        f"/registry/schools/{school.pk}/",
        f"/registry/schools/{school.pk}/edit/",
        f"/registry/municipalities/{_pk(Municipality.objects.first())}/",
        "/registry/bodies/new/",
        "/registry/people/new/",
        f"/identification/runs/{demo['run'].pk}/",
        f"/identification/runs/{demo['run'].pk}/schools/{school.pk}/",
        f"/identification/runs/{demo['run'].pk}/list/",
        "/programmes/new/",
        f"/programmes/{programme.pk}/",
        f"/programmes/{programme.pk}/edit/",
        f"/support/pairs/{_pk(Pairing.objects.first())}/",
        f"/teachers/{_pk(Teacher.objects.filter(routes__isnull=False).first())}/",
        f"/cycle/recommendations/{_pk(Recommendation.objects.first())}/",
        f"/cycle/decisions/{_pk(Decision.objects.first())}/",
        f"/cycle/meetings/{_pk(Meeting.objects.first())}/",
    ]
    seen = []
    for href in [*(h for h in links if h and h.startswith("/") and not h.startswith("/admin")), *details]:
        if href in seen:
            continue
        seen.append(href)
        page.goto(base + href)
        _check(page, errors, href)
    assert len(seen) > 35


def _own_objects(username: str) -> dict[str, list[str]]:
    """What each demo role must find on its workspace, by shelf, from the database."""
    from shnor.accounts.models import User
    from shnor.programmes.models import Programme
    from shnor.staff.models import Route
    from shnor.support.models import Pairing

    user = User.objects.get(username=username)
    if username == "school":
        own = Programme.objects.filter(school=user.school).values_list("title", flat=True)
        pair = Pairing.objects.get(school=user.school, status="approved")
        return {"programmes": list(own), "pairs": [f"Куратор: {pair.curator}"]}
    if username == "curator":
        pairs = Pairing.objects.filter(curator__school=user.school, status="approved").order_by("school__name")
        return {"pairs": [p.school.name for p in pairs][:6]}
    if username == "teacher":
        route = Route.objects.get(teacher__staff_key=user.staff_key)
        return {"route": [f"Маршрут на {route.year} год"]}
    if username == "municipal":
        road = Programme.objects.get(municipality=user.municipality)
        return {"programmes": [road.title], "recommendations": [f"органу управления образованием: {user.municipality}"]}
    return {"list": []}


def test_each_role_opens_its_workspace_and_finds_its_own_objects(
    page: Any, live_server: Any, demo: dict[str, Any]
) -> None:
    """The home page of every demo role: its figures are links that lead to a page, its own objects
    are named on its shelves (a director's programme and curator, a curator's schools, a teacher's
    route, a district's road map and recommendation), and the first of them opens."""
    base = live_server.url
    for role in sorted(JOURNEYS):
        page.context.clear_cookies()
        _sign_in(page, base, role, demo["logins"][role])
        figures = page.get_by_test_id("figures").locator("a")
        assert figures.count() >= 3, role
        expect(page.get_by_test_id("tasks")).to_contain_text("Что требует внимания")
        for shelf, names in _own_objects(role).items():
            box = page.get_by_test_id(f"shelf-{shelf}")
            expect(box).to_be_visible()
            for name in names:
                expect(box).to_contain_text(name)
        # Every object named and every figure leads to a page the role may open (not a refusal, not
        # a missing page, not a sign-in).
        links = [a.get_attribute("href") for a in page.locator(".shelf li a, .shelf a.more").all()]
        links += [a.get_attribute("href") for a in figures.all()]
        for href in links:
            response = page.goto(base + href)
            assert response is not None and response.status == 200 and "/accounts/login/" not in page.url, (
                f"{role}: {href} → {response.status if response else None}"
            )
    # The network's map draws offline from the vendored bundle, with the list's schools on it.
    page.context.clear_cookies()
    _sign_in(page, base, "operator", demo["logins"]["operator"])
    errors = _watch(page)
    page.goto(base + "/support/map/")
    expect(page.locator("#network-map .main-svg").first).to_be_visible()
    listed = page.locator("#network-map .scatterlayer .trace").nth(-2).locator("path.point")
    shown = json.loads(page.locator("#network-map-data").inner_text())
    assert listed.count() == len(shown["points"]["listed"]) > 0
    _check(page, errors, "operator: the network's map")


def test_an_irreversible_act_asks_first(page: Any, live_server: Any, demo: dict[str, Any]) -> None:
    """Issuing a recommendation asks «are you sure»: declined, nothing is sent; agreed, it is issued."""
    from shnor.cycle.models import Recommendation

    draft = Recommendation.objects.filter(status="draft").order_by("pk").first()
    assert draft is not None
    base = live_server.url
    _sign_in(page, base, "operator", demo["logins"]["operator"])
    declining = page.context.new_page()  # its own handler declines
    asked: list[str] = []

    def decline(dialog: Any) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    declining.on("dialog", decline)
    declining.goto(f"{base}/cycle/recommendations/{draft.pk}/")
    declining.get_by_test_id("issue").click()
    expect(declining.get_by_test_id("issue")).to_be_visible()
    assert asked and asked[0].startswith("Направить рекомендации адресату?")
    draft.refresh_from_db()
    assert draft.status == "draft"
    page.goto(f"{base}/cycle/recommendations/{draft.pk}/")
    page.get_by_test_id("issue").click()
    expect(page.get_by_test_id("issue")).to_have_count(0)  # issued: nothing more to send
    draft.refresh_from_db()
    assert draft.status == "issued"
