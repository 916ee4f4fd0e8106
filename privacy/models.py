"""Personal data under 개인정보보호법: the versioned statements people consent to, their consents, and
the record of each program's retention purge."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.i18n import localized


class PrivacyStatement(models.Model):
    """What a program collects, why, for how long and who receives it, in Korean and English.

    A published version is never edited: saving changes to it makes the next version
    (`privacy.services.statement_save`). A statement without a program is the site's own terms,
    agreed to at sign-up. The retention period counts from the end of the program (finalised or
    archived)."""

    program = models.ForeignKey(
        "matching.Program",
        verbose_name=_("program"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="privacy_statements",
        help_text=_("Leave empty for the site's own terms, agreed to at sign-up."),
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    purpose_ko = models.TextField(_("purpose (Korean)"))
    purpose_en = models.TextField(_("purpose (English)"), blank=True)
    items_ko = models.TextField(_("items collected (Korean)"))
    items_en = models.TextField(_("items collected (English)"), blank=True)
    retention_months = models.PositiveSmallIntegerField(
        _("retention period (months)"),
        default=36,
        help_text=_("Personal data is destroyed this many months after the program ends."),
    )
    third_parties_ko = models.TextField(
        _("recipients (Korean)"), blank=True, help_text=_("Partners who receive data. Empty: the program's partners.")
    )
    third_parties_en = models.TextField(_("recipients (English)"), blank=True)
    text_ko = models.TextField(_("full text (Korean)"))
    text_en = models.TextField(_("full text (English)"), blank=True)
    published_at = models.DateTimeField(_("published on"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("written by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("personal-data statement")
        verbose_name_plural = _("personal-data statements")
        ordering = ["program_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["program", "version"], name="privacy_statement_version_once"),
        ]

    def __str__(self) -> str:
        owner = self.program if self.program_id else _("Site terms")
        return _("%(owner)s, version %(version)d") % {"owner": owner, "version": self.version}

    # In the active language (Korean where the English is empty), for the pages people read.
    @property
    def purpose(self) -> str:
        return localized(self, "purpose")

    @property
    def items(self) -> str:
        return localized(self, "items")

    @property
    def third_parties(self) -> str:
        return localized(self, "third_parties")

    @property
    def text(self) -> str:
        return localized(self, "text")


class Consent(models.Model):
    """A person's agreement to one version of a statement, when and from where."""

    class Kind(models.TextChoices):
        SIGNUP = "signup", _("sign-up")
        SUBMISSION = "submission", _("submission")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE, related_name="consents"
    )
    statement = models.ForeignKey(
        PrivacyStatement,
        verbose_name=_("statement"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consents",
    )
    kind = models.CharField(_("given at"), max_length=16, choices=Kind.choices)
    # The version agreed to: the statement's, or the site terms' version setting where no statement exists.
    version = models.PositiveIntegerField(_("version"))
    application = models.ForeignKey(
        "startups.Application",
        verbose_name=_("application"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    given_at = models.DateTimeField(_("given at"))
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-given_at"]
        indexes = [models.Index(fields=["user", "statement"], name="consent_user_statement")]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.get_kind_display()} v{self.version}"


class RetentionPurge(models.Model):
    """A program whose personal data was destroyed at the end of its retention period (once)."""

    program = models.OneToOneField(
        "matching.Program", verbose_name=_("program"), on_delete=models.CASCADE, related_name="retention_purge"
    )
    purged_at = models.DateTimeField(_("purged"))
    counts = models.JSONField(_("what was done"), default=dict)

    class Meta:
        verbose_name = _("retention purge")
        verbose_name_plural = _("retention purges")

    def __str__(self) -> str:
        return str(self.program)


class ErasableUser(User):
    """People as staff see them when erasing one on request (the admin's erasure page)."""

    class Meta:
        proxy = True
        verbose_name = _("person's data (erasure)")
        verbose_name_plural = _("people's data (erasure)")
