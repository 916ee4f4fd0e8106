"""One family of domain errors, each with a message fit for the person who caused it."""


class DomainError(Exception):
    """A business rule refused the request. `code` is stable for the API; `message` is for people."""

    code = "domain_error"
    # The API answers 409 (refused by the current state) unless the error says 422 (invalid input);
    # `fields` maps a field to its messages.
    http_status = 409
    fields: dict = {}

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return str(self.message)


class InvalidInput(DomainError):
    """Input refused field by field: `problems` maps a field to its messages (the API's `fields`, a
    422). The message is the one given, or the problems joined."""

    http_status = 422

    def __init__(self, problems: dict[str, list[str]], message: str | None = None) -> None:
        super().__init__(message or " ".join(text for texts in problems.values() for text in texts))
        self.problems = self.fields = problems


class TransitionNotAllowed(DomainError):
    code = "transition_not_allowed"


class ConcurrentChange(DomainError):
    code = "concurrent_change"
