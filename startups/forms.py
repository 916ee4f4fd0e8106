"""Applicant forms. They parse what was typed and lay it out; the services decide what is valid."""

import dataclasses
import functools
from decimal import InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import BusinessRegistrationNumberField
from core.i18n import localized, localized_value
from matching.models import Question, Track
from startups.answers import answer_display, clean_answer, format_number, text_limit
from startups.models import Application, Attachment, Sector, Startup
from startups.selectors import ProgramForm
from startups.services.applications import english_questions
from startups.services.attachments import accepted_kinds, kinds_label, size_limit
from startups.services.startups import PROFILE_FIELDS

K = Question.Kind
YES, NO = "yes", "no"


# ---------------------------------------------------------------- startup profile


class WholeNumberField(forms.IntegerField):
    """A whole number that may be typed with thousands separators or a unit: `350,000,000원`."""

    def prepare_value(self, value):
        return f"{value:,}" if isinstance(value, int) else value

    def to_python(self, value):
        if isinstance(value, str):
            value = value.replace(",", "").replace(" ", "").replace("원", "").replace("₩", "").replace("명", "")
        return super().to_python(value)


class StartupProfileForm(forms.ModelForm):
    brn = BusinessRegistrationNumberField(
        required=False,
        label=_("Business registration number"),
        help_text=_(
            "10 digits, with or without hyphens (124-81-00998). Leave it empty if you are a pre-founder "
            "(no business registration yet): only tracks that admit pre-founders will accept your application."
        ),
    )
    founded_on = forms.DateField(
        required=False,
        label=_("Founding date"),
        help_text=_("The date on your business registration certificate."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter a date such as 2021-03-15.")},
    )
    employees = WholeNumberField(
        label=_("Employees"),
        min_value=0,
        max_value=1_000_000,
        help_text=_("Full-time staff, including the CEO."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={
            "invalid": _("Enter the number of people as digits, e.g. 12."),
            "min_value": _("The number of employees cannot be negative."),
            "max_value": _("Enter the number of people as digits, e.g. 12."),
        },
    )
    annual_revenue_krw = WholeNumberField(
        label=_("Annual revenue (KRW)"),
        min_value=0,
        max_value=10**15,
        help_text=_("Last year's revenue in won, e.g. 350,000,000. Enter 0 if you have none yet."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={
            "invalid": _("Enter the amount in won as digits, e.g. 350000000 or 350,000,000."),
            "min_value": _("Revenue cannot be negative; enter 0 if you have none yet."),
            "max_value": _("Enter the amount in won as digits, e.g. 350000000 or 350,000,000."),
        },
    )
    website = forms.URLField(
        label=_("Website"),
        required=False,
        max_length=200,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
    )
    sectors = forms.ModelMultipleChoiceField(
        label=_("Sectors"),
        queryset=Sector.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Pick every sector your company works in; evaluators with matching expertise are preferred."),
    )

    class Meta:
        model = Startup
        fields = [*PROFILE_FIELDS, "sectors"]
        labels = {
            "name_ko": _("Company name (Korean)"),
            "name_en": _("Company name (English)"),
            "ceo_name": _("CEO"),
            "description": _("What the company does"),
        }
        help_texts = {
            "name_ko": _("As on the business registration, e.g. 주식회사 매치데이. Pre-founders: the planned name."),
            "description": _("Two or three sentences; shown to staff and evaluators with your application."),
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    BONUS_FLAGS = ("women_owned", "social_venture", "disability_owned", "non_capital_region")

    def clean_founded_on(self):
        founded_on = self.cleaned_data.get("founded_on")
        if founded_on and founded_on > timezone.localdate():
            raise forms.ValidationError(_("The founding date cannot be in the future."), code="founded_in_future")
        return founded_on

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("brn") and not cleaned.get("founded_on") and "founded_on" not in self.errors:
            self.add_error("founded_on", _("Enter the founding date of your registered company."))
        return cleaned

    def validate_unique(self):
        # A BRN that is taken is not a form error: the service offers to join that startup instead.
        pass

    def main_fields(self):
        return [self[name] for name in self.fields if name not in self.BONUS_FLAGS and name != "sectors"]

    def bonus_fields(self):
        return [self[name] for name in self.BONUS_FLAGS]


class WithdrawForm(forms.Form):
    understood = forms.BooleanField(
        label=_("I understand that a withdrawn application cannot be submitted again."),
        error_messages={"required": _("Tick the box to confirm that you want to withdraw.")},
    )
    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Helps the program team; it does not change anything."),
    )


# ---------------------------------------------------------------- application form


@dataclasses.dataclass
class Option:
    value: str
    label: str
    id: str
    checked: bool
    note: str = ""


@dataclasses.dataclass
class Item:
    """One question of the application form, ready for the template (edit and review pages)."""

    key: str  # the services' field key: title, summary, track, question:<code>, declaration:<code>, preferences
    name: str  # the form field's name
    label: str
    kind: str  # text, textarea, number, date, url, radio, checkbox, file, select
    required: bool = True
    help: str = ""
    value: Any = ""
    options: list[Option] = dataclasses.field(default_factory=list)
    errors: list[str] = dataclasses.field(default_factory=list)
    max_length: int | None = None
    attachment: Attachment | None = None
    accept: str = ""
    limit_mb: int | None = None
    types: str = ""  # the file types a file question takes, for its help line
    suffix: str = ""  # the unit beside a number's input: 원, 명, %
    inline: bool = False  # yes/no: the two options side by side
    display: Any = None  # the saved answer written for people (review page)

    @property
    def id(self) -> str:
        return f"id_{self.name}"

    @property
    def anchor(self) -> str:
        """The element a link to this question points at: the control, or a group's first option."""
        return f"{self.id}_0" if self.kind in ("radio", "checkbox") else self.id

    @property
    def char_count(self) -> int:
        # Counted the way the server counts: a line break is one character.
        return len(str(self.value or "").replace("\r\n", "\n"))

    @property
    def is_group(self) -> bool:
        return self.kind in ("radio", "checkbox")

    @property
    def described_by(self) -> str:
        ids = [f"{self.id}_helptext"] if self.help or self.kind == "file" else []
        if self.errors:
            ids.append(f"{self.id}_error")
        return " ".join(ids)


@dataclasses.dataclass
class TrackGroup:
    track: Track
    items: list[Item]
    shown: bool


def choice_label(choice: dict) -> str:
    return localized_value(choice, "label") or str(choice.get("value"))


class RawMultipleField(forms.Field):
    """The checked values of a checkbox group, as given (the service checks them)."""

    widget = forms.CheckboxSelectMultiple

    def to_python(self, value):
        return [str(v) for v in value or []]


KIND_WIDGET = {
    K.SHORT_TEXT: "text",
    K.LONG_TEXT: "textarea",
    K.NUMBER: "number",
    K.DATE: "date",
    K.URL: "url",
    K.SINGLE_CHOICE: "radio",
    K.MULTIPLE_CHOICE: "checkbox",
    K.YES_NO: "radio",
    K.FILE: "file",
}


UNIT_SUFFIX = {Question.Unit.WON: _("won"), Question.Unit.PEOPLE: _("people"), Question.Unit.PERCENT: "%"}


def _answer_as_text(question: Question, value: Any) -> Any:
    if value is None:
        return [] if question.kind == K.MULTIPLE_CHOICE else ""
    if question.kind == K.YES_NO:
        return YES if value else NO
    if question.kind == K.MULTIPLE_CHOICE:
        return [str(v) for v in value]
    if question.kind == K.NUMBER:
        # Shown with thousands separators, which the service reads back as they are.
        try:
            return format_number(value)
        except InvalidOperation:
            return str(value)
    return str(value)


class ApplicationForm(forms.Form):
    """The application's one form. Every field takes what was typed as it is; `draft_values()` hands
    it to `application_save_draft`, whose messages come back through `show_errors()`."""

    def __init__(self, data=None, files=None, *, application: Application, parts: ProgramForm, **kwargs):
        self.application, self.parts = application, parts
        super().__init__(data, files, initial=self._saved_values(), **kwargs)
        # An answer a draft kept as typed shows with its message from the start.
        self.problems: dict[str, list[str]] = self._typed_problems()
        self.fields["title"] = forms.CharField(required=False, strip=False)
        self.fields["summary"] = forms.CharField(required=False, strip=False)
        if self.english:
            self.fields["summary_en"] = forms.CharField(required=False, strip=False)
        for question in self.english_questions:
            self.fields[self.english_field(question)] = forms.CharField(required=False, strip=False)
        if parts.tracks:
            self.fields["track"] = forms.CharField(required=False)
        for question in parts.questions:
            self.fields[self.question_field(question)] = self._question_field(question)
        for declaration in parts.declarations:
            self.fields[f"d_{declaration.code}"] = forms.CharField(required=False)
        for rank in self.preference_ranks:
            self.fields[f"pref_{rank}"] = forms.CharField(required=False)

    # -- parsing

    @property
    def english(self) -> bool:
        """The program asks for an English summary and English answers to the text questions shown to partners."""
        return self.application.program.english_for_partners

    @property
    def english_questions(self) -> list[Question]:
        return english_questions(self.application.program, self.parts.questions)

    @staticmethod
    def question_field(question: Question) -> str:
        return f"q_{question.code}"

    @staticmethod
    def english_field(question: Question) -> str:
        return f"qen_{question.code}"

    @staticmethod
    def _question_field(question: Question) -> forms.Field:
        if question.kind == K.FILE:
            # Empty and oversized files are refused by attachment_add, with its own message.
            return forms.FileField(required=False, allow_empty_file=True)
        if question.kind == K.MULTIPLE_CHOICE:
            return RawMultipleField(required=False)
        return forms.CharField(required=False, strip=False)

    @property
    def preference_ranks(self) -> range:
        return range(1, len(self.parts.partners) + 1) if len(self.parts.partners) > 1 else range(0)

    @functools.cached_property
    def _saved_answers(self) -> dict[int, Any]:
        """The application's saved answer rows by question id (read once per form)."""
        return {a.question_id: a for a in self.application.answers.all()}

    def _saved_values(self) -> dict[str, Any]:
        app = self.application
        saved = self._saved_answers
        declared = {d.declaration_id: d.answer for d in app.declaration_answers.all()}
        ranked = {p.rank: p.partner_id for p in app.partner_preferences.all()}
        values = {"title": app.title, "summary": app.summary, "track": str(app.track_id or "")}
        for question in self.parts.questions:
            answer = saved.get(question.pk)
            values[self.question_field(question)] = (answer and answer.typed) or _answer_as_text(
                question, answer.value if answer else None
            )
        if self.english:
            english = {pk: answer.value_en for pk, answer in saved.items()}
            values["summary_en"] = app.summary_en
            for question in self.english_questions:
                values[self.english_field(question)] = english.get(question.pk, "")
        for declaration in self.parts.declarations:
            answer = declared.get(declaration.pk)
            values[f"d_{declaration.code}"] = "" if answer is None else (YES if answer else NO)
        for rank in range(1, len(self.parts.partners) + 1):
            values[f"pref_{rank}"] = str(ranked.get(rank, ""))
        return values

    def _typed_problems(self) -> dict[str, list[str]]:
        """The messages for answers kept as typed, as the service words them."""
        questions = {q.pk: q for q in self.parts.questions}
        problems = {}
        for answer in self._saved_answers.values():
            if answer.typed and answer.question_id in questions:
                question = questions[answer.question_id]
                try:
                    clean_answer(question, answer.typed)
                except ValidationError as error:
                    problems[f"question:{question.code}"] = list(error.messages)
        return problems

    @property
    def chosen_track_id(self) -> str:
        if self.is_bound and "track" in self.fields:
            return str(self.data.get("track", "") or "")
        return str(self.application.track_id or "")

    def is_shown(self, question: Question) -> bool:
        return question.track_id is None or str(question.track_id) == self.chosen_track_id

    def draft_values(self) -> dict[str, Any]:
        """Keyword arguments for application_save_draft from a valid (always, by design) bound form."""
        data = self.cleaned_data
        values: dict[str, Any] = {"title": data["title"], "summary": data["summary"]}
        if "track" in self.fields:
            values["track_id"] = data["track"] or None
        values["answers"] = {
            q.pk: data[self.question_field(q)] for q in self.parts.questions if q.kind != K.FILE and self.is_shown(q)
        }
        values["declarations"] = {
            d.pk: {YES: True, NO: False}.get(data[f"d_{d.code}"]) for d in self.parts.declarations
        }
        if self.english:
            values["summary_en"] = data["summary_en"]
            shown = [q for q in self.english_questions if self.is_shown(q)]
            values["answers_en"] = {q.pk: data[self.english_field(q)] for q in shown}
        if self.preference_ranks:
            values["preferences"] = [data[f"pref_{rank}"] for rank in self.preference_ranks]
        return values

    def uploads(self) -> list[tuple[Question, Any]]:
        return [
            (q, self.cleaned_data[self.question_field(q)])
            for q in self.parts.questions
            if q.kind == K.FILE and self.is_shown(q) and self.cleaned_data.get(self.question_field(q))
        ]

    def show_errors(self, problems: dict[str, list[str]]) -> None:
        self.problems = {key: [str(m) for m in messages] for key, messages in problems.items()}

    # -- layout

    def _value(self, name: str) -> Any:
        return self[name].value()

    def _problems_for(self, key: str) -> list[str]:
        return self.problems.get(key, [])

    def core_items(self) -> list[Item]:
        return [
            Item(
                key="title",
                name="title",
                label=str(_("Project title")),
                kind="text",
                help=str(_("One line that says what you will build with the partner.")),
                value=self._value("title"),
                max_length=200,
                errors=self._problems_for("title"),
                display=self.application.title,
            ),
            Item(
                key="summary",
                name="summary",
                label=str(_("Summary")),
                kind="textarea",
                help=str(_("A short summary of the project that evaluators read first.")),
                value=self._value("summary"),
                errors=self._problems_for("summary"),
                display=self.application.summary,
            ),
            *(
                [
                    Item(
                        key="summary_en",
                        name="summary_en",
                        label=str(_("Summary in English")),
                        kind="textarea",
                        help=str(_("The program's partners read this first.")),
                        value=self._value("summary_en"),
                        errors=self._problems_for("summary_en"),
                        display=self.application.summary_en,
                    )
                ]
                if self.english
                else []
            ),
        ]

    def track_item(self) -> Item | None:
        if "track" not in self.fields:
            return None
        chosen = self.chosen_track_id
        options = [
            Option(
                value=str(track.pk),
                label=str(track),
                id=f"id_track_{index}",
                checked=str(track.pk) == chosen,
                note=str(_("Pre-founders admitted")) if track.admits_pre_founders else "",
            )
            for index, track in enumerate(self.parts.tracks)
        ]
        return Item(
            key="track",
            name="track",
            label=str(_("Track")),
            kind="radio",
            help=str(_("Pick the track that fits your project; some questions depend on it.")),
            value=chosen,
            options=options,
            errors=self._problems_for("track"),
            display=str(self.application.track) if self.application.track_id else "",
        )

    def _question_item(self, question: Question, attachments: dict[int, Attachment]) -> Item:
        name = self.question_field(question)
        kind = KIND_WIDGET[question.kind]
        value = self._value(name) if question.kind != K.FILE else ""
        item = Item(
            key=f"question:{question.code}",
            name=name,
            label=localized(question, "label"),
            kind=kind,
            required=question.required,
            help=localized(question, "help"),
            value=value,
            errors=self._problems_for(f"question:{question.code}"),
            max_length=text_limit(question),
        )
        if question.kind == K.SINGLE_CHOICE:
            item.options = self._options(
                name, [(str(c.get("value")), choice_label(c)) for c in question.choices], value
            )
        elif question.kind == K.MULTIPLE_CHOICE:
            chosen = set(value or [])
            item.options = [
                Option(
                    value=str(c.get("value")),
                    label=choice_label(c),
                    id=f"id_{name}_{i}",
                    checked=str(c.get("value")) in chosen,
                )
                for i, c in enumerate(question.choices)
            ]
        elif question.kind == K.YES_NO:
            item.options = self._options(name, [(YES, str(_("Yes"))), (NO, str(_("No")))], value)
            item.inline = True
        elif question.kind == K.FILE:
            item.attachment = attachments.get(question.pk)
            item.limit_mb = size_limit(question) // (1024 * 1024)
            kinds = accepted_kinds(question)
            item.accept = ",".join(ext for kind in kinds.values() for ext in kind.extensions)
            item.types = kinds_label(kinds)
        elif question.kind == K.NUMBER:
            item.suffix = str(UNIT_SUFFIX.get(question.unit, ""))
        item.display = self._display(question, item)
        return item

    def _english_item(self, question: Question) -> Item:
        name = self.english_field(question)
        return Item(
            key=f"question_en:{question.code}",
            name=name,
            label=str(_("%(question)s (in English)")) % {"question": localized(question, "label")},
            kind=KIND_WIDGET[question.kind],
            required=question.required,
            help=str(_("The program's partners read this answer in English.")),
            value=self._value(name),
            errors=self._problems_for(f"question_en:{question.code}"),
            max_length=text_limit(question),
            display=self.initial.get(name, ""),
        )

    def _items_for(self, question: Question, attachments: dict[int, Attachment]) -> list[Item]:
        """The question, then its English answer where the program asks for one."""
        english = [self._english_item(question)] if question in self.english_questions else []
        return [self._question_item(question, attachments), *english]

    @staticmethod
    def _options(name: str, pairs: list[tuple[str, str]], value: Any) -> list[Option]:
        return [
            Option(value=v, label=label, id=f"id_{name}_{i}", checked=str(value) == v)
            for i, (v, label) in enumerate(pairs)
        ]

    def _display(self, question: Question, item: Item) -> Any:
        """The saved answer as people read it (the saved value, never what was typed)."""
        answer = self._saved_answers.get(question.pk)
        return answer_display(question, answer.value if answer else None)

    def question_groups(self) -> tuple[list[Item], list[TrackGroup]]:
        """Questions for every track, then one group per track with its own questions."""
        attachments = {a.question_id: a for a in getattr(self.application, "current", []) if a.question_id}
        general = [item for q in self.parts.questions if q.track_id is None for item in self._items_for(q, attachments)]
        groups = []
        for track in self.parts.tracks:
            items = [
                item for q in self.parts.questions if q.track_id == track.pk for item in self._items_for(q, attachments)
            ]
            if items:
                groups.append(TrackGroup(track=track, items=items, shown=str(track.pk) == self.chosen_track_id))
        return general, groups

    def declaration_items(self) -> list[Item]:
        items = []
        for declaration in self.parts.declarations:
            name = f"d_{declaration.code}"
            value = self._value(name)
            item = Item(
                key=f"declaration:{declaration.code}",
                name=name,
                label=str(declaration),
                kind="radio",
                value=value,
                options=self._options(name, [(YES, str(_("Yes"))), (NO, str(_("No")))], value),
                inline=True,
                errors=self._problems_for(f"declaration:{declaration.code}"),
            )
            saved = self.initial.get(name)
            item.display = {YES: _("Yes"), NO: _("No")}.get(saved, "")
            items.append(item)
        return items

    def preference_items(self) -> list[Item]:
        if not self.preference_ranks:
            return []
        partners = [(str(pp.partner_id), str(pp.partner)) for pp in self.parts.partners]
        names = dict(partners)
        items = []
        for rank in self.preference_ranks:
            name = f"pref_{rank}"
            value = str(self._value(name) or "")
            items.append(
                Item(
                    key="preferences",
                    name=name,
                    label=_ordinal_choice(rank),
                    kind="select",
                    required=rank == 1,
                    value=value,
                    options=[Option(value=v, label=label, id="", checked=v == value) for v, label in partners],
                    errors=self._problems_for("preferences") if rank == 1 else [],
                    display=names.get(str(self.initial.get(name) or ""), ""),
                )
            )
        return items

    def error_summary(self) -> list[tuple[str, str, str]]:
        """(anchor, label, message) for every problem, in the order of the form."""
        items = [*self.core_items()]
        if track := self.track_item():
            items.append(track)
        general, groups = self.question_groups()
        items += general + [item for group in groups for item in group.items]
        items += self.declaration_items() + self.preference_items()[:1]
        seen, summary = set(), []
        for item in items:
            for message in self.problems.get(item.key, []):
                if (item.key, message) not in seen:
                    seen.add((item.key, message))
                    label = str(_("Partner preferences")) if item.key == "preferences" else item.label
                    summary.append((item.anchor, label, message))
        known = {item.key for item in items}
        for key, messages in self.problems.items():
            if key not in known:
                summary += [("", "", m) for m in messages]
        return summary


def _ordinal_choice(rank: int) -> str:
    if rank == 1:
        return str(_("1st choice"))
    if rank == 2:
        return str(_("2nd choice"))
    if rank == 3:
        return str(_("3rd choice"))
    return str(_("Choice %(rank)s")) % {"rank": rank}
