"""The built-in model catalog and what each provider needs (key variable, base URL).

Prices are USD per million tokens as published by the providers (and as
LiteLLM's bundled price table lists them); ``None`` means unknown. MODELS.md
is generated from this module by ``scripts/gen_models_md.py``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["BUILTIN_MODELS", "PROVIDERS", "ProviderInfo"]

ProviderInfo = dict[str, Any]

#: provider -> key variable, base-URL variable, default base URL, LiteLLM prefix.
PROVIDERS: dict[str, ProviderInfo] = {
    "openai": {
        "api_key_env": "OPENAI_API_KEY",
        "api_base_env": "OPENAI_BASE_URL",
        "default_api_base": "https://api.openai.com/v1",
        "litellm_prefix": "openai",
    },
    "anthropic": {
        "api_key_env": "ANTHROPIC_API_KEY",
        "api_base_env": "ANTHROPIC_BASE_URL",
        "default_api_base": None,
        "litellm_prefix": "anthropic",
    },
    "gemini": {
        "api_key_env": "GEMINI_API_KEY",
        "api_base_env": None,
        "default_api_base": None,
        "litellm_prefix": "gemini",
    },
    "openrouter": {
        "api_key_env": "OPENROUTER_API_KEY",
        "api_base_env": "OPENROUTER_BASE_URL",
        "default_api_base": "https://openrouter.ai/api/v1",
        "litellm_prefix": "openrouter",
    },
    "deepseek": {
        "api_key_env": "DEEPSEEK_API_KEY",
        "api_base_env": None,
        "default_api_base": None,
        "litellm_prefix": "deepseek",
    },
    "mistral": {
        "api_key_env": "MISTRAL_API_KEY",
        "api_base_env": None,
        "default_api_base": None,
        "litellm_prefix": "mistral",
    },
    "groq": {
        "api_key_env": "GROQ_API_KEY",
        "api_base_env": None,
        "default_api_base": None,
        "litellm_prefix": "groq",
    },
    "ollama": {
        "api_key_env": None,
        "api_base_env": "OLLAMA_HOST",
        "default_api_base": "http://localhost:11434",
        "litellm_prefix": "ollama_chat",
    },
}


def _m(
    name: str,
    provider: str,
    display: str,
    ctx: int | None,
    out: int | None,
    cost_in: float | None,
    cost_out: float | None,
    **caps: Any,
) -> dict[str, Any]:
    return {
        "name": name,
        "provider": provider,
        "display_name": display,
        "context_window": ctx,
        "max_output_tokens": out,
        "input_cost_per_mtok": cost_in,
        "output_cost_per_mtok": cost_out,
        **caps,
    }


_FULL = {"supports_vision": True, "supports_json_schema": True, "supports_tools": True}
_REASONING = {**_FULL, "supports_reasoning": True}
_GPT5 = {**_REASONING, "supports_temperature": False}

BUILTIN_MODELS: list[dict[str, Any]] = [
    _m(
        "openai/gpt-4o", "openai", "GPT-4o", 128_000, 16_384, 2.5, 10.0, **_FULL, aliases=["gpt-4o"]
    ),
    _m(
        "openai/gpt-4o-mini",
        "openai",
        "GPT-4o mini",
        128_000,
        16_384,
        0.15,
        0.6,
        **_FULL,
        aliases=["gpt-4o-mini"],
    ),
    _m(
        "openai/gpt-4.1",
        "openai",
        "GPT-4.1",
        1_047_576,
        32_768,
        2.0,
        8.0,
        **_FULL,
        aliases=["gpt-4.1"],
    ),
    _m(
        "openai/gpt-4.1-mini",
        "openai",
        "GPT-4.1 mini",
        1_047_576,
        32_768,
        0.4,
        1.6,
        **_FULL,
        aliases=["gpt-4.1-mini"],
    ),
    _m(
        "openai/gpt-4.1-nano",
        "openai",
        "GPT-4.1 nano",
        1_047_576,
        32_768,
        0.1,
        0.4,
        **_FULL,
        aliases=["gpt-4.1-nano"],
    ),
    _m("openai/gpt-5", "openai", "GPT-5", 272_000, 128_000, 1.25, 10.0, **_GPT5, aliases=["gpt-5"]),
    _m(
        "openai/gpt-5-mini",
        "openai",
        "GPT-5 mini",
        272_000,
        128_000,
        0.25,
        2.0,
        **_GPT5,
        aliases=["gpt-5-mini"],
    ),
    _m(
        "openai/gpt-5-nano",
        "openai",
        "GPT-5 nano",
        272_000,
        128_000,
        0.05,
        0.4,
        **_GPT5,
        aliases=["gpt-5-nano"],
    ),
    _m(
        "openai/o4-mini",
        "openai",
        "o4-mini",
        200_000,
        100_000,
        1.1,
        4.4,
        **_REASONING,
        supports_temperature=False,
        aliases=["o4-mini"],
    ),
    _m(
        "anthropic/claude-sonnet-4-5",
        "anthropic",
        "Claude Sonnet 4.5",
        200_000,
        64_000,
        3.0,
        15.0,
        **_REASONING,
        aliases=["claude-sonnet-4-5"],
    ),
    _m(
        "anthropic/claude-haiku-4-5",
        "anthropic",
        "Claude Haiku 4.5",
        200_000,
        64_000,
        1.0,
        5.0,
        **_REASONING,
        aliases=["claude-haiku-4-5"],
    ),
    _m(
        "gemini/gemini-2.5-pro",
        "gemini",
        "Gemini 2.5 Pro",
        1_048_576,
        65_536,
        1.25,
        10.0,
        **_REASONING,
    ),
    _m(
        "gemini/gemini-2.5-flash",
        "gemini",
        "Gemini 2.5 Flash",
        1_048_576,
        65_536,
        0.3,
        2.5,
        **_REASONING,
    ),
    _m(
        "deepseek/deepseek-chat",
        "deepseek",
        "DeepSeek V3 chat",
        131_072,
        8_192,
        0.28,
        0.42,
        supports_json_schema=False,
        supports_tools=True,
    ),
    _m(
        "mistral/mistral-large-latest",
        "mistral",
        "Mistral Large",
        262_144,
        262_144,
        0.5,
        1.5,
        **_FULL,
    ),
    _m(
        "openrouter/openai/gpt-4o-mini",
        "openrouter",
        "GPT-4o mini via OpenRouter",
        128_000,
        16_384,
        0.15,
        0.6,
        **_FULL,
    ),
    _m(
        "openrouter/anthropic/claude-sonnet-4.5",
        "openrouter",
        "Claude Sonnet 4.5 via OpenRouter",
        200_000,
        64_000,
        3.0,
        15.0,
        **_FULL,
    ),
    _m(
        "openrouter/google/gemini-2.5-flash",
        "openrouter",
        "Gemini 2.5 Flash via OpenRouter",
        1_048_576,
        65_536,
        0.3,
        2.5,
        **_FULL,
    ),
    _m(
        "ollama/llama3.2",
        "ollama",
        "Llama 3.2 (local, Ollama)",
        131_072,
        None,
        0.0,
        0.0,
        supports_tools=True,
    ),
    _m(
        "ollama/qwen2.5",
        "ollama",
        "Qwen 2.5 (local, Ollama)",
        32_768,
        None,
        0.0,
        0.0,
        supports_tools=True,
    ),
]
