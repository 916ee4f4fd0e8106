"""Links in e-mails start with SITE_URL; `make run` sets it from the address it serves on."""

import shutil
import subprocess

import pytest
from django.conf import settings

from notifications.events import absolute_url
from tests.core.test_settings import _run

SETUP = "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; django.setup();"


def test_links_in_emails_start_with_the_site_url_from_the_environment():
    result = _run(
        SETUP + "from notifications.events import absolute_url; print(absolute_url('/programs/openai/'))",
        SITE_URL="https://matchday.example.org/",
    )

    assert result.stdout.strip() == "https://matchday.example.org/programs/openai/", result.stderr


def test_a_site_url_without_a_scheme_is_refused_at_start():
    result = _run(SETUP, SITE_URL="127.0.0.1:8102")

    assert result.returncode != 0
    assert "SITE_URL must be a web address" in result.stderr


def test_absolute_url_follows_the_setting(settings):
    settings.SITE_URL = "http://127.0.0.1:8102"

    assert absolute_url("/applications/42/") == "http://127.0.0.1:8102/applications/42/"


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
@pytest.mark.parametrize(
    ("arguments", "site_url", "expected"),
    [
        (["PORT=8102"], None, "http://127.0.0.1:8102"),
        (["HOST=0.0.0.0", "PORT=9000"], None, "http://0.0.0.0:9000"),
        (["PORT=8102"], "https://matchday.example.org", "https://matchday.example.org"),
    ],
)
def test_make_run_points_links_at_its_own_address_unless_site_url_is_set(arguments, site_url, expected):
    environment = {"PATH": "/usr/bin:/bin"} | ({"SITE_URL": site_url} if site_url else {})
    result = subprocess.run(  # noqa: S603
        ["make", "-n", "run", *arguments],  # noqa: S607
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert f'links in e-mails: {expected}"' in result.stdout, result.stdout + result.stderr
