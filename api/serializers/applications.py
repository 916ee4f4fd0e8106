"""Applications, startups, round results and the selection, as each caller may read them.

Who sees which rows is decided by `api.selectors`; these serializers only leave out the fields a
row's reader may not see. Three readers: staff (everything), the startup's own members (their
data, but no scores or staff notes) and a partner (its finalists: scores and ranks of published
rounds, no business registration number, no bonus flags, no reasons for ineligibility).

Applications are read as rows (`values()`), not model instances, and turned into dicts by plain
functions (`application_rows`, `application_detail`): a page of 100 is three queries and no field
machinery per row. The serializer classes describe those dicts for the schema; fields a reader may
not receive are listed in `optional_fields` (not required in the schema, and documented).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import CharField, F, JSONField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Cast, JSONObject
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.queries import ScopedQuery, instances_from_json, json_rows
from matching.models import Declaration, ProgramPartner, Question, RoundResult, SelectionEntry
from matching.selectors import round_results_visible_to
from startups.answers import answer_display
from startups.models import BONUS_FLAGS, Application, Startup, Submission
from startups.selectors import applications_visible_to, submission_for_partner

STAFF, OWN, PARTNER = "staff", "own", "partner"


@dataclasses.dataclass(frozen=True)
class Viewer:
    """The reader of a response: staff, or the startups they are an active member of."""

    is_staff: bool
    own_startup_ids: frozenset[int] = frozenset()

    def level(self, startup_id: int) -> str:
        if self.is_staff:
            return STAFF
        return OWN if startup_id in self.own_startup_ids else PARTNER


def _viewer(serializer: serializers.Serializer) -> Viewer:
    return serializer.context.get("viewer") or Viewer(is_staff=False)


_DATETIME = serializers.DateTimeField()


def _datetime(value, zone=None) -> str | None:
    """As DRF's DateTimeField writes a date-time: ISO 8601 in the current time zone (`zone`, when the
    caller has looked it up once for many values), "Z" for UTC."""
    if value is None:
        return None
    if zone is None or not isinstance(value, dt.datetime) or value.utcoffset() is None:
        return _DATETIME.to_representation(value)
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


STAFF_AND_MEMBERS = "Staff and the startup's own members only; left out for partners."
STAFF_AND_PARTNERS = "Staff and partners only; left out for the startup's own members."
STAFF_ONLY = "Staff only; left out for partners and the startup's own members."


class StartupRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name_ko = serializers.CharField()
    name_en = serializers.CharField()


class TrackRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()


class PartnerRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ResultSummarySerializer(serializers.Serializer):
    """The newest round result the reader may see. `rank` and `final_score`: staff and partners only;
    `failed` and `overridden`: staff only."""

    round = serializers.IntegerField()
    round_order = serializers.IntegerField()
    advanced = serializers.BooleanField()
    rank = serializers.IntegerField(required=False, allow_null=True)
    final_score = serializers.DecimalField(max_digits=9, decimal_places=4, required=False, allow_null=True)
    failed = serializers.BooleanField(required=False)
    overridden = serializers.BooleanField(required=False)

    optional_fields = {
        "rank": STAFF_AND_PARTNERS,
        "final_score": STAFF_AND_PARTNERS,
        "failed": STAFF_ONLY,
        "overridden": STAFF_ONLY,
    }


def latest_result(results: QuerySet[RoundResult]) -> Subquery:
    """The newest of `results` (already scoped to the reader: `round_results_visible_to`) for the
    application of the outer query, as one JSON object (`result_summary` reads it), or NULL: a column
    of the page's own query, not a query of its own."""
    newest = results.filter(application_id=OuterRef("pk")).order_by("-round__order", "-pk")
    summary = JSONObject(
        round=F("round_id"),
        round_order=F("round__order"),
        advanced=F("advanced"),
        rank=F("rank"),
        final_score=Cast("final_score", CharField()),  # as text: exactly as stored, not as a float
        failed=F("failed"),
        override_reason=F("override_reason"),
    )
    return Subquery(newest.values(summary=summary)[:1], output_field=JSONField())


_SCORE_PLACES = Decimal(1).scaleb(-RoundResult._meta.get_field("final_score").decimal_places)


def result_summary(result: dict[str, Any], level: str) -> dict[str, Any]:
    """What a reader sees of a `latest_result` object (booleans come back as 0/1 from SQLite)."""
    summary: dict[str, Any] = {
        "round": result["round"],
        "round_order": result["round_order"],
        "advanced": bool(result["advanced"]),
    }
    if level in (STAFF, PARTNER):
        score = result["final_score"]
        summary |= {
            "rank": result["rank"],
            "final_score": None if score is None else str(Decimal(score).quantize(_SCORE_PLACES)),
        }
    if level == STAFF:
        summary |= {"failed": bool(result["failed"]), "overridden": bool(result["override_reason"])}
    return summary


class ApplicationSerializer(serializers.ModelSerializer):
    track = TrackRefSerializer(read_only=True, allow_null=True)
    startup = StartupRefSerializer(read_only=True)
    latest_result = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = [
            "id",
            "program",
            "track",
            "startup",
            "receipt_number",
            "status",
            "title",
            "submitted_at",
            "first_submitted_at",
            "latest_result",
        ]

    @extend_schema_field(ResultSummarySerializer(allow_null=True))
    def get_latest_result(self, application: Application) -> dict[str, Any] | None:
        raise NotImplementedError  # the schema's description; rows are built by application_rows


LIST_COLUMNS = (
    "id",
    "program_id",
    "track_id",
    "track__code",
    "startup_id",
    "startup__name_ko",
    "startup__name_en",
    "receipt_number",
    "status",
    "title",
    "submitted_at",
    "first_submitted_at",
)
DETAIL_COLUMNS = (*LIST_COLUMNS, "summary", "withdrawn_at", "ineligible_reasons")


def application_row(row: dict[str, Any], level: str, zone=None) -> dict[str, Any]:
    """An application as `ApplicationSerializer` describes it, from a row of LIST_COLUMNS and its
    `latest_result`."""
    track_id = row["track_id"]
    result = row["latest_result"]
    return {
        "id": row["id"],
        "program": row["program_id"],
        "track": None if track_id is None else {"id": track_id, "code": row["track__code"]},
        "startup": {"id": row["startup_id"], "name_ko": row["startup__name_ko"], "name_en": row["startup__name_en"]},
        "receipt_number": row["receipt_number"],
        "status": row["status"],
        "title": row["title"],
        "submitted_at": _datetime(row["submitted_at"], zone),
        "first_submitted_at": _datetime(row["first_submitted_at"], zone),
        "latest_result": None if result is None else result_summary(result, level),
    }


def application_rows(rows: Iterable[dict[str, Any]], *, viewer: Viewer) -> list[dict[str, Any]]:
    """A page of applications (rows of LIST_COLUMNS with their `latest_result`), as each reader sees it."""
    zone = timezone.get_current_timezone()
    return [application_row(row, viewer.level(row["startup_id"]), zone) for row in rows]


class AnswerOutSerializer(serializers.Serializer):
    question = serializers.CharField(help_text="The question's code.")
    kind = serializers.CharField()
    label = serializers.CharField()
    value = serializers.JSONField()
    display = serializers.JSONField(help_text="As people read it: choice labels, grouped numbers, local dates.")


class DeclarationOutSerializer(serializers.Serializer):
    code = serializers.CharField()
    text = serializers.CharField()
    answer = serializers.BooleanField()
    excludes = serializers.BooleanField(help_text="The answer given is the one that makes the application ineligible.")


class PreferenceOutSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    partner = PartnerRefSerializer()


class AttachmentOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    question = serializers.CharField(allow_null=True)
    kind = serializers.CharField()
    name = serializers.CharField()
    size = serializers.IntegerField()
    download_url = serializers.URLField(
        allow_null=True,
        help_text="The permission-checked download (a signed-in session); null when the caller may not download it.",
    )


class SubmissionOutSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    submitted_at = serializers.DateTimeField()
    title = serializers.CharField()
    summary = serializers.CharField()
    track = serializers.CharField(allow_null=True)
    answers = AnswerOutSerializer(many=True)
    declarations = DeclarationOutSerializer(many=True)
    partner_preferences = PreferenceOutSerializer(many=True)
    attachments = AttachmentOutSerializer(many=True)


class ApplicationDetailSerializer(ApplicationSerializer):
    """Adds the content of the last submission (what staff, evaluators and partners assess) and, for
    staff and the startup's own members, the reasons for ineligibility."""

    submission = serializers.SerializerMethodField()
    ineligible_reasons = serializers.JSONField(read_only=True)

    optional_fields = {"ineligible_reasons": STAFF_AND_MEMBERS}

    class Meta(ApplicationSerializer.Meta):
        fields = [*ApplicationSerializer.Meta.fields, "summary", "withdrawn_at", "ineligible_reasons", "submission"]

    @extend_schema_field(SubmissionOutSerializer(allow_null=True))
    def get_submission(self, application: Application) -> dict[str, Any] | None:
        raise NotImplementedError  # the schema's description; built by application_detail


def _application_detail(actor, pk) -> QuerySet:
    """One application the caller may see (`applications_visible_to`) in one query: its columns, the
    newest result the caller may see (`round_results_visible_to`), its last submission and the
    program's form (questions, declarations, the partners' names) as JSON rows."""
    last = Submission.objects.filter(application_id=OuterRef("pk")).order_by("-number")
    program = OuterRef("program_id")
    return (
        applications_visible_to(actor=actor)
        .filter(pk=pk)
        .order_by()  # the default one joins the program for a single row
        .values(*DETAIL_COLUMNS)
        .annotate(
            latest_result=latest_result(round_results_visible_to(actor=actor)),
            submission_number=Subquery(last.values("number")[:1]),
            submission_at=Subquery(last.values("submitted_at")[:1]),
            submission_snapshot=Subquery(last.values("snapshot")[:1]),
            form_questions=json_rows(Question.objects.filter(program_id=program), QUESTION_FIELDS),
            form_declarations=json_rows(Declaration.objects.filter(program_id=program), DECLARATION_FIELDS),
            form_partners=json_rows(
                ProgramPartner.objects.filter(program_id=program), {"id": "partner_id", "name": "partner__name"}
            ),
        )
    )


# What the detail reads of the form: labels, kinds and choices for the display values, and which
# questions partners see (not the help texts, the longest fields).
QUESTION_FIELDS = (
    "id",
    "program_id",
    "track_id",
    "code",
    "kind",
    "label_ko",
    "label_en",
    "choices",
    "shown_to_partners",
)
DECLARATION_FIELDS = tuple(field.attname for field in Declaration._meta.concrete_fields)
# Its shape never changes with the caller's ids: written to SQL once per caller shape (api.queries).
APPLICATION_DETAIL = ScopedQuery(_application_detail)


def application_detail_row(access, pk) -> dict[str, Any] | None:
    """The row `application_detail` reads, or None when the caller may not see the application."""
    rows = APPLICATION_DETAIL.rows(access, pk)
    return rows[0] if rows else None


def application_detail(row: dict[str, Any], *, viewer: Viewer, downloadable, request) -> dict[str, Any]:
    """One application as `ApplicationDetailSerializer` describes it, from `application_detail_row`.
    `downloadable()`: the ids of its files the reader may download."""
    level = viewer.level(row["startup_id"])
    zone = timezone.get_current_timezone()
    data = application_row(row, level, zone)
    data["summary"] = row["summary"]
    data["withdrawn_at"] = _datetime(row["withdrawn_at"], zone)
    if level != PARTNER:
        data["ineligible_reasons"] = row["ineligible_reasons"]
    data["submission"] = _submission(row, downloadable, request, partner=level == PARTNER)
    return data


def _submission(row: dict[str, Any], downloadable, request, *, partner: bool) -> dict[str, Any] | None:
    """The last submission. A partner reads only the answers and files of questions shown to partners
    (DESIGN "Access rules"), not the declarations or the startup's ranking of other partners."""
    if row["submission_number"] is None:
        return None
    snapshot = row["submission_snapshot"] or {}
    questions = {q.code: q for q in instances_from_json(Question, row["form_questions"])}
    if partner:
        snapshot = submission_for_partner(snapshot, questions=questions)
    answers, declared, preferences = (snapshot.get(key) or {} for key in ("answers", "declarations", "preferences"))
    declarations = {d.code: d for d in instances_from_json(Declaration, row["form_declarations"])}
    partners = {partner["id"]: partner["name"] for partner in row["form_partners"] or ()}
    files = snapshot.get("attachments", [])
    allowed = downloadable() if files else frozenset()
    if partner:
        files = [file for file in files if file["id"] in allowed]  # a partner's files: attachments_visible_to
    return {
        "number": row["submission_number"],
        "submitted_at": _datetime(row["submission_at"], timezone.get_current_timezone()),
        "title": snapshot.get("title", ""),
        "summary": snapshot.get("summary", ""),
        "track": snapshot.get("track"),
        "answers": [
            _answer(questions.get(code), code, value)
            for code, value in answers.items()
            if code not in questions or questions[code].kind != "file"
        ],
        "declarations": [_declaration(declarations.get(code), code, answer) for code, answer in declared.items()],
        "partner_preferences": [
            {"rank": rank, "partner": {"id": pk, "name": partners.get(pk, "")}}
            for rank, pk in enumerate(preferences, start=1)
        ],
        "attachments": [
            {
                "id": file["id"],
                "question": file.get("question"),
                "kind": file.get("kind", ""),
                "name": file.get("name", ""),
                "size": file.get("size", 0),
                "download_url": _download_url(request, file["id"]) if file["id"] in allowed else None,
            }
            for file in files
        ],
    }


def _answer(question, code: str, value: Any) -> dict[str, Any]:
    if question is None:  # the question was deleted after the submission
        return {"question": code, "kind": "", "label": code, "value": value, "display": value}
    return {
        "question": code,
        "kind": question.kind,
        "label": str(question),
        "value": value,
        "display": answer_display(question, value),
    }


def _declaration(declaration, code: str, answer: bool) -> dict[str, Any]:
    return {
        "code": code,
        "text": str(declaration) if declaration else code,
        "answer": answer,
        "excludes": declaration is not None and answer == declaration.excluding_answer,
    }


def _download_url(request, attachment_id: int) -> str:
    path = reverse("applications:download", args=[attachment_id])
    return request.build_absolute_uri(path) if request is not None else path


class SectorOutSerializer(serializers.Serializer):
    code = serializers.CharField()
    name_ko = serializers.CharField()
    name_en = serializers.CharField()


class StartupSerializer(serializers.ModelSerializer):
    """`brn` and the bonus flags: staff and the startup's own members only."""

    sectors = SectorOutSerializer(many=True, read_only=True)
    brn = serializers.CharField(read_only=True, allow_null=True)
    flags = serializers.SerializerMethodField(help_text="Bonus flags (women_owned …).")

    optional_fields = {"brn": STAFF_AND_MEMBERS, "flags": STAFF_AND_MEMBERS}

    class Meta:
        model = Startup
        fields = [
            "id",
            "name_ko",
            "name_en",
            "brn",
            "founded_on",
            "website",
            "description",
            "employees",
            "sectors",
            "flags",
        ]

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=BONUS_FLAGS)))
    def get_flags(self, startup: Startup) -> list[str]:
        return sorted(startup.bonus_flags())

    def to_representation(self, startup: Startup) -> dict[str, Any]:
        data = super().to_representation(startup)
        if _viewer(self).level(startup.pk) == PARTNER:
            data.pop("brn", None)
            data.pop("flags", None)
        return data


STAFF_RESULT_FIELDS = (
    "review_count",
    "mean",
    "trimmed_mean",
    "zscore",
    "aggregate",
    "bonus",
    "round_score",
    "fail_reasons",
    "tie_break",
    "exact",
    "override_reason",
    "overridden",
    "computed_at",
)
PARTNER_RESULT_FIELDS = ("final_score", "rank", "failed")


class RoundResultSerializer(serializers.ModelSerializer):
    """A round's result for one application. The startup's members read whether it advanced;
    partners also the final score, rank and failure; staff everything, overrides included."""

    program = serializers.IntegerField(source="round.program_id", read_only=True)
    receipt_number = serializers.CharField(source="application.receipt_number", read_only=True, allow_null=True)
    overridden = serializers.SerializerMethodField()
    fail_reasons = serializers.JSONField(
        read_only=True,
        help_text='Codes with parameters, e.g. `{"code": "below_threshold", "criterion": "tech", "mean": "0.3800", '
        '"threshold": "0.4"}`; codes: `no_reviews`, `no_earlier_score` (`round`), `below_threshold`.',
    )
    tie_break = serializers.JSONField(
        read_only=True,
        allow_null=True,
        help_text="Why this result ranks below the one above although both show the same final score: "
        "`exact_score`, `criterion` (`criterion`, `above`, `this`), `first_submission` or `application`.",
    )
    exact = serializers.JSONField(
        read_only=True,
        help_text="The exact values ranks and advancement were decided on, as fractions (`p/q`); "
        "`approximate` is true where they went through z-scores (compared at 30 decimal places).",
    )

    optional_fields = {
        **dict.fromkeys(STAFF_RESULT_FIELDS, STAFF_ONLY),
        **dict.fromkeys(PARTNER_RESULT_FIELDS, STAFF_AND_PARTNERS),
    }

    class Meta:
        model = RoundResult
        fields = [
            "id",
            "round",
            "program",
            "application",
            "receipt_number",
            "advanced",
            *PARTNER_RESULT_FIELDS,
            *STAFF_RESULT_FIELDS,
        ]

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_overridden(self, result: RoundResult) -> bool:
        return bool(result.override_reason)

    def to_representation(self, result: RoundResult) -> dict[str, Any]:
        data = super().to_representation(result)
        level = _viewer(self).level(result.application.startup_id)
        hidden = {STAFF: (), PARTNER: STAFF_RESULT_FIELDS, OWN: (*STAFF_RESULT_FIELDS, *PARTNER_RESULT_FIELDS)}[level]
        for field in hidden:
            data.pop(field, None)
        return data


class SelectionEntrySerializer(serializers.ModelSerializer):
    receipt_number = serializers.CharField(source="application.receipt_number", read_only=True, allow_null=True)
    startup = StartupRefSerializer(source="application.startup", read_only=True)
    partner = PartnerRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = SelectionEntry
        fields = [
            "id",
            "program",
            "application",
            "receipt_number",
            "startup",
            "outcome",
            "position",
            "partner",
            "confirmed_at",
            "promoted_at",
            "acceptance",
            "respond_by",
            "responded_at",
            "agreement",
            "agreement_approved_at",
        ]
