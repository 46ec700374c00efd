from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

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


#: Standard-library modules only generating needs: importing the package and a JSON listing load
#: none of them (each costs a millisecond or more of every `infer list --json`).
GENERATION_ONLY = {
    "asyncio",
    "base64",
    "difflib",
    "hashlib",
    "logging",
    "random",
    "shutil",
    "tempfile",
}

LISTING = (
    "import contextlib, io, sys\n"
    "sys.argv = ['infer', 'list', '--json']\n"
    "from inference_core._launcher import main\n"
    "with contextlib.redirect_stdout(io.StringIO()):\n"
    "    main()\n"
)


def _modules_after(code: str, cwd: Path | None = None, **env: str) -> set[str]:
    probe = f"{code}\nimport sys\nprint(' '.join(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        cwd=cwd,
        env={**os.environ, **env},
    )
    return set(done.stdout.split())


def test_importing_the_package_imports_its_names_on_first_use() -> None:
    loaded = _modules_after("import inference_core")
    assert sorted(m for m in loaded if m.startswith("inference_core")) == [
        "inference_core",
        "inference_core.lazy",
    ]
    assert loaded & GENERATION_ONLY == set()
    assert "pluggy" not in loaded
    used = _modules_after("from inference_core import FieldError")
    assert "inference_core.errors" in used
    assert "inference_core.plugins" not in used


def test_json_listing_loads_no_generation_only_module(tmp_path: Path) -> None:
    cwd = tmp_path / "cwd"  # on sys.path (''): dated back, so the entry-point index is kept
    cwd.mkdir()
    old = time.time() - 10
    os.utime(cwd, (old, old))
    cache = str(tmp_path / "cache")
    _modules_after(LISTING, cwd, XDG_CACHE_HOME=cache)  # writes the index, as any first listing
    loaded = _modules_after(LISTING, cwd, XDG_CACHE_HOME=cache)
    assert "inference_core.plugins" in loaded  # it did list
    assert "importlib.metadata" not in loaded  # from the index
    assert loaded & GENERATION_ONLY == set()
    assert "typer" not in loaded
