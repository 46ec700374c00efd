"""Every error inference-core raises.

```
InferenceError
├── ConfigurationError
│   └── MissingAPIKeyError(env_var)
├── PluginError
│   ├── PluginLoadError(distribution, version, error)
│   ├── DuplicateGeneratorError(distributions)
│   └── GeneratorNotFoundError(suggestions, modality, actual_modality)
├── InputValidationError(errors)                  also a ValueError
│   ├── MediaError(reason)                        bytes or a data URL that are not the media expected
│   └── StoryboardError(source)                   a scenes file or scene list (pipeline)
├── AllGeneratorsFailed(fallbacks, attempts)      a fallback chain gave up (pipeline)
└── ProviderError(provider, status_code, retryable, retry_after)
    ├── AuthenticationError
    ├── RateLimitError(retry_after)
    ├── ProviderTimeoutError
    ├── ContentPolicyError
    └── InvalidResponseError
        ├── ParseFailure                          one LLM answer is not the JSON asked for
        └── JSONOutputError(raw_text, attempts)   still not, after the repair round-trip
```

Every exception class of the ecosystem is defined here; the subsystems
re-export theirs under the old names (``inference_pipeline.AllGeneratorsFailed``,
``inference_pipeline.StoryboardError``, ``inference_llm.JSONOutputError``).
Errors carry their context as attributes so callers never parse messages.
Provider plugins translate SDK and HTTP errors into this tree at one boundary
(``raise RateLimitError(...) from exc``). Messages name the generator and never
contain an API key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "AllGeneratorsFailed",
    "AuthenticationError",
    "ConfigurationError",
    "ContentPolicyError",
    "DuplicateGeneratorError",
    "FieldError",
    "GeneratorNotFoundError",
    "InferenceError",
    "InputValidationError",
    "InvalidResponseError",
    "JSONOutputError",
    "MediaError",
    "MissingAPIKeyError",
    "ParseFailure",
    "PluginError",
    "PluginLoadError",
    "ProviderError",
    "ProviderTimeoutError",
    "RateLimitError",
    "StoryboardError",
]


class InferenceError(Exception):
    """Base class of every error raised by inference-core and its plugins."""

    #: Set when the error concerns one generator.
    generator_id: str | None = None


class ConfigurationError(InferenceError):
    """The library or a generator is configured wrongly (file, environment, arguments)."""


class MissingAPIKeyError(ConfigurationError):
    """No API key was found for a generator.

    ``env_var`` names the environment variable that would provide it.
    """

    def __init__(self, message: str, *, env_var: str, generator_id: str | None = None) -> None:
        super().__init__(message)
        self.env_var = env_var
        self.generator_id = generator_id


class PluginError(InferenceError):
    """A problem with a plugin or with the generators it registers."""


class PluginLoadError(PluginError):
    """A distribution's plugin could not be loaded.

    ``distribution`` and ``version`` name the installed distribution and
    ``error`` is what went wrong (the original exception is the ``__cause__``).
    """

    def __init__(self, message: str, *, distribution: str, version: str, error: str) -> None:
        super().__init__(message)
        self.distribution = distribution
        self.version = version
        self.error = error


class DuplicateGeneratorError(PluginError):
    """Two distributions registered the same generator id.

    ``distributions`` lists ``"name version"`` of each one that claimed it.
    """

    def __init__(self, message: str, *, generator_id: str, distributions: Sequence[str]) -> None:
        super().__init__(message)
        self.generator_id = generator_id
        self.distributions = list(distributions)


class GeneratorNotFoundError(PluginError):
    """No generator of the requested modality has the requested id.

    ``suggestions`` holds the closest known ids; ``modality`` is the modality
    that was searched (``None``: every one); ``actual_modality`` is set when
    the id names a generator of another modality (and ``suggestions`` is empty).
    """

    def __init__(
        self,
        message: str,
        *,
        generator_id: str,
        suggestions: Sequence[str] = (),
        modality: str | None = None,
        actual_modality: str | None = None,
    ) -> None:
        super().__init__(message)
        self.generator_id = generator_id
        self.suggestions = list(suggestions)
        self.modality = modality
        self.actual_modality = actual_modality


@dataclass(frozen=True, slots=True)
class FieldError:
    """One failing input field: where, what is wrong, and how to fix it."""

    field: str
    message: str
    hint: str | None = None

    def __str__(self) -> str:
        text = f"{self.field}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text


class InputValidationError(InferenceError, ValueError):
    """The inputs given to a generator do not match its schema.

    Every failing field is reported at once in ``errors``.
    """

    def __init__(self, generator_id: str, errors: Sequence[FieldError]) -> None:
        self.generator_id = generator_id
        self.errors = list(errors)
        detail = "; ".join(str(e) for e in self.errors)
        super().__init__(f"invalid input for {generator_id}: {detail}")

    @property
    def fields(self) -> list[str]:
        """The names of the failing fields, in order."""
        return [e.field for e in self.errors]


class MediaError(InputValidationError):
    """Media that cannot be used as given: a malformed ``data:`` URL, bytes of no known type.

    ``reason`` says what is wrong and ``field`` which input it was (``errors``
    holds the one :class:`FieldError`). Raised by the core's media helpers
    (``inference_core.provider.parse_data_url``, ``load_file``); a plugin that
    got the media from its provider raises
    :class:`InvalidResponseError` from it instead::

        try:
            raw = parse_data_url(url).data
        except MediaError as exc:
            raise errors.invalid(exc.reason) from exc
    """

    def __init__(
        self, reason: str, *, field: str = "media", generator_id: str | None = None
    ) -> None:
        super().__init__(generator_id or "media", [FieldError(field, reason)])
        self.reason = reason
        self.field = field
        if generator_id is None:
            self.generator_id = None
            self.args = (f"invalid {field}: {reason}",)


class StoryboardError(InputValidationError):
    """A scenes file or scene list is invalid; ``errors`` names every scene and field at fault.

    ``source`` names the file (or ``"<scenes>"`` for scenes given in code).
    """

    def __init__(self, source: str, errors: Sequence[FieldError]) -> None:
        super().__init__("storyboard", errors)
        self.source = source
        self.args = (
            f"{source}: invalid storyboard:\n  " + "\n  ".join(str(e) for e in self.errors),
        )

    def __str__(self) -> str:
        return str(self.args[0])


class _FallbackReason(Protocol):
    """Why a fallback chain moved past one generator (the pipeline's ``Fallback``)."""

    @property
    def generator_id(self) -> str: ...

    @property
    def reason(self) -> str: ...

    def to_dict(self) -> dict[str, str]: ...


class AllGeneratorsFailed(InferenceError):
    """Every generator of a fallback chain failed.

    ``fallbacks`` holds each one's reason (``generator_id``, ``error_type``,
    ``reason``), in order; ``attempts`` counts the provider calls made;
    ``generator_id`` is the last generator tried.
    """

    def __init__(self, fallbacks: Sequence[_FallbackReason], attempts: int) -> None:
        self.fallbacks = list(fallbacks)
        self.attempts = attempts
        detail = (
            "; ".join(f"{f.generator_id}: {f.reason}" for f in fallbacks) or "empty generator chain"
        )
        super().__init__(f"all generators failed ({detail})")
        last = fallbacks[-1] if fallbacks else None
        self.generator_id = last.generator_id if last else None


class ProviderError(InferenceError):
    """A provider failed to produce a result.

    ``provider`` names the service, ``status_code`` is the HTTP status when
    there was one, ``retryable`` tells the retry policy whether trying the
    same request again may succeed, and ``retry_after`` is the provider's
    advice in seconds when it gave one (``Retry-After`` on a 429 or 503).
    """

    default_retryable = False

    def __init__(
        self,
        message: str,
        *,
        provider: str | None = None,
        status_code: int | None = None,
        retryable: bool | None = None,
        generator_id: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.provider = provider
        self.status_code = status_code
        self.retryable = self.default_retryable if retryable is None else retryable
        self.generator_id = generator_id
        self.retry_after = retry_after


class AuthenticationError(ProviderError):
    """The provider rejected the credentials (401, 403) or payment is required (402)."""


class RateLimitError(ProviderError):
    """The provider is rate limiting; ``retry_after`` is its advice in seconds, if any."""

    default_retryable = True

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        provider: str | None = None,
        status_code: int | None = 429,
        retryable: bool | None = None,
        generator_id: str | None = None,
    ) -> None:
        super().__init__(
            message,
            provider=provider,
            status_code=status_code,
            retryable=retryable,
            generator_id=generator_id,
            retry_after=retry_after,
        )


class ProviderTimeoutError(ProviderError):
    """The provider did not answer in time."""

    default_retryable = True


class ContentPolicyError(ProviderError):
    """The provider refused the request on content-policy grounds."""


class InvalidResponseError(ProviderError):
    """The provider answered with something unusable (bad JSON, no media, undecodable bytes)."""


class ParseFailure(InvalidResponseError):
    """One model answer is not valid JSON for the requested schema; ``str()`` says why.

    The LLM layer answers it with a repair round-trip; when that fails too it
    raises :class:`JSONOutputError`.
    """


class JSONOutputError(InvalidResponseError):
    """A model did not return valid JSON for the requested schema, even after a repair round-trip.

    ``raw_text`` is the model's last answer; ``attempts`` how many were made.
    """

    def __init__(
        self, message: str, *, raw_text: str, attempts: int, provider: str | None = None
    ) -> None:
        super().__init__(message, provider=provider)
        self.raw_text = raw_text
        self.attempts = attempts
