from django import forms
from django.utils.translation import gettext_lazy as _

from core.validators import format_brn, normalize_brn


class BusinessRegistrationNumberField(forms.CharField):
    """Takes `1248100998` or `124-81-00998`, checks the check digit, cleans to the 10 digits."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 12)
        kwargs.setdefault("help_text", _("10 digits, with or without hyphens: 124-81-00998."))
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("inputmode", "numeric")
        self.widget.attrs.setdefault("autocomplete", "off")

    def prepare_value(self, value):
        return format_brn(value) if value and len(str(value)) == 10 else value

    def to_python(self, value):
        value = super().to_python(value)
        return normalize_brn(value) if value else None

    def validate(self, value):
        if value is None and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")
