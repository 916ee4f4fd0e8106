"""Partners' rankings of a program's finalists: a rank per finalist (1 = first choice), or "not
interested", or not decided yet. A partner saves drafts and submits; it may change and resubmit its
ranking until the program's ranking deadline (`Program.ranking_deadline`; none set: open). The form,
the sheet import and the API all call `ranking_save`, which takes the whole ranking or refuses it whole.

A sheet (CSV or XLSX) has a header row naming the columns `receipt_number` and `rank` (Korean: 접수번호,
순위); a rank is a whole number, or "not interested" / "관심 없음"; an empty rank leaves the finalist
undecided. Each bad row is reported with its line (the header is line 1) and its column.
"""

import unicodedata
from collections import Counter
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import audit_record
from core.errors import DomainError, InvalidInput
from core.i18n import format_datetime
from matching.models import Partner, PartnerRanking, PartnerRankingEntry, Program, ProgramPartner

# The sheet readers of the score import: same encodings (UTF-8, cp949), same XLSX detection by content.
from matching.services.score_import import XLSX_MAGIC, ScoreSheetInvalid, _cell_text, _header_key, _read_csv, _read_xlsx
from startups.models import Application
from startups.selectors import FINALIST_STATUSES  # the applications a partner reads, and ranks

NOT_INTERESTED = "not_interested"
NOT_INTERESTED_WORDS = {"not_interested", "not interested", "관심 없음", "관심없음", "x"}
COLUMN_NAMES = {"receipt_number": ("receipt_number", "접수번호"), "rank": ("rank", "순위")}
HEADER_LINE = 1


class RankingInvalid(InvalidInput):
    """A ranking refused whole: `problems` maps `entry:<application id>` (or `entries`) to messages."""

    code = "ranking_invalid"

    def __init__(self, problems: dict[str, list[str]]) -> None:
        super().__init__(problems, _("The ranking has problems; nothing was saved."))


class RankingSheetInvalid(InvalidInput):
    """A sheet refused whole: `problems` maps `line:<n>` to messages naming the column."""

    code = "ranking_sheet_invalid"

    def __init__(self, problems: dict[str, list[str]]) -> None:
        super().__init__(problems, _("The sheet has problems; nothing was imported."))


def program_finalists(*, program: Program):
    """The finalists a partner of the program ranks, in receipt order."""
    return Application.objects.filter(program=program, status__in=FINALIST_STATUSES).order_by("receipt_number", "pk")


def ranking_open(program: Program, *, now=None) -> bool:
    """A ranking can be changed until the program's ranking deadline (none set: open)."""
    deadline = program.ranking_deadline
    return deadline is None or (now or timezone.now()) < deadline


def ensure_ranking_open(program: Program) -> None:
    if not ranking_open(program):
        raise DomainError(
            _("The ranking deadline (%(deadline)s) has passed: the ranking can no longer be changed.")
            % {"deadline": format_datetime(program.ranking_deadline)},
            code="ranking_closed",
        )


def _ensure_ranks_itself(program: Program, partner: Partner) -> None:
    link = ProgramPartner.objects.filter(program=program, partner=partner).first()
    if link is None:
        raise DomainError(_("This partner does not take part in the program."), code="not_a_program_partner")
    if link.ranking_round_id is not None:
        raise DomainError(
            _("This partner's ranking is the results of an evaluation round; it is not submitted here."),
            code="ranks_by_round",
        )


def parse_rank(raw: Any) -> int | str | None:
    """A rank as typed: a whole number ≥ 1, NOT_INTERESTED, or None (undecided); ValueError otherwise."""
    if raw is None or raw is False:
        return None
    if raw is True:
        return NOT_INTERESTED
    if isinstance(raw, int):
        if raw < 1:
            raise ValueError(_("A rank is a whole number from 1."))
        return raw
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    if not text:
        return None
    if text.lower() in NOT_INTERESTED_WORDS:
        return NOT_INTERESTED
    if not text.isascii() or not text.isdigit() or int(text) < 1:
        raise ValueError(_("A rank is a whole number from 1, or “not interested”."))
    return int(text)


def _check(entries: Mapping[Any, Any], finalist_ids: set[int], *, submit: bool) -> dict[int, int | str | None]:
    problems: dict[str, list[str]] = {}
    parsed: dict[int, int | str | None] = {}
    for key, raw in entries.items():
        try:
            application_id = int(key)
        except (TypeError, ValueError):
            application_id = None
        if application_id not in finalist_ids:
            problems.setdefault("entries", []).append(_("%(id)s is not a finalist of this program.") % {"id": key})
            continue
        try:
            parsed[application_id] = parse_rank(raw)
        except ValueError as error:
            problems[f"entry:{application_id}"] = [str(error)]
    counts = Counter(value for value in parsed.values() if isinstance(value, int))
    for application_id, value in parsed.items():
        if isinstance(value, int) and counts[value] > 1:
            problems[f"entry:{application_id}"] = [
                _("Rank %(rank)d is given to %(count)d startups; give each rank once.")
                % {"rank": value, "count": counts[value]}
            ]
    if submit:
        for application_id in sorted(finalist_ids):
            if parsed.get(application_id) is None and f"entry:{application_id}" not in problems:
                problems[f"entry:{application_id}"] = [_("Give a rank, or mark the startup not interested.")]
    if problems:
        raise RankingInvalid(problems)
    return parsed


@transaction.atomic
def ranking_save(
    *, program: Program, partner: Partner, entries: Mapping[Any, Any], by: User, submit: bool = False
) -> PartnerRanking:
    """Replace the partner's ranking of the program's finalists with `entries` ({application id: a rank,
    "not_interested" or empty}); finalists left out are undecided. Refused whole (RankingInvalid) when an
    id is not a finalist, a rank is not a whole number from 1, or two finalists share a rank; a
    submission also needs every finalist ranked or marked not interested. Only until the ranking deadline.
    Saving a draft takes a submitted ranking back to a draft: it must be submitted again."""
    # The program row first (FOR NO KEY UPDATE: submissions in flight, which hold FOR KEY SHARE, go on).
    program = Program.objects.select_for_update(no_key=True).get(pk=program.pk)
    ensure_ranking_open(program)
    _ensure_ranks_itself(program, partner)
    finalist_ids = set(program_finalists(program=program).values_list("pk", flat=True))
    parsed = _check(entries, finalist_ids, submit=submit)
    ranking, _created = PartnerRanking.objects.get_or_create(program=program, partner=partner)
    ranking = PartnerRanking.objects.select_for_update().get(pk=ranking.pk)
    previous = ranking.status
    ranking.entries.all().delete()
    PartnerRankingEntry.objects.bulk_create(
        [
            PartnerRankingEntry(
                ranking=ranking,
                application_id=application_id,
                rank=value if isinstance(value, int) else None,
                not_interested=value == NOT_INTERESTED,
            )
            for application_id, value in sorted(parsed.items())
            if value is not None
        ]
    )
    now = timezone.now()
    if submit:
        ranking.status, ranking.submitted_at, ranking.submitted_by = PartnerRanking.Status.SUBMITTED, now, by
    else:
        ranking.status = PartnerRanking.Status.DRAFT
    ranking.save(update_fields=["status", "submitted_at", "submitted_by", "updated_at"])
    audit_record(
        actor=by,
        obj=ranking,
        verb="ranking_submitted" if submit else "ranking_saved",
        from_state=previous,
        to_state=ranking.status,
        data={
            "ranked": sum(isinstance(v, int) for v in parsed.values()),
            "not_interested": sum(v == NOT_INTERESTED for v in parsed.values()),
        },
    )
    return ranking


@transaction.atomic
def ranking_submit(*, program: Program, partner: Partner, by: User) -> PartnerRanking:
    """Submit the ranking as saved (the API's submit). Its entries are read under the locks the save
    takes, program row first, so a draft saved meanwhile is the one submitted, never overwritten."""
    Program.objects.select_for_update(no_key=True).get(pk=program.pk)
    ranking = PartnerRanking.objects.select_for_update().filter(program=program, partner=partner).first()
    entries = {}
    if ranking is not None:
        entries = {e.application_id: NOT_INTERESTED if e.not_interested else e.rank for e in ranking.entries.all()}
    return ranking_save(program=program, partner=partner, entries=entries, by=by, submit=True)


# --- sheets --------------------------------------------------------------------------------------------


def _read_table(data: bytes) -> list[list[Any]]:
    try:
        return _read_xlsx(data) if data[:4] == XLSX_MAGIC else _read_csv(data)
    except ScoreSheetInvalid as error:
        raise RankingSheetInvalid({f"line:{line}": [message] for line, message in error.problems}) from None


COLUMN_OF_HEADER = {_header_key(name): column for column, names in COLUMN_NAMES.items() for name in names}


def read_ranking_sheet(data: bytes) -> list[tuple[int, str, str]]:
    """`(line, receipt number, rank text)` for each non-blank row of a sheet."""
    table = _read_table(data)
    if not table or not any(_cell_text(cell) for cell in table[0]):
        raise RankingSheetInvalid({f"line:{HEADER_LINE}": [_("The sheet is empty: it needs a header row.")]})
    header = [COLUMN_OF_HEADER.get(_header_key(cell), _header_key(cell)) for cell in table[0]]
    missing = [column for column in COLUMN_NAMES if column not in header]
    if missing:
        raise RankingSheetInvalid(
            {
                f"line:{HEADER_LINE}": [
                    _("The header row needs the columns %(columns)s (or 접수번호, 순위).")
                    % {"columns": ", ".join(COLUMN_NAMES)}
                ]
            }
        )
    receipt_at, rank_at = header.index("receipt_number"), header.index("rank")
    rows = []
    for line, cells in enumerate(table[1:], start=HEADER_LINE + 1):
        texts = [_cell_text(cell) for cell in cells]
        texts += [""] * (len(header) - len(texts))
        receipt, rank = texts[receipt_at], texts[rank_at]
        if receipt or rank:
            rows.append((line, receipt, rank))
    return rows


def ranking_import(*, program: Program, partner: Partner, file, by: User, submit: bool = False) -> PartnerRanking:
    """The partner's ranking from a sheet: every row checked first (receipt number of a finalist of the
    program, listed once; a rank from 1 or "not interested"; no rank twice), then saved whole through
    `ranking_save`; finalists not in the sheet are undecided. Refused with line and column otherwise."""
    ensure_ranking_open(program)
    data = file.read() if hasattr(file, "read") else bytes(file)
    rows = read_ranking_sheet(data)
    finalists = dict(program_finalists(program=program).values_list("receipt_number", "pk"))
    problems: dict[str, list[str]] = {}
    entries: dict[int, Any] = {}
    seen: dict[int, int] = {}
    first_line_of_rank: dict[int, int] = {}
    for line, receipt, rank_text in rows:
        messages = []
        application_id = finalists.get(receipt)
        if not receipt:
            messages.append(_("column receipt_number: empty."))
        elif application_id is None:
            messages.append(
                _("column receipt_number: %(receipt)s is not a finalist of this program.") % {"receipt": receipt}
            )
        elif application_id in seen:
            messages.append(
                _("column receipt_number: %(receipt)s is listed already on line %(line)d.")
                % {"receipt": receipt, "line": seen[application_id]}
            )
        try:
            rank = parse_rank(rank_text)
        except ValueError as error:
            messages.append(_("column rank: %(problem)s") % {"problem": error})
            rank = None
        if isinstance(rank, int):
            if rank in first_line_of_rank:
                messages.append(
                    _("column rank: rank %(rank)d is given already on line %(line)d.")
                    % {"rank": rank, "line": first_line_of_rank[rank]}
                )
            else:
                first_line_of_rank[rank] = line
        if messages:
            where = _("Line %(line)d") % {"line": line}
            problems[f"line:{line}"] = [f"{where}, {message}" for message in messages]
            continue
        seen[application_id] = line
        entries[application_id] = rank
    if problems:
        raise RankingSheetInvalid(problems)
    try:
        return ranking_save(program=program, partner=partner, entries=entries, by=by, submit=submit)
    except RankingInvalid as refused:
        receipts = {pk: receipt for receipt, pk in finalists.items()}
        problems = {}
        for key, messages in refused.problems.items():
            label = receipts.get(int(key.split(":")[1])) if key.startswith("entry:") else None
            problems[key] = [f"{label}: {m}" if label else m for m in messages]
        raise RankingSheetInvalid(problems) from None
