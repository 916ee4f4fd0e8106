"""A segment of a program's applications: the filters staff choose a group by, shared by the
applications list in the admin (its list filters call these functions) and the message composer.

Each filter is one function over a queryset of applications, so "the same filters" is the same code.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.i18n import localized
from startups.models import Application

ROUND_OUTCOMES = {
    "advanced": _("advanced"),
    "not_advanced": _("not advanced"),
    "failed": _("failed a threshold"),
}


def filter_track(queryset: QuerySet[Application], track: Any) -> QuerySet[Application]:
    return queryset.filter(track=track)


def filter_status(queryset: QuerySet[Application], status: str) -> QuerySet[Application]:
    return queryset.filter(status=status)


def filter_round_outcome(queryset: QuerySet[Application], round: Any, outcome: str | None) -> QuerySet[Application]:
    """Applications with a result in `round`: advanced, not advanced, or failed a threshold (과락);
    any result when `outcome` is empty."""
    lookups = {"round_results__round": round}
    if outcome == "advanced":
        lookups["round_results__advanced"] = True
    elif outcome == "not_advanced":
        lookups["round_results__advanced"] = False
    elif outcome == "failed":
        lookups["round_results__failed"] = True
    return queryset.filter(**lookups)


def filter_selection(queryset: QuerySet[Application], outcome: str) -> QuerySet[Application]:
    """Applications whose place in the final selection is `outcome` (selected, reserve, not selected)."""
    return queryset.filter(selection_entry__outcome=outcome)


def filter_partner(queryset: QuerySet[Application], partner: Any) -> QuerySet[Application]:
    """Applications matched to `partner` in the selection."""
    return queryset.filter(selection_entry__partner=partner)


def applications_in_segment(
    *,
    program: Any,
    track: Any = None,
    status: str | None = None,
    round: Any = None,  # noqa: A002 — the domain's word
    round_outcome: str | None = None,
    selection: str | None = None,
    partner: Any = None,
) -> QuerySet[Application]:
    """The program's applications that pass every filter given (an empty filter keeps them all), in the
    list's order (receipt number)."""
    queryset = Application.objects.filter(program=program)
    if track:
        queryset = filter_track(queryset, track)
    if status:
        queryset = filter_status(queryset, status)
    if round:
        queryset = filter_round_outcome(queryset, round, round_outcome)
    if selection:
        queryset = filter_selection(queryset, selection)
    if partner:
        queryset = filter_partner(queryset, partner)
    return queryset.order_by("receipt_number", "id")


def segment_description(segment: dict[str, Any], *, names: dict[str, Any] | None = None) -> str:
    """The segment in words, for the list of messages: "track: AI · status: submitted · …".
    `names` maps "track"/"round"/"partner" ids to their objects where they are known."""
    from matching.models import EvaluationRound, Partner, SelectionEntry, Track

    parts = []
    if segment.get("track"):
        track = (names or {}).get("track") or Track.objects.filter(pk=segment["track"]).first()
        parts.append(gettext("track: %(track)s") % {"track": localized(track, "name") if track else "?"})
    if segment.get("status"):
        parts.append(gettext("status: %(status)s") % {"status": _choice_label(Application.Status, segment["status"])})
    if segment.get("round"):
        round_ = (names or {}).get("round") or EvaluationRound.objects.filter(pk=segment["round"]).first()
        outcome = ROUND_OUTCOMES.get(segment.get("round_outcome") or "")
        text = localized(round_, "name") if round_ else "?"
        parts.append(f"{text}: {outcome}" if outcome else gettext("%(round)s: any result") % {"round": text})
    if segment.get("selection"):
        label = _choice_label(SelectionEntry.Outcome, segment["selection"])
        parts.append(gettext("selection: %(outcome)s") % {"outcome": label})
    if segment.get("partner"):
        partner = (names or {}).get("partner") or Partner.objects.filter(pk=segment["partner"]).first()
        parts.append(gettext("partner: %(partner)s") % {"partner": partner or "?"})
    return " · ".join(parts) or gettext("every application")


def _choice_label(choices: Any, value: str) -> str:
    return str(choices(value).label) if value in choices.values else value
