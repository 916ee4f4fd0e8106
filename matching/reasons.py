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

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from matching import scoring, stable


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


# --- stable matching: why a selected startup has no partner ----------------------------------------

# Korean particles chosen by the word's last sound (DESIGN "Interfaces": never "와(과)"). Latin
# letters and digits are read as Korean readers say them: "Google" 구글 (과), "OpenAI" 오픈에이아이 (와).
_LETTER_ENDS_IN_CONSONANT = set("LMNR")  # 엘, 엠, 엔, 알 — spelled-out capitals (IBM, AWS …)
_DIGIT_ENDS_IN_CONSONANT = set("0136780")  # 영, 일, 삼, 육, 칠, 팔, (십)


def _ends_in_consonant(word: str) -> bool:
    """Whether `word` ends in a consonant (받침) as a Korean reader says it."""
    text = word.rstrip(" )]}\"'”’.")
    if not text:
        return False
    last = text[-1]
    if "가" <= last <= "힣":
        return (ord(last) - ord("가")) % 28 != 0
    if last.isdigit():
        return last in _DIGIT_ENDS_IN_CONSONANT
    if last.isascii() and last.isalpha():
        tail = text[-3:]
        if tail.isupper() and len(text) <= 5 and text.isalnum():  # an acronym is read letter by letter
            return last in _LETTER_ENDS_IN_CONSONANT
        lower = text.lower()
        return lower.endswith(("l", "le", "m", "n", "ng", "ck", "k", "b", "p", "t")) and not lower.endswith("ght")
    return False


def with_particle(word: str, after_consonant: str, after_vowel: str) -> str:
    """`word` followed by the particle that agrees with it: `with_particle("구글", "과", "와")` → "구글과"."""
    return word + (after_consonant if _ends_in_consonant(word) else after_vowel)


def names_and(names: list[str]) -> str:
    """Names joined as a list: "A, B and C" in English; "A, B와 C" in Korean (the particle agrees with the word)."""
    names = [str(n) for n in names]
    if len(names) <= 1:
        return "".join(names)
    language = (get_language() or "ko")[:2]
    head = ", ".join(names[:-1])
    if language == "ko":
        return f"{with_particle(head, '과', '와')} {names[-1]}"
    return _("%(names)s and %(last)s") % {"names": head, "last": names[-1]}


def _partner_names(ids: Iterable[Any], names: Mapping[Any, str] | None) -> list[str]:
    names = names or {}
    return [names.get(i) or names.get(str(i)) or str(i) for i in ids]


def matching_reason_text(reason: Any, *, partner_names: Mapping[Any, str] | None = None) -> str:
    """Why a selected startup was left without a partner by a matching run (`matching.stable`'s reason
    codes), as sentences naming the partners (`partner id → name`)."""
    if not isinstance(reason, Mapping):
        return str(reason or "")
    code = reason.get("code")
    partners = _partner_names(reason.get("partners") or (), partner_names)
    sentences = []
    if code == stable.SEATS_FILLED_BY_PREFERRED:
        if len(partners) == 1:
            sentences.append(
                _("%(partner)s filled its seats with startups it ranked higher.") % {"partner": partners[0]}
            )
        else:
            sentences.append(
                _("%(partners)s filled their seats with startups they ranked higher.")
                % {"partners": names_and(partners)}
            )
        no_seats = _partner_names(reason.get("no_seats") or (), partner_names)
        if no_seats:
            sentences.append(_no_seat_left(no_seats))
    elif code == stable.NO_SEATS:
        sentences.append(_no_seat_left(partners))
    elif code == stable.NO_ACCEPTABLE_PARTNER:
        forbidden = _partner_names(reason.get("forbidden") or (), partner_names)
        if not partners and not forbidden:
            sentences.append(_("The startup ranked no partner of the program."))
        if partners:
            if len(partners) == 1:
                sentences.append(_("%(partner)s did not rank this startup.") % {"partner": partners[0]})
            else:
                sentences.append(_("None of %(partners)s ranked this startup.") % {"partners": names_and(partners)})
        if forbidden:
            sentences.append(
                _("Staff ruled out a match with %(partners)s (a conflict).") % {"partners": names_and(forbidden)}
            )
    else:
        sentences.append(str(reason.get("text") or code or ""))
    return " ".join(sentences)


def _no_seat_left(partners: list[str]) -> str:
    if len(partners) == 1:
        return _("%(partner)s had no seat left open (none, or every seat pinned).") % {"partner": partners[0]}
    return _("%(partners)s had no seat left open (none, or every seat pinned).") % {"partners": names_and(partners)}
