"""The conformance kit: proves that a generator honours inference-core's contracts.

Subclass :class:`GeneratorConformance` in a test module of your package; pytest
collects one test per contract::

    from inference_core.testing.conformance import GeneratorConformance

    class TestMockImage(GeneratorConformance):
        generator_id = "mock_image_generator"
        valid_inputs = {"prompt": "a red fox", "width": 64, "height": 48}
        invalid_inputs = [{"width": "abc"}]          # merged over valid_inputs
        secrets = {"OPENAI_API_KEY": "sk-test-123"}  # set in the environment, must never leak

Every check is also a plain function (``check_metadata``, ``check_generate``,
...; :func:`check_generator` runs them all) that raises ``AssertionError``
with a message naming the generator and what is wrong.
"""

from __future__ import annotations

import contextlib
import os
from typing import TYPE_CHECKING, Any, ClassVar

import pytest

from inference_core.testing._conformance_checks import (
    GeneratorLike,
    check_metadata,
    check_registered,
    check_rejects_invalid,
    check_schema,
    instance,
    resolve_generator,
)
from inference_core.testing._conformance_generation import (
    check_agenerate_agrees,
    check_assets,
    check_errors,
    check_generate,
    generate_result,
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
    from collections.abc import Iterator, Mapping, Sequence

    from inference_core import BaseGenerator, GenerationResult

__all__ = [
    "DEFAULT_FORBIDDEN_IMPORTS",
    "GeneratorConformance",
    "GeneratorLike",
    "asset_problems",
    "check_agenerate_agrees",
    "check_assets",
    "check_errors",
    "check_generate",
    "check_generator",
    "check_listing_lightweight",
    "check_metadata",
    "check_missing_secret",
    "check_no_secrets",
    "check_registered",
    "check_rejects_invalid",
    "check_schema",
    "decode_media",
    "find_secrets",
    "generate_result",
    "resolve_generator",
]


class GeneratorConformance:
    """Base class of a generator's conformance tests; set the class attributes in a subclass.

    ``generator_id`` (required) is looked up in the registries, so the package
    must be installed with its entry point. ``valid_inputs`` (required) must
    generate quickly. ``invalid_inputs`` are merged over ``valid_inputs`` and
    must raise ``InputValidationError`` naming one of their fields. ``error_inputs``
    validate but must make generation raise an ``InferenceError``.
    ``secrets`` are set as environment variables during each test and must
    never appear in results, reprs or error messages. ``generator_kwargs`` go
    to the generator's constructor; override the ``conformance_generator``
    fixture for anything more (a loopback server's URL, say).
    """

    generator_id: ClassVar[str] = ""
    valid_inputs: ClassVar[Mapping[str, Any]] = {}
    invalid_inputs: ClassVar[Sequence[Mapping[str, Any]]] = ()
    error_inputs: ClassVar[Sequence[Mapping[str, Any]]] = ()
    secrets: ClassVar[Mapping[str, str]] = {}
    generator_kwargs: ClassVar[Mapping[str, Any]] = {}
    forbidden_imports: ClassVar[Sequence[str]] = DEFAULT_FORBIDDEN_IMPORTS

    @pytest.fixture(autouse=True)
    def conformance_secrets(self, monkeypatch: pytest.MonkeyPatch) -> Mapping[str, str]:
        """Put ``secrets`` into the environment for the test."""
        if not self.generator_id:
            pytest.fail(f"{type(self).__name__}: set generator_id (and valid_inputs) on the class")
        for name, value in self.secrets.items():
            monkeypatch.setenv(name, value)
        return self.secrets

    @pytest.fixture
    def conformance_generator(self, conformance_secrets: Mapping[str, str]) -> BaseGenerator:
        """The generator under test: its registered class built with ``generator_kwargs``."""
        return resolve_generator(self.generator_id)(**self.generator_kwargs)

    def test_registered(self) -> None:
        check_registered(self.generator_id)

    def test_metadata(self, conformance_generator: BaseGenerator) -> None:
        check_metadata(conformance_generator, expected_id=self.generator_id)

    def test_schema_and_tool_definition(self, conformance_generator: BaseGenerator) -> None:
        check_schema(conformance_generator, self.valid_inputs)

    def test_rejects_invalid_and_unknown_inputs(self, conformance_generator: BaseGenerator) -> None:
        check_rejects_invalid(conformance_generator, self.valid_inputs, self.invalid_inputs)

    def test_generate(self, conformance_generator: BaseGenerator) -> None:
        check_generate(conformance_generator, self.valid_inputs)

    def test_agenerate_agrees_with_generate(self, conformance_generator: BaseGenerator) -> None:
        check_agenerate_agrees(conformance_generator, self.valid_inputs)

    def test_errors_are_inference_errors(self, conformance_generator: BaseGenerator) -> None:
        if not self.error_inputs:
            pytest.skip("no error_inputs given")
        check_errors(conformance_generator, self.error_inputs)

    def test_no_secret_leaks(self, conformance_generator: BaseGenerator) -> None:
        if not self.secrets:
            pytest.skip("no secrets given")
        _check_secrets(
            conformance_generator,
            self.valid_inputs,
            self.invalid_inputs,
            self.error_inputs,
            self.secrets,
        )

    def test_missing_secret_is_a_configuration_error(
        self,
        request: pytest.FixtureRequest,
        monkeypatch: pytest.MonkeyPatch,
        tmp_path: pathlib.Path,
    ) -> None:
        if not self.secrets:
            pytest.skip("no secrets given")
        from inference_core._keys import CONFIG_ENV_VAR

        monkeypatch.setenv(CONFIG_ENV_VAR, str(tmp_path / "no-config.yaml"))  # no user config keys
        for name in self.secrets:
            monkeypatch.delenv(name, raising=False)
        check_missing_secret(
            self.generator_id,
            lambda: request.getfixturevalue("conformance_generator"),
            self.valid_inputs,
            self.secrets,
        )

    def test_listing_imports_no_heavy_modules(self) -> None:
        check_listing_lightweight(self.generator_id, self.forbidden_imports)


def _check_secrets(
    gen: BaseGenerator,
    valid_inputs: Mapping[str, Any],
    invalid_inputs: Sequence[Mapping[str, Any]],
    error_inputs: Sequence[Mapping[str, Any]],
    secrets: Mapping[str, str],
) -> None:
    __tracebackhide__ = True
    results: list[GenerationResult] = [generate_result(gen, valid_inputs)]
    errors: list[BaseException] = list(check_errors(gen, error_inputs))
    for bad in invalid_inputs:
        try:
            gen.validate_inputs({**valid_inputs, **bad})
        except Exception as exc:
            errors.append(exc)
    check_no_secrets(gen, secrets, results, errors)


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
) -> None:
    """Run every conformance check on ``generator`` (an id, a class or an instance).

    ``secrets`` are set in the environment while the checks run (a class is
    instantiated inside that, with ``generator_kwargs``). The listing check
    needs the generator installed with its entry point; pass
    ``check_listing=False`` for a class that is only registered by hand.
    Raises ``AssertionError`` at the first failing check.
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
        check_rejects_invalid(gen, valid_inputs, invalid_inputs)
        result = check_generate(gen, valid_inputs)
        check_agenerate_agrees(gen, valid_inputs, result)
        check_errors(gen, error_inputs)
        if secrets:
            _check_secrets(gen, valid_inputs, invalid_inputs, error_inputs, secrets)
    if secrets and isinstance(cls_or_gen, type):
        cls = cls_or_gen
        with _environment(dict.fromkeys(secrets)):
            check_missing_secret(
                gen.metadata.id, lambda: cls(**(generator_kwargs or {})), valid_inputs, secrets
            )
    if check_listing:
        check_listing_lightweight(gen.metadata.id, forbidden_imports)
