"""inference-core: one validated, plugin-based API for image, video and audio generators.

>>> from inference_core import get_image_generator_registry
>>> registry = get_image_generator_registry()
>>> result = registry.generate("mock_image_generator", prompt="a red fox")  # doctest: +SKIP
>>> result.save("out/")  # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from inference_core.lazy import lazy_exports

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

if TYPE_CHECKING:
    from inference_core._files import atomic_write
    from inference_core._files import scratch_dir
    from inference_core._generator import BaseAudioGenerator
    from inference_core._generator import BaseGenerator
    from inference_core._generator import BaseImageGenerator
    from inference_core._generator import BaseVideoGenerator
    from inference_core._inputs import load_file
    from inference_core._media import sniff_mime
    from inference_core._metadata import GeneratorMetadata
    from inference_core._metadata import KeySpec
    from inference_core._registry import GeneratorRegistry
    from inference_core._registry import find_generator_class
    from inference_core._registry import get_audio_generator_registry
    from inference_core._registry import get_image_generator_registry
    from inference_core._registry import get_registry
    from inference_core._registry import get_video_generator_registry
    from inference_core._result import GenerationResult
    from inference_core._result import MediaAsset
    from inference_core._seed import BaseServiceAudioGenerator
    from inference_core._seed import BaseServiceImageGenerator
    from inference_core._seed import BaseServiceVideoGenerator
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

#: Where each public name lives. A name's module is imported when the name is first used, so
#: that ``import inference_core`` stays cheap and ``infer list`` loads only what plugins use.
_EXPORTS = {
    "AuthenticationError": "inference_core.errors",
    "BaseAudioGenerator": "inference_core._generator",
    "BaseGenerator": "inference_core._generator",
    "BaseImageGenerator": "inference_core._generator",
    "BaseServiceAudioGenerator": "inference_core._seed",
    "BaseServiceImageGenerator": "inference_core._seed",
    "BaseServiceVideoGenerator": "inference_core._seed",
    "BaseVideoGenerator": "inference_core._generator",
    "ConfigurationError": "inference_core.errors",
    "ContentPolicyError": "inference_core.errors",
    "DuplicateGeneratorError": "inference_core.errors",
    "FieldError": "inference_core.errors",
    "GenerationResult": "inference_core._result",
    "GeneratorMetadata": "inference_core._metadata",
    "GeneratorNotFoundError": "inference_core.errors",
    "GeneratorRegistry": "inference_core._registry",
    "InferenceError": "inference_core.errors",
    "InputValidationError": "inference_core.errors",
    "InvalidResponseError": "inference_core.errors",
    "KeySpec": "inference_core._metadata",
    "MediaAsset": "inference_core._result",
    "MediaError": "inference_core.errors",
    "MissingAPIKeyError": "inference_core.errors",
    "PluginError": "inference_core.errors",
    "PluginLoadError": "inference_core.errors",
    "ProviderError": "inference_core.errors",
    "ProviderTimeoutError": "inference_core.errors",
    "RateLimitError": "inference_core.errors",
    "Usage": "inference_core._usage",
    "atomic_write": "inference_core._files",
    "find_generator_class": "inference_core._registry",
    "get_audio_generator_registry": "inference_core._registry",
    "get_image_generator_registry": "inference_core._registry",
    "get_registry": "inference_core._registry",
    "get_video_generator_registry": "inference_core._registry",
    "hookimpl": "inference_core.hookspecs",
    "load_file": "inference_core._inputs",
    "scratch_dir": "inference_core._files",
    "sniff_mime": "inference_core._media",
}

__getattr__, __dir__ = lazy_exports(globals(), _EXPORTS)
