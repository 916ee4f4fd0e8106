import re

from django.core import mail


def link_in_last_mail(path_prefix: str) -> str:
    """The path of the first link in the newest e-mail that starts with path_prefix."""
    body = mail.outbox[-1].body
    match = re.search(rf"https?://[^/\s]+({re.escape(path_prefix)}[A-Za-z0-9_:./%-]+)", body)
    assert match, f"no {path_prefix} link in:\n{body}"
    return match.group(1)


def is_logged_in(client) -> bool:
    return "_auth_user_id" in client.session
