"""The LLM layer: one client over every provider (LiteLLM, imported lazily), model registry and routing.

Install the extra: ``pip install 'inference-core[llm]'``. Importing this
package never imports LiteLLM; the first call does (offline: it sets
``LITELLM_LOCAL_MODEL_COST_MAP=True`` unless you set it).

Example::

    from inference_llm import LLMClient

    client = LLMClient("openai/gpt-4o-mini")
    print(client.chat_text("Say hi"))
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from inference_core.lazy import lazy_exports

__all__ = [
    "AsyncLLMStream",
    "CustomModelClient",
    "Descriptor",
    "DescriptorResult",
    "ExecutorConfig",
    "GPT5ChatClient",
    "JSONOutputError",
    "LLMClient",
    "LLMResponse",
    "LLMStream",
    "MaterializedAsset",
    "MediaRequest",
    "ModelConfig",
    "ModelRegistry",
    "OllamaClient",
    "Route",
    "RuntimeConfig",
    "StreamChunk",
    "Usage",
    "__version__",
    "aexecute_descriptor",
    "execute_descriptor",
    "get_model_config",
    "get_model_registry",
    "load_descriptor",
    "load_runtime_config",
    "resolve_route",
]

__version__ = "0.2.0"

if TYPE_CHECKING:
    from inference_llm._errors import JSONOutputError
    from inference_llm.client import GPT5ChatClient
    from inference_llm.client import LLMClient
    from inference_llm.descriptor_config import Descriptor
    from inference_llm.descriptor_config import ExecutorConfig
    from inference_llm.descriptor_config import MediaRequest
    from inference_llm.descriptor_config import load_descriptor
    from inference_llm.descriptors import DescriptorResult
    from inference_llm.descriptors import MaterializedAsset
    from inference_llm.descriptors import aexecute_descriptor
    from inference_llm.descriptors import execute_descriptor
    from inference_llm.models import ModelConfig
    from inference_llm.models import ModelRegistry
    from inference_llm.models import get_model_config
    from inference_llm.models import get_model_registry
    from inference_llm.ollama import CustomModelClient
    from inference_llm.ollama import OllamaClient
    from inference_llm.response import AsyncLLMStream
    from inference_llm.response import LLMResponse
    from inference_llm.response import LLMStream
    from inference_llm.response import StreamChunk
    from inference_llm.response import Usage
    from inference_llm.routing import Route
    from inference_llm.routing import RuntimeConfig
    from inference_llm.routing import load_runtime_config
    from inference_llm.routing import resolve_route

#: Where each public name lives; imported on first use, so that loading the plugin stays cheap.
_EXPORTS = {
    "AsyncLLMStream": "inference_llm.response",
    "CustomModelClient": "inference_llm.ollama",
    "Descriptor": "inference_llm.descriptor_config",
    "DescriptorResult": "inference_llm.descriptors",
    "ExecutorConfig": "inference_llm.descriptor_config",
    "GPT5ChatClient": "inference_llm.client",
    "JSONOutputError": "inference_llm._errors",
    "LLMClient": "inference_llm.client",
    "LLMResponse": "inference_llm.response",
    "LLMStream": "inference_llm.response",
    "MaterializedAsset": "inference_llm.descriptors",
    "MediaRequest": "inference_llm.descriptor_config",
    "ModelConfig": "inference_llm.models",
    "ModelRegistry": "inference_llm.models",
    "OllamaClient": "inference_llm.ollama",
    "Route": "inference_llm.routing",
    "RuntimeConfig": "inference_llm.routing",
    "StreamChunk": "inference_llm.response",
    "Usage": "inference_llm.response",
    "aexecute_descriptor": "inference_llm.descriptors",
    "execute_descriptor": "inference_llm.descriptors",
    "get_model_config": "inference_llm.models",
    "get_model_registry": "inference_llm.models",
    "load_descriptor": "inference_llm.descriptor_config",
    "load_runtime_config": "inference_llm.routing",
    "resolve_route": "inference_llm.routing",
}

__getattr__, __dir__ = lazy_exports(globals(), _EXPORTS)
