from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from inference_core import ConfigurationError
from inference_llm import ModelConfig, ModelRegistry, get_model_config

SCRIPT = Path(__file__).parents[2] / "scripts" / "gen_models_md.py"


def test_builtin_catalog() -> None:
    registry = ModelRegistry.builtin(load_plugins=False)
    names = [m.name for m in registry.list_models()]
    assert names == sorted(names)
    assert {"openai/gpt-4o-mini", "anthropic/claude-haiku-4-5", "ollama/llama3.2"} <= set(names)
    by_provider = registry.list_models_by_provider()
    assert isinstance(by_provider, dict)
    assert all(m.provider == "openai" for m in by_provider["openai"])
    assert registry.list_models_by_provider("gemini") == by_provider["gemini"]


def test_aliases_and_litellm_names_resolve() -> None:
    registry = ModelRegistry.builtin(load_plugins=False)
    config = registry.get("gpt-4o-mini")
    assert config is not None and config.name == "openai/gpt-4o-mini"
    assert registry.get("ollama_chat/llama3.2") == registry.get("ollama/llama3.2")
    assert config.cost(1_000_000, 1_000_000) == pytest.approx(0.75)


def test_unknown_models_are_derived_from_their_prefix() -> None:
    config = get_model_config("openrouter/meta-llama/llama-4-scout", ModelRegistry([]))
    assert (config.provider, config.known, config.api_key_env) == (
        "openrouter",
        False,
        "OPENROUTER_API_KEY",
    )
    assert config.litellm_model == "openrouter/meta-llama/llama-4-scout"
    assert get_model_config("claude-3-opus", ModelRegistry([])).provider == "anthropic"
    with pytest.raises(ConfigurationError, match="INFERENCE_DEFAULT_MODEL"):
        get_model_config("")


def test_plugin_models_from_the_register_models_hook(monkeypatch: pytest.MonkeyPatch) -> None:
    info = SimpleNamespace(distribution="acme-llm", version="1.2.0")
    returned: list[Any] = [
        {
            "name": "acme/fast-1",
            "provider": "openai",
            "litellm_model": "openai/fast-1",
            "api_key_env": "ACME_KEY",
        },
        ModelConfig(name="acme/slow-1", provider="openai"),
        {"name": "acme/broken", "provider": "openai", "colour": "blue"},
    ]
    monkeypatch.setattr(
        "inference_core.plugins.collect_models", lambda: [(info, m) for m in returned]
    )

    registry = ModelRegistry.builtin()

    fast = registry.get("acme/fast-1")
    assert fast is not None and fast.source == "acme-llm 1.2.0" and fast.api_key_env == "ACME_KEY"
    assert registry.get("acme/slow-1") is not None
    assert registry.get("acme/broken") is None


def test_plugin_cannot_replace_a_builtin(monkeypatch: pytest.MonkeyPatch) -> None:
    info = SimpleNamespace(distribution="evil", version="0.1")
    monkeypatch.setattr(
        "inference_core.plugins.collect_models",
        lambda: [(info, {"name": "openai/gpt-4o-mini", "provider": "openai"})],
    )
    registry = ModelRegistry.builtin()
    config = registry.get("openai/gpt-4o-mini")
    assert config is not None and config.source == "builtin"


def test_import_inference_core_never_imports_litellm() -> None:
    code = (
        "import sys, inference_core, inference_llm, inference_core.tools, inference_llm.multimodal\n"
        "from inference_llm import LLMClient, get_model_registry\n"
        "LLMClient('openai/gpt-4o-mini').get_model_info(); get_model_registry().list_models()\n"
        "print(sorted(m for m in ('litellm', 'openai', 'PIL') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


@pytest.mark.skipif(not SCRIPT.exists(), reason="needs the source checkout")
def test_models_md_is_generated_from_the_catalog() -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
