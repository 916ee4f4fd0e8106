"""Meeting events (Matching Day, pitch sessions) and their meetings, and the bodies of staff's changes."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.i18n import localized
from matching.models import Meeting, MeetingEvent, MeetingTable


class MeetingTableSerializer(serializers.ModelSerializer):
    class Meta:
        model = MeetingTable
        fields = ["id", "name", "partner", "order"]


class MeetingEventSerializer(serializers.ModelSerializer):
    tables = MeetingTableSerializer(many=True, read_only=True)

    class Meta:
        model = MeetingEvent
        fields = [
            "id",
            "program",
            "kind",
            "round",
            "name_ko",
            "name_en",
            "venue",
            "time_zone",
            "starts_on",
            "ends_on",
            "day_starts",
            "day_ends",
            "slot_minutes",
            "buffer_slots",
            "breaks",
            "status",
            "tables",
        ]


class MeetingSerializer(serializers.ModelSerializer):
    startup = serializers.SerializerMethodField(help_text="The startup's name, in the caller's language.")
    partner_name = serializers.SerializerMethodField(help_text="The partner's name (empty for a pitch panel).")
    table_name = serializers.CharField(source="table.name", read_only=True)
    time_zone = serializers.CharField(source="event.time_zone", read_only=True)
    starts_at_venue = serializers.SerializerMethodField(help_text="The start in the venue's time zone (ISO 8601).")
    ends_at_venue = serializers.SerializerMethodField(help_text="The end in the venue's time zone (ISO 8601).")

    class Meta:
        model = Meeting
        fields = [
            "id",
            "uid",
            "event",
            "application",
            "startup",
            "partner",
            "partner_name",
            "table",
            "table_name",
            "starts_at",
            "ends_at",
            "time_zone",
            "starts_at_venue",
            "ends_at_venue",
            "locked",
            "status",
            "sequence",
        ]

    def get_startup(self, meeting: Meeting) -> str:
        return localized(meeting.application.startup, "name")

    def get_partner_name(self, meeting: Meeting) -> str:
        return meeting.partner.name if meeting.partner_id else ""

    @extend_schema_field(serializers.DateTimeField())
    def get_starts_at_venue(self, meeting: Meeting) -> str:
        return timezone.localtime(meeting.starts_at, ZoneInfo(meeting.event.time_zone)).isoformat()

    @extend_schema_field(serializers.DateTimeField())
    def get_ends_at_venue(self, meeting: Meeting) -> str:
        return timezone.localtime(meeting.ends_at, ZoneInfo(meeting.event.time_zone)).isoformat()


class MeetingMoveSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField(help_text="The new start: one of the event's slots (any zone offset).")
    table = serializers.PrimaryKeyRelatedField(
        queryset=MeetingTable.objects.all(), help_text="The new room or table (the host's own)."
    )


class MeetingLockSerializer(serializers.Serializer):
    locked = serializers.BooleanField(help_text="True: re-scheduling keeps the meeting where it is.")


class MeetingMoveOptionSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    table = serializers.IntegerField(source="table.pk")
    table_name = serializers.CharField(source="table.name")
