"""Carry-over weights: which rounds' scores a round's final mixes in, and how much of each.

DESIGN.md, "Scoring", rule 3: final = Σ weight_i · round score_i over this and earlier rounds, the
weights adding up to 1. The admin, the scoring service and the demo loader all check with
`carry_over_check`, so the rule is written once.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from core.errors import DomainError
from matching.models import CarryOverWeight, EvaluationRound

ONE = Decimal("1")


def carry_over_check(*, round: EvaluationRound, entries: list[tuple[EvaluationRound, Decimal]]) -> None:
    """Refuse carry-over weights the scoring rules cannot use. No entries is fine (final = this round's
    score). Otherwise each source is this round or an earlier round (lower order) of the same program,
    named once, with a weight above 0 and at most 1; this round is among them; the weights add up to
    exactly 1."""
    if not entries:
        return
    seen: set[int] = set()
    for source, weight in entries:
        is_this_round = round.pk is not None and source.pk == round.pk
        if not is_this_round and source.program_id != round.program_id:
            raise DomainError(
                _("“%(source)s” is a round of another program; carry-over reads only rounds of this program.")
                % {"source": source},
                code="carry_over_other_program",
            )
        if not is_this_round and source.order >= round.order:
            raise DomainError(
                _(
                    "“%(source)s” (round %(source_order)s) does not come before this round (round %(order)s); "
                    "carry-over reads only earlier rounds and this one."
                )
                % {"source": source, "source_order": source.order, "order": round.order},
                code="carry_over_not_earlier",
            )
        if source.pk in seen:
            raise DomainError(
                _("“%(source)s” is listed more than once.") % {"source": source}, code="carry_over_repeated"
            )
        seen.add(source.pk)
        if not Decimal("0") < weight <= ONE:
            raise DomainError(
                _("The weight of “%(source)s” is %(weight)s; a weight must be above 0 and at most 1.")
                % {"source": source, "weight": weight},
                code="carry_over_weight_out_of_range",
            )
    if round.pk is None or round.pk not in seen:
        raise DomainError(
            _("Carry-over weights must include this round (“%(round)s”) itself.") % {"round": round.name},
            code="carry_over_without_round",
        )
    total = sum((weight for _source, weight in entries), Decimal("0"))
    if total != ONE:
        raise DomainError(
            _("Carry-over weights add up to %(total)s; they must add up to exactly 1.") % {"total": total},
            code="carry_over_not_one",
        )


def carry_over_source_rounds(*, round: EvaluationRound | None) -> QuerySet[EvaluationRound]:
    """The rounds a round may carry scores over from: itself and the earlier rounds of its program
    (none for a round not yet saved)."""
    if round is None or round.pk is None:
        return EvaluationRound.objects.none()
    return EvaluationRound.objects.filter(
        Q(pk=round.pk) | Q(program_id=round.program_id, order__lt=round.order)
    ).select_related("program")


def carry_over_check_saved(*, round: EvaluationRound) -> None:
    """`carry_over_check` over the round's saved carry-over weights (one query)."""
    weights = (
        CarryOverWeight.objects.filter(round=round)
        .select_related("source_round__program")
        .order_by("source_round__order")
    )
    carry_over_check(round=round, entries=[(w.source_round, w.weight) for w in weights])
