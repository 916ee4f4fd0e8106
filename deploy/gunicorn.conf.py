"""Gunicorn for Matchday: `gunicorn -c deploy/gunicorn.conf.py config.wsgi`.

Every value can be changed from the environment (the systemd unit reads /etc/matchday/matchday.env):
GUNICORN_BIND, GUNICORN_WORKERS, GUNICORN_THREADS, GUNICORN_TIMEOUT, GUNICORN_FORWARDED_ALLOW_IPS.
"""

import multiprocessing
import os

# Behind nginx on the same machine; a unix socket also works (`unix:/run/matchday/gunicorn.sock`).
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Synchronous workers: the views are short and the slow work runs in Celery. 2 × cores + 1 by default.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# A request is killed after this many seconds (uploads up to UPLOAD_MAX_REQUEST_BYTES arrive buffered by
# nginx, so the app never waits on a slow client); keep nginx's proxy_read_timeout a little above it.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
# A worker is replaced after this many requests (with jitter), so that a slow leak cannot grow forever.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
# Each worker loads the app itself, so that `systemctl reload matchday-web` (HUP) brings in new code
# worker by worker without dropping a request (a preloaded app would keep the old code until a restart).
preload_app = False

# Logs to stdout/stderr: journald (systemd) or the platform keeps them.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'

# The proxy that may set X-Forwarded-Proto/For: nginx on this machine. Comma-separated addresses.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
proxy_allow_ips = forwarded_allow_ips
