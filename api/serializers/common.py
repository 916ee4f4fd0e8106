from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """Every error: a stable code, a message for people, and per-field messages."""

    code = serializers.CharField()
    detail = serializers.CharField()
    fields = serializers.DictField(child=serializers.JSONField())
