"""The status an all-failed error carries follows its causes, so the server answers with the right code."""

from __future__ import annotations

import pytest

from g4f.errors import (
    MissingAuthError,
    ProviderError,
    ProviderNotFoundError,
    ProviderNotWorkingError,
    ProviderTimeoutError,
    RateLimitError,
    RetryProviderError,
)


@pytest.mark.parametrize(
    ("causes", "status", "code"),
    [
        ([ProviderTimeoutError("a"), ProviderTimeoutError("b")], 504, "timeout"),
        ([ProviderNotWorkingError("a"), ProviderNotWorkingError("b")], 503, "provider_not_working"),
        ([RateLimitError("a", retry_after=3), RateLimitError("b", retry_after=7)], 429, "rate_limit_exceeded"),
        ([MissingAuthError("a"), MissingAuthError("b")], 401, "missing_auth"),
        ([ProviderNotFoundError("a"), ProviderNotFoundError("b")], 404, "provider_not_found"),
        ([ProviderTimeoutError("a"), ProviderError("b")], 502, "provider_error"),
    ],
)
def test_status_follows_the_causes(causes, status, code):
    error = RetryProviderError(exceptions={f"P{i}": e for i, e in enumerate(causes)})
    assert (error.status_code, error.code) == (status, code)
    assert all(f"P{i}" in str(error) for i in range(len(causes)))


def test_every_candidate_ignored_is_a_404():
    from g4f.client import Client

    with pytest.raises(RetryProviderError) as info:
        Client().chat.completions.create(
            [{"role": "user", "content": "x"}], "gpt-4", ignored_providers=["OpenaiAPI", "OpenRouter"]
        )
    assert info.value.status_code == 404
    assert "ignored_providers" in str(info.value)
