"""The admin's navigation follows staff's work, stage by stage, instead of Django's apps.

Every registered model is placed here, by label, in exactly one group (tests/admin/test_admin_groups.py
fails for a model in none). The groups show in this order on the admin index and in the sidebar; each
has a page, /admin/group/<slug>/. The system group holds internal tables: only superusers see it,
and its models' pages refuse other staff (see `core.admin_site.MatchdayAdminSite.register`).
"""

from __future__ import annotations

import dataclasses

from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy


@dataclasses.dataclass(frozen=True)
class AdminGroup:
    slug: str
    name: Promise
    models: tuple[str, ...]  # model labels ("matching.Program"), in the order the group lists them
    superuser_only: bool = False


GROUPS: tuple[AdminGroup, ...] = (
    AdminGroup(
        "calls",
        pgettext_lazy("admin group", "Calls and forms"),
        (
            "matching.Program",
            "matching.Track",
            "matching.Question",
            "matching.Declaration",
            "startups.Sector",
            "matching.Partner",
            "matching.PartnerMembership",
            "matching.ProgramPartner",
            "privacy.PrivacyStatement",
        ),
    ),
    AdminGroup(
        "applications",
        pgettext_lazy("admin group", "Applications"),
        (
            "startups.Startup",
            "startups.StartupMember",
            "startups.Application",
            "startups.Submission",
            "startups.Answer",
            "startups.Attachment",
            "startups.DeclarationAnswer",
            "startups.PartnerPreference",
            "startups.PersonalDeadline",
            "privacy.Consent",
            "privacy.ErasableUser",
        ),
    ),
    AdminGroup(
        "evaluation",
        pgettext_lazy("admin group", "Evaluation"),
        (
            "matching.EvaluationRound",
            "matching.Criterion",
            "matching.BonusRule",
            "matching.CarryOverWeight",
            "matching.Panel",
            "matching.BonusEvidence",
            "matching.Evaluator",
            "matching.Conflict",
            "matching.ExclusionRequest",
            "matching.RoundPledge",
            "matching.PledgeAcceptance",
            "matching.Assignment",
            "matching.Review",
            "matching.Score",
        ),
    ),
    AdminGroup(
        "selection",
        pgettext_lazy("admin group", "Selection and matching"),
        (
            "matching.RoundResult",
            "matching.Appeal",
            "matching.SelectionEntry",
            "matching.AgreementRequirement",
            "matching.AgreementDocument",
            "matching.PartnerRanking",
            "matching.PartnerRankingEntry",
            "matching.MatchingRun",
            "matching.MatchingConstraint",
            "matching.MeetingEvent",
            "matching.MeetingTable",
            "matching.Meeting",
            "matching.Availability",
            "matching.CalendarFeed",
        ),
    ),
    AdminGroup(
        "notifications",
        pgettext_lazy("admin group", "Notifications"),
        ("notifications.Notification", "notifications.Message", "notifications.MessageTemplate"),
    ),
    AdminGroup(
        "settings",
        pgettext_lazy("admin group", "Settings and integrations"),
        (
            "accounts.User",
            "auth.Group",
            "api.ApiKey",
            "notifications.WebhookSubscription",
            "jobs.Job",
            "audit.AuditEvent",
            "privacy.RetentionPurge",
        ),
    ),
    AdminGroup(
        "system",
        pgettext_lazy("admin group", "System"),
        (
            "api.IdempotencyRecord",
            "notifications.WebhookDelivery",
            "notifications.WebhookAttempt",
            "account.EmailAddress",
            "sessions.Session",
            "contenttypes.ContentType",
        ),
        superuser_only=True,
    ),
)

# A model of these apps that no group names lands in that app's group (notifications gains models
# while the console grows; the outbox's group is where staff look for them).
DEFAULT_GROUP_OF_APP = {"notifications": "notifications"}

GROUPS_BY_SLUG = {group.slug: group for group in GROUPS}
_GROUP_OF_MODEL = {label: group for group in GROUPS for label in group.models}


def group_of(label: str) -> AdminGroup | None:
    """The group a model (by label) is listed in, or None where nobody placed it."""
    if label in _GROUP_OF_MODEL:
        return _GROUP_OF_MODEL[label]
    slug = DEFAULT_GROUP_OF_APP.get(label.partition(".")[0])
    return GROUPS_BY_SLUG[slug] if slug else None


def is_system_model(label: str) -> bool:
    group = group_of(label)
    return group is not None and group.superuser_only


def position_in_group(label: str) -> int:
    """Where a model stands in its group's list; models placed by their app's default come last."""
    group = group_of(label)
    return group.models.index(label) if group and label in group.models else len(group.models) if group else 0
