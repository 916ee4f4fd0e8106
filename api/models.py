from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiKey(models.Model):
    """A credential for an integration. The key acts as its `user` (a staff member, a partner's
    member, an evaluator), limited to its scopes and, for a partner's integration, to that partner's
    programs. Only a hash of the key is stored; the key itself is shown once, when it is created."""

    class Scope(models.TextChoices):
        PROGRAMS_READ = "programs:read", _("read programs, tracks, rounds and criteria")
        APPLICATIONS_READ = "applications:read", _("read applications, startups and results")
        REVIEWS_WRITE = "reviews:write", _("read own assignments; write and submit own reviews")
        ROUNDS_MANAGE = "rounds:manage", _("open and close, assign, compute, publish, finalise, withdraw")
        EXPORTS_READ = "exports:read", _("download exports")
        WEBHOOKS_MANAGE = "webhooks:manage", _("manage webhook subscriptions")

    name = models.CharField(_("name"), max_length=120, help_text=_("What the key is for, e.g. “ministry portal”."))
    prefix = models.CharField(_("key prefix"), max_length=16, unique=True, editable=False)
    key_hash = models.CharField(_("key hash"), max_length=64, editable=False)
    scopes = models.JSONField(_("scopes"), default=list)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acts as"),
        on_delete=models.CASCADE,
        related_name="api_keys",
        help_text=_("The account whose permissions the key has (within its scopes)."),
    )
    partner = models.ForeignKey(
        "matching.Partner",
        verbose_name=_("partner"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="api_keys",
        help_text=_("For a partner's integration: the key sees only this partner's programs."),
    )
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class IdempotencyRecord(models.Model):
    """The response to a POST sent with an `Idempotency-Key` header, replayed when the same caller
    sends the same key again: a retried request has no second effect."""

    caller = models.CharField(_("caller"), max_length=64)  # "key:<id>" or "user:<id>"
    key = models.CharField(_("idempotency key"), max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=500)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)  # null while the first is running
    response = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [models.UniqueConstraint(fields=["caller", "key"], name="idempotency_caller_key_unique")]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created")]

    def __str__(self) -> str:
        return f"{self.caller} {self.method} {self.path} ({self.key})"
