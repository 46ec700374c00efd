"""The LLM layer: one client over every provider (LiteLLM, imported lazily), model registry and routing.

Install the extra: ``pip install 'inference-core[llm]'``. Importing this
package never imports LiteLLM; the first call does (offline: it sets
``LITELLM_LOCAL_MODEL_COST_MAP=True`` unless you set it).

Example::

    from inference_core.llm import LLMClient

    client = LLMClient("openai/gpt-4o-mini")
    print(client.chat_text("Say hi"))
"""

from __future__ import annotations

from inference_core.llm._errors import JSONOutputError
from inference_core.llm.client import GPT5ChatClient, LLMClient
from inference_core.llm.models import (
    ModelConfig,
    ModelRegistry,
    get_model_config,
    get_model_registry,
)
from inference_core.llm.ollama import CustomModelClient
from inference_core.llm.response import AsyncLLMStream, LLMResponse, LLMStream, Usage
from inference_core.llm.routing import Route, RuntimeConfig, load_runtime_config, resolve_route

__all__ = [
    "AsyncLLMStream",
    "CustomModelClient",
    "GPT5ChatClient",
    "JSONOutputError",
    "LLMClient",
    "LLMResponse",
    "LLMStream",
    "ModelConfig",
    "ModelRegistry",
    "Route",
    "RuntimeConfig",
    "Usage",
    "get_model_config",
    "get_model_registry",
    "load_runtime_config",
    "resolve_route",
]
