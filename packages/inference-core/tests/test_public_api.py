from __future__ import annotations

import subprocess
import sys

import inference_core

EXPECTED = [
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


def test_public_api_is_pinned() -> None:
    assert inference_core.__all__ == EXPECTED
    assert sorted(inference_core.__all__) == inference_core.__all__
    for name in EXPECTED:
        assert hasattr(inference_core, name), name


def test_import_and_listing_stay_light() -> None:
    code = (
        "import sys, inference_core;"
        "from inference_core import get_registry;"
        "[get_registry(m).get_all_generators_info() for m in ('image', 'video', 'audio')];"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'openai','litellm','httpx','PIL','av'}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
