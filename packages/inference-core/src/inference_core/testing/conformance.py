"""The conformance kit: proves that a generator honours inference-core's contracts.

Subclass :class:`GeneratorConformance` in a test module of your package; pytest
collects one test per contract::

    from inference_core.testing.conformance import GeneratorConformance

    class TestMockImage(GeneratorConformance):
        generator_id = "mock_image_generator"
        valid_inputs = {"prompt": "a red fox", "width": 64, "height": 48}
        invalid_inputs = [{"width": "abc"}]          # merged over valid_inputs
        secrets = {"OPENAI_API_KEY": "sk-test-123"}  # set in the environment, must never leak

A generator that declares its key (``GeneratorMetadata(key=KeySpec(...))``) gets a
made-up one in ``secrets`` without asking. An HTTP plugin sets ``http_app`` to a
WSGI fake of its provider (see ``LoopbackServer``); the kit serves it on
127.0.0.1, points the generator at it with :meth:`GeneratorConformance.connect`
(``base_url=`` and ``timeout=`` by default), adds latency, and scripts
provider faults (401, 429 with ``Retry-After``, 500, a hang, a malformed body).

Every check is also a plain function (``check_metadata``, ``check_generate``,
...; :func:`check_generator` runs them all) that raises ``AssertionError``
with a message naming the generator and what is wrong.
"""

from __future__ import annotations

import contextlib
import os
from typing import TYPE_CHECKING, Any, ClassVar

import pytest

from inference_core.testing._conformance_async import (
    check_cancellation,
    check_concurrent_calls,
    check_event_loop_free,
)
from inference_core.testing._conformance_checks import (
    GeneratorLike,
    check_metadata,
    check_registered,
    check_rejects_invalid,
    check_schema,
    instance,
    resolve_generator,
)
from inference_core.testing._conformance_faults import FAULTS, check_provider_faults
from inference_core.testing._conformance_generation import (
    check_agenerate_agrees,
    check_assets,
    check_errors,
    check_generate,
    generate_result,
)
from inference_core.testing._conformance_hygiene import (
    DEFAULT_IMPORT_BUDGET_S,
    check_import_cost,
    check_sandbox,
    sandbox,
)
from inference_core.testing._conformance_inputs import (
    check_defaults,
    check_honours_request,
    check_inputs_untouched,
    check_required_only,
)
from inference_core.testing._conformance_leaks import (
    DEFAULT_FORBIDDEN_IMPORTS,
    check_listing_lightweight,
    check_missing_secret,
    check_no_secrets,
    find_secrets,
)
from inference_core.testing._conformance_media import asset_problems, decode_media

if TYPE_CHECKING:
    import pathlib
    from collections.abc import Callable, Iterator, Mapping, Sequence

    from inference_core import BaseGenerator, GenerationResult
    from inference_core.testing import LoopbackServer

__all__ = [
    "DEFAULT_FORBIDDEN_IMPORTS",
    "DEFAULT_IMPORT_BUDGET_S",
    "FAULTS",
    "GeneratorConformance",
    "GeneratorLike",
    "asset_problems",
    "check_agenerate_agrees",
    "check_assets",
    "check_cancellation",
    "check_concurrent_calls",
    "check_defaults",
    "check_errors",
    "check_event_loop_free",
    "check_generate",
    "check_generator",
    "check_honours_request",
    "check_import_cost",
    "check_inputs_untouched",
    "check_listing_lightweight",
    "check_metadata",
    "check_missing_secret",
    "check_no_secrets",
    "check_provider_faults",
    "check_registered",
    "check_rejects_invalid",
    "check_required_only",
    "check_sandbox",
    "check_schema",
    "decode_media",
    "find_secrets",
    "generate_result",
    "resolve_generator",
    "sandbox",
]


class GeneratorConformance:
    """Base class of a generator's conformance tests; set the class attributes in a subclass.

    ``generator_id`` (required) is looked up in the registries, so the package
    must be installed with its entry point. ``valid_inputs`` (required) must
    generate quickly; ``generate`` is also called with only their required
    fields, and with sizes and counts varied within the schema's bounds.
    ``invalid_inputs`` are merged over ``valid_inputs`` and must raise
    ``InputValidationError`` naming one of their fields. ``error_inputs``
    validate but must make generation raise an ``InferenceError``.
    ``secrets`` are set as environment variables during each test and must
    never appear in results, reprs, errors, log records or warnings (a key the
    metadata declares gets a made-up value when ``secrets`` is empty).
    ``generator_kwargs`` go to the generator's constructor. An HTTP plugin sets
    ``http_app`` (a WSGI fake of its provider) and, if its constructor does not
    take ``base_url`` and ``timeout``, overrides :meth:`connect`.
    """

    generator_id: ClassVar[str] = ""
    valid_inputs: ClassVar[Mapping[str, Any]] = {}
    invalid_inputs: ClassVar[Sequence[Mapping[str, Any]]] = ()
    error_inputs: ClassVar[Sequence[Mapping[str, Any]]] = ()
    secrets: ClassVar[Mapping[str, str]] = {}
    generator_kwargs: ClassVar[Mapping[str, Any]] = {}
    forbidden_imports: ClassVar[Sequence[str]] = DEFAULT_FORBIDDEN_IMPORTS
    #: A WSGI app speaking the provider's wire protocol, for HTTP plugins.
    http_app: ClassVar[Any] = None
    #: Latency the loopback server adds to each request in the event-loop and cancellation checks.
    http_latency: ClassVar[float] = 0.3
    #: How many concurrent calls share one instance.
    concurrency: ClassVar[int] = 8
    import_budget_s: ClassVar[float] = DEFAULT_IMPORT_BUDGET_S

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # checks that do not apply are not collected, rather than skipped
        if not cls.error_inputs:
            cls.test_errors_are_inference_errors = None  # type: ignore[assignment,method-assign]
        if cls.http_app is None:
            cls.test_provider_faults = None  # type: ignore[assignment,method-assign]

    def connect(self, url: str, timeout: float) -> dict[str, Any]:
        """Constructor arguments that point the generator at the loopback server at ``url``."""
        return {**self.generator_kwargs, "base_url": url, "timeout": timeout}

    @pytest.fixture(autouse=True)
    def conformance_secrets(self, monkeypatch: pytest.MonkeyPatch) -> Mapping[str, str]:
        """Put ``secrets`` (or a made-up value of the declared key) into the environment."""
        if not self.generator_id:
            pytest.fail(f"{type(self).__name__}: set generator_id (and valid_inputs) on the class")
        secrets = dict(self.secrets) or _declared_secret(self.generator_id)
        for name, value in secrets.items():
            monkeypatch.setenv(name, value)
        return secrets

    @pytest.fixture
    def conformance_server(self) -> Iterator[LoopbackServer | None]:
        """The loopback server serving ``http_app`` (None for a plugin that makes no requests)."""
        app = type(self).http_app  # through the class: a plain function stays unbound
        if app is None:
            yield None
            return
        from inference_core.testing import LoopbackServer

        with LoopbackServer(app) as server:
            yield server

    @pytest.fixture
    def conformance_generator(
        self,
        conformance_secrets: Mapping[str, str],
        conformance_server: LoopbackServer | None,
    ) -> BaseGenerator:
        """The generator under test: its registered class built with ``generator_kwargs``
        (and pointed at the loopback server for an HTTP plugin)."""
        cls = resolve_generator(self.generator_id)
        if conformance_server is None:
            return cls(**self.generator_kwargs)
        return cls(**self.connect(conformance_server.url, 30.0))

    def test_registered(self) -> None:
        check_registered(self.generator_id)

    def test_metadata(self, conformance_generator: BaseGenerator) -> None:
        check_metadata(conformance_generator, expected_id=self.generator_id)

    def test_schema_and_tool_definition(self, conformance_generator: BaseGenerator) -> None:
        check_schema(conformance_generator, self.valid_inputs)

    def test_defaults_are_valid(self, conformance_generator: BaseGenerator) -> None:
        check_defaults(conformance_generator)

    def test_rejects_invalid_and_unknown_inputs(self, conformance_generator: BaseGenerator) -> None:
        check_rejects_invalid(conformance_generator, self.valid_inputs, self.invalid_inputs)

    def test_generate(self, conformance_generator: BaseGenerator) -> None:
        check_generate(conformance_generator, self.valid_inputs)

    def test_generate_with_only_required_inputs(self, conformance_generator: BaseGenerator) -> None:
        check_required_only(conformance_generator, self.valid_inputs)

    def test_request_is_honoured(self, conformance_generator: BaseGenerator) -> None:
        check_honours_request(conformance_generator, self.valid_inputs)

    def test_inputs_left_unchanged(self, conformance_generator: BaseGenerator) -> None:
        check_inputs_untouched(conformance_generator, self.valid_inputs)

    def test_agenerate_agrees_with_generate(self, conformance_generator: BaseGenerator) -> None:
        check_agenerate_agrees(conformance_generator, self.valid_inputs)

    def test_concurrent_calls_on_one_instance(self, conformance_generator: BaseGenerator) -> None:
        check_concurrent_calls(conformance_generator, self.valid_inputs, self.concurrency)

    def test_agenerate_leaves_the_event_loop_free(
        self, conformance_generator: BaseGenerator, conformance_server: LoopbackServer | None
    ) -> None:
        with _latency(conformance_server, self.http_latency):
            check_event_loop_free(conformance_generator, self.valid_inputs)

    def test_cancellation_stops_promptly(
        self, conformance_generator: BaseGenerator, conformance_server: LoopbackServer | None
    ) -> None:
        with sandbox(settle_s=5.0) as box, _latency(conformance_server, self.http_latency):
            done = check_cancellation(conformance_generator, self.valid_inputs)
        kept = [done] if done is not None else []
        check_sandbox(conformance_generator, box, kept, during="a cancelled call", settle_s=5.0)

    def test_errors_are_inference_errors(self, conformance_generator: BaseGenerator) -> None:
        check_errors(conformance_generator, self.error_inputs)

    def test_provider_faults(
        self,
        conformance_server: LoopbackServer | None,
        conformance_secrets: Mapping[str, str],
    ) -> None:
        assert conformance_server is not None
        cls = resolve_generator(self.generator_id)
        server = conformance_server
        check_provider_faults(
            lambda timeout: cls(**self.connect(server.url, timeout)),
            server,
            self.valid_inputs,
            conformance_secrets,
        )

    def test_no_secret_leaks_and_nothing_left_behind(
        self, conformance_generator: BaseGenerator, conformance_secrets: Mapping[str, str]
    ) -> None:
        with sandbox() as box:
            results = _check_secrets(
                conformance_generator,
                self.valid_inputs,
                self.invalid_inputs,
                self.error_inputs,
                conformance_secrets,
            )
        check_sandbox(conformance_generator, box, results, conformance_secrets)

    def test_missing_secret_is_a_configuration_error(
        self,
        request: pytest.FixtureRequest,
        monkeypatch: pytest.MonkeyPatch,
        tmp_path: pathlib.Path,
        conformance_secrets: Mapping[str, str],
    ) -> None:
        from inference_core._keystore import KEYS_ENV_VAR
        from inference_core.config import USER_CONFIG_ENV_VAR as CONFIG_ENV_VAR

        monkeypatch.setenv(CONFIG_ENV_VAR, str(tmp_path / "no-config.yaml"))  # no user config keys
        monkeypatch.setenv(KEYS_ENV_VAR, str(tmp_path / "no-keys.json"))  # nor stored keys
        for name in conformance_secrets:
            monkeypatch.delenv(name, raising=False)
        check_missing_secret(
            self.generator_id,
            lambda: request.getfixturevalue("conformance_generator"),
            self.valid_inputs,
            conformance_secrets,
        )

    def test_listing_imports_no_heavy_modules(self) -> None:
        check_listing_lightweight(self.generator_id, self.forbidden_imports)

    def test_import_cost(self) -> None:
        check_import_cost(self.generator_id, budget_s=self.import_budget_s)


def _declared_secret(generator_id: str) -> dict[str, str]:
    """A made-up value for the key the generator declares, or ``{}``."""
    try:
        spec = resolve_generator(generator_id).metadata.key
    except AssertionError:
        return {}
    return {spec.env_var: f"conformance-secret-{generator_id}-7f3a"} if spec else {}


@contextlib.contextmanager
def _latency(server: LoopbackServer | None, seconds: float) -> Iterator[None]:
    if server is None:
        yield
        return
    before, server.latency = server.latency, seconds
    try:
        yield
    finally:
        server.latency = before


def _check_secrets(
    gen: BaseGenerator,
    valid_inputs: Mapping[str, Any],
    invalid_inputs: Sequence[Mapping[str, Any]],
    error_inputs: Sequence[Mapping[str, Any]],
    secrets: Mapping[str, str],
) -> list[GenerationResult]:
    __tracebackhide__ = True
    results: list[GenerationResult] = [generate_result(gen, valid_inputs)]
    errors: list[BaseException] = list(check_errors(gen, error_inputs))
    for bad in invalid_inputs:
        try:
            gen.validate_inputs({**valid_inputs, **bad})
        except Exception as exc:
            errors.append(exc)
    if secrets:
        check_no_secrets(gen, secrets, results, errors)
    return results


@contextlib.contextmanager
def _environment(values: Mapping[str, str | None]) -> Iterator[None]:
    """Set (or, for ``None``, remove) environment variables for the block."""
    saved = {name: os.environ.get(name) for name in values}
    for name, value in values.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    try:
        yield
    finally:
        for name, old in saved.items():
            if old is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = old


def check_generator(
    generator: GeneratorLike | str,
    valid_inputs: Mapping[str, Any],
    *,
    invalid_inputs: Sequence[Mapping[str, Any]] = (),
    error_inputs: Sequence[Mapping[str, Any]] = (),
    secrets: Mapping[str, str] | None = None,
    generator_kwargs: Mapping[str, Any] | None = None,
    check_listing: bool = True,
    forbidden_imports: Sequence[str] = DEFAULT_FORBIDDEN_IMPORTS,
    server: LoopbackServer | None = None,
    make_for_server: Callable[[float], BaseGenerator] | None = None,
) -> None:
    """Run every conformance check on ``generator`` (an id, a class or an instance).

    ``secrets`` are set in the environment while the checks run (a class is
    instantiated inside that, with ``generator_kwargs``). The listing and
    import-cost checks need the generator installed with its entry point; pass
    ``check_listing=False`` for a class that is only registered by hand. For an
    HTTP plugin, pass the loopback ``server`` it talks to and
    ``make_for_server(timeout)`` building it pointed there: the provider
    faults are then scripted too. Raises ``AssertionError`` at the first failing check.
    """
    __tracebackhide__ = True
    secrets = dict(secrets or {})
    with _environment(secrets):
        cls_or_gen = check_registered(generator) if isinstance(generator, str) else generator
        gen = (
            cls_or_gen(**(generator_kwargs or {}))
            if isinstance(cls_or_gen, type)
            else instance(cls_or_gen)
        )
        check_metadata(gen)
        check_schema(gen, valid_inputs)
        check_defaults(gen)
        check_rejects_invalid(gen, valid_inputs, invalid_inputs)
        with sandbox() as box:
            result = check_generate(gen, valid_inputs)
            results = [result, check_required_only(gen, valid_inputs)]
            check_honours_request(gen, valid_inputs)
            check_inputs_untouched(gen, valid_inputs)
            results.append(check_agenerate_agrees(gen, valid_inputs, result))
            results += check_concurrent_calls(gen, valid_inputs)
            check_errors(gen, error_inputs)
            results += _check_secrets(gen, valid_inputs, invalid_inputs, error_inputs, secrets)
        check_sandbox(gen, box, results, secrets)
        with _latency(server, 0.3):
            check_event_loop_free(gen, valid_inputs)
            with sandbox(settle_s=5.0) as box:
                done = check_cancellation(gen, valid_inputs)
            kept = [done] if done is not None else []
            check_sandbox(gen, box, kept, during="a cancelled call", settle_s=5.0)
        if server is not None and make_for_server is not None:
            check_provider_faults(make_for_server, server, valid_inputs, secrets)
    if secrets and isinstance(cls_or_gen, type):
        cls = cls_or_gen
        with _environment(dict.fromkeys(secrets)):
            check_missing_secret(
                gen.metadata.id, lambda: cls(**(generator_kwargs or {})), valid_inputs, secrets
            )
    if check_listing:
        check_listing_lightweight(gen.metadata.id, forbidden_imports)
        check_import_cost(gen.metadata.id)
