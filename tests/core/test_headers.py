"""Security headers: a strict Content-Security-Policy on every kind of response, its report-only switch and
report endpoint, HSTS behind TLS, and `check --deploy` clean with the production variables."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache

from tests import factories

pytestmark = pytest.mark.django_db

REQUIRED = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}


def policy_of(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return dict(part.strip().partition(" ")[::2] for part in header.split(";") if part.strip())


def assert_strict(response):
    policy = policy_of(response)
    for directive, sources in REQUIRED.items():
        assert policy.get(directive) == sources, (directive, policy)
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert "unsafe-eval" not in response.headers["Content-Security-Policy"]


def test_a_public_page_carries_the_strict_policy(client):
    assert_strict(client.get("/"))


def test_an_error_page_carries_the_strict_policy(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert_strict(response)


def test_admin_pages_carry_the_strict_policy(client):
    staff = factories.UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)

    assert_strict(client.get("/admin/"))


def test_api_answers_carry_the_strict_policy(client):
    assert_strict(client.get("/api/v1/programs/"))


def test_the_api_docs_page_carries_the_policy_and_has_nothing_inline(client):
    response = client.get("/api/v1/docs/")
    html = response.content.decode()

    assert response.status_code == 200
    assert_strict(response)
    assert "<style" not in html
    assert all("src=" in tag for tag in re.findall(r"<script[^>]*>", html))


def test_the_api_docs_start_up_script_is_served_as_a_script(client):
    response = client.get("/api/v1/docs/?script=")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in response.content.decode()


def test_violations_are_reported_to_our_endpoint(client):
    assert policy_of(client.get("/"))["report-uri"] == "/csp-report/"


def test_a_violation_report_is_logged(client, caplog):
    report = '{"csp-report": {"document-uri": "http://testserver/", "violated-directive": "style-src-attr"}}'

    response = client.post("/csp-report/", report, content_type="application/csp-report")

    assert response.status_code == 204
    assert "style-src-attr" in caplog.text


def test_violation_reports_from_one_address_are_rate_limited(client, settings):
    cache.clear()
    settings.CSP_REPORTS_PER_MINUTE = 3
    statuses = [client.post("/csp-report/", "{}", content_type="application/csp-report").status_code for _ in range(5)]

    assert statuses == [204, 204, 204, 429, 429]


def test_hsts_is_sent_on_https_with_the_configured_age(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True

    response = client.get("/", secure=True)

    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


PROJECT_TEMPLATES = [
    path
    for pattern in ("templates/**/*.html", "*/templates/**/*.html")
    for path in Path(settings.BASE_DIR).glob(pattern)
    if ".venv" not in path.parts
]


@pytest.mark.parametrize("path", PROJECT_TEMPLATES, ids=lambda p: str(p.relative_to(settings.BASE_DIR)))
def test_no_template_has_inline_script_or_style(path):
    html = path.read_text()

    assert "<style" not in html
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)
    assert "javascript:" not in html
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag or "csp_nonce" in tag, tag


def _in_a_fresh_process(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "CSP_", "SECURE_", "BEHIND_", "HTTPS", "REDIS_URL"))
    }
    environment.update(env)
    return subprocess.run(  # noqa: S603
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "pK3v9-Qm8sXz2LrT7wYb4NcJ6dHf1GaU5eRiOoZl0kSjVnBtCyDqEx_Mh-WgPuAs",
    "ALLOWED_HOSTS": "matchday.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://matchday.example.org",
    "SITE_URL": "https://matchday.example.org",
    "BEHIND_TLS_PROXY": "true",
    "FIELD_ENCRYPTION_KEYS": "kr8GW9yCzXzeRdtEcYdZCl0EdYYKL4Il5RAHEEOVxEk=",
}
SHOW = (
    "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; django.setup();"
    "from django.conf import settings as s; print({name!r}, getattr(s, {name!r}))"
)


def _setting(name: str, **env: str) -> str:
    result = _in_a_fresh_process("-c", SHOW.format(name=name), **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.split(" ", 1)[1].strip()


def test_check_deploy_with_the_production_variables_prints_no_warning():
    result = _in_a_fresh_process("manage.py", "check", "--deploy", **PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_behind_a_tls_proxy_hsts_lasts_a_year_and_the_proxys_scheme_is_trusted():
    assert _setting("SECURE_HSTS_SECONDS", **PRODUCTION) == "31536000"
    assert _setting("SECURE_PROXY_SSL_HEADER", **PRODUCTION) == "('HTTP_X_FORWARDED_PROTO', 'https')"
    assert _setting("SECURE_SSL_REDIRECT", **PRODUCTION) == "True"


def test_the_hsts_age_comes_from_the_environment():
    assert _setting("SECURE_HSTS_SECONDS", **PRODUCTION, SECURE_HSTS_SECONDS="600") == "600"


def test_development_sends_no_hsts():
    assert _setting("SECURE_HSTS_SECONDS") == "0"


def test_the_report_only_switch_sends_the_policy_as_report_only():
    assert _setting("CONTENT_SECURITY_POLICY", CSP_REPORT_ONLY="true") == "None"
    assert "default-src" in _setting("CONTENT_SECURITY_POLICY_REPORT_ONLY", CSP_REPORT_ONLY="true")
