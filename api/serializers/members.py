"""Bodies and rows of the membership and personal-deadline endpoints."""

from rest_framework import serializers

from startups.models import PersonalDeadline, StartupMember


class StartupMemberSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="user.name", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)

    class Meta:
        model = StartupMember
        fields = ["id", "startup", "name", "email", "role", "status", "created_at", "removed_at"]


class RemoveMemberSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=500, help_text="Told to the person removed."
    )


class PersonalDeadlineSerializer(serializers.ModelSerializer):
    class Meta:
        model = PersonalDeadline
        fields = ["id", "application", "kind", "until", "reason", "created_at", "revoked_at", "resubmitted_at"]


class ExtendDeadlineSerializer(serializers.Serializer):
    until = serializers.DateTimeField(help_text="The application's own deadline (ISO 8601 with a time zone).")
    reason = serializers.CharField(help_text="Why; the applicant reads it.")


class CorrectionSerializer(serializers.Serializer):
    until = serializers.DateTimeField(help_text="Until when the applicant may correct and resubmit.")
    message = serializers.CharField(help_text="What to correct; shown to the applicant on the application pages.")
