"""Schema generation: every operation documents the errors it can answer, in the one error shape."""

from drf_spectacular import openapi
from drf_spectacular.plumbing import get_view_model
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework.schemas.utils import get_pk_description

from api.idempotency import HEADER
from api.serializers.common import ErrorSerializer

ERRORS = {
    "400": "The request cannot be read: malformed JSON, a field or query parameter of the wrong type.",
    "401": "No API key (or session), or one that is unknown, expired or revoked.",
    "403": "The caller may not do this, or the key lacks the scope.",
    "404": "No such object, or not visible to the caller.",
    "409": "Refused by the object's current state, or an Idempotency-Key still in use.",
    "422": "Well-formed but invalid for the rules; `fields` says where.",
    "429": "Too many requests for this key; retry after the time in `Retry-After`.",
}


def refused(*codes: str) -> dict:
    """The 409 of an operation whose service refuses with these `code`s. The other error answers are
    documented for every operation by `AutoSchema`; pass this into `responses` beside the success."""
    return {
        409: OpenApiResponse(
            ErrorSerializer,
            description=f"Refused (`code` says why: {', '.join(codes)}), or an Idempotency-Key still in use.",
        )
    }


# Ids in the API's addresses: ASCII digits only (Python's int() would also read "１" or " 1").
ID_PATTERN = "[0-9]+"

IDEMPOTENCY_KEY = OpenApiParameter(
    HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description=(
        "Send the same key again to get the first answer again (marked `Idempotent-Replayed: true`) "
        "without a second effect."
    ),
)


class AutoSchema(openapi.AutoSchema):
    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        # Fields some readers do not receive (`optional_fields` on the serializer: name -> who gets it)
        # are not required, and say who gets them.
        optional = getattr(serializer, "optional_fields", {})
        if optional and direction == "response":
            schema["required"] = [name for name in schema.get("required", []) if name not in optional]
            if not schema["required"]:
                del schema["required"]
            for name, readers in optional.items():
                field = schema["properties"].get(name)
                if field is not None:
                    description = field.get("description", "")
                    if readers not in description:
                        field["description"] = f"{description} {readers}".strip()
        return schema

    def _resolve_path_parameters(self, variables):
        parameters = super()._resolve_path_parameters(variables)
        for parameter in parameters:
            # The router's id pattern: an id, which is a whole number from 1 (anything else is a 404).
            if parameter["schema"].get("pattern") == f"^{ID_PATTERN}$":
                parameter["schema"] = {"type": "integer", "minimum": 1}
                model = get_view_model(self.view, emit_warnings=False)
                if model is not None and parameter["name"] == "id":
                    parameter["description"] = get_pk_description(model, model._meta.pk)
        return parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        # 404 everywhere: an object not visible to the caller, or a page past the end of a list.
        codes = ["400", "401", "403", "404", "429"]
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            codes += ["409", "422"]
        for code in codes:
            if code not in responses:
                error = OpenApiResponse(ErrorSerializer, description=ERRORS[code])
                responses[code] = self._get_response_for_code(error, code, direction=direction)
        return responses


# Django bounds integer fields by the database's column range (32767 for a small integer on PostgreSQL,
# 2^63 - 1 for any integer on SQLite). Those are storage limits, not part of the API's contract, and
# would make the schema differ by database.
DATABASE_BOUNDS = {
    "maximum": {32767, 2147483647, 9223372036854775807},
    "minimum": {-32768, -2147483648, -9223372036854775808},
}


def _drop_database_bounds(node) -> None:
    if isinstance(node, dict):
        if node.get("type") == "integer":
            dropped = False
            for key, bounds in DATABASE_BOUNDS.items():
                if node.get(key) in bounds:
                    del node[key]
                    dropped = True
            if dropped and node.get("format") == "int64":
                del node["format"]
        for value in node.values():
            _drop_database_bounds(value)
    elif isinstance(node, list):
        for value in node:
            _drop_database_bounds(value)


def drop_database_bounds(result, generator, request, public):
    """drf-spectacular post-processing hook: the same schema whatever the database."""
    _drop_database_bounds(result)
    return result
