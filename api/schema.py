"""Schema generation: every operation documents the errors it can answer, in the one error shape."""

from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiResponse

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


class AutoSchema(openapi.AutoSchema):
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
