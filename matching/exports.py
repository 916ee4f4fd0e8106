"""Tables staff download from the admin: rows built in one query, written as CSV (for Excel in Korea)
or XLSX. The writers take any header and rows, so other exports can reuse them."""

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib import admin, messages
from django.db.models import F, Prefetch, QuerySet
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from core.validators import format_brn
from matching import reasons
from matching.models import (
    Assignment,
    Criterion,
    Declaration,
    EvaluationRound,
    Program,
    Question,
    RoundResult,
    Score,
    SelectionEntry,
)
from matching.scoring import CriterionSpec, q4, review_total
from matching.selectors import criterion_labels
from startups.answers import answer_display
from startups.models import Answer, Application, DeclarationAnswer, PartnerPreference

# A spreadsheet treats a cell starting with one of these as a formula (CSV/formula injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Row = Sequence[Any]


def selection_header() -> list[str]:
    return [
        gettext("program"),
        gettext("outcome"),
        gettext("position"),
        gettext("receipt number"),
        gettext("legal name (Korean)"),
        gettext("English name"),
        gettext("business registration number"),
        gettext("track"),
        gettext("matched partner"),
        gettext("promoted from the reserve"),
        gettext("confirmed by the startup"),
        gettext("acceptance"),
        gettext("accept or decline by"),
        gettext("reason for declining"),
        gettext("agreement (협약)"),
        gettext("agreement approved"),
    ]


def _local(moment: dt.datetime | None) -> dt.datetime | None:
    """A naive datetime in the current time zone (spreadsheets have no time zones)."""
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


def selection_rows(queryset: QuerySet[SelectionEntry]) -> list[list[Any]]:
    """One row per entry, in the order of `selection_header()`: each program's selected list first,
    then its reserve, each in order, then the rest; one query whatever the number of entries."""
    entries = queryset.select_related("program", "application__startup", "application__track", "partner").order_by(
        "program", "-outcome", "position", "pk"
    )
    return [
        [
            str(entry.program),
            entry.get_outcome_display(),
            entry.position,
            entry.application.receipt_number or "",
            entry.application.startup.name_ko,
            entry.application.startup.name_en,
            format_brn(entry.application.startup.brn or ""),
            str(entry.application.track) if entry.application.track else "",
            entry.partner.name if entry.partner else "",
            _local(entry.promoted_at),
            _local(entry.confirmed_at),
            entry.get_acceptance_display(),
            _local(entry.respond_by),
            entry.decline_reason,
            entry.get_agreement_display(),
            _local(entry.agreement_approved_at),
        ]
        for entry in entries
    ]


def neutralise(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula is prefixed with ' so it shows as text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return f"'{value}"
    return value


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(neutralise(value))


def rows_to_csv(header: Row, rows: Iterable[Row]) -> bytes:
    """UTF-8 with a byte-order mark, which Excel needs to read Korean text correctly."""
    return b"".join(csv_chunks(header, rows))


def csv_chunks(header: Row, rows: Iterable[Row]) -> Iterator[bytes]:
    """The CSV of `rows_to_csv` line by line, as the rows are produced (for streaming): the first
    chunk starts with the byte-order mark."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def line(row: Row) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([_csv_cell(cell) for cell in row])
        return buffer.getvalue()

    yield line(header).encode("utf-8-sig")
    for row in rows:
        yield line(row).encode("utf-8")


def rows_to_xlsx(header: Row, rows: Iterable[Row], *, title: str = "") -> bytes:
    buffer = io.BytesIO()
    xlsx_write(buffer, header, rows, title=title)
    return buffer.getvalue()


def xlsx_write(file: IO[bytes], header: Row, rows: Iterable[Row], *, title: str = "") -> None:
    """Write the workbook to an open binary file; write-only mode keeps memory flat however many rows."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=(title or gettext("Sheet"))[:31])
    sheet.append([neutralise(cell) for cell in header])
    for row in rows:
        sheet.append([neutralise(cell) for cell in row])
    workbook.save(file)


# --------------------------------------------------------------------------------------------
# Applications, reviews and round results: one table builder each. A builder takes the rows'
# queryset (a program's applications, a round's assignments, …; the admin passes its selection)
# and returns (header, rows); the header costs its queries at once, the rows are produced lazily,
# in chunks, with the same number of queries per chunk whatever the number of rows.

CHUNK_SIZE = 500

Table = tuple[list[str], Iterator[list[Any]]]


def _yes_no(value: bool | None) -> str:
    if value is None:
        return ""
    return gettext("Yes") if value else gettext("No")


def _in_zone(moment: dt.datetime | None, zone: ZoneInfo) -> dt.datetime | None:
    """A naive datetime in the program's time zone (spreadsheets have no time zones)."""
    return moment.astimezone(zone).replace(tzinfo=None) if moment else None


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return timezone.get_current_timezone()


def _labelled(parts: Sequence[Any], owner_of) -> list[str]:
    """Column labels for questions, declarations or criteria; prefixed by their program or round
    when the rows span several (an admin selection may)."""
    several = len({owner_of(part).pk for part in parts}) > 1
    return [f"{owner_of(part)}: {part}" if several else str(part) for part in parts]


def applications_table(applications: QuerySet[Application]) -> Table:
    """Applications with their startup, one column per question (the answer as people read it), one
    per eligibility declaration, and the partner preferences in rank order. Times are in the
    program's time zone."""
    programs = applications.values("program_id")
    questions = list(
        Question.objects.filter(program__in=programs)
        .exclude(kind=Question.Kind.FILE)  # files are attachments, not answers
        .select_related("program")
        .order_by("program", "order", "pk")
    )
    declarations = list(
        Declaration.objects.filter(program__in=programs).select_related("program").order_by("program", "order", "pk")
    )
    header = [
        gettext("receipt number"),
        gettext("status"),
        gettext("track"),
        gettext("legal name (Korean)"),
        gettext("English name"),
        gettext("business registration number"),
        gettext("founding date"),
        gettext("submitted at"),
        gettext("project title"),
        *_labelled(questions, lambda question: question.program),
        *_labelled(declarations, lambda declaration: declaration.program),
        gettext("partner preferences"),
    ]
    rows = (
        applications.select_related("program", "startup", "track")
        .prefetch_related(
            Prefetch("answers", queryset=Answer.objects.only("pk", "application_id", "question_id", "value")),
            Prefetch(
                "declaration_answers",
                queryset=DeclarationAnswer.objects.only("pk", "application_id", "declaration_id", "answer"),
            ),
            Prefetch(
                "partner_preferences", queryset=PartnerPreference.objects.select_related("partner").order_by("rank")
            ),
        )
        .order_by("program", F("receipt_number").asc(nulls_last=True), "pk")
    )

    def produce() -> Iterator[list[Any]]:
        zones: dict[int, ZoneInfo] = {}
        for application in rows.iterator(chunk_size=CHUNK_SIZE):
            zone = zones.setdefault(application.program_id, _zone(application.program.time_zone))
            answers = {answer.question_id: answer.value for answer in application.answers.all()}
            declared = {answer.declaration_id: answer.answer for answer in application.declaration_answers.all()}
            startup = application.startup
            yield [
                application.receipt_number or "",
                application.get_status_display(),
                str(application.track) if application.track else "",
                startup.name_ko,
                startup.name_en,
                format_brn(startup.brn or ""),
                startup.founded_on,
                _in_zone(application.submitted_at, zone),
                application.title,
                *(_answer_cell(question, answers.get(question.pk), application) for question in questions),
                *(
                    _yes_no(declared.get(declaration.pk)) if declaration.program_id == application.program_id else ""
                    for declaration in declarations
                ),
                ", ".join(
                    f"{preference.rank}. {preference.partner}" for preference in application.partner_preferences.all()
                ),
            ]

    return header, produce()


def _answer_cell(question: Question, value: Any, application: Application) -> Any:
    if question.program_id != application.program_id:
        return ""
    shown = answer_display(question, value)
    return ", ".join(str(item) for item in shown) if isinstance(shown, list) else shown


def reviews_table(assignments: QuerySet[Assignment]) -> Table:
    """One row per assignment: the evaluator, the assignment's status, the review's submission time,
    one column per criterion (the score) and the review total by the scoring rule."""
    criteria = list(
        Criterion.objects.filter(round__in=assignments.values("round_id"))
        .select_related("round__program")
        .order_by("round__program", "round__order", "order", "pk")
    )
    specs: dict[int, list[CriterionSpec]] = {}
    for criterion in criteria:
        specs.setdefault(criterion.round_id, []).append(
            CriterionSpec(id=criterion.pk, code=criterion.code, weight=criterion.weight, max_score=criterion.max_score)
        )
    header = [
        gettext("receipt number"),
        gettext("e-mail address"),
        gettext("name"),
        gettext("status"),
        gettext("submitted at"),
        *_labelled(criteria, lambda criterion: criterion.round),
        gettext("Total"),
    ]
    rows = (
        assignments.select_related("application", "evaluator__user", "review")
        .prefetch_related(
            Prefetch("review__scores", queryset=Score.objects.only("pk", "review_id", "criterion_id", "value"))
        )
        .order_by("round", "application__receipt_number", "evaluator__user__email", "pk")
    )

    def produce() -> Iterator[list[Any]]:
        for assignment in rows.iterator(chunk_size=CHUNK_SIZE):
            review = getattr(assignment, "review", None)
            scores = {score.criterion_id: score.value for score in review.scores.all()} if review else {}
            total = q4(review_total(scores, specs.get(assignment.round_id, []))) if scores else None
            yield [
                assignment.application.receipt_number or "",
                assignment.evaluator.user.email,
                assignment.evaluator.user.name,
                assignment.get_status_display(),
                _local(review.submitted_at) if review else None,
                *(scores.get(criterion.pk) for criterion in criteria),
                total,
            ]

    return header, produce()


def round_results_table(results: QuerySet[RoundResult]) -> Table:
    """The computed results in rank order, with advancement, failing and staff overrides."""
    header = [
        gettext("rank"),
        gettext("receipt number"),
        gettext("legal name (Korean)"),
        gettext("English name"),
        gettext("track"),
        gettext("reviews used"),
        gettext("aggregate"),
        gettext("bonus"),
        gettext("round score"),
        gettext("final score"),
        gettext("advanced"),
        gettext("failed a threshold"),
        gettext("reasons for failing"),
        gettext("tie-break"),
        gettext("reason for override"),
    ]
    rows = results.select_related("application__startup", "application__track").order_by(
        "round", F("rank").asc(nulls_last=True), "pk"
    )
    labels = criterion_labels(round_ids=results.order_by().values("round_id"))

    def produce() -> Iterator[list[Any]]:
        for result in rows.iterator(chunk_size=CHUNK_SIZE):
            application = result.application
            yield [
                result.rank,
                application.receipt_number or "",
                application.startup.name_ko,
                application.startup.name_en,
                str(application.track) if application.track else "",
                result.review_count,
                result.aggregate,
                result.bonus,
                result.round_score,
                result.final_score,
                _yes_no(result.advanced),
                _yes_no(result.failed),
                reasons.fail_reasons_text(result.fail_reasons, labels=labels.get(result.round_id)),
                reasons.tie_break_text(result.tie_break, labels=labels.get(result.round_id)),
                result.override_reason,
            ]

    return header, produce()


def selection_table(entries: QuerySet[SelectionEntry]) -> Table:
    """The final selection (`selection_header()`, `selection_rows()`), in one query."""
    return selection_header(), iter(selection_rows(entries))


@dataclass(frozen=True)
class ExportKind:
    """What the API (and its background job) needs to know about one export."""

    name: str  # the API's `kind`
    slug: str  # in URLs and file names
    target: type[Program] | type[EvaluationRound]
    param: str  # the query/body parameter naming the target
    queryset: Callable[[Any], QuerySet]  # the rows of one target
    table: Callable[[QuerySet], Table]
    title: Callable[[], str]  # the sheet's name


EXPORT_KINDS = {
    kind.name: kind
    for kind in (
        ExportKind(
            name="applications",
            slug="applications",
            target=Program,
            param="program",
            queryset=lambda program: Application.objects.filter(program=program),
            table=applications_table,
            title=lambda: gettext("applications"),
        ),
        ExportKind(
            name="reviews",
            slug="reviews",
            target=EvaluationRound,
            param="round",
            queryset=lambda round_: Assignment.objects.filter(round=round_),
            table=reviews_table,
            title=lambda: gettext("reviews"),
        ),
        ExportKind(
            name="round_results",
            slug="round-results",
            target=EvaluationRound,
            param="round",
            queryset=lambda round_: RoundResult.objects.filter(round=round_),
            table=round_results_table,
            title=lambda: gettext("round results"),
        ),
    )
}


def export_filename(kind: ExportKind, target: Program | EvaluationRound, extension: str) -> str:
    """An ASCII name (slugs are ASCII): `applications-<program>-<stamp>.csv`,
    `reviews-<program>-round<order>-<stamp>.xlsx`."""
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if isinstance(target, EvaluationRound):
        return f"{kind.slug}-{target.program.slug}-round{target.order}-{stamp}.{extension}"
    return f"{kind.slug}-{target.slug}-{stamp}.{extension}"


CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def file_response(table: Table, *, file_format: str, stem: str, title: str) -> HttpResponse:
    """The admin's download of a table: `<stem>-<stamp>.csv|xlsx`, as an attachment."""
    header, rows = table
    content = rows_to_csv(header, rows) if file_format == "csv" else rows_to_xlsx(header, rows, title=title)
    response = HttpResponse(content, content_type=CONTENT_TYPES[file_format])
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{stem}-{stamp}.{file_format}"'
    return response


def export_actions(
    table: Callable[[QuerySet], Table],
    *,
    stem: str,
    title: Callable[[], str],
    csv_description: str = gettext_lazy("Export as CSV"),
    xlsx_description: str = gettext_lazy("Export as XLSX"),
) -> tuple[Callable, Callable]:
    """The admin's two download actions, `export_csv` and `export_xlsx`, of the selected rows' table.
    Up to EXPORT_SYNC_MAX_ROWS rows download at once; more are built by an export job (when the table
    is one the API exports too), and staff land on its page, which links to the file."""
    kind = next((k for k in EXPORT_KINDS.values() if k.table is table), None)

    def export(modeladmin, request, queryset, file_format: str):
        if kind is not None and queryset.count() > settings.EXPORT_SYNC_MAX_ROWS:
            return _export_as_job(modeladmin, request, queryset, kind=kind, file_format=file_format)
        return file_response(table(queryset), file_format=file_format, stem=stem, title=title())

    @admin.action(description=csv_description, permissions=["view"])
    def export_csv(modeladmin, request, queryset):
        return export(modeladmin, request, queryset, "csv")

    @admin.action(description=xlsx_description, permissions=["view"])
    def export_xlsx(modeladmin, request, queryset):
        return export(modeladmin, request, queryset, "xlsx")

    return export_csv, export_xlsx


def _export_as_job(modeladmin, request, queryset: QuerySet, *, kind: ExportKind, file_format: str):
    """Start the export job of the selected rows, which must belong to one program (or round)."""
    from api.exports import export_start  # the API's module builds on this one
    from core.admin import jobs_redirect

    targets = list(queryset.order_by().values_list(f"{kind.param}_id", flat=True).distinct()[:2])
    if len(targets) != 1:
        modeladmin.message_user(
            request,
            gettext(
                "More than %(limit)s rows are exported in the background, one program or round at a time: "
                "filter the list to one and select again."
            )
            % {"limit": f"{settings.EXPORT_SYNC_MAX_ROWS:,}"},
            messages.ERROR,
        )
        return None
    target = kind.target.objects.get(pk=targets[0])
    ids = list(queryset.order_by().values_list("pk", flat=True))
    job = export_start(kind=kind, file_format=file_format, target=target, by=request.user, ids=ids)
    modeladmin.message_user(
        request,
        gettext("The export has more than %(limit)s rows: it is being built in the background.")
        % {"limit": f"{settings.EXPORT_SYNC_MAX_ROWS:,}"},
        messages.INFO,
    )
    return jobs_redirect([job])
