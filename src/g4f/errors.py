"""The error hierarchy.

Every error knows its HTTP status and its OpenAI error ``type``/``code`` so the REST server maps
errors in one place, and the router knows which ones another provider can cure (``retryable``).
"""

from __future__ import annotations

import builtins


class G4FError(Exception):
    """Root of every g4f error."""

    status_code: int = 500
    error_type: str = "server_error"
    code: str | None = "internal_error"
    #: Whether another provider (or a later try) may succeed where this one failed.
    retryable: bool = False
    param: str | None = None

    def __init__(self, message: str = "", *, param: str | None = None) -> None:
        super().__init__(message or self.__class__.__doc__ or self.__class__.__name__)
        if param is not None:
            self.param = param

    @property
    def message(self) -> str:
        return str(self)

    def to_dict(self) -> dict:
        """The OpenAI error body: ``{"error": {"message", "type", "code", "param"}}``."""
        return {
            "error": {
                "message": self.message,
                "type": self.error_type,
                "code": self.code,
                "param": self.param,
            }
        }


class InvalidRequestError(G4FError, ValueError):
    """The request is malformed."""

    status_code = 400
    error_type = "invalid_request_error"
    code = "invalid_request"


class ModelNotFoundError(G4FError):
    """No provider serves the requested model."""

    status_code = 404
    error_type = "invalid_request_error"
    code = "model_not_found"
    param = "model"


class ProviderNotFoundError(G4FError):
    """The requested provider does not exist."""

    status_code = 404
    error_type = "invalid_request_error"
    code = "provider_not_found"
    param = "provider"


class ProviderNotWorkingError(G4FError):
    """The provider is marked as not working."""

    status_code = 503
    error_type = "server_error"
    code = "provider_not_working"
    retryable = True


class StreamNotSupportedError(G4FError):
    """The provider cannot stream."""

    status_code = 400
    error_type = "invalid_request_error"
    code = "stream_not_supported"
    param = "stream"


class MissingAuthError(G4FError):
    """The provider needs an API key and none was given or it was refused."""

    status_code = 401
    error_type = "authentication_error"
    code = "missing_auth"
    retryable = True


class RateLimitError(G4FError):
    """The upstream or this server refused the request for now."""

    status_code = 429
    error_type = "rate_limit_error"
    code = "rate_limit_exceeded"
    retryable = True

    def __init__(self, message: str = "", *, retry_after: float | None = None, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ProviderError(G4FError):
    """The upstream failed (5xx, bad response, connection error)."""

    status_code = 502
    error_type = "server_error"
    code = "provider_error"
    retryable = True


class ResponseError(ProviderError):
    """The upstream answered with something that could not be understood."""


class ProviderTimeoutError(G4FError, TimeoutError):
    """The upstream did not answer in time."""

    status_code = 504
    error_type = "server_error"
    code = "timeout"
    retryable = True


class NoMediaResponseError(G4FError):
    """The provider returned no image or audio."""

    status_code = 502
    error_type = "server_error"
    code = "no_media_response"
    retryable = True


class NotSupportedError(G4FError):
    """The provider does not support this kind of request (vision, variations, ...)."""

    status_code = 400
    error_type = "invalid_request_error"
    code = "not_supported"


class PayloadTooLargeError(G4FError):
    """The request body or upload is larger than allowed."""

    status_code = 413
    error_type = "invalid_request_error"
    code = "payload_too_large"


class RetryProviderError(G4FError):
    """Every candidate provider failed; ``exceptions`` maps each provider name to its error."""

    status_code = 502
    error_type = "server_error"
    code = "provider_error"
    retryable = False

    def __init__(self, message: str = "", exceptions: dict[str, BaseException] | None = None) -> None:
        self.exceptions: dict[str, BaseException] = dict(exceptions or {})
        if not message:
            tried = "; ".join(f"{name}: {type(e).__name__}: {e}" for name, e in self.exceptions.items())
            message = f"All providers failed. {tried}" if tried else "No provider could be tried."
        super().__init__(message)
        # The status follows the causes: all timeouts -> 504, all not working -> 503.
        causes = list(self.exceptions.values())
        if causes and all(isinstance(e, ProviderTimeoutError) for e in causes):
            self.status_code, self.code = 504, "timeout"
        elif causes and all(isinstance(e, ProviderNotWorkingError) for e in causes):
            self.status_code, self.code = 503, "provider_not_working"
        elif causes and all(isinstance(e, RateLimitError) for e in causes):
            self.status_code, self.error_type, self.code = 429, "rate_limit_error", "rate_limit_exceeded"
            self.retry_after = min((getattr(e, "retry_after", None) or 0) for e in causes) or None
        elif causes and all(isinstance(e, MissingAuthError) for e in causes):
            self.status_code, self.error_type, self.code = 401, "authentication_error", "missing_auth"
        elif causes and all(isinstance(e, ProviderNotFoundError) for e in causes):  # e.g. every one ignored
            self.status_code, self.error_type, self.code = 404, "invalid_request_error", "provider_not_found"


# --- every other public name of gpt4free's g4f.errors, placed in this hierarchy -----------------


class ModelNotAllowedError(G4FError):
    """The model is not allowed by this server's configuration or policy."""

    status_code = 403
    error_type = "permission_error"
    code = "model_not_allowed"
    param = "model"


class StreamBrokenError(RetryProviderError, ProviderError):
    """A stream broke after text reached the caller and no candidate could continue it.

    Both a provider's failure (the stream it was giving broke) and the account of every candidate:
    ``exceptions`` holds each failure, ``passed_over`` the candidates that cannot continue a stream.
    Status and code follow the failures, as for :class:`RetryProviderError`.
    """

    def __init__(self, characters: int, exceptions: dict[str, BaseException], passed_over: list[str]) -> None:
        self.passed_over = list(passed_over)
        accounts = [f"{name}: {type(e).__name__}: {e}" for name, e in exceptions.items()]
        accounts += [f"{name}: cannot continue a stream" for name in self.passed_over]
        super().__init__(
            f"The stream broke after {characters} characters and could not be continued. " + "; ".join(accounts),
            exceptions=exceptions,
        )


class RetryNoProviderError(RetryProviderError):
    """No provider was left to try."""

    status_code = 503
    code = "no_provider"


class MissingRequirementsError(G4FError):
    """A Python package this feature needs is not installed."""

    status_code = 501
    code = "missing_requirements"


class NestAsyncioError(MissingRequirementsError):
    """gpt4free's error for a missing nest_asyncio; g4f needs none (kept for code that imports it)."""


class VersionNotFoundError(G4FError):
    """The installed version could not be determined."""


class PaymentRequiredError(G4FError):
    """The provider wants payment (HTTP 402) before it answers; another provider may not."""

    status_code = 402
    error_type = "insufficient_quota"
    code = "payment_required"
    retryable = True


class ResponseStatusError(ResponseError):
    """The upstream answered with an error status."""


class CloudflareError(ResponseStatusError):
    """The upstream's CDN blocked the request."""


class BadRequestError(InvalidRequestError, ResponseStatusError):
    """The request is malformed or invalid (HTTP 400): no other provider would cure it."""

    status_code = 400
    error_type = "invalid_request_error"
    code = "invalid_request"
    retryable = False


class NoValidHarFileError(MissingAuthError):
    """No usable .har file with the provider's credentials was found in the cookies directory."""


class ConversationLimitError(RateLimitError):
    """The provider's limit for this conversation is reached."""

    code = "conversation_limit"


class ProviderException(ProviderError):
    """A provider failed in its own way."""


#: gpt4free's ``g4f.errors.TimeoutError``: an upstream timeout (also a builtin ``TimeoutError``).
TimeoutError = ProviderTimeoutError  # noqa: A001


def is_retryable(error: BaseException) -> bool:
    """True when another provider may cure this error (connection, timeout, 429, 5xx, auth)."""
    if isinstance(error, G4FError):
        return error.retryable
    return isinstance(error, (ConnectionError, builtins.TimeoutError, OSError))


def is_curable_elsewhere(error: BaseException) -> bool:
    """True unless the request itself is at fault, which no other provider would cure."""
    return not isinstance(error, (InvalidRequestError, PayloadTooLargeError))
