"""Reasons and tie-break notes of round results, stored as codes with parameters, read as sentences.

`matching.scoring` writes them as plain dicts (`{"code": "below_threshold", "criterion": "tech",
"mean": "0.3800", "threshold": "0.4"}`); this module is the one place that turns them into words,
in the language active when they are shown. Criteria are named by their label where the caller
passes the round's labels (`criterion code → label`), else by their code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from matching import scoring


def _criterion(params: Mapping[str, Any], labels: Mapping[str, str] | None) -> str:
    code = str(params.get("criterion", ""))
    return (labels or {}).get(code) or code


def fail_reason_text(reason: Any, *, labels: Mapping[str, str] | None = None) -> str:
    """One reason why an application cannot advance, as a sentence."""
    if not isinstance(reason, Mapping):
        return str(reason)  # a sentence stored before reasons became codes
    code = reason.get("code")
    if code == scoring.NO_REVIEWS:
        return _("No submitted reviews.")
    if code == scoring.NO_EARLIER_SCORE:
        return _("No score in round %(round)s, which this round carries over.") % {"round": reason.get("round")}
    if code == scoring.BELOW_THRESHOLD:
        return _("%(criterion)s: mean %(mean)s of the maximum is below the fail threshold %(threshold)s.") % {
            "criterion": _criterion(reason, labels),
            "mean": reason.get("mean"),
            "threshold": reason.get("threshold"),
        }
    return str(reason.get("text") or code)


def fail_reasons_text(reasons: Iterable[Any] | None, *, labels: Mapping[str, str] | None = None) -> str:
    return " ".join(fail_reason_text(reason, labels=labels) for reason in reasons or ())


def tie_break_text(note: Mapping[str, Any] | None, *, labels: Mapping[str, str] | None = None) -> str:
    """Why a result ranks below the one above it although both show the same final score."""
    if not note:
        return ""
    code = note.get("code")
    if code == scoring.TIE_EXACT_SCORE:
        return _("Tie as shown — the unrounded final score is lower")
    if code == scoring.TIE_CRITERION:
        return _("Tie — %(criterion)s mean %(above)s vs %(this)s") % {
            "criterion": _criterion(note, labels),
            "above": note.get("above"),
            "this": note.get("this"),
        }
    if code == scoring.TIE_FIRST_SUBMISSION:
        return _("Tie — the one above submitted first")
    return _("Tie — decided by the order of the applications")


def exact_value(result: Any, name: str) -> Any:
    """A stored result's exact value (`final`, `round_score`, …), or its 4-decimal copy for results
    computed before exact values were kept."""
    text = (getattr(result, "exact", None) or {}).get(name)
    if text is not None:
        return scoring.from_text(text)
    return getattr(result, {"final": "final_score"}.get(name, name), None)


def shown(result: Any, name: str, places: int = 2) -> Decimal | None:
    """The value a page shows: half up from the exact value, 2 decimals (the API and exports: 4)."""
    value = exact_value(result, name)
    return None if value is None else scoring.rounded(scoring.exact(value), places)
