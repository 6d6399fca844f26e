"""The exceptions module: what a user sees of each failure, and how fetch failures become row errors."""

from __future__ import annotations

import pytest

from tui.errors import (
    AlreadyWatched,
    ApiError,
    AuthError,
    ConfigError,
    EndpointError,
    ErrorKind,
    RefError,
    TaskError,
    UserError,
    WatchlistError,
    as_task_error,
)


@pytest.mark.parametrize("cls", [RefError, ConfigError, EndpointError, WatchlistError, AlreadyWatched, AuthError])
def test_every_user_facing_error_is_a_user_error(cls: type) -> None:
    assert issubclass(cls, UserError) and not issubclass(ApiError, UserError)


def test_an_auth_error_is_one_line_and_keeps_its_kind() -> None:
    exc = AuthError("IAM unreachable:\n  connection refused", ErrorKind.NETWORK, http_status=None)
    assert str(exc) == "IAM unreachable: connection refused" and exc.transient
    assert as_task_error(exc, ErrorKind.CONFIG) == TaskError(ErrorKind.NETWORK, "IAM unreachable: connection refused")


def test_another_user_error_takes_the_kind_it_is_given() -> None:
    assert as_task_error(EndpointError("no endpoint for region xx-1"), ErrorKind.CONFIG) == TaskError(
        ErrorKind.CONFIG, "no endpoint for region xx-1")
    refused = as_task_error(AuthError("IAM rejected AK AKIA…XY", http_status=401), ErrorKind.CONFIG)
    assert refused.kind is ErrorKind.AUTH and refused.http_status == 401


def test_an_api_error_reads_as_its_task_error() -> None:
    err = TaskError(ErrorKind.THROTTLED, "slow down", code="APIG.0308", http_status=429)
    assert str(ApiError(err)) == "throttled HTTP 429 APIG.0308: slow down" and ApiError(err).kind is ErrorKind.THROTTLED
