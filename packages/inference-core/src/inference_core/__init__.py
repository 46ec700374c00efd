"""inference-core: one validated, plugin-based API for image, video and audio generators.

>>> from inference_core import get_image_generator_registry
>>> registry = get_image_generator_registry()
>>> result = registry.generate("mock_image_generator", prompt="a red fox")  # doctest: +SKIP
>>> result.save("out/")  # doctest: +SKIP
"""

from __future__ import annotations

__all__ = [
    "AuthenticationError",
    "BaseAudioGenerator",
    "BaseGenerator",
    "BaseImageGenerator",
    "BaseServiceAudioGenerator",
    "BaseServiceImageGenerator",
    "BaseServiceVideoGenerator",
    "BaseVideoGenerator",
    "ConfigurationError",
    "ContentPolicyError",
    "DuplicateGeneratorError",
    "FieldError",
    "GenerationResult",
    "GeneratorMetadata",
    "GeneratorNotFoundError",
    "GeneratorRegistry",
    "InferenceError",
    "InputValidationError",
    "InvalidResponseError",
    "KeySpec",
    "MediaAsset",
    "MediaError",
    "MissingAPIKeyError",
    "PluginError",
    "PluginLoadError",
    "ProviderError",
    "ProviderTimeoutError",
    "RateLimitError",
    "Usage",
    "__version__",
    "atomic_write",
    "find_generator_class",
    "get_audio_generator_registry",
    "get_image_generator_registry",
    "get_registry",
    "get_video_generator_registry",
    "hookimpl",
    "load_file",
    "scratch_dir",
    "sniff_mime",
]

__version__ = "0.2.0"

from inference_core._files import atomic_write
from inference_core._files import scratch_dir
from inference_core._generator import BaseAudioGenerator
from inference_core._generator import BaseGenerator
from inference_core._generator import BaseImageGenerator
from inference_core._generator import BaseVideoGenerator
from inference_core._generator import GeneratorMetadata
from inference_core._generator import KeySpec
from inference_core._inputs import load_file
from inference_core._media import sniff_mime
from inference_core._registry import GeneratorRegistry
from inference_core._registry import find_generator_class
from inference_core._registry import get_audio_generator_registry
from inference_core._registry import get_image_generator_registry
from inference_core._registry import get_registry
from inference_core._registry import get_video_generator_registry
from inference_core._result import GenerationResult
from inference_core._seed import BaseServiceAudioGenerator
from inference_core._seed import BaseServiceImageGenerator
from inference_core._seed import BaseServiceVideoGenerator
from inference_core._result import MediaAsset
from inference_core._usage import Usage
from inference_core.errors import AuthenticationError
from inference_core.errors import ConfigurationError
from inference_core.errors import ContentPolicyError
from inference_core.errors import DuplicateGeneratorError
from inference_core.errors import FieldError
from inference_core.errors import GeneratorNotFoundError
from inference_core.errors import InferenceError
from inference_core.errors import InputValidationError
from inference_core.errors import InvalidResponseError
from inference_core.errors import MediaError
from inference_core.errors import MissingAPIKeyError
from inference_core.errors import PluginError
from inference_core.errors import PluginLoadError
from inference_core.errors import ProviderError
from inference_core.errors import ProviderTimeoutError
from inference_core.errors import RateLimitError
from inference_core.hookspecs import hookimpl
