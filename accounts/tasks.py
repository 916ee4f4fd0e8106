"""Staff notice of a sign-in lock: one plain e-mail per language to active staff, sent by a worker.

Not an outbox event: the outbox keys each message to a program's templates and recipients, while a lock
is rare, about the site itself, and already recorded durably as an audit event that this task reads.
"""

import datetime as dt

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mass_mail
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import User
from audit.models import AuditEvent
from core.i18n import format_datetime


@shared_task(acks_late=True, max_retries=3, default_retry_delay=60, soft_time_limit=60, time_limit=90)
def sign_in_lock_notify(*, audit_event_id: int) -> int:
    event = AuditEvent.objects.filter(pk=audit_event_id, verb="sign_in_locked").first()
    if event is None:
        return 0
    data = event.data
    until = dt.datetime.fromisoformat(data["until"])
    staff = User.objects.filter(is_staff=True, is_active=True).values_list("email", "preferred_language")
    messages = []
    for language in sorted({lang for _email, lang in staff}):
        with translation.override(language):
            subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + _("Sign-in locked after failed attempts")
            what = (
                _("Sign-in for the account %(email)s was locked") % {"email": data["email"]}
                if data["scope"] == "account"
                else _("Sign-in from the address %(address)s was locked") % {"address": data["address"]}
            )
            body = "\n\n".join(
                [
                    _("%(what)s after %(failures)s failed attempts, until %(until)s.")
                    % {"what": what, "failures": data["failures"], "until": format_datetime(until)},
                    _("Address of the last attempt: %(address)s. E-mail address tried: %(email)s.")
                    % {"address": data["address"], "email": data["email"] or "-"},
                    _("If this was not a person who forgot a password, check the audit trail for other attempts."),
                ]
            )
        recipients = [email for email, lang in staff if lang == language]
        messages.append((subject, body, settings.DEFAULT_FROM_EMAIL, recipients))
    return send_mass_mail(messages, fail_silently=False)
