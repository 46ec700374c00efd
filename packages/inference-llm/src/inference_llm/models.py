"""LLM model descriptions: :class:`ModelConfig`, the :class:`ModelRegistry` and :func:`get_model_config`.

The registry holds the built-in catalog (:mod:`inference_llm.catalog`)
plus whatever installed plugins return from the ``register_models`` hook::

    from inference_core import hookimpl

    @hookimpl
    def register_models():
        return [{"name": "acme/fast-1", "provider": "openai", "litellm_model": "openai/fast-1",
                 "api_key_env": "ACME_API_KEY", "api_base": "https://llm.acme.test/v1"}]

A model the registry does not know still works: :func:`get_model_config`
derives a description from its ``provider/`` prefix.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from inference_core.errors import ConfigurationError
from inference_llm.catalog import BUILTIN_MODELS, PROVIDERS

__all__ = ["ClientKind", "ModelConfig", "ModelRegistry", "get_model_config", "get_model_registry"]

logger = logging.getLogger("inference_llm")

ClientKind = Literal["litellm", "openai_sdk", "gpt5_sdk"]


class ModelConfig(BaseModel):
    """What inference-core knows about one LLM.

    ``name`` is the id users pass (``openai/gpt-4o-mini``); ``litellm_model``
    is what LiteLLM is called with (derived from the name when omitted;
    ``ollama/x`` becomes ``ollama_chat/x``, Ollama's chat endpoint). Costs are
    USD per million tokens.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    provider: str = Field(min_length=1)
    litellm_model: str = ""
    display_name: str = ""
    description: str = ""
    aliases: tuple[str, ...] = ()
    context_window: int | None = None
    max_output_tokens: int | None = None
    input_cost_per_mtok: float | None = None
    output_cost_per_mtok: float | None = None
    supports_vision: bool = False
    supports_json_mode: bool = True
    supports_json_schema: bool = False
    supports_tools: bool = False
    supports_streaming: bool = True
    supports_reasoning: bool = False
    supports_temperature: bool = True
    client: ClientKind = "litellm"
    api_key_env: str | None = None
    api_base_env: str | None = None
    api_base: str | None = None
    known: bool = True
    source: str = "builtin"

    def model_post_init(self, __context: Any) -> None:
        info = PROVIDERS.get(self.provider, {})
        if not self.litellm_model:
            object.__setattr__(self, "litellm_model", _litellm_name(self.name, self.provider))
        if self.api_key_env is None and "api_key_env" not in self.model_fields_set:
            object.__setattr__(self, "api_key_env", info.get("api_key_env"))
        if self.api_base_env is None and "api_base_env" not in self.model_fields_set:
            object.__setattr__(self, "api_base_env", info.get("api_base_env"))
        if not self.display_name:
            object.__setattr__(self, "display_name", self.name)

    @property
    def model_id(self) -> str:
        """The model's name without its provider prefix (``gpt-4o-mini``)."""
        prefix = f"{self.provider}/"
        return self.name[len(prefix) :] if self.name.startswith(prefix) else self.name

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float | None:
        """USD cost of a call from the catalog prices, or ``None`` when they are unknown."""
        if self.input_cost_per_mtok is None or self.output_cost_per_mtok is None:
            return None
        return (
            prompt_tokens * self.input_cost_per_mtok + completion_tokens * self.output_cost_per_mtok
        ) / 1e6

    @property
    def supports_multimodal(self) -> bool:
        """The seed's name for :attr:`supports_vision`."""
        return self.supports_vision

    @property
    def max_tokens(self) -> int | None:
        """The seed's name for :attr:`max_output_tokens`."""
        return self.max_output_tokens

    def info(self) -> dict[str, Any]:
        """The description as plain JSON-ready data."""
        return self.model_dump(mode="json")


def _litellm_name(name: str, provider: str) -> str:
    prefix = PROVIDERS.get(provider, {}).get("litellm_prefix", provider)
    if provider == "ollama":
        bare = name.split("/", 1)[1] if name.startswith(("ollama/", "ollama_chat/")) else name
        return f"{prefix}/{bare}"
    if name.startswith(f"{provider}/"):
        return f"{prefix}/{name.split('/', 1)[1]}"
    return f"{prefix}/{name}"


def _infer_provider(name: str) -> str:
    head, sep, _ = name.partition("/")
    if sep:
        return "ollama" if head == "ollama_chat" else head
    lowered = name.lower()
    if lowered.startswith(("gpt-", "o1", "o3", "o4", "chatgpt", "text-embedding")):
        return "openai"
    if lowered.startswith("claude"):
        return "anthropic"
    if lowered.startswith("gemini"):
        return "gemini"
    return "openai"


class ModelRegistry:
    """Known models by name and alias: the built-in catalog, plugin models and registered ones.

    Example::

        registry = get_model_registry()
        registry.list_models()                       # every ModelConfig, sorted by name
        registry.list_models_by_provider("openai")
        registry.register(ModelConfig(name="ollama/phi4", provider="ollama"))

    ``ModelRegistry()`` starts with the built-in catalog, ``ModelRegistry([])`` empty.
    """

    def __init__(
        self,
        models: Iterable[ModelConfig | Mapping[str, Any]] | None = None,
        *,
        load_plugins: bool = False,
    ) -> None:
        """``models`` to start with; by default (``None``) the built-in catalog, ``[]`` for none."""
        self._models: dict[str, ModelConfig] = {}
        self._aliases: dict[str, str] = {}
        self._lock = threading.RLock()
        if models is None:
            models = [ModelConfig.model_validate(m) for m in BUILTIN_MODELS]
        for model in models:
            self.register(model)
        if load_plugins:
            self.load_plugin_models()

    @classmethod
    def builtin(cls, *, load_plugins: bool = True) -> ModelRegistry:
        """A registry with the built-in catalog, plus plugin models unless ``load_plugins=False``."""
        return cls(
            [ModelConfig.model_validate(m) for m in BUILTIN_MODELS], load_plugins=load_plugins
        )

    def register(
        self, model: ModelConfig | Mapping[str, Any], *, replace: bool = True
    ) -> ModelConfig:
        """Add (or with ``replace=True`` overwrite) a model; mappings are validated as ModelConfig."""
        config = model if isinstance(model, ModelConfig) else _validate(model, source="registered")
        with self._lock:
            if not replace and config.name in self._models:
                existing = self._models[config.name]
                raise ConfigurationError(
                    f"model {config.name!r} is already registered by {existing.source}; "
                    f"{config.source} cannot register it again"
                )
            self._models[config.name] = config
            for alias in config.aliases:
                self._aliases[alias] = config.name
        return config

    def load_plugin_models(self) -> list[ModelConfig]:
        """Register what plugins return from ``register_models``; bad entries are logged and skipped."""
        from inference_core.plugins import collect_models

        added: list[ModelConfig] = []
        for info, item in collect_models():
            source = f"{info.distribution} {info.version}"
            try:
                if isinstance(item, ModelConfig):
                    config = item.model_copy(update={"source": source})
                else:
                    config = _validate(item, source=source)
                added.append(self.register(config, replace=False))
            except ConfigurationError as exc:
                logger.warning("ignoring a model from %s: %s", source, exc)
        return added

    def get(self, name: str) -> ModelConfig | None:
        """The model called ``name`` (or with that alias or LiteLLM name), or ``None``."""
        with self._lock:
            found = self._models.get(name) or self._models.get(self._aliases.get(name, ""))
            if found is None:
                found = next((m for m in self._models.values() if m.litellm_model == name), None)
            return found

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def list_models(self) -> list[ModelConfig]:
        """Every registered model, sorted by name."""
        with self._lock:
            return sorted(self._models.values(), key=lambda m: m.name)

    def list_models_by_provider(
        self, provider: str | None = None
    ) -> dict[str, list[ModelConfig]] | list[ModelConfig]:
        """Models grouped by provider, or the list for one ``provider``."""
        models = self.list_models()
        if provider is not None:
            return [m for m in models if m.provider == provider]
        grouped: dict[str, list[ModelConfig]] = {}
        for model in models:
            grouped.setdefault(model.provider, []).append(model)
        return grouped

    def providers(self) -> list[str]:
        """The providers of registered models, sorted."""
        return sorted({m.provider for m in self.list_models()})


def _validate(data: Mapping[str, Any], *, source: str) -> ModelConfig:
    try:
        return ModelConfig.model_validate({"source": source, **dict(data)})
    except ValidationError as exc:
        name = data.get("name", "?") if isinstance(data, Mapping) else "?"
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ConfigurationError(
            f"invalid model description {name!r} from {source}: {problems}"
        ) from exc


_registry: ModelRegistry | None = None
_registry_lock = threading.Lock()


def get_model_registry(*, reload: bool = False) -> ModelRegistry:
    """The process-wide registry (catalog plus plugin models), built on first use."""
    global _registry
    with _registry_lock:
        if _registry is None or reload:
            _registry = ModelRegistry.builtin()
        return _registry


def get_model_config(name: str, registry: ModelRegistry | None = None) -> ModelConfig:
    """The description of ``name``: a registered model, or one derived from its ``provider/`` prefix.

    Derived descriptions have ``known=False``; they use the provider's usual
    key variable and base URL, and no price.
    """
    if not name or not name.strip():
        raise ConfigurationError("no model given: pass a model name or set INFERENCE_DEFAULT_MODEL")
    found = (registry or get_model_registry()).get(name)
    if found is not None:
        return found
    provider = _infer_provider(name)
    full = name if "/" in name else f"{provider}/{name}"
    if name.startswith("ollama_chat/"):
        full = "ollama/" + name.split("/", 1)[1]
    return ModelConfig(
        name=full,
        provider=provider,
        known=False,
        source="derived",
        supports_json_schema=provider in ("openai", "openrouter"),
    )
