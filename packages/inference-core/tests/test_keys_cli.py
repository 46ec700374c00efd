"""``infer keys``, keys declared by generators and resolved by the core, and ``infer info``'s detail."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from inference_core import (
    BaseAudioGenerator,
    GenerationResult,
    GeneratorMetadata,
    KeySpec,
    MissingAPIKeyError,
)

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

KEYED = """
from inference_core import BaseAudioGenerator, GenerationResult, GeneratorMetadata, KeySpec, MediaAsset, hookimpl

class Keyed(BaseAudioGenerator):
    metadata = GeneratorMetadata(
        id="keyed_audio", name="Keyed", description="needs a key",
        key=KeySpec("acme", "ACME_TEST_KEY"),
        input_schema={
            "text": {"type": "string", "required": True},
            "sample_rate": {"type": "integer", "enum": [8000, 16000], "default": 16000},
            "speed": {"type": "float", "default": 1.0, "minimum": 0.25, "maximum": 4.0},
            "api_key": {"type": "string", "secret": True},
        },
    )

    def generate(self, **inputs):
        key = self.get_api_key()
        return GenerationResult(
            assets=[MediaAsset(data=b"RIFF", mime_type="audio/wav")],
            metadata={"rate": inputs["sample_rate"], "key_length": len(key)},
        )

@hookimpl
def register_generators():
    return [Keyed]
"""


@pytest.fixture
def infer(
    make_distribution: Callable[..., Path], tmp_path: Path
) -> Callable[..., subprocess.CompletedProcess[str]]:
    site = make_distribution("gen-keyed-audio", "gen_keyed", KEYED)

    def run(*args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
        environ = {
            **{k: v for k, v in os.environ.items() if k != "ACME_TEST_KEY"},
            "PYTHONPATH": str(site),
            "INFERENCE_CORE_CONFIG": str(tmp_path / "config" / "config.yaml"),
            **env,
        }
        return subprocess.run(
            [sys.executable, "-m", "inference_core", *args],
            capture_output=True,
            text=True,
            env=environ,
            input=stdin,
            timeout=60,
            cwd=tmp_path,
        )

    return run


SECRET = "sk-acme-test-value-123456"


def test_keys_set_list_remove_never_print_the_value(
    infer: Callable[..., subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    listed = json.loads(infer("keys", "list", "--json").stdout)
    assert listed == [
        {
            "name": "acme",
            "env_var": "ACME_TEST_KEY",
            "generators": ["keyed_audio"],
            "source": "not set",
        }
    ]
    missing = infer("generate", "keyed_audio", "-p", "text=hi", "--out", str(tmp_path / "out"))
    assert missing.returncode == 2
    assert "infer keys set acme" in missing.stderr and "ACME_TEST_KEY" in missing.stderr

    stored = infer("keys", "set", "acme", stdin=SECRET + "\n")
    assert stored.returncode == 0, stored.stderr
    store = tmp_path / "config" / "keys.json"
    assert stat.S_IMODE(store.stat().st_mode) == 0o600
    assert json.loads(store.read_text()) == {"acme": SECRET}

    listed = json.loads(infer("keys", "list", "--json").stdout)
    assert listed[0]["source"].startswith("key store")
    done = infer(
        "generate",
        "keyed_audio",
        "-p",
        "text=hi",
        "-p",
        "sample_rate=8000",
        "--out",
        str(tmp_path / "out"),
        "--json",
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["metadata"] == {"rate": 8000, "key_length": len(SECRET)}
    table = infer("keys", "list")
    for result in (stored, table, done):
        assert SECRET not in result.stdout + result.stderr

    assert infer("keys", "remove", "acme").returncode == 0
    assert json.loads(store.read_text()) == {}
    gone = infer("keys", "remove", "acme")
    assert (gone.returncode, gone.stderr.strip()) == (2, "error: no stored key 'acme'")


def test_an_argument_then_the_store_then_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from inference_core._keystore import set_key

    class Keyed(BaseAudioGenerator):
        metadata = GeneratorMetadata(
            id="keyed", name="K", description="d", key=KeySpec("acme", "ACME_TEST_KEY")
        )

        def generate(self, **inputs: object) -> GenerationResult:
            return GenerationResult()

    monkeypatch.setenv("INFERENCE_CORE_CONFIG", str(tmp_path / "config.yaml"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ACME_TEST_KEY", raising=False)
    with pytest.raises(
        MissingAPIKeyError, match="keyed needs an API key: run 'infer keys set acme'"
    ):
        Keyed().get_api_key()
    monkeypatch.setenv("ACME_TEST_KEY", "from-env")
    assert Keyed().get_api_key() == "from-env"
    set_key("acme", "from-store")
    assert Keyed().get_api_key() == "from-store"
    assert Keyed(api_key="from-argument").get_api_key() == "from-argument"
    assert repr(Keyed().get_api_key()) == "'***'"


def test_info_shows_enums_ranges_defaults_and_the_key_but_no_secret_field(
    infer: Callable[..., subprocess.CompletedProcess[str]],
) -> None:
    info = json.loads(infer("info", "keyed_audio", "--json").stdout)
    assert info["key"] == {"name": "acme", "env_var": "ACME_TEST_KEY"}
    assert "api_key" not in info["input_schema"]["properties"]
    text = infer("info", "keyed_audio", COLUMNS="200").stdout
    assert "one of 8000, 16000" in text
    assert ">= 0.25; <= 4.0" in text
    assert "infer keys set acme or ACME_TEST_KEY" in text
    assert "api_key" not in text
