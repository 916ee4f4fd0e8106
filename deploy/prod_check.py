#!/usr/bin/env python3
"""Production check: start Matchday as production runs it and walk one journey over HTTP.

With DJANGO_DEBUG=false and production-like variables (a fresh secret key and encryption key,
ALLOWED_HOSTS=127.0.0.1, the machine's PostgreSQL in the database `matchday_prodcheck`, recreated on
each run, Redis database 9), it runs migrate and collectstatic, starts gunicorn (deploy/gunicorn.conf.py,
on a free port), a Celery worker (the production queues) and beat, then:

  health      GET /healthz
  static      a stylesheet of the sign-in page, from the collected files
  applicant   signs in through the allauth form (CSRF), saves the seeded draft, submits it
  receipt     the worker sends the submission receipt (the outbox row is `sent`, the e-mail is on disk)
  staff       signs in with a password and a TOTP code (allauth MFA), then opens the admin
  beat        still running after the journey

Requests carry `X-Forwarded-Proto: https` as nginx would (BEHIND_TLS_PROXY=true): HSTS and the HTTPS
rules apply; only the cookies' Secure flag is off, since the client talks plain HTTP to 127.0.0.1.
Everything started is stopped at the end, also on failure or Ctrl-C. Exit status 0 only if every step
passed. `make prod-check` runs it; so does CI (.ci/run).

Environment: PRODCHECK_DATABASE_URL (default postgres://postgres:$PGPASSWORD@127.0.0.1:5432/matchday_prodcheck),
PRODCHECK_REDIS_URL (default redis://127.0.0.1:6379/9).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import hmac
import json
import os
import re
import secrets
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlparse

BASE_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BIN = Path(PYTHON).parent
DATABASE_NAME = "matchday_prodcheck"
APPLICANT_EMAIL = "prodcheck-applicant@example.com"
STAFF_EMAIL = "prodcheck-staff@example.com"
QUEUES = "default,scoring,notifications"  # CELERY_TASK_ROUTES and `make worker`

# A small PDF that the upload check accepts (it reads the magic bytes).
PDF = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
)


class CheckFailed(Exception):
    pass


# --------------------------------------------------------------------------------------------- output


class Steps:
    def __init__(self) -> None:
        self.started = time.perf_counter()

    @contextlib.contextmanager
    def step(self, name: str):
        began = time.perf_counter()
        print(f"prod-check: {name} …", flush=True)
        try:
            yield
        except Exception as error:
            print(f"prod-check: FAILED {name} after {time.perf_counter() - began:.1f} s: {error}", flush=True)
            raise
        print(f"prod-check: ok     {name} ({time.perf_counter() - began:.1f} s)", flush=True)

    def total(self) -> float:
        return time.perf_counter() - self.started


# ------------------------------------------------------------------------------------------ processes


class Processes:
    """Started in sessions of their own, so that stopping one stops its children (gunicorn's and
    Celery's workers) too."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.running: dict[str, subprocess.Popen] = {}

    def start(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "wb")  # noqa: SIM115 — closed with the process
        process = subprocess.Popen(  # noqa: S603
            args, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.running[name] = process
        return process

    def log(self, name: str) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def alive(self, name: str) -> bool:
        return self.running[name].poll() is None

    def stop_all(self) -> None:
        for process in self.running.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for process in self.running.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        # Children that outlived their leader (none expected): the whole group goes.
        for process in self.running.values():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
        self.running.clear()


def run(args: list[str], env: dict[str, str], *, timeout: float = 120) -> str:
    result = subprocess.run(  # noqa: S603
        args, cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=timeout
    )
    if result.returncode != 0:
        raise CheckFailed(f"{' '.join(args[:3])} … exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition, *, timeout: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise CheckFailed(f"gave up waiting for {what} after {timeout:.0f} s")


# -------------------------------------------------------------------------------------------- HTML


class Forms(HTMLParser):
    """The forms of a page with the values a browser would send (checked boxes, selected options)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self.links: list[str] = []
        self._select: str | None = None
        self._select_first: str | None = None
        self._selected = False
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "link" and a.get("rel") == "stylesheet":
            self.links.append(a.get("href", ""))
        if tag == "form":
            self.forms.append({"action": a.get("action", ""), "fields": [], "checkboxes": []})
            return
        if not self.forms:
            return
        form = self.forms[-1]
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("file", "image", "reset"):
                return
            if kind == "submit":
                form.setdefault("buttons", []).append((name, a.get("value", "")))
            elif kind in ("checkbox", "radio"):
                if kind == "checkbox":
                    form["checkboxes"].append((name, a.get("value", "on")))
                if "checked" in a:
                    form["fields"].append((name, a.get("value", "on")))
            else:
                form["fields"].append((name, a.get("value", "")))
        elif tag == "button" and name:
            form.setdefault("buttons", []).append((name, a.get("value", "")))
        elif tag == "select" and name:
            self._select, self._select_first, self._selected = name, None, False
        elif tag == "option" and self._select and not self._selected:
            if self._select_first is None:
                self._select_first = a.get("value", "")
            if "selected" in a:
                form["fields"].append((self._select, a.get("value", "")))
                self._selected = True
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea and self.forms:
            self.forms[-1]["fields"].append((self._textarea, "".join(self._text).removeprefix("\n")))
            self._textarea = None
        elif tag == "select" and self._select and self.forms:
            if not self._selected and self._select_first is not None:  # a browser sends the first option
                self.forms[-1]["fields"].append((self._select, self._select_first))
            self._select = None


def page_forms(html: str) -> Forms:
    parser = Forms()
    parser.feed(html)
    return parser


def form_with(html: str, action_part: str) -> dict:
    for form in page_forms(html).forms:
        if action_part in form["action"]:
            return form
    raise CheckFailed(f"no form posting to …{action_part} on the page")


# ------------------------------------------------------------------------------------------- journey


class Browser:
    """requests.Session that behaves like a browser behind the TLS proxy."""

    def __init__(self, base: str) -> None:
        import requests

        self.base = base
        self.session = requests.Session()
        self.session.headers.update({"X-Forwarded-Proto": "https", "Accept-Language": "ko"})

    def get(self, path: str, **kwargs):
        return self.session.get(urljoin(self.base, path), allow_redirects=False, timeout=30, **kwargs)

    def post(self, path: str, data, **kwargs):
        # Django's CSRF check on an HTTPS request wants a Referer of the same origin.
        referer = urljoin("https://" + urlparse(self.base).netloc, path)
        return self.session.post(
            urljoin(self.base, path),
            data=data,
            allow_redirects=False,
            timeout=30,
            headers={"Referer": referer},
            **kwargs,
        )

    def follow(self, response, *, limit: int = 5):
        while response.is_redirect and limit:
            location = response.headers["Location"]
            path = urlparse(location).path + (("?" + urlparse(location).query) if urlparse(location).query else "")
            response = self.get(path)
            limit -= 1
        return response


def expect(response, status: int, what: str):
    if response.status_code != status:
        body = response.text[:600].replace("\n", " ")
        raise CheckFailed(f"{what}: {response.request.method} {response.url} answered {response.status_code}: {body}")
    return response


def sign_in(browser: Browser, email: str, password: str):
    page = expect(browser.get("/accounts/login/"), 200, "the sign-in page")
    form = form_with(page.text, "/accounts/login/")
    data = dict(form["fields"])
    data.update({"login": email, "password": password})
    answer = browser.post("/accounts/login/", data)
    if answer.status_code != 302:
        raise CheckFailed(f"signing in as {email} answered {answer.status_code}, not a redirect")
    return answer


def totp_code(secret: str, *, period: int = 30, digits: int = 6) -> str:
    """The authenticator app's code now (RFC 6238, HMAC-SHA1, allauth's defaults)."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", int(time.time()) // period), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 10**digits
    return f"{value:0{digits}d}"


# ------------------------------------------------------------------------------------ the production env


def production_env(*, port: int, tmp: Path, database_url: str, redis_url: str) -> dict[str, str]:
    from cryptography.fernet import Fernet

    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "MATCHDAY_"))}
    for name in ("DATABASE_URL", "REDIS_URL", "CACHE_URL", "EMAIL_URL", "ALLOWED_HOSTS", "SITE_URL"):
        env.pop(name, None)
    env.update(
        {
            "DJANGO_DEBUG": "false",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SITE_URL": f"https://127.0.0.1:{port}",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "CACHE_URL": redis_url.replace("redis://", "rediscache://", 1),
            # django-environ drops the path's first slash: four of them give an absolute path.
            "EMAIL_URL": f"filemail:///{tmp / 'mail'}",
            "STATIC_ROOT": str(tmp / "static"),
            "PRIVATE_MEDIA_ROOT": str(tmp / "private"),
            "BEHIND_TLS_PROXY": "true",
            # The client talks plain HTTP to 127.0.0.1: cookies marked Secure would never be sent back.
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": "2",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def recreate_database(database_url: str) -> None:
    import psycopg

    parts = urlparse(database_url)
    name = parts.path.lstrip("/")
    if not re.fullmatch(r"[a-z0-9_]+", name):
        raise CheckFailed(f"unexpected database name {name!r}")
    admin_url = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {name}")


def flush_redis(redis_url: str) -> None:
    import redis

    redis.Redis.from_url(redis_url).flushdb()


# ---------------------------------------------------------------------------------------------- seed


def seed() -> None:
    """Run in a child process with the production variables: the demo, an applicant with a complete
    draft for the open call, a staff member with a TOTP authenticator. Prints one line of JSON."""
    import django

    django.setup()
    from allauth.account.models import EmailAddress
    from django.apps import apps
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command

    from accounts.models import User
    from core.validators import brn_check_digit
    from matching.models import Program, Question
    from startups.models import Attachment, Startup, StartupMember
    from startups.services import application_problems, application_save_draft, application_start, attachment_add

    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    program = Program.objects.get(slug="gecp-2026-openai")
    password = secrets.token_urlsafe(16)

    applicant = User.objects.create_user(APPLICANT_EMAIL, password, name="김점검", preferred_language="ko")
    EmailAddress.objects.create(user=applicant, email=applicant.email, verified=True, primary=True)
    first_nine = f"{secrets.randbelow(900) + 100}81{secrets.randbelow(10000):04d}"
    startup = Startup.objects.create(
        name_ko="주식회사 점검",
        name_en="Prodcheck Inc.",
        brn=first_nine + str(brn_check_digit(first_nine)),
        founded_on="2021-04-01",
        ceo_name="김점검",
        employees=5,
        annual_revenue_krw=120_000_000,
    )
    StartupMember.objects.create(startup=startup, user=applicant, role=StartupMember.Role.OWNER)

    application = application_start(program=program, by=applicant)
    track = program.tracks.filter(admits_pre_founders=False).order_by("order").first() or program.tracks.first()
    questions = [q for q in program.questions.all() if q.track_id in (None, track.pk if track else None)]
    K = Question.Kind
    values = {
        K.SHORT_TEXT: "점검봇",
        K.LONG_TEXT: "배포 점검에서 제출하는 신청서입니다.",
        K.NUMBER: "100000000",
        K.DATE: "2025-06-01",
        K.URL: "https://example.com/demo",
        K.YES_NO: "no",
    }
    answers = {}
    for question in questions:
        if question.kind == K.FILE:
            continue
        if question.kind == K.SINGLE_CHOICE:
            answers[question.pk] = question.choices[0]["value"]
        elif question.kind == K.MULTIPLE_CHOICE:
            answers[question.pk] = [question.choices[0]["value"]]
        else:
            answers[question.pk] = values[question.kind]
    application_save_draft(
        application=application,
        by=applicant,
        title="배포 점검 신청서",
        summary="운영 환경 점검에서 저장하고 제출하는 신청서입니다.",
        track_id=track.pk if track else None,
        answers=answers,
        declarations={d.pk: not d.excluding_answer for d in program.declarations.all()},
    )
    for question in questions:
        if question.kind == K.FILE:
            upload = SimpleUploadedFile("answer.pdf", PDF, content_type="application/pdf")
            attachment_add(application=application, by=applicant, upload=upload, question=question)
    application.refresh_from_db()
    if any("deck" in key for key in application_problems(application)):
        upload = SimpleUploadedFile("pitch-deck.pdf", PDF, content_type="application/pdf")
        attachment_add(application=application, by=applicant, upload=upload, kind=Attachment.Kind.PITCH_DECK)
    application.refresh_from_db()
    problems = application_problems(application)
    if problems:
        raise SystemExit(f"the seeded draft is incomplete: {problems}")

    staff = User.objects.create_superuser(STAFF_EMAIL, password, name="관리자")
    EmailAddress.objects.create(user=staff, email=staff.email, verified=True, primary=True)
    totp_secret = None
    if apps.is_installed("allauth.mfa"):
        from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

        totp_secret = generate_totp_secret()
        TOTP.activate(staff, totp_secret)
    print(
        json.dumps(
            {
                "application": application.pk,
                "password": password,
                "totp_secret": totp_secret,
                "debug": settings.DEBUG,
            }
        )
    )


# --------------------------------------------------------------------------------------------- check


def check(*, keep: bool) -> int:
    steps = Steps()
    tmp = Path(tempfile.mkdtemp(prefix="matchday-prodcheck-"))
    (tmp / "mail").mkdir()
    (tmp / "logs").mkdir()
    port = free_port()
    password = os.environ.get("PGPASSWORD", "postgres")
    database_url = os.environ.get(
        "PRODCHECK_DATABASE_URL", f"postgres://postgres:{password}@127.0.0.1:5432/{DATABASE_NAME}"
    )
    redis_url = os.environ.get("PRODCHECK_REDIS_URL", "redis://127.0.0.1:6379/9")
    env = production_env(port=port, tmp=tmp, database_url=database_url, redis_url=redis_url)
    processes = Processes(tmp / "logs")
    base = f"http://127.0.0.1:{port}"
    manage = [PYTHON, "manage.py"]

    def interrupted(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)
    failed = True
    try:
        with steps.step(f"database {DATABASE_NAME} recreated, Redis {urlparse(redis_url).path} flushed"):
            recreate_database(database_url)
            flush_redis(redis_url)
        with steps.step("migrate"):
            run([*manage, "migrate", "--noinput"], env)
        with steps.step("collectstatic"):
            run([*manage, "collectstatic", "--noinput"], env)
        with steps.step("seed: the demo, an applicant's draft, staff with TOTP"):
            seeded = json.loads(run([PYTHON, __file__, "seed"], env).strip().splitlines()[-1])
            if seeded["debug"]:
                raise CheckFailed("DEBUG is on")
        with steps.step(f"start gunicorn on :{port}, a Celery worker ({QUEUES}) and beat"):
            processes.start("gunicorn", [str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "config.wsgi"], env)
            processes.start(
                "worker",
                [str(BIN / "celery"), "-A", "config", "worker", "-Q", QUEUES, "--concurrency=1", "--loglevel=INFO"]
                + ["--without-mingle", "--without-gossip", "--hostname", f"prodcheck-{port}@%h"],
                env,
            )
            processes.start(
                "beat",
                [str(BIN / "celery"), "-A", "config", "beat", "--loglevel=INFO", "--schedule", str(tmp / "beat")],
                env,
            )
            browser = Browser(base)

            def up():
                for name in processes.running:
                    if not processes.alive(name):
                        raise CheckFailed(f"{name} exited:\n{processes.log(name)[-3000:]}")
                with contextlib.suppress(Exception):
                    return browser.get("/healthz").status_code == 200
                return False

            wait_for(up, timeout=30, what="gunicorn to answer /healthz")
            wait_for(lambda: " ready." in processes.log("worker"), timeout=30, what="the Celery worker")

        with steps.step("health: GET /healthz"):
            answer = expect(browser.get("/healthz"), 200, "health")
            if answer.json().get("status") != "ok":
                raise CheckFailed(f"health answered {answer.text}")
            hsts = browser.get("/accounts/login/").headers.get("Strict-Transport-Security", "")
            if "max-age=" not in hsts:
                raise CheckFailed("no Strict-Transport-Security header behind the TLS proxy")

        with steps.step("static: the sign-in page's stylesheets are served from STATIC_ROOT"):
            links = page_forms(expect(browser.get("/accounts/login/"), 200, "sign-in page").text).links
            if not links:
                raise CheckFailed("the sign-in page links no stylesheet")
            for link in links:
                expect(browser.get(urlparse(link).path), 200, f"stylesheet {link}")

        application = seeded["application"]
        with steps.step(f"applicant signs in ({APPLICANT_EMAIL}), saves and submits application {application}"):
            applicant = Browser(base)
            sign_in(applicant, APPLICANT_EMAIL, seeded["password"])
            edit_path = f"/applications/{application}/edit/"
            page = expect(applicant.get(edit_path), 200, "the application form")
            form = form_with(page.text, edit_path)
            saved = applicant.post(edit_path, form["fields"])
            if saved.status_code != 302:
                raise CheckFailed(f"saving the draft answered {saved.status_code}: {saved.text[:400]}")
            review_path = f"/applications/{application}/review/"
            page = expect(applicant.get(review_path), 200, "the review page")
            submit_path = f"/applications/{application}/submit/"
            form = form_with(page.text, submit_path)
            # Whatever the applicant must agree to before submitting (consent) is ticked.
            data = form["fields"] + [box for box in form["checkboxes"] if box not in form["fields"]]
            submitted = applicant.post(submit_path, data)
            if (
                submitted.status_code != 302
                or f"/applications/{application}/" != urlparse(submitted.headers.get("Location", "")).path
            ):
                raise CheckFailed(
                    f"submitting answered {submitted.status_code} → {submitted.headers.get('Location')}; "
                    f"{applicant.follow(submitted).text[:400]}"
                )
            detail = expect(applicant.follow(submitted), 200, "the application's page")
            receipt = re.search(r"GECP2026-[0-9A-Z-]+", detail.text)
            if not receipt:
                raise CheckFailed("no receipt number on the application's page")

        with steps.step(f"receipt {receipt.group(0)}: the worker sends the e-mail"):
            import psycopg

            def sent():
                with psycopg.connect(database_url) as connection:
                    row = connection.execute(
                        "SELECT status, last_error FROM notifications_notification"
                        " WHERE event = 'application.submitted' AND email = %s",
                        [APPLICANT_EMAIL],
                    ).fetchone()
                if row and row[0] == "failed":
                    raise CheckFailed(f"the receipt failed: {row[1]}")
                return row and row[0] == "sent"

            wait_for(sent, timeout=30, what="the receipt to be sent", interval=0.3)
            mails = [p.read_text(errors="replace") for p in (tmp / "mail").glob("*.log")]
            if not any(APPLICANT_EMAIL in mail for mail in mails):
                raise CheckFailed("the outbox says sent, but no e-mail to the applicant is on disk")

        with steps.step(f"staff signs in with a second factor ({STAFF_EMAIL}) and opens the admin"):
            staff = Browser(base)
            answer = sign_in(staff, STAFF_EMAIL, seeded["password"])
            if seeded["totp_secret"] is None:
                # TODO(issue 14, item 1): allauth MFA is not installed in this checkout; sign-in is by password.
                print("prod-check: TODO   allauth.mfa is not installed: staff signed in without a second factor")
            else:
                location = urlparse(answer.headers["Location"]).path
                if "2fa" not in location:
                    raise CheckFailed(f"the password alone let staff in (redirected to {location})")
                page = expect(staff.get(location), 200, "the second-factor page")
                form = form_with(page.text, location)
                data = dict(form["fields"])
                data["code"] = totp_code(seeded["totp_secret"])
                answer = staff.post(location, data)
                if answer.status_code != 302:
                    raise CheckFailed(f"the TOTP code was refused ({answer.status_code})")
            admin = expect(staff.follow(staff.get("/admin/")), 200, "the admin")
            if STAFF_EMAIL not in admin.text and "/admin/logout/" not in admin.text:
                raise CheckFailed("the admin page does not show a signed-in staff member")

        with steps.step("worker and beat still running"):
            for name in ("gunicorn", "worker", "beat"):
                if not processes.alive(name):
                    raise CheckFailed(f"{name} exited:\n{processes.log(name)[-2000:]}")
            if "beat: Starting" not in processes.log("beat"):
                raise CheckFailed(f"beat did not start:\n{processes.log('beat')[-2000:]}")
        failed = False
    except (CheckFailed, KeyboardInterrupt, Exception) as error:
        if not isinstance(error, CheckFailed | KeyboardInterrupt):
            print(f"prod-check: error: {type(error).__name__}: {error}", flush=True)
        for name in processes.running:
            print(f"--- {name} log (last lines) ---\n{processes.log(name)[-2500:]}", flush=True)
    finally:
        began = time.perf_counter()
        processes.stop_all()
        print(f"prod-check: stopped gunicorn, worker and beat ({time.perf_counter() - began:.1f} s)", flush=True)
        if keep:
            print(f"prod-check: kept {tmp} and the database {DATABASE_NAME}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    verdict = "FAILED" if failed else "passed"
    print(f"prod-check: {verdict} in {steps.total():.1f} s", flush=True)
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="prod_check.py",
        description=(
            "Start Matchday as in production (DJANGO_DEBUG=false, gunicorn, Celery worker and beat, "
            f"PostgreSQL database {DATABASE_NAME}, Redis db 9) and walk one journey over HTTP; "
            "stop everything; exit non-zero on any failure."
        ),
    )
    parser.add_argument("command", nargs="?", default="check", choices=["check", "seed"], help=argparse.SUPPRESS)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs, e-mails)")
    options = parser.parse_args(argv)
    if options.command == "seed":
        sys.path.insert(0, str(BASE_DIR))
        seed()
        return 0
    return check(keep=options.keep)


if __name__ == "__main__":
    sys.exit(main())
