"""The strict Content-Security-Policy in a real browser: on every kind of page — public, sign-in, the
application form while it autosaves, the score sheet, partner pages, the admin with inlines and its
"add another" popup, the dashboard and the API docs — the browser reports no violation."""

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.applicants import complete_draft, log_in, make_founder, make_program
from tests.browser.test_partner_journey import partner_world
from tests.browser.test_score_sheet_in_a_browser import submitted_review

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Runs before any page script (playwright injects it outside the page's policy): every violation the
# browser reports is kept where the test can read it.
LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`);
});
"""


class Violations:
    """Violation events and console errors of every page opened in a browser context."""

    def __init__(self, context):
        self.found: list[str] = []
        context.add_init_script(LISTEN)
        context.on("page", self.watch)
        for page in context.pages:
            self.watch(page)

    def watch(self, page):
        page.on("console", lambda message: message.type == "error" and self.found.append(f"console: {message.text}"))
        page.on("pageerror", lambda error: self.found.append(f"page error: {error}"))

    def check(self, page, label: str):
        page.wait_for_load_state("networkidle")
        events = page.evaluate("window.__violations || []")
        found = [f"{label}: {v}" for v in events + self.found]
        self.found.clear()
        assert found == [], "\n".join(found)


@pytest.fixture
def violations(page):
    return Violations(page.context)


def test_public_pages_and_sign_in_report_no_violation(page, violations):
    program = make_program()

    for label, url in [("home", "/"), ("program", f"/programs/{program.slug}/"), ("sign-in", "/accounts/login/")]:
        page.goto(url)
        violations.check(page, label)


def test_the_application_form_autosaves_without_a_violation(page, live_server, violations):
    program = make_program()
    founder = make_founder()
    application = complete_draft(program, founder)
    log_in(page, founder, live_server)

    page.goto(f"/applications/{application.pk}/edit/")
    with page.expect_response(lambda r: "/autosave/" in r.url and r.request.method == "POST") as saved:
        page.fill("#id_title", "생성형 AI 고객 상담 자동화 2")
    assert saved.value.ok
    expect(page.locator("#autosave-status")).not_to_be_empty()

    violations.check(page, "application form")


def test_the_score_sheet_reports_no_violation(page, live_server, violations):
    assignment, _, _ = submitted_review()
    log_in(page, assignment.evaluator.user, live_server)

    page.goto(f"/evaluate/assignments/{assignment.pk}/")

    violations.check(page, "score sheet")


def test_partner_pages_report_no_violation(page, live_server, violations):
    _, _, member, _ = partner_world()
    log_in(page, member, live_server)

    page.goto("/partner/")
    violations.check(page, "partner home")
    page.get_by_role("link", name="Read the finalists").click()
    violations.check(page, "partner finalists")


def test_the_admin_its_inlines_popup_and_the_dashboard_report_no_violation(page, live_server, violations):
    program = make_program()
    log_in(page, factories.UserFactory(staff=True), live_server)

    page.goto("/admin/")
    violations.check(page, "admin index")
    page.goto(f"/admin/matching/program/{program.pk}/change/")
    violations.check(page, "program change form with inlines")
    page.locator(".add-row a").first.click()  # an inline's "add another" row, built by the admin's script
    violations.check(page, "inline row added")

    page.goto("/admin/matching/programpartner/add/")
    with page.expect_popup() as opened:
        page.click("#add_id_partner")
    popup = opened.value
    popup.wait_for_load_state()
    violations.check(popup, "add-another popup")
    popup.fill("#id_name", "Upstage")
    with popup.expect_event("close"):
        popup.locator("input[name=_save]").click()  # answered by the admin's popup_response page
    expect(page.locator("#id_partner option:checked")).to_have_text("Upstage")
    violations.check(page, "change form after the popup")

    page.goto(f"/admin/programs/{program.pk}/dashboard/")
    violations.check(page, "dashboard")


def test_the_api_docs_render_without_a_violation(page, violations, screenshot):
    page.goto("/api/v1/docs/")

    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Matchday API")
    screenshot(page, "api-docs-under-csp")
    violations.check(page, "API docs")


def test_an_inline_script_would_be_blocked_and_caught(page, violations):
    page.goto("/")

    with pytest.raises(Exception, match="Content Security Policy|Refused"):
        page.add_script_tag(content="document.title = 'inline ran';")

    assert page.title() != "inline ran"
    assert any("script-src" in v for v in page.evaluate("window.__violations"))


@pytest.mark.parametrize(
    ("locale", "width", "expected"), [("ko", 1280, "보낸 파일은"), ("en", 375, "The files sent are")]
)
def test_a_file_over_the_request_limit_gets_the_refusal_page_and_nothing_is_saved(
    browser, live_server, settings, tmp_path, screenshot, locale, width, expected
):
    settings.UPLOAD_MAX_REQUEST_BYTES = 1024 * 1024
    program = make_program()
    founder = make_founder(language=locale)
    application = complete_draft(program, founder)
    deck = tmp_path / "big-deck.pdf"
    deck.write_bytes(b"%PDF-1.4\n" + b"0" * 1536 * 1024)
    context = browser.new_context(locale=locale, viewport={"width": width, "height": 800}, base_url=live_server.url)
    page = context.new_page()
    watcher = Violations(context)
    log_in(page, founder, live_server)

    page.goto(f"/applications/{application.pk}/edit/")
    page.set_input_files("#id_q_deck", str(deck))
    with page.expect_response(lambda r: r.request.method == "POST" and "/edit/" in r.url) as answered:
        page.locator(".save-panel button[name=action][value=save]").click()

    assert answered.value.status == 413
    expect(page.locator(".alert--error")).to_contain_text(expected)
    screenshot(page, f"request-too-large-{locale}-{width}")
    assert page.locator("main a").last.get_attribute("href") == f"/applications/{application.pk}/edit/"
    watcher.found = [f for f in watcher.found if "413" not in f]  # the browser logs the refused request itself
    watcher.check(page, "413 page")
    current = application.attachments.filter(detached_at__isnull=True).values_list("original_name", flat=True)
    assert list(current) == ["pitch-deck.pdf"]
    context.close()
