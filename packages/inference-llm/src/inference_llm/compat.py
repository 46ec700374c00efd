"""The seed's ``inference`` module, name for name: change ``from inference import X`` to
``from inference_llm.compat import X``.

Everything here is the project's own API except where the seed's shape
differs: ``ModelConfig`` is the seed's call configuration
(:class:`~inference_llm.client_config.CallConfig`; the model description is
:class:`inference_llm.ModelConfig`), and :class:`InputUtils` returns ``False``
from ``validate_multimodal_message`` where the project's raises. The
generator registries and base classes come from :mod:`inference_core`::

    from inference_llm.compat import LLMClient, ModelConfig

    client = LLMClient(default_model="gpt-4o")
    response = client.call(
        messages=[{"role": "user", "content": "Hello!"}],
        config=ModelConfig(temperature=0.9, max_tokens=2000),
    )
    print(response["choices"][0]["message"]["content"])
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypedDict

from inference_core import (
    BaseAudioGenerator,
    BaseImageGenerator,
    BaseServiceAudioGenerator,
    BaseServiceImageGenerator,
    BaseServiceVideoGenerator,
    BaseVideoGenerator,
    GeneratorMetadata,
    get_audio_generator_registry,
    get_image_generator_registry,
    get_video_generator_registry,
)
from inference_core.config import ConfigLoader
from inference_core.errors import InputValidationError
from inference_llm.client import GPT5ChatClient, LLMClient
from inference_llm.client_config import CallConfig
from inference_llm.models import ModelRegistry, get_model_config, get_model_registry
from inference_llm.multimodal import ImageUtils
from inference_llm.multimodal import InputUtils as _InputUtils
from inference_llm.ollama import CustomModelClient
from inference_llm.response import LLMResponse

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "BaseAudioGenerator",
    "BaseImageGenerator",
    "BaseServiceAudioGenerator",
    "BaseServiceImageGenerator",
    "BaseServiceVideoGenerator",
    "BaseVideoGenerator",
    "ConfigLoader",
    "CustomModelClient",
    "GPT5ChatClient",
    "GeneratorMetadata",
    "ImageUtils",
    "InputUtils",
    "LLMClient",
    "LLMResponse",
    "Message",
    "ModelConfig",
    "ModelRegistry",
    "MultimodalUtils",
    "get_audio_generator_registry",
    "get_image_generator_registry",
    "get_model_config",
    "get_model_registry",
    "get_video_generator_registry",
]

#: The seed's call configuration: ``ModelConfig(model=, temperature=, max_tokens=, top_p=, api_key=, base_url=)``.
ModelConfig = CallConfig


class Message(TypedDict, total=False):
    """A chat message: ``role`` and ``content`` (a string or a list of parts)."""

    role: str
    content: Any
    name: str


class InputUtils(_InputUtils):
    """The project's :class:`~inference_llm.multimodal.InputUtils`; validation answers a bool."""

    @staticmethod
    def validate_multimodal_message(message: Mapping[str, Any]) -> bool:
        """``True`` when ``message`` is well-formed, else ``False`` (the seed's contract)."""
        try:
            return _InputUtils.validate_multimodal_message(message)
        except InputValidationError:
            return False


MultimodalUtils = InputUtils
