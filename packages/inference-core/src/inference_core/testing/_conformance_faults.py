"""Provider faults the kit scripts itself on the loopback server an HTTP plugin talks to."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from inference_core import (
    AuthenticationError,
    InferenceError,
    InvalidResponseError,
    ProviderError,
    ProviderTimeoutError,
    RateLimitError,
)
from inference_core.testing._conformance_checks import describe_error, gid, not_inference_error
from inference_core.testing._conformance_hygiene import check_sandbox, sandbox
from inference_core.testing._conformance_leaks import find_secrets
from inference_core.testing._server import Fault

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from inference_core import BaseGenerator
    from inference_core.testing._server import LoopbackServer

__all__ = ["FAULTS", "ProviderFault", "check_provider_faults"]

#: How many copies of a fault are queued, so that a plugin's own retries meet it every time.
_REPEAT = 12
#: The timeout the kit gives a plugin for the hang fault, and how long the server hangs.
FAULT_TIMEOUT_S = 0.5
_HANG_S = 8.0


@dataclass(frozen=True)
class ProviderFault:
    """One scripted provider failure and what the plugin must raise for it.

    ``retryable`` None leaves the choice to the plugin: a request that timed out
    may have been carried out, and a plugin that creates something (a paid
    prediction) may rightly refuse to repeat it.
    """

    name: str
    fault: Fault
    error: type[ProviderError]
    retryable: bool | None
    status_code: int | None = None
    retry_after: float | None = None


FAULTS = (
    ProviderFault(
        "401 Unauthorized",
        Fault.status(401, {"error": {"message": "Incorrect API key provided", "code": 401}}),
        AuthenticationError,
        retryable=False,
        status_code=401,
    ),
    ProviderFault(
        "429 with Retry-After: 0.01",
        Fault.status(
            429,
            {"error": {"message": "Rate limit reached", "code": 429}},
            headers={"Retry-After": "0.01"},
        ),
        RateLimitError,
        retryable=True,
        status_code=429,
        retry_after=0.01,
    ),
    ProviderFault(
        "500 Internal Server Error",
        Fault.status(500, {"error": {"message": "The server had an error", "code": 500}}),
        ProviderError,
        retryable=True,
        status_code=500,
    ),
    ProviderFault(
        f"a hang past the timeout ({FAULT_TIMEOUT_S} s)",
        Fault.hang(_HANG_S),
        ProviderTimeoutError,
        retryable=None,
    ),
    ProviderFault(
        "a malformed body (200, cut-off JSON)",
        Fault.malformed(),
        InvalidResponseError,
        retryable=False,
    ),
)


def _echo_key_fault(fault: ProviderFault, key: str | None) -> Fault:
    """The 401 fault echoing the key it was sent, as some providers do: the plugin must redact it."""
    if fault.status_code != 401 or not key:
        return fault.fault
    body = {"error": {"message": f"Incorrect API key provided: {key}", "code": 401}}
    return Fault.status(401, body)


def _problems(fault: ProviderFault, exc: ProviderError, took: float) -> list[str]:
    found = []
    if not isinstance(exc, fault.error):
        found.append(f"raised {type(exc).__name__}, expected {fault.error.__name__}")
    if fault.retryable is not None and exc.retryable is not fault.retryable:
        found.append(f"retryable is {exc.retryable}, expected {fault.retryable}")
    if fault.status_code is not None and exc.status_code != fault.status_code:
        found.append(f"status_code is {exc.status_code!r}, expected {fault.status_code}")
    if fault.retry_after is not None:
        got = getattr(exc, "retry_after", None)
        if got is None or abs(float(got) - fault.retry_after) > 1e-6:
            found.append(
                f"retry_after is {got!r}, expected {fault.retry_after} (the Retry-After header)"
            )
    if fault.error is ProviderTimeoutError and took > _HANG_S - 1:
        found.append(
            f"took {took:.1f} s: the timeout it was given ({FAULT_TIMEOUT_S} s) was not applied"
        )
    return found


def check_provider_faults(
    make_generator: Callable[[float], BaseGenerator],
    server: LoopbackServer,
    valid_inputs: Mapping[str, Any],
    secrets: Mapping[str, str] | None = None,
) -> None:
    """For each of :data:`FAULTS`, ``generate`` raises the right ``ProviderError`` subclass with
    the right ``retryable``, ``status_code`` and ``retry_after``, leaves no file behind and
    leaks no secret.

    ``make_generator(timeout)`` builds the generator pointed at ``server``.
    """
    __tracebackhide__ = True
    secrets = dict(secrets or {})
    key = next(iter(secrets.values()), None)
    problems: list[str] = []
    label = "?"
    for fault in FAULTS:
        gen = make_generator(FAULT_TIMEOUT_S)
        label = gid(gen)
        server.clear()
        server.script(*[_echo_key_fault(fault, key)] * _REPEAT)
        start = time.monotonic()
        with sandbox() as box:
            try:
                gen.generate(**valid_inputs)
            except ProviderError as exc:
                caught: BaseException = exc
                problems += [
                    f"{fault.name}: {p}" for p in _problems(fault, exc, time.monotonic() - start)
                ]
            except InferenceError as exc:
                caught = exc
                problems.append(
                    f"{fault.name}: raised {describe_error(exc)}, expected {fault.error.__name__}"
                )
            except Exception as exc:
                raise not_inference_error(label, f"generate under {fault.name}", exc) from None
            else:
                problems.append(
                    f"{fault.name}: generate returned a result; expected {fault.error.__name__}"
                )
                caught = None  # type: ignore[assignment]
        server.clear()
        try:
            check_sandbox(gen, box, (), secrets, during=f"a call under {fault.name}")
        except AssertionError as exc:
            problems.append(str(exc).partition(": ")[2])
        chain: BaseException | None = caught
        depth = 0
        while chain is not None and depth < 6 and secrets:
            places = list(
                find_secrets(
                    [str(chain), repr(chain), chain.args],
                    secrets,
                    f"the error ({type(chain).__name__})",
                )
            )
            problems += [f"{fault.name}: secret leaked: {p}" for p in places]
            chain = chain.__cause__ or chain.__context__
            depth += 1
    if problems:
        raise AssertionError(
            f"{label}: provider faults are not translated as the retry policy needs: "
            + "; ".join(dict.fromkeys(problems))
            + " (use HTTPErrorContext / error_for_status from inference_core.provider)"
        )
