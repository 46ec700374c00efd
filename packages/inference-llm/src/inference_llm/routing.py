"""Runtime routing: which provider, client and key serve a model call.

``inference_runtime.yaml`` is found upward from the working directory, or
read from ``$INFERENCE_RUNTIME_CONFIG``; ``${ENV}`` references are expanded::

    model_provider: openrouter          # send every model through OpenRouter
    provider_client: litellm            # litellm | openai_sdk | gpt5_sdk
    provider_key_env: OPENROUTER_API_KEY
    api_base: ${OPENROUTER_BASE_URL:-https://openrouter.ai/api/v1}
    default_model: openai/gpt-4o-mini
    timeout: 60
    max_attempts: 3

The seed's nested form is accepted too: ``model_provider`` a mapping of
model to provider, ``provider_client`` and ``provider_key_env`` mappings by
provider (a model or provider not listed keeps its own)::

    model_provider: {gpt-4o: openrouter, claude-3-5-sonnet-20241022: anthropic}
    provider_client: {openrouter: openai_sdk, openai: gpt5_sdk}
    provider_key_env: {openrouter: MY_OPENROUTER_KEY}

Without a file every model goes to its own provider through LiteLLM. The
model used when none is given: the argument, then ``$INFERENCE_DEFAULT_MODEL``,
then ``default_model`` of the file, then ``openai/gpt-4o-mini``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from inference_core.config import find_file_upwards, load_config
from inference_core.errors import ConfigurationError
from inference_core.provider import resolve_setting
from inference_llm.catalog import PROVIDERS
from inference_llm.models import ClientKind, ModelConfig, ModelRegistry, get_model_config

__all__ = [
    "DEFAULT_MODEL",
    "RUNTIME_CONFIG_ENV",
    "RUNTIME_CONFIG_NAMES",
    "Route",
    "RuntimeConfig",
    "default_model",
    "load_runtime_config",
    "resolve_route",
]

RUNTIME_CONFIG_ENV = "INFERENCE_RUNTIME_CONFIG"
RUNTIME_CONFIG_NAMES = ("inference_runtime.yaml", "inference_runtime.yml", "inference_runtime.json")
DEFAULT_MODEL_ENV = "INFERENCE_DEFAULT_MODEL"
DEFAULT_MODEL = "openai/gpt-4o-mini"


class RuntimeConfig(BaseModel):
    """The contents of ``inference_runtime.yaml``; every field optional."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model_provider: str | dict[str, str] | None = None
    provider_client: ClientKind | dict[str, ClientKind] | None = None
    provider_key_env: str | dict[str, str] | None = None
    api_base: str | None = None
    default_model: str | None = None
    timeout: float | None = None
    max_attempts: int | None = None
    path: Path | None = None


def load_runtime_config(start: str | os.PathLike[str] | None = None) -> RuntimeConfig:
    """The routing file from ``$INFERENCE_RUNTIME_CONFIG`` or found upward; empty config if none."""
    explicit = os.environ.get(RUNTIME_CONFIG_ENV)
    path: Path | None
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise ConfigurationError(f"{RUNTIME_CONFIG_ENV} points to {path}, which does not exist")
    else:
        path = find_file_upwards(list(RUNTIME_CONFIG_NAMES), start)
    if path is None:
        return RuntimeConfig()
    data: dict[str, Any] = load_config(path)
    try:
        return RuntimeConfig.model_validate({**data, "path": path})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ConfigurationError(f"{path}: {problems}") from exc


def default_model(runtime: RuntimeConfig | None = None) -> str:
    """``$INFERENCE_DEFAULT_MODEL``, else the routing file's ``default_model``, else ``openai/gpt-4o-mini``.

    The variable is looked up as settings are (:func:`~inference_core.provider.resolve_setting`):
    the config's ``settings:``, the environment, then a ``.env`` found upward.
    """
    return (
        resolve_setting(DEFAULT_MODEL_ENV)
        or (runtime.default_model if runtime else None)
        or DEFAULT_MODEL
    )


def _pick(value: Any, *names: str) -> Any:
    """A scalar setting as is; from a mapping, the entry of the first of ``names`` it has."""
    if not isinstance(value, dict):
        return value
    return next((value[n] for n in names if n in value), None)


@dataclass(frozen=True, slots=True)
class Route:
    """How one call is made: client, the model string it sends, key variable and base URL."""

    model: ModelConfig
    client: ClientKind
    provider: str
    wire_model: str
    api_key_env: str | None
    api_base: str | None


def resolve_route(
    name: str,
    runtime: RuntimeConfig | None = None,
    *,
    registry: ModelRegistry | None = None,
    api_base: str | None = None,
) -> Route:
    """Decide how to call ``name`` given the routing file and the model's description."""
    from inference_core.provider import resolve_setting

    runtime = runtime or RuntimeConfig()
    config = get_model_config(name, registry)
    routed = _pick(runtime.model_provider, name, config.name, config.model_id)
    provider = routed or config.provider
    info = PROVIDERS.get(provider, {})
    client: ClientKind = _pick(runtime.provider_client, provider) or config.client
    provider_key_env = _pick(runtime.provider_key_env, provider)
    if routed and routed != config.provider:
        # Routed through a gateway: OpenRouter-style gateways take "vendor/model",
        # a generic OpenAI-compatible endpoint takes the bare model id.
        bare = config.model_id if provider == "openai" else config.name
        prefix = info.get("litellm_prefix", provider)
        wire = f"{prefix}/{bare}"
        key_env = provider_key_env or info.get("api_key_env")
        base_env = info.get("api_base_env")
        model_base = None
        default_base = info.get("default_api_base") if provider != "openai" else None
    else:
        wire = config.litellm_model
        key_env = provider_key_env or config.api_key_env
        base_env = config.api_base_env
        model_base = config.api_base
        default_base = None
    if client != "litellm":
        # The openai SDK takes the bare model id.
        wire = (
            wire.split("/", 1)[1]
            if wire.startswith(f"{info.get('litellm_prefix', provider)}/")
            else wire
        )
        default_base = default_base or info.get("default_api_base")
    base = (
        api_base
        or runtime.api_base
        or model_base
        or (resolve_setting(base_env) if base_env else None)
        or default_base
    )
    if provider == "ollama":
        base = base or PROVIDERS["ollama"]["default_api_base"]
    if base and "://" not in base:
        base = f"http://{base}"  # OLLAMA_HOST style "127.0.0.1:11434"
    return Route(
        model=config,
        client=client,
        provider=provider,
        wire_model=wire,
        api_key_env=key_env,
        api_base=base,
    )
