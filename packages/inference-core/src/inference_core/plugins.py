"""Plugin discovery: entry points in the ``inference_core`` group, each isolated from the others.

Every installed distribution that declares an ``inference_core`` entry point
is loaded through pluggy. A plugin that fails to import, implements a hook no
spec defines, raises in its hook, returns something that is not a generator
class, or registers an id another distribution also registered, is recorded
as a :class:`PluginFailure`; every other generator keeps working.

Environment:

- ``INFERENCE_CORE_PLUGINS=dist-a,dist-b`` loads only those distributions
  (the empty string loads none).
- ``INFERENCE_CORE_STRICT_PLUGINS=1`` raises the first load failure instead.
"""

from __future__ import annotations

import dataclasses
import os
import re
import threading
from typing import TYPE_CHECKING, Any, NamedTuple, cast

import pluggy

from inference_core import _observers, hookspecs
from inference_core._entry_points import plugin_entry_points
from inference_core._generator import MODALITIES, BaseGenerator, GeneratorMetadata
from inference_core.errors import DuplicateGeneratorError, PluginLoadError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from inference_core._entry_points import PluginEntryPoint

__all__ = [
    "PluginFailure",
    "PluginInfo",
    "PluginSet",
    "collect_models",
    "get_plugins",
    "normalize_name",
    "register_commands",
    "reload_plugins",
]

PLUGINS_ENV = "INFERENCE_CORE_PLUGINS"
STRICT_ENV = "INFERENCE_CORE_STRICT_PLUGINS"


def normalize_name(name: str) -> str:
    """A distribution name normalised as PEP 503 does (``Gen_Foo.bar`` -> ``gen-foo-bar``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


# The records below are a named tuple and plain classes, not dataclasses: every `infer list`
# defines them, and defining a dataclass (its methods are compiled from source, about half a
# millisecond each class on Python 3.11) costs more than loading a small plugin.


class PluginFailure(NamedTuple):
    """A plugin that could not be used, and why."""

    distribution: str
    version: str
    entry_point: str
    error: str
    exception: BaseException | None = None

    def as_error(self) -> PluginLoadError:
        """The failure as the exception raised when someone asks for its generators."""
        error = PluginLoadError(
            f"plugin {self.entry_point!r} from {self.distribution} {self.version} "
            f"failed to load: {self.error}",
            distribution=self.distribution,
            version=self.version,
            error=self.error,
        )
        error.__cause__ = self.exception
        return error


class PluginInfo:
    """One loaded entry point: its distribution and the generator ids it registered."""

    __slots__ = ("distribution", "entry_point", "generators", "version")

    def __init__(
        self,
        distribution: str,
        version: str,
        entry_point: str,
        generators: list[str] | None = None,
    ) -> None:
        self.distribution = distribution
        self.version = version
        self.entry_point = entry_point
        self.generators: list[str] = [] if generators is None else generators

    def __repr__(self) -> str:
        return (
            f"PluginInfo({self.distribution!r}, {self.version!r}, {self.entry_point!r}, "
            f"generators={self.generators!r})"
        )


class PluginSet:
    """Everything discovery found: plugins, generator classes by id, failures, duplicates."""

    __slots__ = ("duplicates", "failures", "generators", "manager", "plugins")

    def __init__(self, manager: pluggy.PluginManager) -> None:
        self.manager = manager
        self.plugins: list[PluginInfo] = []
        self.generators: dict[str, tuple[type[BaseGenerator], PluginInfo]] = {}
        self.failures: list[PluginFailure] = []
        self.duplicates: dict[str, list[str]] = {}

    def __repr__(self) -> str:
        return (
            f"<PluginSet: {len(self.plugins)} plugins, {len(self.generators)} generators, "
            f"{len(self.failures)} failures>"
        )

    def duplicate_error(self, generator_id: str) -> DuplicateGeneratorError:
        owners = self.duplicates[generator_id]
        return DuplicateGeneratorError(
            f"generator id {generator_id!r} is registered by several distributions: "
            f"{', '.join(owners)}; uninstall one, or choose with {PLUGINS_ENV}",
            generator_id=generator_id,
            distributions=owners,
        )


def _selected() -> set[str] | None:
    raw = os.environ.get(PLUGINS_ENV)
    if raw is None:
        return None
    return {normalize_name(n) for n in raw.split(",") if n.strip()}


def _strict() -> bool:
    return os.environ.get(STRICT_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


class _Loader:
    def __init__(self) -> None:
        manager = pluggy.PluginManager(hookspecs.PROJECT_NAME)
        manager.add_hookspecs(hookspecs)
        self.found = PluginSet(manager)
        self.infos: dict[str, PluginInfo] = {}

    def fail(self, info: PluginInfo, exc: BaseException, error: str | None = None) -> None:
        failure = PluginFailure(
            info.distribution, info.version, info.entry_point, error or _describe(exc), exc
        )
        if _strict():
            raise failure.as_error() from exc
        self.found.failures.append(failure)

    def register(self, ep: PluginEntryPoint) -> None:
        info = PluginInfo(ep.distribution, ep.version, ep.name)
        plugin_name = f"{info.distribution}:{ep.name}"
        try:
            module = ep.load()
            self.found.manager.register(module, name=plugin_name)
        except Exception as exc:
            self.fail(info, exc)
            return
        self.infos[plugin_name] = info
        self.found.plugins.append(info)

    def check_pending(self) -> None:
        manager = self.found.manager
        while True:
            try:
                manager.check_pending()
                return
            except pluggy.PluginValidationError as exc:
                name = manager.get_name(exc.plugin) or "?"
                manager.unregister(exc.plugin)
                info = self.infos.pop(name)
                self.found.plugins.remove(info)
                self.fail(info, exc, f"implements a hook no spec defines: {exc}")

    def collect_generators(self) -> None:
        claims: dict[str, list[tuple[type[BaseGenerator], PluginInfo]]] = {}
        for impl in self.found.manager.hook.register_generators.get_hookimpls():
            info = self.infos[impl.plugin_name]
            try:
                classes: list[Any] = list(cast("Iterable[Any]", impl.function()))
            except Exception as exc:
                self.fail(info, exc, f"register_generators raised {_describe(exc)}")
                continue
            for cls in classes:
                problem = _class_problem(cls)
                if problem:
                    self.fail(info, TypeError(problem), f"register_generators returned {problem}")
                    continue
                claims.setdefault(cls.metadata.id, []).append((cls, info))
        for generator_id, owners in claims.items():
            dists = {(info.distribution, info.version) for _, info in owners}
            if len(dists) > 1:
                self.found.duplicates[generator_id] = sorted(f"{d} {v}" for d, v in dists)
                if _strict():
                    raise self.found.duplicate_error(generator_id)
                continue
            cls, info = owners[-1]
            if not cls.metadata.version:
                cls.metadata = dataclasses.replace(cls.metadata, version=info.version)
            info.generators.append(generator_id)
            self.found.generators[generator_id] = (cls, info)

    def install_observers(self) -> None:
        hook = self.found.manager.hook
        _observers.set_observers(
            [_bind(impl) for impl in hook.generation_started.get_hookimpls()],
            [_bind(impl) for impl in hook.generation_finished.get_hookimpls()],
        )


def _bind(impl: pluggy.HookImpl) -> Callable[..., Any]:
    function, names = impl.function, impl.argnames

    def call(**kwargs: Any) -> Any:
        return function(**{name: kwargs[name] for name in names})

    call.__module__ = getattr(function, "__module__", "?")
    call.__qualname__ = getattr(function, "__qualname__", "?")
    return call


def _class_problem(cls: object) -> str | None:
    if not isinstance(cls, type) or not issubclass(cls, BaseGenerator):
        return f"{cls!r}, which is not a generator class"
    if cls.modality not in MODALITIES:
        return f"{cls.__name__}, which extends none of the modality base classes"
    if not isinstance(getattr(cls, "metadata", None), GeneratorMetadata):
        return f"{cls.__name__}, which has no GeneratorMetadata in its metadata attribute"
    if not cls.implements_generation():
        return f"{cls.__name__}, which implements neither generate nor agenerate"
    return None


def _discover() -> PluginSet:
    loader = _Loader()
    selected = _selected()
    for ep in plugin_entry_points(hookspecs.PROJECT_NAME):
        if selected is not None and normalize_name(ep.distribution) not in selected:
            continue
        loader.register(ep)
    loader.check_pending()
    loader.collect_generators()
    loader.install_observers()
    return loader.found


_lock = threading.Lock()
_current: PluginSet | None = None


def get_plugins() -> PluginSet:
    """The plugins found in the installed distributions, discovered on first use."""
    global _current
    found = _current
    if found is None:
        with _lock:
            if _current is None:
                _current = _discover()
            found = _current
    return found


def reload_plugins() -> PluginSet:
    """Discover again (after installing or removing a distribution, or changing the environment)."""
    global _current
    with _lock:
        _current = _discover()
        return _current


def _call_each(hook_name: str, **kwargs: Any) -> list[tuple[PluginInfo, Any]]:
    """Call every plugin's ``hook_name`` on its own; a plugin whose hook raises becomes a failure."""
    found = get_plugins()
    infos = {f"{i.distribution}:{i.entry_point}": i for i in found.plugins}
    returned: list[tuple[PluginInfo, Any]] = []
    for impl in getattr(found.manager.hook, hook_name).get_hookimpls():
        info = infos[impl.plugin_name]
        try:
            returned.append((info, impl.function(**kwargs)))
        except Exception as exc:
            failure = PluginFailure(
                info.distribution,
                info.version,
                info.entry_point,
                f"{hook_name} raised {_describe(exc)}",
                exc,
            )
            if _strict():
                raise failure.as_error() from exc
            found.failures.append(failure)
    return returned


def collect_models() -> list[tuple[PluginInfo, Any]]:
    """Every model description returned by ``register_models``, with the plugin that gave it.

    A plugin whose hook raises is skipped and recorded among the failures.
    """
    return [
        (info, model)
        for info, models in _call_each("register_models")
        for model in cast("Iterable[Any]", models or ())
    ]


def register_commands(cli: Any) -> None:
    """Let every plugin add its commands to ``cli`` through ``register_commands``.

    A plugin whose hook raises is skipped and recorded among the failures
    (shown by ``infer plugins``); the other commands stay usable.
    """
    _call_each("register_commands", cli=cli)
