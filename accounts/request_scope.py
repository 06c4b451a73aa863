"""Reads worth making once per HTTP request, and never kept longer.

A page can ask the same thing several times: a person's cohort roles decide which sessions
they see, the room's permission checks and the facilitator's links, each a query of its own.
Inside a request (RequestScopeMiddleware) such a read is remembered until the response is
made; anywhere else (sockets, which live for hours; commands; tasks) nothing is remembered,
so a long-lived connection always reads the rows as they are now. A change to what a read
depends on forgets the request's reads (see the receivers that call forget()).
"""

from contextvars import ContextVar

_scope: ContextVar[dict | None] = ContextVar("request_scope", default=None)


def remembered(key, read):
    """`read()`, made at most once per request for `key`; every time outside a request."""
    scope = _scope.get()
    if scope is None:
        return read()
    if key not in scope:
        scope[key] = read()
    return scope[key]


def forget(**kwargs) -> None:
    """Drop everything this request remembered (usable as a signal receiver)."""
    scope = _scope.get()
    if scope is not None:
        scope.clear()


class RequestScopeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _scope.set({})
        try:
            return self.get_response(request)
        finally:
            _scope.reset(token)
