"""Matching runs (staff: all of a run; a partner: its own matches of the published run), the body of
publishing, and staff's pins and conflicts."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from matching.models import MatchingConstraint, MatchingRun
from matching.reasons import matching_reason_text

STAFF_ONLY = "Staff only; left out for partners."


class MatchSerializer(serializers.Serializer):
    application = serializers.IntegerField(help_text="The selected application (startup).")
    partner = serializers.IntegerField()


class SeatsSerializer(serializers.Serializer):
    partner = serializers.IntegerField()
    seats = serializers.IntegerField()
    filled = serializers.IntegerField()


class UnmatchedSerializer(serializers.Serializer):
    application = serializers.IntegerField()
    code = serializers.CharField(
        help_text="`seats_filled_by_preferred`, `no_seats` or `no_acceptable_partner` (see `partners`, `no_seats`, "
        "`forbidden`)."
    )
    partners = serializers.ListField(child=serializers.IntegerField())
    no_seats = serializers.ListField(child=serializers.IntegerField(), required=False)
    forbidden = serializers.ListField(child=serializers.IntegerField(), required=False)
    reason = serializers.CharField(help_text="The reason in words, in the language of the request.")


class MatchingRunSerializer(serializers.ModelSerializer):
    """A matching run. Partners read only the published run in force, and in it only their own matches
    and seats; the unmatched, the check, the job and the fingerprint are for staff."""

    matches = serializers.SerializerMethodField()
    seats = serializers.SerializerMethodField()
    unmatched = serializers.SerializerMethodField()
    blocking_pairs = serializers.JSONField(read_only=True, help_text="[application, partner] pairs; [] when stable.")

    optional_fields = dict.fromkeys(("unmatched", "blocking_pairs", "fingerprint", "job"), STAFF_ONLY)

    class Meta:
        model = MatchingRun
        fields = [
            "id",
            "program",
            "created_at",
            "published_at",
            "matches",
            "seats",
            "unmatched",
            "blocking_pairs",
            "fingerprint",
            "job",
        ]
        read_only_fields = fields

    def _partners(self) -> frozenset[int] | None:
        return self.context.get("partner_ids")

    @extend_schema_field(MatchSerializer(many=True))
    def get_matches(self, run: MatchingRun) -> list[dict[str, int]]:
        mine = self._partners()
        return [
            {"application": int(a), "partner": p}
            for a, p in sorted(run.assignment.items(), key=lambda kv: int(kv[0]))
            if mine is None or p in mine
        ]

    @extend_schema_field(SeatsSerializer(many=True))
    def get_seats(self, run: MatchingRun) -> list[dict[str, int]]:
        mine = self._partners()
        return [
            {"partner": int(p), "seats": seats, "filled": filled}
            for p, (filled, seats) in sorted(run.seats.items(), key=lambda kv: int(kv[0]))
            if mine is None or int(p) in mine
        ]

    @extend_schema_field(UnmatchedSerializer(many=True))
    def get_unmatched(self, run: MatchingRun) -> list[dict[str, Any]]:
        names = self.context.get("partner_names", {})
        return [
            {
                "application": int(a),
                **reason,
                "reason": matching_reason_text(reason, partner_names=names),
            }
            for a, reason in sorted(run.unmatched.items(), key=lambda kv: int(kv[0]))
        ]

    def to_representation(self, run: MatchingRun) -> dict[str, Any]:
        data = super().to_representation(run)
        if self._partners() is not None:
            for name in self.optional_fields:
                data.pop(name, None)
        return data


class MatchingConstraintSerializer(serializers.ModelSerializer):
    """A pin (`pinned`: always matched) or a conflict (`forbidden`: never matched) of a selected startup
    and a program partner, with the reason; applied from the next run. Posting a pair again changes it."""

    reason = serializers.CharField(help_text="Why; kept in the audit trail.")

    class Meta:
        model = MatchingConstraint
        fields = ["id", "program", "application", "partner", "kind", "reason", "created_at"]
        read_only_fields = ["id", "created_at"]
        validators = []  # one per pair: posting a pair again changes its kind and reason
