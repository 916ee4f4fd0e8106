"""Bodies of the staff actions (a reason, a job's options) and what they answer: the object's new
state, or the job started."""

from rest_framework import serializers

from jobs.models import Job
from matching.models import EvaluationRound, Program
from startups.models import Application


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Kept in the audit trail with your name and the time."
    )


class RequiredReasonSerializer(serializers.Serializer):
    """The body of an irreversible action (finalise, close scoring, publish, withdraw): the reason is required."""

    reason = serializers.CharField(
        help_text="Why, in words: required for this irreversible action and kept in the audit trail with your name "
        "and the time."
    )


class AssignSerializer(serializers.Serializer):
    seed = serializers.IntegerField(
        required=False, default=0, min_value=0, help_text="The same seed gives the same assignment."
    )


class ComputeSerializer(serializers.Serializer):
    allow_missing = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Compute with the reviews submitted so far, leaving out those not submitted.",
    )


class ProgramStateSerializer(serializers.ModelSerializer):
    class Meta:
        model = Program
        fields = ["id", "status"]


class RoundStateSerializer(serializers.ModelSerializer):
    class Meta:
        model = EvaluationRound
        fields = ["id", "status"]


class ApplicationStateSerializer(serializers.ModelSerializer):
    class Meta:
        model = Application
        fields = ["id", "status"]


class JobProgressSerializer(serializers.Serializer):
    done = serializers.IntegerField(source="progress_done", help_text="Items done so far.")
    total = serializers.IntegerField(
        source="progress_total", allow_null=True, help_text="Items in all; null until the job has counted them."
    )


class JobSerializer(serializers.ModelSerializer):
    progress = JobProgressSerializer(source="*", read_only=True)
    program = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="The program the job works on, when it works on one."
    )

    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "status",
            "program",
            "params",
            "progress",
            "result",
            "error",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields
