"""The audit trail written for people: a verb as a translated phrase ("상태 변경", not `status_changed`),
a state as its model's label ("결과 공개", not `published`), the details in prose. Verbs and states
stay codes in the table (STYLE "Numbers and words"); they are translated only here, when shown."""

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import pgettext_lazy

from audit.models import AuditEvent

# Every verb a service records. A test fails when a service records one that is missing here.
VERBS = {
    "advancement_overridden": pgettext_lazy("audit verb", "advancement changed by hand"),
    "api_key_created": pgettext_lazy("audit verb", "API key issued"),
    "api_key_revoked": pgettext_lazy("audit verb", "API key revoked"),
    "application_started": pgettext_lazy("audit verb", "application started"),
    "availability_set": pgettext_lazy("audit verb", "availability given"),
    "assigned": pgettext_lazy("audit verb", "evaluator assigned"),
    "assignment_removed": pgettext_lazy("audit verb", "assignment removed"),
    "attachment_removed": pgettext_lazy("audit verb", "file removed"),
    "attachment_uploaded": pgettext_lazy("audit verb", "file uploaded"),
    "changed": pgettext_lazy("audit verb", "changed"),
    "created": pgettext_lazy("audit verb", "created"),
    "deleted": pgettext_lazy("audit verb", "deleted"),
    "demo_loaded": pgettext_lazy("audit verb", "demo data loaded"),
    "evaluator_assignment_failed": pgettext_lazy("audit verb", "automatic assignment failed"),
    "evaluator_invited": pgettext_lazy("audit verb", "evaluator invited"),
    "evaluator_joined": pgettext_lazy("audit verb", "evaluator joined"),
    "evaluators_assigned": pgettext_lazy("audit verb", "evaluators assigned automatically"),
    "join_approved": pgettext_lazy("audit verb", "request to join approved"),
    "join_requested": pgettext_lazy("audit verb", "asked to join"),
    "meetings_scheduled": pgettext_lazy("audit verb", "meetings scheduled"),
    "meeting_moved": pgettext_lazy("audit verb", "meeting moved"),
    "meeting_locked": pgettext_lazy("audit verb", "meeting locked"),
    "meeting_unlocked": pgettext_lazy("audit verb", "meeting unlocked"),
    "meeting_cancelled": pgettext_lazy("audit verb", "meeting cancelled"),
    "calendar_feed_created": pgettext_lazy("audit verb", "calendar feed address made"),
    "calendar_feed_revoked": pgettext_lazy("audit verb", "calendar feed address stopped"),
    "message_template_changed": pgettext_lazy("audit verb", "message wording changed"),
    "message_sent": pgettext_lazy("audit verb", "message to a group sent"),
    "reserve_exhausted": pgettext_lazy("audit verb", "no reserve left to promote"),
    "reserve_promoted": pgettext_lazy("audit verb", "reserve promoted"),
    "results_compute_refused": pgettext_lazy("audit verb", "results computation refused"),
    "results_computed": pgettext_lazy("audit verb", "results computed"),
    "review_reminders_sent": pgettext_lazy("audit verb", "review reminders sent"),
    "score_imported_after_close": pgettext_lazy("audit verb", "scores imported after closing"),
    "scores_imported": pgettext_lazy("audit verb", "scores imported"),
    "scores_changed": pgettext_lazy("audit verb", "scores changed"),
    "sign_in_locked": pgettext_lazy("audit verb", "sign-in locked after failed attempts"),
    "personal_data_erased": pgettext_lazy("audit verb", "personal data erased on request"),
    "personal_data_purged": pgettext_lazy("audit verb", "personal data destroyed (retention period over)"),
    "privacy_statement_published": pgettext_lazy("audit verb", "personal-data statement published"),
    "startup_registered": pgettext_lazy("audit verb", "startup registered"),
    "startup_updated": pgettext_lazy("audit verb", "startup details changed"),
    "ranking_saved": pgettext_lazy("audit verb", "ranking saved"),
    "ranking_submitted": pgettext_lazy("audit verb", "ranking submitted"),
    "status_changed": pgettext_lazy("audit verb", "status changed"),
    "tested": pgettext_lazy("audit verb", "test"),
    "webhook_changed": pgettext_lazy("audit verb", "webhook subscription changed"),
    "webhook_deleted": pgettext_lazy("audit verb", "webhook subscription deleted"),
    "webhook_subscribed": pgettext_lazy("audit verb", "webhook subscription made"),
    "withdrawn_from_selection": pgettext_lazy("audit verb", "left the selection"),
    "acceptance_changed": pgettext_lazy("audit verb", "seat accepted, declined or lapsed"),
    "acceptance_extended": pgettext_lazy("audit verb", "time to accept the seat extended"),
    "agreement_changed": pgettext_lazy("audit verb", "agreement state changed"),
    "agreement_document_uploaded": pgettext_lazy("audit verb", "agreement document uploaded"),
    "appeal_filed": pgettext_lazy("audit verb", "appeal filed"),
    "deadline_extended": pgettext_lazy("audit verb", "deadline extended for one application"),
    "evidence_replaced": pgettext_lazy("audit verb", "bonus evidence replaced"),
    "evidence_uploaded": pgettext_lazy("audit verb", "bonus evidence uploaded"),
    "exclusion_decided": pgettext_lazy("audit verb", "exclusion request answered"),
    "exclusion_requested": pgettext_lazy("audit verb", "exclusion requested"),
    "no_conflict_declared": pgettext_lazy("audit verb", "no conflict of interest declared"),
    "ownership_handed_over": pgettext_lazy("audit verb", "ownership handed over"),
    "ownership_received": pgettext_lazy("audit verb", "made owner"),
    "personal_deadline_revoked": pgettext_lazy("audit verb", "personal deadline revoked"),
    "pledge_accepted": pgettext_lazy("audit verb", "pledge accepted"),
    "pledge_written": pgettext_lazy("audit verb", "pledge written"),
    "correction_requested": pgettext_lazy("audit verb", "correction requested (보완 요청)"),
    "member_left": pgettext_lazy("audit verb", "left the startup"),
    "member_removed": pgettext_lazy("audit verb", "removed from the startup"),
    "matching_run": pgettext_lazy("audit verb", "matching run"),
    "matching_published": pgettext_lazy("audit verb", "matching published"),
    "matching_constraint_set": pgettext_lazy("audit verb", "matching pin or conflict set"),
    "matching_constraint_removed": pgettext_lazy("audit verb", "matching pin or conflict removed"),
    "partner_matched": pgettext_lazy("audit verb", "partner set by matching"),
}

# The fields whose codes an event's states are (a selection entry's states are its outcome, its
# acceptance of the seat and its agreement; their codes do not overlap).
STATE_FIELDS = ("status", "outcome", "acceptance", "agreement")


def verb_label(verb: str) -> str:
    label = VERBS.get(verb)
    return str(label) if label is not None else verb.replace("_", " ")


def _state_choices(model) -> dict[str, str]:
    if model is None:
        return {}
    choices: dict[str, str] = {}
    for name in STATE_FIELDS:
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        for value, label in field.flatchoices if field.choices else ():
            choices.setdefault(str(value), str(label))
    return choices


def state_label(content_type: ContentType | None, state: str) -> str:
    if not state:
        return ""
    model = content_type.model_class() if content_type is not None else None
    return _state_choices(model).get(state, state)


def state_change(event: AuditEvent) -> str:
    """ "검토 중 → 다음 단계 진출", or "" for an event that changed no state."""
    if not event.to_state:
        return ""
    content_type = ContentType.objects.get_for_id(event.content_type_id)
    before = state_label(content_type, event.from_state) or "–"
    return f"{before} → {state_label(content_type, event.to_state)}"


def all_state_labels() -> dict[str, str]:
    """Every state code any model records, with its labels (the same code can mean different things
    on different models: "closed" applications, a "closed" round)."""
    labels: dict[str, list[str]] = {}
    for model in apps.get_models():
        for code, label in _state_choices(model).items():
            if label not in labels.setdefault(code, []):
                labels[code].append(label)
    return {code: " / ".join(names) for code, names in labels.items()}


def changes_shown(event: AuditEvent) -> list[str]:
    """An edit's old → new values, one line per field: "마감일: 2026년 12월 1일 18:00 → 2026년 12월 3일 18:00"."""
    changes = (event.data or {}).get("changes") if isinstance(event.data, dict) else None
    if not isinstance(changes, dict):
        return []
    lines = []
    for name, change in changes.items():
        if not isinstance(change, dict):
            continue
        label = change.get("label") or name.replace("_", " ")
        lines.append(f"{label}: {change.get('from', '–')} → {change.get('to', '–')}")
    return lines
