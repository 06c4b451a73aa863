"""Domain errors every app raises and every transport maps to a message or a code."""


class DomainError(Exception):
    """A rule said no. `code` is stable for machines; the message is for people."""

    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code


class AccessDenied(DomainError):
    """Missing and forbidden look the same from outside."""

    code = "forbidden"
