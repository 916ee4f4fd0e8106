"""A partner's ranking of a program's finalists, as read and as written through the API."""

from collections import Counter

from django.utils.translation import gettext as _
from rest_framework import serializers

from matching.models import PartnerRanking, ProgramPartner
from matching.services.rankings import NOT_INTERESTED, RankingInvalid, ranking_open


class RankingEntrySerializer(serializers.Serializer):
    application = serializers.IntegerField(min_value=1, help_text="The finalist's application id.")
    receipt_number = serializers.CharField(read_only=True)
    rank = serializers.IntegerField(
        min_value=1, required=False, allow_null=True, help_text="1 is the first choice; unique in the ranking."
    )
    not_interested = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs):
        if attrs.get("rank") is not None and attrs.get("not_interested"):
            raise serializers.ValidationError(_("Give a rank or mark the startup not interested, not both."))
        return attrs


class RankingSerializer(serializers.Serializer):
    """One partner's ranking for one program (an empty draft before the first save)."""

    program = serializers.IntegerField(source="link.program_id")
    partner = serializers.IntegerField(source="link.partner_id")
    partner_name = serializers.CharField(source="link.partner.name")
    ranks_by_round = serializers.BooleanField(
        help_text="The partner's ranking is a round's results; nothing to submit."
    )
    status = serializers.ChoiceField(choices=[*PartnerRanking.Status.values, "not_started"])
    submitted_at = serializers.DateTimeField(allow_null=True)
    deadline = serializers.DateTimeField(source="link.program.ranking_deadline", allow_null=True)
    editable = serializers.BooleanField(help_text="Before the ranking deadline.")
    entries = RankingEntrySerializer(many=True)


class RankingWriteSerializer(serializers.Serializer):
    entries = RankingEntrySerializer(many=True, help_text="The whole ranking: finalists left out are undecided.")

    def validate_entries(self, entries):
        # Read into a dict by application, a finalist named twice would keep only its last entry, silently.
        # Refused in the service's words and shape (422, `entry:<id>`), like a rank given twice.
        seen = Counter(entry["application"] for entry in entries)
        twice = {f"entry:{pk}": [_("Each finalist appears once in the ranking.")] for pk, n in seen.items() if n > 1}
        if twice:
            raise RankingInvalid(twice)
        return entries

    def service_entries(self) -> dict[int, object]:
        return {
            entry["application"]: NOT_INTERESTED if entry.get("not_interested") else entry.get("rank")
            for entry in self.validated_data["entries"]
        }


def ranking_view(link: ProgramPartner, ranking: PartnerRanking | None) -> dict:
    """What RankingSerializer reads, from a link (program and partner loaded) and its ranking (entries
    with their application prefetched) or None."""
    entries = (
        sorted(ranking.entries.all(), key=lambda e: (e.rank is None, e.rank or 0, e.application_id)) if ranking else []
    )
    return {
        "link": link,
        "ranks_by_round": link.ranking_round_id is not None,
        "status": ranking.status if ranking else "not_started",
        "submitted_at": ranking.submitted_at if ranking else None,
        "editable": ranking_open(link.program) and link.ranking_round_id is None,
        "entries": [
            {
                "application": e.application_id,
                "receipt_number": e.application.receipt_number,
                "rank": e.rank,
                "not_interested": e.not_interested,
            }
            for e in entries
        ],
    }
