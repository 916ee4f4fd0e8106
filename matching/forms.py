from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from matching.models import EvaluationRound, Partner
from matching.services.score_import import scores_import_needs_reason
from startups.models import Sector


class WelcomeForm(forms.Form):
    """An invited evaluator's first visit: a password and what they know."""

    name = forms.CharField(label=_("name"), max_length=150)
    organisation = forms.CharField(label=_("organisation"), max_length=200, required=False)
    expertise = forms.ModelMultipleChoiceField(
        label=_("expertise"),
        queryset=Sector.objects.order_by("code"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Applications in these sectors are preferred for you."),
    )
    preferred_language = forms.ChoiceField(label=_("preferred language"), choices=settings.LANGUAGES)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password_again = forms.CharField(
        label=_("Password (again)"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self):
        data = super().clean()
        password = data.get("password")
        if password and password != data.get("password_again"):
            self.add_error("password_again", _("The two passwords differ."))
        elif password:
            try:
                password_validation.validate_password(password, self.user)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return data


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("e-mail address"))
    name = forms.CharField(label=_("name"), max_length=150)
    organisation = forms.CharField(label=_("organisation"), max_length=200, required=False)
    partner = forms.ModelChoiceField(
        label=_("partner"),
        queryset=Partner.objects.order_by("name"),
        required=False,
        help_text=_("Set when the evaluator is on the partner's staff."),
    )
    round = forms.ModelChoiceField(
        label=_("add to the pool of"),
        queryset=EvaluationRound.objects.select_related("program").exclude(status=EvaluationRound.Status.PUBLISHED),
        required=False,
    )


class ScoreSheetForm(forms.Form):
    """An offline score sheet: CSV or XLSX, one row per score."""

    MAX_SIZE = 5 * 1024 * 1024
    EXTENSIONS = (".csv", ".xlsx")

    sheet = forms.FileField(
        label=_("score sheet"),
        help_text=_(
            "CSV or Excel (.xlsx), at most 5 MB, with a header row naming the columns receipt_number (접수번호), "
            "evaluator_email (평가위원 이메일), criterion_code (평가항목 코드) and score (점수); one row per score. "
            "Other columns are ignored. Write scores with a decimal point and no thousands separators."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    reason = forms.CharField(
        label=_("reason for importing after closing"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "The round is closed, so its scores are locked. Say why these scores come in late (for example, "
            "paper sheets from the on-site panel); every changed score is recorded in the audit trail with it."
        ),
    )

    def __init__(self, *args, round_: EvaluationRound, **kwargs):
        super().__init__(*args, **kwargs)
        if not scores_import_needs_reason(round_):
            del self.fields["reason"]  # while a round is scoring an import needs no reason

    def clean_sheet(self):
        sheet = self.cleaned_data["sheet"]
        if not sheet.name.lower().endswith(self.EXTENSIONS):
            raise forms.ValidationError(_("Choose a .csv or .xlsx file."))
        if sheet.size > self.MAX_SIZE:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return sheet
