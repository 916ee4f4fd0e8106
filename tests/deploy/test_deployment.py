"""deploy/ holds what production runs; these keep it in step with the code it deploys."""

import importlib.util
import re
import runpy
import subprocess
import sys
from pathlib import Path

from django.conf import settings

BASE = Path(settings.BASE_DIR)
DEPLOY = BASE / "deploy"


def _module(name: str):
    spec = importlib.util.spec_from_file_location(f"deploy_{name}", DEPLOY / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _settings_variables() -> set[str]:
    source = (BASE / "config" / "settings.py").read_text()
    return set(re.findall(r"env(?:\.\w+)?\(\s*\"([A-Z][A-Z0-9_]*)\"", source))


def _example_variables() -> set[str]:
    text = (DEPLOY / "matchday.env.example").read_text()
    return set(re.findall(r"^#?([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))


def _worker_queues() -> set[str]:
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    return routed | {settings.CELERY_TASK_DEFAULT_QUEUE}


def _exec_lines(unit: str) -> list[str]:
    text = (DEPLOY / "systemd" / unit).read_text()
    return re.findall(r"^ExecStart=(.+)$", text, flags=re.MULTILINE)


def test_the_example_environment_lists_every_variable_the_settings_read():
    variables = _settings_variables()

    assert "DJANGO_SECRET_KEY" in variables  # the pattern finds them
    assert variables - _example_variables() == set()


def test_the_web_unit_starts_gunicorn_with_the_deploy_config_and_the_wsgi_module():
    (command,) = _exec_lines("matchday-web.service")

    assert command.split()[0].endswith("/.venv/bin/gunicorn")
    assert "-c deploy/gunicorn.conf.py" in command
    module = command.split()[-1]
    assert (BASE / (module.replace(".", "/") + ".py")).exists()
    assert (BASE / ".venv" / "bin" / "gunicorn").exists()


def test_the_worker_unit_listens_to_every_queue_tasks_are_routed_to():
    (command,) = _exec_lines("matchday-worker.service")

    queues = re.search(r"-Q (\S+)", command).group(1).split(",")
    assert set(queues) == _worker_queues()
    assert "-A config worker" in command
    assert (BASE / ".venv" / "bin" / "celery").exists()


def test_the_beat_unit_runs_celery_beat_for_the_project():
    (command,) = _exec_lines("matchday-beat.service")

    assert "-A config beat" in command


def test_the_procfile_runs_the_same_processes():
    processes = dict(line.split(": ", 1) for line in (DEPLOY / "Procfile").read_text().splitlines() if line)

    assert set(processes) == {"release", "web", "worker", "beat"}
    assert set(re.search(r"-Q (\S+)", processes["worker"]).group(1).split(",")) == _worker_queues()
    assert "deploy/gunicorn.conf.py" in processes["web"]


def test_nginx_accepts_exactly_the_largest_request_the_app_accepts():
    text = (DEPLOY / "nginx" / "matchday.conf").read_text()
    number, unit = re.search(r"client_max_body_size\s+(\d+)([kKmMgG]?);", text).groups()
    nginx_bytes = int(number) * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit.lower()]

    app_bytes = getattr(settings, "UPLOAD_MAX_REQUEST_BYTES", settings.MATCHDAY_UPLOAD_MAX_BYTES + 1024 * 1024)
    assert nginx_bytes == app_bytes


def test_nginx_serves_the_collected_static_files_where_the_example_environment_puts_them():
    text = (DEPLOY / "nginx" / "matchday.conf").read_text()
    alias = re.search(r"location /static/ \{\s*alias (\S+);", text).group(1)
    static_root = re.search(r"^STATIC_ROOT=(\S+)$", (DEPLOY / "matchday.env.example").read_text(), re.M).group(1)

    assert alias.rstrip("/") == static_root.rstrip("/")
    assert "max-age=31536000" in text


def test_nginx_redirects_plain_http_and_passes_the_forwarded_headers():
    text = (DEPLOY / "nginx" / "matchday.conf").read_text()

    assert "return 301 https://$host$request_uri;" in text
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in text
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in text


def test_the_gunicorn_config_takes_its_workers_from_the_environment(monkeypatch):
    monkeypatch.setenv("GUNICORN_WORKERS", "3")
    monkeypatch.setenv("GUNICORN_FORWARDED_ALLOW_IPS", "10.0.0.5")

    config = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))

    assert (config["workers"], config["forwarded_allow_ips"], config["accesslog"]) == (3, "10.0.0.5", "-")


def test_the_checks_explain_themselves_with_help():
    for script in ("prod_check.py", "restore_check.py"):
        result = subprocess.run(  # noqa: S603
            [sys.executable, str(DEPLOY / script), "--help"], capture_output=True, text=True, timeout=60
        )

        assert result.returncode == 0, result.stderr
        assert "usage:" in result.stdout


def test_the_prod_checks_totp_code_is_one_allauth_accepts():
    from allauth.mfa.totp.internal.auth import generate_totp_secret, validate_totp_code

    secret = generate_totp_secret()

    assert validate_totp_code(secret, _module("prod_check").totp_code(secret))


def test_the_prod_checks_form_reader_sends_what_a_browser_sends():
    html = """<form action="/x/" method="post"><input name="csrfmiddlewaretoken" value="t">
      <textarea name="summary">
line</textarea><select name="track"><option value="a">A</option><option value="b" selected>B</option></select>
      <select name="stage"><option value="idea">Idea</option></select>
      <input type="checkbox" name="agree" value="1"><input type="radio" name="yes" value="no" checked></form>"""

    (form,) = _module("prod_check").page_forms(html).forms

    assert form["fields"] == [
        ("csrfmiddlewaretoken", "t"),
        ("summary", "line"),
        ("track", "b"),
        ("stage", "idea"),
        ("yes", "no"),
    ]
    assert form["checkboxes"] == [("agree", "1")]


def test_ci_runs_the_prod_check_and_the_restore_check():
    makefile = (BASE / "Makefile").read_text()
    ci = (BASE / ".ci" / "run").read_text()

    assert re.search(r"^prod-check:", makefile, re.M) and re.search(r"^restore-check:", makefile, re.M)
    assert "make prod-check" in ci and "make restore-check" in ci
