"""Settings come from the environment; these start a fresh interpreter to see what it does."""

import os
import subprocess
import sys

from django.conf import settings


def _run(code: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SECRET_KEY", "REDIS_URL", "DJANGO_DEBUG")}
    environment.update(env)
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = _run(
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; django.setup()",
        DJANGO_DEBUG="false",
    )

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_starts_with_a_secret_key():
    result = _run(
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; django.setup()",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="x" * 50,
        FIELD_ENCRYPTION_KEYS="kr8GW9yCzXzeRdtEcYdZCl0EdYYKL4Il5RAHEEOVxEk=",
    )

    assert result.returncode == 0, result.stderr


def test_without_redis_tasks_run_in_process_and_the_log_says_so_once():
    result = _run(
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; django.setup();"
        "from django.conf import settings; print(settings.CELERY_TASK_ALWAYS_EAGER)"
    )

    assert result.stdout.strip() == "True"
    assert result.stderr.count("REDIS_URL is not set") == 1


def test_with_redis_tasks_go_to_the_broker():
    result = _run(
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; django.setup();"
        "from django.conf import settings; print(settings.CELERY_TASK_ALWAYS_EAGER, settings.CELERY_BROKER_URL)",
        REDIS_URL="redis://127.0.0.1:6379/3",
    )

    assert result.stdout.split() == ["False", "redis://127.0.0.1:6379/3"]
    assert "REDIS_URL is not set" not in result.stderr


def test_korean_is_the_default_language_and_seoul_the_time_zone():
    assert (settings.LANGUAGE_CODE, settings.TIME_ZONE, settings.USE_TZ) == ("ko", "Asia/Seoul", True)
    assert [code for code, _name in settings.LANGUAGES] == ["ko", "en"]
