"""Scores from offline sheets: staff import CSV or XLSX files typed up from paper score sheets.

One row per score, with the columns `receipt_number, evaluator_email, criterion_code, score` (a header
row is required, its order is free, other columns are ignored). Every row is checked first; the sheet
is imported whole or not at all, and each bad row is reported with its line number as the person sees it
in the sheet (the header is line 1).
"""

import csv
import io
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from audit.services import audit_record
from core.errors import DomainError
from matching.models import Assignment, Criterion, EvaluationRound, Evaluator, Review, Score
from matching.services.reminders import round_reviews_complete_notify_on_commit
from matching.services.reviews import parse_score
from startups.models import Application

COLUMNS = ("receipt_number", "evaluator_email", "criterion_code", "score")
IMPORTABLE_STATUSES = (EvaluationRound.Status.SCORING, EvaluationRound.Status.CLOSED)
CSV_ENCODINGS = ("utf-8-sig", "cp949")  # Korean Excel saves CSV as cp949 (a superset of EUC-KR)
HEADER_LINE = 1
XLSX_MAGIC = b"PK\x03\x04"  # an XLSX file is a zip archive

A = Assignment.Status


class ScoreSheetInvalid(DomainError):
    """The sheet was refused as a whole; `problems` lists `(line_number, message)` in sheet order."""

    code = "score_sheet_invalid"
    http_status = 422

    def __init__(self, problems: list[tuple[int, str]]) -> None:
        message = ngettext(
            "The sheet has %(count)d problem; nothing was imported.",
            "The sheet has %(count)d problems; nothing was imported.",
            len(problems),
        )
        super().__init__(message % {"count": len(problems)})
        self.problems = problems


@dataclass(frozen=True)
class ImportReport:
    rows: int
    scores_created: int
    scores_updated: int
    reviews_completed: int

    @property
    def changed(self) -> bool:
        return bool(self.scores_created or self.scores_updated or self.reviews_completed)


# --- reading a sheet -----------------------------------------------------------------------------------


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores 7 as 7.0
    return str(value).strip()


def _header_key(value: Any) -> str:
    return _cell_text(value).lower().replace(" ", "_").replace("-", "_")


def _rows_to_dicts(table: list[list[Any]]) -> list[dict[str, str]]:
    """The first row names the columns; row i of the result is line i + 2 of the sheet."""
    if not table or not any(_cell_text(cell) for cell in table[0]):
        raise ScoreSheetInvalid([(HEADER_LINE, _("The sheet is empty: it needs a header row and score rows."))])
    header = [_header_key(cell) for cell in table[0]]
    rows = []
    for cells in table[1:]:
        texts = [_cell_text(cell) for cell in cells]
        texts += [""] * (len(header) - len(texts))
        rows.append({key: text for key, text in zip(header, texts, strict=False) if key})
    while rows and not any(rows[-1].values()):
        rows.pop()  # trailing blank lines, common in exported sheets
    return rows


def _decode_csv(data: bytes) -> str:
    for encoding in CSV_ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ScoreSheetInvalid([(HEADER_LINE, _("The file is not a CSV file in UTF-8 or in the Korean encoding."))])


def _read_csv(data: bytes) -> list[list[str]]:
    text = _decode_csv(data)
    first_line = text.split("\n", 1)[0]
    # Excel in locales with a decimal comma separates cells with ";".
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def _read_xlsx(data: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises several kinds for a file that is not a workbook
        raise ScoreSheetInvalid([(HEADER_LINE, _("The file is not an Excel workbook (.xlsx)."))]) from None
    try:
        sheet = workbook.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def read_score_sheet(uploaded_file) -> list[dict[str, str]]:
    """The rows of an uploaded CSV or XLSX sheet as dicts keyed by lower-case column names, cells trimmed.
    Row i is line i + 2 of the sheet. An XLSX file is recognised by its content, not its name."""
    data = uploaded_file.read()
    table = _read_xlsx(data) if data[:4] == XLSX_MAGIC else _read_csv(data)
    return _rows_to_dicts(table)


# --- importing the rows ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    line: int
    assignment: Assignment
    criterion: Criterion
    value: Decimal


def _load(round_: EvaluationRound, rows: list[dict[str, str]]):
    receipts = {_cell_text(row.get("receipt_number")) for row in rows} - {""}
    emails = {_cell_text(row.get("evaluator_email")).lower() for row in rows} - {""}
    criteria = {c.code: c for c in Criterion.objects.filter(round=round_)}
    applications = {
        a.receipt_number: a
        for a in Application.objects.filter(program_id=round_.program_id, receipt_number__in=receipts).only(
            "id", "receipt_number"
        )
    }
    evaluators = {
        e.email_lower: e
        for e in Evaluator.objects.annotate(email_lower=Lower("user__email")).filter(email_lower__in=emails)
    }
    # Locked so an evaluator saving a review at the same moment waits for the import.
    assignments = {
        (a.application_id, a.evaluator_id): a
        for a in Assignment.objects.select_for_update().filter(
            round=round_, application_id__in=[a.pk for a in applications.values()]
        )
    }
    return criteria, applications, evaluators, assignments


def _check_rows(round_: EvaluationRound, rows: list[dict[str, str]]) -> tuple[list[_Row], int]:
    """Every row checked against the round, and the number of its criteria; raises ScoreSheetInvalid
    listing every problem."""
    if not rows:
        raise ScoreSheetInvalid([(HEADER_LINE, _("The sheet has no score rows."))])
    missing = [column for column in COLUMNS if column not in rows[0]]
    if missing:
        raise ScoreSheetInvalid(
            [(HEADER_LINE, _("Columns missing from the header row: %(columns)s.") % {"columns": ", ".join(missing)})]
        )
    criteria, applications, evaluators, assignments = _load(round_, rows)
    problems: list[tuple[int, str]] = []
    checked: list[_Row] = []
    seen: dict[tuple[str, str, str], int] = {}
    for index, row in enumerate(rows):
        line = index + 2
        receipt, email, code, raw_score = (_cell_text(row.get(column)) for column in COLUMNS)
        if not any((receipt, email, code, raw_score)):
            continue  # a blank line between blocks of rows
        row_problems = []
        application = applications.get(receipt)
        evaluator = evaluators.get(email.lower())
        criterion = criteria.get(code)
        if application is None:
            row_problems.append(
                _("Unknown receipt number “%(receipt)s” in %(program)s.")
                % {"receipt": receipt, "program": round_.program}
                if receipt
                else _("The receipt number is missing.")
            )
        if evaluator is None:
            row_problems.append(
                _("No evaluator has the e-mail address “%(email)s”.") % {"email": email}
                if email
                else _("The evaluator's e-mail address is missing.")
            )
        assignment = None
        if application is not None and evaluator is not None:
            assignment = assignments.get((application.pk, evaluator.pk))
            if assignment is None:
                row_problems.append(
                    _("%(email)s is not assigned to %(receipt)s in this round.") % {"email": email, "receipt": receipt}
                )
            elif assignment.status == A.RECUSED:
                row_problems.append(
                    _("%(email)s has recused themselves from %(receipt)s.") % {"email": email, "receipt": receipt}
                )
        value = None
        if criterion is None:
            row_problems.append(
                _("The round has no criterion “%(code)s”.") % {"code": code}
                if code
                else _("The criterion code is missing.")
            )
        else:
            try:
                value = parse_score(raw_score, criterion)
            except DomainError as error:
                row_problems.append(_("Score “%(score)s”: %(error)s") % {"score": raw_score, "error": error.message})
            else:
                if value is None:
                    row_problems.append(_("The score is missing."))
        key = (receipt, email.lower(), code)
        if key in seen:
            row_problems.append(
                _("Repeats line %(line)d: the same receipt number, evaluator and criterion.") % {"line": seen[key]}
            )
        else:
            seen[key] = line
        problems += [(line, message) for message in row_problems]
        if not row_problems:
            checked.append(_Row(line=line, assignment=assignment, criterion=criterion, value=value))
    if problems:
        raise ScoreSheetInvalid(problems)
    if not checked:
        raise ScoreSheetInvalid([(HEADER_LINE, _("The sheet has no score rows."))])
    return checked, len(criteria)


@transaction.atomic
def scores_import(
    *,
    round: EvaluationRound,  # noqa: A002
    by: User,
    rows: list[dict[str, str]],
    source_name: str,
) -> ImportReport:
    """Import the score rows of a sheet into a round that is scoring or closed (closed rounds take paper
    sheets from staff). All rows or none: a bad row raises ScoreSheetInvalid and nothing is written.
    Existing scores are overwritten (a submitted review stays submitted); a review that ends up with every
    criterion scored is submitted.
    Importing the same sheet again changes nothing. One audit event on the round records the import."""
    round_ = EvaluationRound.objects.select_for_update().select_related("program").get(pk=round.pk)
    if round_.status not in IMPORTABLE_STATUSES:
        raise DomainError(
            _("Scores can be imported only while a round is scoring or closed; %(round)s is “%(status)s”.")
            % {"round": round_, "status": round_.get_status_display()},
            code="round_not_importable",
        )
    checked, criterion_count = _check_rows(round_, rows)
    assignments = {row.assignment.pk: row.assignment for row in checked}

    reviews = {r.assignment_id: r for r in Review.objects.filter(assignment_id__in=assignments)}
    new_reviews = [Review(assignment_id=pk) for pk in assignments if pk not in reviews]
    Review.objects.bulk_create(new_reviews)
    reviews.update({r.assignment_id: r for r in new_reviews})

    existing = {
        (s.review_id, s.criterion_id): s
        for s in Score.objects.filter(review_id__in=[r.pk for r in reviews.values()]).only(
            "id", "review", "criterion", "value"
        )
    }
    to_create, to_update = [], []
    for row in checked:
        review = reviews[row.assignment.pk]
        score = existing.get((review.pk, row.criterion.pk))
        if score is None:
            score = Score(
                review=review,
                criterion=row.criterion,
                round_id=round_.pk,
                value=row.value,
                max_score=row.criterion.max_score,
            )
            to_create.append(score)
            existing[(review.pk, row.criterion.pk)] = score
        elif score.value != row.value:
            score.value = row.value
            to_update.append(score)
    Score.objects.bulk_create(to_create)
    Score.objects.bulk_update(to_update, ["value"])

    scored = Counter(review_id for review_id, _criterion_id in existing)
    completed = [
        a for pk, a in assignments.items() if a.status != A.SUBMITTED and scored[reviews[pk].pk] == criterion_count
    ]
    completed_ids = {a.pk for a in completed}
    assignment_of_review = {r.pk: r.assignment_id for r in reviews.values()}
    touched = {assignment_of_review[score.review_id] for score in to_create + to_update}
    started = [
        a for a in assignments.values() if a.status == A.PENDING and a.pk in touched and a.pk not in completed_ids
    ]
    now = timezone.now()
    if completed:
        Review.objects.filter(assignment__in=completed).update(submitted_at=now, updated_at=now)
        Assignment.objects.filter(pk__in=[a.pk for a in completed]).update(status=A.SUBMITTED, updated_at=now)
        round_reviews_complete_notify_on_commit(round_id=round_.pk)  # a sheet may bring the last reviews
    if started:
        Assignment.objects.filter(pk__in=[a.pk for a in started]).update(status=A.IN_PROGRESS, updated_at=now)

    report = ImportReport(
        rows=len(checked),
        scores_created=len(to_create),
        scores_updated=len(to_update),
        reviews_completed=len(completed),
    )
    if report.changed:
        audit_record(
            actor=by,
            obj=round_,
            verb="scores_imported",
            reason=source_name,
            data={
                "source": source_name,
                "round_status": round_.status,
                "rows": report.rows,
                "scores_created": report.scores_created,
                "scores_updated": report.scores_updated,
                "reviews_completed": report.reviews_completed,
                "submitted_assignment_ids": [a.pk for a in completed],
            },
        )
    return report
