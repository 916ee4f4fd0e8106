"""An evaluator's assignments as the score sheet shows them, and the body of a review to save.

The application part is what the evaluator page shows (`matching.selectors.assignment_application_view`):
the last submitted version, and in a blind round no startup and no document file names.
"""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.i18n import localized
from matching.models import Assignment, Criterion, EvaluationRound
from matching.scoring import criterion_applies
from matching.selectors import assignment_application_view
from matching.services.reviews import review_editable


def sheet_criteria(assignment: Assignment) -> list[Criterion]:
    """The round's criteria (prefetched with their tracks) that apply to the application's track."""
    track_id = assignment.application.track_id
    return [c for c in assignment.round.criteria.all() if criterion_applies({t.pk for t in c.tracks.all()}, track_id)]


class AssignmentRoundSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = EvaluationRound
        fields = ["id", "name", "status", "opens_at", "closes_at", "blind"]


class SheetCriterionSerializer(serializers.ModelSerializer):
    label = serializers.SerializerMethodField()
    description = serializers.SerializerMethodField()

    class Meta:
        model = Criterion
        fields = ["code", "label", "description", "weight", "max_score"]

    def get_label(self, criterion: Criterion) -> str:
        return localized(criterion, "label")

    def get_description(self, criterion: Criterion) -> str:
        return localized(criterion, "description")


class SheetStartupSerializer(serializers.Serializer):
    """The startup as the evaluator page shows it (only outside blind rounds)."""

    name_ko = serializers.CharField()
    name_en = serializers.CharField(allow_blank=True, default="")
    founded_on = serializers.DateField(allow_null=True, default=None)
    employees = serializers.IntegerField(allow_null=True, default=None)


class SheetAnswerSerializer(serializers.Serializer):
    label = serializers.CharField()
    value = serializers.CharField(allow_blank=True)


class SheetDocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField(help_text="The file name; “Document n” in a blind round.")
    size = serializers.IntegerField()


class SheetApplicationSerializer(serializers.Serializer):
    """The last submitted version of the application; `startup` is null in a blind round."""

    id = serializers.IntegerField()
    receipt_number = serializers.CharField(allow_null=True)
    title = serializers.CharField(allow_blank=True)
    summary = serializers.CharField(allow_blank=True)
    track = serializers.CharField(allow_null=True)
    startup = SheetStartupSerializer(allow_null=True)
    answers = SheetAnswerSerializer(many=True)
    documents = SheetDocumentSerializer(many=True)


class SheetReviewSerializer(serializers.Serializer):
    scores = serializers.DictField(
        child=serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True),
        help_text="Saved score per criterion code; null where none is saved yet.",
    )
    comment = serializers.CharField(allow_blank=True)
    submitted_at = serializers.DateTimeField(allow_null=True)
    updated_at = serializers.DateTimeField()


class AssignmentSerializer(serializers.ModelSerializer):
    round = AssignmentRoundSerializer(read_only=True)
    evaluator = serializers.PrimaryKeyRelatedField(read_only=True)
    editable = serializers.SerializerMethodField()
    application = serializers.SerializerMethodField()
    criteria = serializers.SerializerMethodField()
    review = serializers.SerializerMethodField()

    class Meta:
        model = Assignment
        fields = [
            "id",
            "round",
            "evaluator",
            "status",
            "assigned_at",
            "updated_at",
            "editable",
            "application",
            "criteria",
            "review",
        ]

    @extend_schema_field(SheetCriterionSerializer(many=True))
    def get_criteria(self, assignment: Assignment) -> list[dict]:
        """The criteria of the application's track only (a round may limit some to tracks)."""
        return SheetCriterionSerializer(sheet_criteria(assignment), many=True).data

    def get_editable(self, assignment: Assignment) -> bool:
        return review_editable(assignment)

    @extend_schema_field(SheetApplicationSerializer)
    def get_application(self, assignment: Assignment) -> dict:
        view = assignment_application_view(assignment)
        application, snapshot = assignment.application, view["snapshot"]
        return SheetApplicationSerializer(
            {
                "id": application.pk,
                "receipt_number": application.receipt_number,
                "title": snapshot.get("title", ""),
                "summary": snapshot.get("summary", ""),
                "track": application.track.code if application.track else None,
                "startup": view["startup"],
                "answers": [{"label": label, "value": value} for label, value in view["answers"]],
                "documents": view["documents"],
            }
        ).data

    @extend_schema_field(SheetReviewSerializer(allow_null=True))
    def get_review(self, assignment: Assignment) -> dict | None:
        review = getattr(assignment, "review", None)  # the missing reverse one-to-one is an AttributeError
        if review is None:
            return None
        saved = {score.criterion_id: score.value for score in review.scores.all()}
        return SheetReviewSerializer(
            {
                "scores": {c.code: saved.get(c.pk) for c in sheet_criteria(assignment)},
                "comment": review.comment,
                "submitted_at": review.submitted_at,
                "updated_at": review.updated_at,
            }
        ).data


@extend_schema_field({"oneOf": [{"type": "number"}, {"type": "string"}], "nullable": True, "example": 7.5})
class ScoreField(serializers.Field):
    """A score as typed: a number, a numeric string or null (clears the saved score). The service
    checks the range and the precision, criterion by criterion."""

    def __init__(self, **kwargs) -> None:
        super().__init__(allow_null=True, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | float | str):
            raise serializers.ValidationError(_("A valid number is required."))
        return data

    def to_representation(self, value):
        return value


class ReviewSaveSerializer(serializers.Serializer):
    """`scores` maps criterion codes of the round to a score; criteria left out keep their saved
    score, null clears one. `comment` left out keeps the saved comment."""

    scores = serializers.DictField(child=ScoreField(), required=False, default=dict)
    comment = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)

    def validate_scores(self, scores: dict) -> dict[int, object]:
        """Criterion codes → ids, as `review_save` takes them; an unknown code is refused."""
        criteria = {c.code: c.pk for c in self.context["criteria"]}
        unknown = [code for code in scores if code not in criteria]
        if unknown:
            raise serializers.ValidationError(
                {code: [_('"{input}" is not a valid choice.').format(input=code)] for code in unknown}
            )
        return {criteria[code]: raw for code, raw in scores.items()}


class RecuseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)
