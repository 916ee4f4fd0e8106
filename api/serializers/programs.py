from rest_framework import serializers

from matching.models import Criterion, EvaluationRound, Panel, Program, ProgramPartner, Question, Track


class TrackSerializer(serializers.ModelSerializer):
    class Meta:
        model = Track
        fields = ["id", "code", "name_ko", "name_en", "description_ko", "description_en", "admits_pre_founders"]


class ProgramPartnerSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(source="partner_id", read_only=True)
    name = serializers.CharField(source="partner.name", read_only=True)
    name_ko = serializers.CharField(source="partner.name_ko", read_only=True)

    class Meta:
        model = ProgramPartner
        fields = ["id", "name", "name_ko", "seats"]


class QuestionSerializer(serializers.ModelSerializer):
    track = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Question
        fields = [
            "id",
            "code",
            "kind",
            "label_ko",
            "label_en",
            "help_ko",
            "help_en",
            "required",
            "track",
            "choices",
            "max_file_size_mb",
        ]


class ProgramSerializer(serializers.ModelSerializer):
    class Meta:
        model = Program
        fields = [
            "id",
            "slug",
            "name_ko",
            "name_en",
            "host",
            "status",
            "opens_at",
            "closes_at",
            "time_zone",
            "quota",
            "reserve_size",
        ]


class ProgramDetailSerializer(ProgramSerializer):
    tracks = TrackSerializer(many=True, read_only=True)
    partners = ProgramPartnerSerializer(source="partnerships", many=True, read_only=True)
    questions = QuestionSerializer(many=True, read_only=True)

    class Meta(ProgramSerializer.Meta):
        fields = [*ProgramSerializer.Meta.fields, "description_ko", "description_en", "tracks", "partners", "questions"]


class CriterionSerializer(serializers.ModelSerializer):
    tracks = serializers.SlugRelatedField(
        slug_field="code",
        many=True,
        read_only=True,
        help_text="Codes of the tracks it is scored in; empty for every track.",
    )

    class Meta:
        model = Criterion
        fields = [
            "id",
            "code",
            "label_ko",
            "label_en",
            "description_ko",
            "description_en",
            "weight",
            "max_score",
            "fail_threshold",
            "tracks",
        ]


class PanelSerializer(serializers.ModelSerializer):
    tracks = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True, help_text="Codes of the tracks whose applications it reviews."
    )

    class Meta:
        model = Panel
        fields = ["id", "name_ko", "name_en", "tracks"]


class RoundSerializer(serializers.ModelSerializer):
    program = serializers.PrimaryKeyRelatedField(read_only=True)
    partner = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    criteria = CriterionSerializer(many=True, read_only=True)
    panels = PanelSerializer(many=True, read_only=True)

    class Meta:
        model = EvaluationRound
        fields = [
            "id",
            "program",
            "order",
            "name_ko",
            "name_en",
            "kind",
            "status",
            "partner",
            "opens_at",
            "closes_at",
            "evaluators_per_application",
            "aggregation",
            "advancement_rule",
            "advancement_scope",
            "blind",
            "criteria",
            "panels",
        ]
