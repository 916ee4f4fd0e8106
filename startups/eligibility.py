"""Who may take part in a program. Pure: plain values in, reasons for a person out."""

import dataclasses
import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.validators import validate_company_age


@dataclasses.dataclass(frozen=True)
class DeclarationAnswered:
    text: str
    answer: bool | None
    excluding_answer: bool


def eligibility_reasons(
    *,
    max_company_age_years: int,
    founded_on: dt.date | None,
    is_pre_founder: bool,
    track_admits_pre_founders: bool,
    declarations: list[DeclarationAnswered],
    on: dt.date,
) -> list[str]:
    """Every reason the application is not eligible; empty when it is.

    A company qualifies while fewer than `max_company_age_years` full years have passed since
    its founding on the submission date (in the program's time zone); a pre-founder only in a
    track that admits them; an answer equal to a declaration's excluding answer excludes.
    """
    reasons = []
    if is_pre_founder:
        if not track_admits_pre_founders:
            reasons.append(_("This track does not admit pre-founders without a business registration number."))
    elif founded_on is not None:
        try:
            validate_company_age(founded_on, max_years=max_company_age_years, on=on)
        except ValidationError as error:
            reasons.extend(error.messages)
    for declaration in declarations:
        if declaration.answer is not None and declaration.answer == declaration.excluding_answer:
            reasons.append(
                _("Declared: %(statement)s — %(answer)s")
                % {
                    "statement": declaration.text,
                    "answer": _("yes") if declaration.answer else _("no"),
                }
            )
    return reasons
