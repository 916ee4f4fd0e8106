from rest_framework import serializers

from notifications.models import WebhookAttempt, WebhookDelivery, WebhookEvent, WebhookSubscription


class WebhookSubscriptionSerializer(serializers.ModelSerializer):
    """A subscription as read back: never its secret."""

    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEvent.choices))
    program = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    partner = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = WebhookSubscription
        fields = ["id", "url", "events", "program", "partner", "is_active", "created_at", "updated_at"]
        read_only_fields = fields


class WebhookSubscriptionCreateSerializer(serializers.Serializer):
    """What a new subscription needs; checked by the service (https, known events, a visible program)."""

    url = serializers.CharField(max_length=500)
    events = serializers.ListField(child=serializers.CharField(max_length=64))
    program = serializers.IntegerField(required=False, allow_null=True)


class WebhookSubscriptionCreatedSerializer(WebhookSubscriptionSerializer):
    """The new subscription with its signing secret, shown this once."""

    secret = serializers.CharField(read_only=True, help_text="Shown only in this response; store it now.")

    class Meta(WebhookSubscriptionSerializer.Meta):
        fields = [*WebhookSubscriptionSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class WebhookSubscriptionUpdateSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=500, required=False)
    events = serializers.ListField(child=serializers.CharField(max_length=64), required=False)
    is_active = serializers.BooleanField(required=False)


class WebhookAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = ["number", "started_at", "duration_ms", "status_code", "response_excerpt", "error"]


class WebhookDeliverySerializer(serializers.ModelSerializer):
    # One of the subscription's `events` (a plain string here, so the schema names that enum once).
    event = serializers.CharField(read_only=True)
    attempt_log = WebhookAttemptSerializer(many=True, read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "subscription",
            "event",
            "event_id",
            "status",
            "attempts",
            "next_attempt_at",
            "last_status_code",
            "last_error",
            "delivered_at",
            "created_at",
            "payload",
            "attempt_log",
        ]
        read_only_fields = fields
