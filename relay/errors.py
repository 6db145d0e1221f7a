"""Client errors as JSON: `{"error": {"code", "message"}}` with a 4xx or 5xx status.

On the OpenAI-compatible paths the same errors take OpenAI's shape,
`{"error": {"message", "type", "param", "code"}}`, which its SDKs turn into their exceptions.

The stream log raises its own exceptions (relay/log/errors.py); `store_api_error`
is the one place they become HTTP answers.
"""

from __future__ import annotations

import math

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .log.errors import StoreError, StoreUnavailable, StreamGone


class ApiError(Exception):
    """Raised by handlers; becomes a JSON error response."""

    def __init__(
        self, status: int, code: str, message: str, *, retry_after_s: float | None = None, param: str | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.retry_after_s = retry_after_s  # sent as Retry-After (whole seconds, at least 1)
        self.param = param  # the request field at fault, for OpenAI's error shape


def error_response(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


OPENAI_PATHS = ("/v1/chat/completions", "/v1/responses")  # the paths that answer errors in OpenAI's shape
_OPENAI_CODES = {"rate_limited": "rate_limit_exceeded", "daily_budget_exhausted": "insufficient_quota"}


def openai_error(status: int, code: str, message: str, param: str | None = None) -> dict[str, object]:
    """OpenAI's error object: `type` from the status as OpenAI uses it, the relay's code (or OpenAI's word for it)."""
    if status >= 500:
        kind = "server_error"
    elif status == 429:
        kind = "insufficient_quota" if code == "daily_budget_exhausted" else "requests"
    else:
        kind = "invalid_request_error"
    return {"message": message, "type": kind, "param": param, "code": _OPENAI_CODES.get(code, code)}


def _wants_openai_shape(request: Request) -> bool:
    return str(request.scope.get("path", "")).startswith(OPENAI_PATHS)  # not request.url: a bad Host breaks it


def _error(request: Request, status: int, code: str, message: str, param: str | None = None) -> JSONResponse:
    if _wants_openai_shape(request):
        response = JSONResponse({"error": openai_error(status, code, message, param)}, status_code=status)
        if code == "daily_budget_exhausted":  # OpenAI's SDKs would retry it twice in vain
            response.headers["x-should-retry"] = "false"
        return response
    return error_response(status, code, message)


async def handle_api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    response = _error(request, exc.status, exc.code, exc.message, exc.param)
    if exc.retry_after_s is not None:
        response.headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after_s)))
    return response


def store_api_error(exc: StoreError) -> ApiError:
    """What a client is told when the stream log cannot answer: 410 for an expired stream, else 503 and retry.

    A 503 says nothing of the cause (a Redis error names its host and port); the log has it.
    """
    if isinstance(exc, StreamGone):
        return ApiError(410, exc.code, str(exc))
    retry_after_s = exc.retry_after_s if isinstance(exc, StoreUnavailable) else 1.0
    return ApiError(
        503, StoreUnavailable.code, "the stream log is unavailable for now; retry", retry_after_s=retry_after_s
    )


async def handle_store_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StoreError)
    return await handle_api_error(request, store_api_error(exc))


async def handle_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    codes = {404: "not_found", 405: "method_not_allowed"}
    response = _error(request, exc.status_code, codes.get(exc.status_code, "http_error"), str(exc.detail))
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def handle_unexpected(request: Request, exc: Exception) -> Response:
    return _error(request, 500, "internal", "the relay hit an unexpected error; it has been logged")
