"""Scores from offline sheets: staff import CSV or XLSX files typed up from paper score sheets.

One row per score, with the columns `receipt_number, evaluator_email, criterion_code, score` (a header
row is required, its order is free, other columns are ignored; the Korean names 접수번호, 평가위원 이메일,
평가항목 코드 and 점수 are accepted too). Every row is checked first; the sheet is imported whole or not
at all, and each bad row is reported with its line number as the person sees it in the sheet (the header
is line 1).

A sheet never loses or invents a score: numbers are read strictly (no thousands separators, no NaN or
exponents, at most two decimals), a CSV row split by a decimal comma is refused, a column named twice is
refused, and an evaluator with a recorded conflict of interest takes no score. Staff may import into a
closed round with a reason: each changed score is then audited and stored results become out of date.

`score_sheet_template` gives the pre-filled sheet an offline panel fills in (one row per assignment and
criterion); it imports back as it is once the scores are typed in.
"""

import csv
import io
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.db.models.functions import Lower
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from audit.services import Change, audit_record, audit_record_changes, audit_record_edits
from core.errors import DomainError
from matching.exports import FORMULA_STARTS, Table
from matching.models import (
    Assignment,
    Conflict,
    Criterion,
    EvaluationRound,
    Evaluator,
    Review,
    RoundResult,
    Score,
)
from matching.scoring import criterion_applies
from matching.services.reminders import round_reviews_complete_notify_on_commit
from matching.services.reviews import plain_decimal, score_range_check, score_shown
from startups.models import Application

COLUMNS = ("receipt_number", "evaluator_email", "criterion_code", "score")
# Names a header cell may give each column; the first Korean name is the one the Korean template uses.
COLUMN_NAMES = {
    "receipt_number": ("receipt_number", "접수번호"),
    "evaluator_email": ("evaluator_email", "평가위원 이메일", "평가위원이메일"),
    "criterion_code": ("criterion_code", "평가항목 코드", "평가항목코드"),
    "score": ("score", "점수"),
}
IMPORTABLE_STATUSES = (EvaluationRound.Status.SCORING, EvaluationRound.Status.CLOSED)
CSV_ENCODINGS = ("utf-8-sig", "cp949")  # Korean Excel saves CSV as cp949 (a superset of EUC-KR)
HEADER_LINE = 1
XLSX_MAGIC = b"PK\x03\x04"  # an XLSX file is a zip archive

# Scores as people type them, after NFKC (a Korean IME's full-width ７．５ is 7.5): digits with one
# decimal point, or a decimal comma as a semicolon-separated CSV (or a quoted cell) carries it.
SCORE_PATTERN = re.compile(r"(?P<sign>[+-]?)(?P<whole>[0-9]*)(?:[.,](?P<fraction>[0-9]*))?", re.ASCII)
THOUSANDS_PATTERN = re.compile(r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?", re.ASCII)
MAX_DECIMALS = 2

A = Assignment.Status
R = EvaluationRound.Status


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


class SheetRow(dict):
    """One row of a sheet keyed by column; `problem` is what reading the file already found wrong with it
    (a CSV row with more cells than the header). Plain dicts are accepted as rows too."""

    problem: str = ""


@dataclass(frozen=True)
class ImportReport:
    rows: int
    scores_created: int
    scores_updated: int
    reviews_completed: int
    results_marked_stale: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.scores_created or self.scores_updated or self.reviews_completed)


# --- reading a sheet -----------------------------------------------------------------------------------


def _cell_text(value: Any) -> str:
    """A cell as text, NFKC-normalised and trimmed. An Excel number keeps its exact decimal digits
    (7.1 stays "7.1", not 7.0999…); a leading ' that an export put before a formula character goes."""
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return str(value)  # "nan", "inf": refused as not a number
        if value.is_integer():
            return str(int(value))  # Excel stores 7 as 7.0
        return format(Decimal(repr(value)), "f")  # repr is the shortest text that reads back as the float
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if text.startswith("'") and text[1:2] and text[1] in FORMULA_STARTS:
        text = text[1:]
    return text


def _header_key(value: Any) -> str:
    return re.sub(r"[\s-]+", "_", _cell_text(value).lower())


# Every accepted header name, normalised as a header cell is, → its column.
COLUMN_OF_HEADER = {_header_key(name): column for column, names in COLUMN_NAMES.items() for name in names}


def _header(cells: list[Any]) -> list[str]:
    """The column of each header cell (an accepted name → its column; any other name is kept and ignored);
    a column named twice is refused, since one of the two would be lost silently."""
    header = [COLUMN_OF_HEADER.get(_header_key(cell), _header_key(cell)) for cell in cells]
    problems = []
    for column, count in Counter(key for key in header if key in COLUMNS).items():
        if count > 1:
            written = [_cell_text(cell) for cell, key in zip(cells, header, strict=True) if key == column]
            problems.append(
                (
                    HEADER_LINE,
                    _("The header row names the column %(column)s %(count)d times (%(names)s); keep one.")
                    % {"column": column, "count": count, "names": ", ".join(f"“{name}”" for name in written)},
                )
            )
    if problems:
        raise ScoreSheetInvalid(problems)
    return header


def _rows_to_dicts(table: list[list[Any]], *, split_cells_refused: bool) -> list[SheetRow]:
    """The first row names the columns; row i of the result is line i + 2 of the sheet. In a CSV file a
    row with more cells than the header was most likely split by a decimal comma, so it is marked."""
    if not table or not any(_cell_text(cell) for cell in table[0]):
        raise ScoreSheetInvalid([(HEADER_LINE, _("The sheet is empty: it needs a header row and score rows."))])
    header = _header(table[0])
    rows = []
    for cells in table[1:]:
        texts = [_cell_text(cell) for cell in cells]
        texts += [""] * (len(header) - len(texts))  # a short row's missing cells are empty
        row = SheetRow({key: text for key, text in zip(header, texts, strict=False) if key})
        # Even an empty extra cell counts: "7,5" split in a row whose last cell is empty leaves one.
        if split_cells_refused and len(texts) > len(header) and any(texts):
            row.problem = _(
                "The row has %(cells)d cells but the header row has %(columns)d: a decimal comma probably split "
                "a number (7,5 is read as 7 and 5). Write scores with a decimal point, such as 7.5."
            ) % {"cells": len(texts), "columns": len(header)}
        rows.append(row)
    while rows and not any(rows[-1].values()) and not rows[-1].problem:
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


def read_score_sheet(uploaded_file) -> list[SheetRow]:
    """The rows of an uploaded CSV or XLSX sheet as dicts keyed by column (accepted names → their column,
    other names lower-case), cells trimmed. Row i is line i + 2 of the sheet. An XLSX file is recognised
    by its content, not its name."""
    data = uploaded_file.read()
    if data[:4] == XLSX_MAGIC:
        return _rows_to_dicts(_read_xlsx(data), split_cells_refused=False)
    return _rows_to_dicts(_read_csv(data), split_cells_refused=True)


def parse_sheet_score(raw: str, criterion: Criterion) -> Decimal | None:
    """A score as written in a sheet: empty → None; otherwise digits with at most two decimals (a decimal
    point, or a decimal comma), from 0 to the criterion's maximum. Stricter than a typed form: thousands
    separators, NaN, infinities and exponents are refused rather than guessed at."""
    text = unicodedata.normalize("NFKC", raw or "").strip()
    if not text:
        return None
    if THOUSANDS_PATTERN.fullmatch(text):
        raise DomainError(_("Use no thousands separators: write 1000, not 1,000."), code="thousands_separator")
    match = SCORE_PATTERN.fullmatch(text)
    if match is None or not (match["whole"] or match["fraction"]):
        raise DomainError(_("It is not a number: write digits with a decimal point, such as 7.5."), code="not_a_number")
    fraction = match["fraction"] or ""
    if len(fraction) > MAX_DECIMALS:
        raise DomainError(_("Use at most two decimal places."), code="too_precise")
    value = Decimal(f"{match['sign']}{match['whole'] or '0'}.{fraction or '0'}")
    score_range_check(value, criterion)
    return value


# --- importing the rows ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    line: int
    assignment: Assignment
    criterion: Criterion
    value: Decimal
    receipt_number: str
    evaluator_email: str
    track_id: int | None = None


def _criteria_with_tracks(round_: EvaluationRound) -> tuple[dict[str, Criterion], dict[int, set[int]]]:
    """The round's criteria by code, and the tracks each is limited to (criterion id → track ids, empty
    for every track), in one query: one row per criterion and track."""
    criteria: dict[str, Criterion] = {}
    tracks: dict[int, set[int]] = {}
    for criterion in Criterion.objects.filter(round=round_).annotate(track_id=F("tracks")):
        criteria.setdefault(criterion.code, criterion)
        tracks.setdefault(criterion.pk, set())
        if criterion.track_id is not None:
            tracks[criterion.pk].add(criterion.track_id)
    return criteria, tracks


def _applies(tracks: dict[int, set[int]], criterion_id: int, track_id: int | None) -> bool:
    return criterion_applies(tracks[criterion_id], track_id)


def _load(round_: EvaluationRound, rows: list[dict[str, str]]):
    receipts = {_cell_text(row.get("receipt_number")) for row in rows} - {""}
    emails = {_cell_text(row.get("evaluator_email")).lower() for row in rows} - {""}
    criteria, criterion_tracks = _criteria_with_tracks(round_)
    applications = {
        a.receipt_number: a
        for a in Application.objects.filter(program_id=round_.program_id, receipt_number__in=receipts).only(
            "id", "receipt_number", "startup_id", "track_id"
        )
    }
    evaluators = {
        e.email_lower: e
        for e in Evaluator.objects.select_related("user")
        .annotate(email_lower=Lower("user__email"))
        .filter(email_lower__in=emails)
    }
    # Locked so an evaluator saving a review at the same moment waits for the import.
    assignments = {
        (a.application_id, a.evaluator_id): a
        for a in Assignment.objects.select_for_update().filter(
            round=round_, application_id__in=[a.pk for a in applications.values()]
        )
    }
    conflicts = set(
        Conflict.objects.filter(
            evaluator_id__in=[e.pk for e in evaluators.values()],
            startup_id__in={a.startup_id for a in applications.values()},
        ).values_list("evaluator_id", "startup_id")
    )
    return criteria, criterion_tracks, applications, evaluators, assignments, conflicts


def _check_rows(round_: EvaluationRound, rows: list[dict[str, str]]) -> tuple[list[_Row], dict[int, set[int]]]:
    """Every row checked against the round, and the tracks each criterion is limited to; raises
    ScoreSheetInvalid listing every problem."""
    if not rows:
        raise ScoreSheetInvalid([(HEADER_LINE, _("The sheet has no score rows."))])
    missing = [column for column in COLUMNS if column not in rows[0]]
    if missing:
        raise ScoreSheetInvalid(
            [(HEADER_LINE, _("Columns missing from the header row: %(columns)s.") % {"columns": ", ".join(missing)})]
        )
    criteria, criterion_tracks, applications, evaluators, assignments, conflicts = _load(round_, rows)
    problems: list[tuple[int, str]] = []
    checked: list[_Row] = []
    seen: dict[tuple[str, str, str], int] = {}
    for index, row in enumerate(rows):
        line = index + 2
        if getattr(row, "problem", ""):
            problems.append((line, row.problem))  # its cells are shifted: checking them would only add noise
            continue
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
            elif (evaluator.pk, application.startup_id) in conflicts:
                row_problems.append(
                    _(
                        "%(email)s has a recorded conflict of interest with the startup of %(receipt)s, "
                        "so their score cannot be counted."
                    )
                    % {"email": email, "receipt": receipt}
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
                value = parse_sheet_score(raw_score, criterion)
            except DomainError as error:
                row_problems.append(_("Score “%(score)s”: %(error)s") % {"score": raw_score, "error": error.message})
            else:
                if value is None:
                    row_problems.append(_("The score is missing."))
            if application is not None and not _applies(criterion_tracks, criterion.pk, application.track_id):
                row_problems.append(
                    _("Criterion “%(code)s” is not scored in the track of %(receipt)s.")
                    % {"code": code, "receipt": receipt}
                )
        key = (receipt, email.lower(), code)
        if key in seen:
            row_problems.append(
                _("Repeats line %(line)d: the same receipt number, evaluator and criterion.") % {"line": seen[key]}
            )
        else:
            seen[key] = line
        problems += [(line, message) for message in row_problems]
        if not row_problems:
            checked.append(
                _Row(
                    line=line,
                    assignment=assignment,
                    criterion=criterion,
                    value=value,
                    receipt_number=application.receipt_number,
                    evaluator_email=evaluator.user.email,
                    track_id=application.track_id,
                )
            )
    if problems:
        raise ScoreSheetInvalid(problems)
    if not checked:
        raise ScoreSheetInvalid([(HEADER_LINE, _("The sheet has no score rows."))])
    return checked, criterion_tracks


def scores_import_needs_reason(round_: EvaluationRound) -> bool:
    """Scores lock when a round closes: an import after that needs a reason for the audit trail."""
    return round_.status == R.CLOSED


def _ensure_importable(round_: EvaluationRound, reason: str) -> None:
    if round_.status not in IMPORTABLE_STATUSES:
        raise DomainError(
            _("Scores can be imported only while a round is scoring or closed; %(round)s is “%(status)s”.")
            % {"round": round_, "status": round_.get_status_display()},
            code="round_not_importable",
        )
    if scores_import_needs_reason(round_) and not reason.strip():
        raise DomainError(
            _("The round is closed: say why scores are imported after closing; the reason is kept in the audit trail."),
            code="reason_required",
        )


@transaction.atomic
def scores_import(
    *,
    round: EvaluationRound,  # noqa: A002
    by: User,
    rows: list[dict[str, str]],
    source_name: str,
    reason: str = "",
) -> ImportReport:
    """Import the score rows of a sheet into a round that is scoring or closed (closed rounds take paper
    sheets from staff, with a reason). All rows or none: a bad row raises ScoreSheetInvalid and nothing is
    written. Existing scores are overwritten (a submitted review stays submitted); a review that ends up
    with every criterion scored is submitted. Importing the same sheet again changes nothing.

    One audit event on the round records the import. In a closed round each changed score also gets its
    own audit event (old → new, with the reason), and results already stored are marked out of date
    (`results_stale`): they cannot be published until they are computed again."""
    # The round only (`of`): locking the program here, after the round, would invert the lock order of publishing.
    round_ = EvaluationRound.objects.select_for_update(of=("self",)).select_related("program").get(pk=round.pk)
    _ensure_importable(round_, reason)
    checked, criterion_tracks = _check_rows(round_, rows)
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
    changes: list[tuple[_Row, Decimal | None]] = []  # each changed score with its value before
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
            changes.append((row, None))
        elif score.value != row.value:
            changes.append((row, score.value))
            score.value = row.value
            to_update.append(score)
    Score.objects.bulk_create(to_create)
    Score.objects.bulk_update(to_update, ["value"])

    scored = Counter(review_id for review_id, _criterion_id in existing)
    track_of = {row.assignment.pk: row.track_id for row in checked}
    needed = {  # a review is complete with a score for every criterion of its application's track
        pk: sum(_applies(criterion_tracks, criterion_id, track_of[pk]) for criterion_id in criterion_tracks)
        for pk in assignments
    }
    completed = [a for pk, a in assignments.items() if a.status != A.SUBMITTED and scored[reviews[pk].pk] == needed[pk]]
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

    after_close = round_.status == R.CLOSED
    changed = bool(to_create or to_update or completed)
    marked_stale = (
        after_close and changed and not round_.results_stale and RoundResult.objects.filter(round=round_).exists()
    )
    if marked_stale:
        round_.results_stale = True
        round_.save(update_fields=["results_stale", "updated_at"])
    report = ImportReport(
        rows=len(checked),
        scores_created=len(to_create),
        scores_updated=len(to_update),
        reviews_completed=len(completed),
        results_marked_stale=marked_stale,
    )
    if report.changed:
        audit_record(
            actor=by,
            obj=round_,
            verb="scores_imported",
            reason=reason.strip() or source_name,
            data={
                "source": source_name,
                "round_status": round_.status,
                "rows": report.rows,
                "scores_created": report.scores_created,
                "scores_updated": report.scores_updated,
                "reviews_completed": report.reviews_completed,
                "submitted_assignment_ids": [a.pk for a in completed],
                "results_marked_stale": marked_stale,
            },
        )
    _scores_changes_record(changes=changes, reviews=reviews, by=by, source_name=source_name, reason=reason.strip())
    if after_close:
        # Scores lock when a round closes: every score changed afterwards is on the record, one by one
        # (one insert whatever the number of changes).
        audit_record_changes(
            actor=by,
            obj=round_,
            verb="score_imported_after_close",
            reason=reason.strip(),
            changes=[
                (
                    "" if before is None else plain_decimal(before),
                    plain_decimal(row.value),
                    {
                        "criterion_code": row.criterion.code,
                        "old": None if before is None else plain_decimal(before),
                        "new": plain_decimal(row.value),
                        "receipt_number": row.receipt_number,
                        "evaluator_email": row.evaluator_email,
                        "assignment_id": row.assignment.pk,
                        "source": source_name,
                        "reason": reason.strip(),
                    },
                )
                for row, before in changes
            ],
        )
    return report


def _scores_changes_record(
    *, changes: list[tuple[_Row, Decimal | None]], reviews: dict[int, Review], by: User, source_name: str, reason: str
) -> None:
    """One audit event per review whose scores the sheet changed, each score old → new by criterion, as an
    evaluator's own save records it — all in one insert."""
    by_review: dict[int, tuple[_Row, dict]] = {}
    for row, before in changes:
        _first, per_criterion = by_review.setdefault(row.assignment.pk, (row, {}))
        per_criterion[f"criterion:{row.criterion.code}"] = {
            "from": score_shown(before),
            "to": score_shown(row.value),
            "label": str(row.criterion),
        }
    audit_record_edits(
        actor=by,
        reason=reason or source_name,
        edits=[
            Change(
                obj=reviews[assignment_id],
                verb="scores_changed",
                changes=per_criterion,
                object_repr=f"{row.receipt_number} ← {row.evaluator_email}",
                details={"source": source_name},
            )
            for assignment_id, (row, per_criterion) in by_review.items()
        ],
    )


# --- the pre-filled template ------------------------------------------------------------------------------


def _column_title(column: str) -> str:
    """A column's header in the template: its Korean name for Korean staff, its code otherwise."""
    korean = (translation.get_language() or "ko").startswith("ko")
    return COLUMN_NAMES[column][1] if korean else column


def score_sheet_template(*, round: EvaluationRound) -> Table:  # noqa: A002
    """The sheet an offline panel fills in: one row per non-recused assignment of the round and criterion,
    with the receipt number, the evaluator's e-mail, the criterion's code, name (in the current language)
    and maximum, and an empty score. Assignments whose evaluator has a recorded conflict with the startup
    are left out, as the import would refuse their scores. Two queries whatever the size; the rows come
    in receipt-number, evaluator and criterion order."""
    by_code, criterion_tracks = _criteria_with_tracks(round)
    criteria = sorted(by_code.values(), key=lambda c: (c.order, c.pk))
    header = [
        _column_title("receipt_number"),
        _column_title("evaluator_email"),
        _column_title("criterion_code"),
        _("criterion name"),
        _("maximum score"),
        _column_title("score"),
    ]
    conflicted = Conflict.objects.filter(
        evaluator_id=OuterRef("evaluator_id"), startup_id=OuterRef("application__startup_id")
    )
    assignments = (
        Assignment.objects.filter(round=round)
        .exclude(status=A.RECUSED)
        .exclude(Exists(conflicted))
        .select_related("application", "evaluator__user")
        .only("pk", "application__receipt_number", "application__track_id", "evaluator__user__email")
        .order_by("application__receipt_number", "evaluator__user__email", "pk")
    )

    def produce() -> Iterator[list[Any]]:
        for assignment in assignments.iterator(chunk_size=500):
            for criterion in criteria:
                if not _applies(criterion_tracks, criterion.pk, assignment.application.track_id):
                    continue  # a criterion of another track: the import would refuse its score
                yield [
                    assignment.application.receipt_number or "",
                    assignment.evaluator.user.email,
                    criterion.code,
                    str(criterion),
                    Decimal(plain_decimal(criterion.max_score)),
                    None,
                ]

    return header, produce()
