"""Client settings: a call configuration (:class:`CallConfig`) and the client file (:class:`ClientFile`).

A :class:`CallConfig` bundles the parameters of one call; pass it as
``client.call(..., config=...)`` (the seed's ``ModelConfig``)::

    config = CallConfig(model="openai/gpt-4o", temperature=0.9, max_tokens=2000, top_p=0.95)
    client.call("Hello!", config=config)

``LLMClient(config_path="inference_config.yaml")`` reads a client file (the
seed's ``config/inference_config.yaml``): a default model, keys and base
URLs by provider, and default parameters by model (``${ENV}`` expanded, an
unset variable is an empty value)::

    default_model: "gpt-4o-mini"
    api_keys: {openai: "${OPENAI_API_KEY}", anthropic: "${ANTHROPIC_API_KEY}"}
    custom_endpoints: {ollama: {base_url: "http://localhost:11434"}}
    model_configs: {gpt-4o: {temperature: 0.7, max_tokens: 4096}}
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, ValidationError

from inference_core.errors import ConfigurationError, MissingAPIKeyError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from inference_core.provider import Secret
    from inference_llm.models import ModelConfig

__all__ = [
    "KEY_ALIASES",
    "CallConfig",
    "ClientFile",
    "call_settings",
    "load_client_file",
    "resolve_api_key",
]

#: Other variables read for a provider's key when its own is not set (the seed's names).
KEY_ALIASES: dict[str, tuple[str, ...]] = {"GEMINI_API_KEY": ("GOOGLE_API_KEY",)}

_CALL_FIELDS = ("temperature", "max_tokens", "top_p")


@dataclass(slots=True)
class CallConfig:
    """The parameters of one call: model, sampling, and a key and base URL just for it.

    ``extra`` holds any other provider parameter (``stop``, ``seed`` ...).
    Fields left ``None`` are not sent.
    """

    model: str | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    top_p: float | None = None
    api_key: str | None = None
    base_url: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def params(self) -> dict[str, Any]:
        """The provider parameters it sets."""
        found = {name: getattr(self, name) for name in _CALL_FIELDS}
        return {**{k: v for k, v in found.items() if v is not None}, **self.extra}


class ClientFile(BaseModel):
    """The contents of a client file (see the module docs)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    default_model: str | None = None
    api_keys: dict[str, str] = {}
    custom_endpoints: dict[str, dict[str, Any]] = {}
    model_configs: dict[str, dict[str, Any]] = {}
    path: Path | None = None

    def api_key(self, provider: str) -> str | None:
        return self.api_keys.get(provider) or None

    def base_url(self, provider: str) -> str | None:
        endpoint = self.custom_endpoints.get(provider) or {}
        value = endpoint.get("base_url") or endpoint.get("api_base")
        return str(value) if value else None

    def model_params(self, model: ModelConfig) -> dict[str, Any]:
        for name in (model.name, model.model_id, *model.aliases):
            if name in self.model_configs:
                return dict(self.model_configs[name])
        return {}


class _UnsetIsEmpty(dict[str, str]):
    def get(self, key: str, default: Any = None) -> Any:
        return super().get(key, "")


def load_client_file(path: str | os.PathLike[str]) -> ClientFile:
    """Read a client file; an unset ``${VAR}`` in it is an empty value (a key not configured)."""
    from inference_core.config import load_config

    data = load_config(path, environ=_UnsetIsEmpty(os.environ))
    try:
        return ClientFile.model_validate({**data, "path": Path(path)})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ConfigurationError(f"{path}: {problems}") from exc


def call_settings(config: Any) -> tuple[str | None, str | None, str | None, dict[str, Any]]:
    """``(model, api_key, base_url, params)`` from a :class:`CallConfig` or a mapping of its fields."""
    if config is None:
        return None, None, None, {}
    if isinstance(config, CallConfig):
        return config.model, config.api_key, config.base_url, config.params()
    if hasattr(config, "items"):
        data: Mapping[str, Any] = config
        params = {k: v for k, v in data.items() if k not in ("model", "api_key", "base_url")}
        return data.get("model"), data.get("api_key"), data.get("base_url"), params
    raise ConfigurationError(
        f"config= takes a CallConfig or a mapping of call parameters, not {type(config).__name__}"
    )


def resolve_api_key(env_var: str, explicit: str | None) -> Secret:
    """:func:`~inference_core.provider.resolve_key`, then the variable's aliases (``GOOGLE_API_KEY``)."""
    from inference_core.provider import resolve_key

    try:
        return resolve_key(env_var, explicit)
    except MissingAPIKeyError as missing:
        for alias in KEY_ALIASES.get(env_var, ()):
            try:
                return resolve_key(alias)
            except MissingAPIKeyError:
                continue
        raise missing from None
