"""Generator registries, one per modality, fed by plugin discovery and manual registration."""

from __future__ import annotations

import re
import threading
from typing import TYPE_CHECKING, Any

from inference_core import plugins
from inference_core._generator import MODALITIES, BaseGenerator
from inference_core.errors import DuplicateGeneratorError, GeneratorNotFoundError, PluginError

if TYPE_CHECKING:
    import os

    from inference_core._result import GenerationResult

__all__ = [
    "GeneratorRegistry",
    "find_generator_class",
    "get_audio_generator_registry",
    "get_image_generator_registry",
    "get_registry",
    "get_video_generator_registry",
]

_GENERIC_TOKENS = frozenset(
    {
        "gen",
        "generator",
        "generators",
        "image",
        "video",
        "audio",
        "tts",
        "plugin",
        "inference",
        "core",
    }
)


def _tokens(name: str) -> set[str]:
    return set(re.split(r"[-_.\s]+", name.lower())) - _GENERIC_TOKENS - {""}


class GeneratorRegistry:
    """The generators of one modality.

    >>> registry = get_image_generator_registry()
    >>> registry.list_generators()  # doctest: +SKIP
    ['mock_image_generator', 'openrouter_image_generator']
    >>> result = registry.generate("mock_image_generator", prompt="a red fox")  # doctest: +SKIP
    """

    def __init__(self, modality: str) -> None:
        if modality not in MODALITIES:
            raise ValueError(f"unknown modality {modality!r}; expected one of {MODALITIES}")
        self.modality = modality
        self._manual: dict[str, type[BaseGenerator]] = {}
        self._instances: dict[str, BaseGenerator] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<GeneratorRegistry {self.modality}: {len(self.list_generators())} generators>"

    # -- lookup --------------------------------------------------------------

    def _classes(self) -> dict[str, type[BaseGenerator]]:
        found = plugins.get_plugins()
        classes = {
            gid: cls for gid, (cls, _) in found.generators.items() if cls.modality == self.modality
        }
        classes.update(self._manual)
        return classes

    def list_generators(self) -> list[str]:
        """The ids of every usable generator of this modality, sorted."""
        return sorted(self._classes())

    def get_generator_class(self, generator_id: str) -> type[BaseGenerator]:
        """The class registered under ``generator_id``.

        Raises :class:`GeneratorNotFoundError` (with the closest ids),
        :class:`DuplicateGeneratorError` or :class:`PluginLoadError`.
        """
        cls = self._manual.get(generator_id)
        if cls is not None:
            return cls
        found = plugins.get_plugins()
        entry = found.generators.get(generator_id)
        if entry is not None and entry[0].modality == self.modality:
            return entry[0]
        raise _not_found(generator_id, self.modality, found)

    def get_generator(self, generator_id: str, **config: Any) -> BaseGenerator:
        """An instance of the generator; with ``config``, a new one built with those arguments."""
        if not config:
            instance = self._instances.get(generator_id)
            if instance is not None:
                return instance
        cls = self.get_generator_class(generator_id)
        if config:
            return cls(**config)
        with self._lock:
            instance = self._instances.get(generator_id)
            if instance is None or type(instance) is not cls:
                instance = self._instances[generator_id] = cls()
        return instance

    # -- generation ------------------------------------------------------------

    def generate(self, generator_id: str, **inputs: Any) -> GenerationResult:
        """Validate ``inputs`` and generate with ``generator_id``."""
        instance = self._instances.get(generator_id) or self.get_generator(generator_id)
        return instance.generate(**inputs)

    async def agenerate(self, generator_id: str, **inputs: Any) -> GenerationResult:
        """Asynchronous :meth:`generate`."""
        instance = self._instances.get(generator_id) or self.get_generator(generator_id)
        return await instance.agenerate(**inputs)

    # -- description -------------------------------------------------------------

    def get_all_generators_info(self) -> dict[str, dict[str, Any]]:
        """``get_info()`` of every generator, by id."""
        return {gid: cls.get_info() for gid, cls in sorted(self._classes().items())}

    def as_tools(self) -> list[dict[str, Any]]:
        """OpenAI-style tool definitions of every generator of this modality."""
        from inference_core._tools import definitions

        return definitions([self])

    def execute_tool_call(
        self, tool_call: Any, *, out_dir: str | os.PathLike[str]
    ) -> dict[str, Any]:
        """Run a model's tool call: validate, generate, save; return the tool message."""
        from inference_core._tools import run

        return run([self], tool_call, out_dir=out_dir)

    # -- registration ------------------------------------------------------------

    def register_generator(
        self, generator: type[BaseGenerator], *, replace: bool = False
    ) -> type[BaseGenerator]:
        """Register a generator class by hand (usable as a class decorator).

        Raises :class:`DuplicateGeneratorError` if the id is taken, unless ``replace``.
        """
        problem = plugins._class_problem(generator)
        if problem:
            raise TypeError(f"cannot register {problem}")
        if generator.modality != self.modality:
            raise TypeError(
                f"{generator.__name__} is a {generator.modality} generator; "
                f"register it with get_{generator.modality}_generator_registry()"
            )
        generator_id = generator.metadata.id
        with self._lock:
            if not replace and generator_id in self._classes():
                existing = self.get_generator_class(generator_id)
                raise DuplicateGeneratorError(
                    f"generator id {generator_id!r} is already registered by "
                    f"{existing.__module__}.{existing.__qualname__}; "
                    f"cannot also register {generator.__module__}.{generator.__qualname__}",
                    generator_id=generator_id,
                    distributions=[existing.__module__, generator.__module__],
                )
            self._manual[generator_id] = generator
            self._instances.pop(generator_id, None)
        return generator

    def unregister_generator(self, generator_id: str) -> None:
        """Remove a generator registered by hand."""
        with self._lock:
            self._manual.pop(generator_id, None)
            self._instances.pop(generator_id, None)

    def reload(self) -> None:
        """Discover plugins again; generators registered by hand stay."""
        plugins.reload_plugins()
        for registry in _registries.values():
            with registry._lock:
                registry._instances.clear()


_registries = {modality: GeneratorRegistry(modality) for modality in MODALITIES}


def find_generator_class(generator_id: str, modality: str | None = None) -> type[BaseGenerator]:
    """The class registered under ``generator_id`` in the registry of ``modality`` (``None``: any).

    The one lookup across modalities: the CLI, the pipeline and the agent tools
    use it. Raises :class:`GeneratorNotFoundError` whose attributes say what
    happened (``suggestions``, the closest ids; ``actual_modality``, when the id
    belongs to another modality than the one asked for), or the
    :class:`DuplicateGeneratorError` / :class:`PluginLoadError` that keeps the
    id from being used.

    >>> find_generator_class("mock_image_generator").modality  # doctest: +SKIP
    'image'
    """
    if modality is not None:
        return get_registry(modality).get_generator_class(generator_id)
    for registry in _registries.values():
        cls = registry._manual.get(generator_id)
        if cls is not None:
            return cls
    found = plugins.get_plugins()
    entry = found.generators.get(generator_id)
    if entry is not None:
        return entry[0]
    raise _not_found(generator_id, None, found)


def _not_found(generator_id: str, modality: str | None, found: plugins.PluginSet) -> PluginError:
    """The error for an id that ``modality``'s registry (``None``: every registry) lacks."""
    if generator_id in found.duplicates:
        return found.duplicate_error(generator_id)
    entry = found.generators.get(generator_id)
    if entry is not None and modality is not None:
        other = entry[0].modality
        return GeneratorNotFoundError(
            f"{generator_id!r} is a {other} generator, not a {modality} one; "
            f"use get_{other}_generator_registry()",
            generator_id=generator_id,
            modality=modality,
            actual_modality=other,
        )
    wanted = _tokens(generator_id)
    for failure in found.failures:
        if wanted & (_tokens(failure.distribution) | _tokens(failure.entry_point)):
            return failure.as_error()
    searched = [modality] if modality is not None else list(MODALITIES)
    known = sorted({g for name in searched for g in _registries[name].list_generators()})
    import difflib  # only for an unknown id

    close = difflib.get_close_matches(generator_id, known, n=3, cutoff=0.5)
    kind = f"{modality} generator" if modality is not None else "generator"
    message = f"no {kind} {generator_id!r}"
    if close:
        message += f"; did you mean {', '.join(repr(c) for c in close)}?"
    elif known:
        message += f"; known: {', '.join(known)}"
    else:
        message += f"; no {kind}s are installed"
    if found.failures:
        message += f" ({len(found.failures)} plugin(s) failed to load: see `infer plugins`)"
    return GeneratorNotFoundError(
        message, generator_id=generator_id, suggestions=close, modality=modality
    )


def get_registry(modality: str) -> GeneratorRegistry:
    """The registry of ``modality`` (``image``, ``video`` or ``audio``)."""
    try:
        return _registries[modality]
    except KeyError:
        raise ValueError(f"unknown modality {modality!r}; expected one of {MODALITIES}") from None


def get_image_generator_registry() -> GeneratorRegistry:
    """The image generator registry."""
    return _registries["image"]


def get_video_generator_registry() -> GeneratorRegistry:
    """The video generator registry."""
    return _registries["video"]


def get_audio_generator_registry() -> GeneratorRegistry:
    """The audio generator registry."""
    return _registries["audio"]
