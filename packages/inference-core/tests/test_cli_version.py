"""``infer --version``, shell completion and ``infer list`` with no generator, as a user sees them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

import inference_core

if TYPE_CHECKING:
    from collections.abc import Callable

INFER = shutil.which("infer", path=str(Path(sys.executable).parent))


def run(*args: str, site: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, **env}
    if site is not None:
        environ["PYTHONPATH"] = str(site)
    assert INFER is not None, "the infer console script is not installed beside this Python"
    return subprocess.run(
        [INFER, *args], capture_output=True, text=True, env=environ, timeout=60, check=False
    )


def _lines(text: str) -> dict[str, str]:
    return dict(line.split(None, 1) for line in text.splitlines())


def test_version_lists_the_core_and_every_ecosystem_distribution(
    make_distribution: Callable[..., Path], good_plugin: Callable[[str, str], str]
) -> None:
    site = make_distribution(
        "gen-alpha-image", "gen_alpha", good_plugin("Alpha", "alpha_image_generator"), version="3.1"
    )
    (site / "unrelated_tool-9.0.dist-info").mkdir()
    (site / "unrelated_tool-9.0.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: unrelated-tool\nVersion: 9.0\n"
    )
    result = run("--version", site=site)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.splitlines()[0].split() == ["inference-core", inference_core.__version__]
    versions = _lines(result.stdout)
    assert versions["gen-alpha-image"] == "3.1"
    assert "unrelated-tool" not in versions


def test_version_warns_in_one_line_when_the_foreign_inference_core_is_installed(
    tmp_path: Path,
) -> None:
    site = tmp_path / "site"
    info = site / "inference_core-1.8.3.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: inference-core\nVersion: 1.8.3\n"
        "Summary: With no prior knowledge of machine learning, deploy a computer vision model\n"
    )
    result = run("--version", site=site)
    assert result.returncode == 0
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(
        "warning: the installed inference-core 1.8.3 is an unrelated project"
    )
    assert "Traceback" not in result.stderr


def test_list_without_generators_says_how_to_install_one() -> None:
    result = run("list", INFERENCE_CORE_PLUGINS="")
    assert result.returncode == 0, result.stderr
    assert "No generators are installed" in result.stdout
    assert "pip install packages/gen-mock-image" in result.stdout
    as_json = run("list", "--json", INFERENCE_CORE_PLUGINS="")
    assert (as_json.returncode, as_json.stdout.strip()) == (0, "[]")


def test_completion_script_completes_commands_and_generator_ids(
    tmp_path: Path,
    make_distribution: Callable[..., Path],
    good_plugin: Callable[[str, str], str],
) -> None:
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("needs bash")
    site = make_distribution(
        "gen-alpha-image", "gen_alpha", good_plugin("Alpha", "alpha_image_generator")
    )
    home = tmp_path / "home"
    home.mkdir()
    installed = run("--install-completion", "bash", site=site, HOME=str(home), SHELL=bash)
    assert installed.returncode == 0, installed.stderr
    script = home / ".bash_completions" / "infer.sh"
    assert f"source '{script}'" in (home / ".bashrc").read_text()
    shown = run("--show-completion", "bash", site=site)
    assert shown.stdout.strip() == script.read_text().strip()

    def complete(*words: str) -> list[str]:
        line = (
            f"source {script}; COMP_WORDS=({' '.join(words)}); COMP_CWORD={len(words) - 1}; "
            '_infer_completion infer; printf "%s\\n" "${COMPREPLY[@]}"'
        )
        env = {
            **os.environ,
            "PATH": f"{Path(INFER or '').parent}{os.pathsep}{os.environ['PATH']}",
            "PYTHONPATH": str(site),
        }
        done = subprocess.run(
            [bash, "--norc", "-c", line], capture_output=True, text=True, env=env, timeout=60
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.split()

    assert complete("infer", "gen") == ["generate"]
    assert complete("infer", "generate", "alp") == ["alpha_image_generator"]


def test_version_is_answered_without_the_cli_framework() -> None:
    code = (
        "import sys; sys.argv = ['infer', '--version']\n"
        "from inference_core._launcher import main\n"
        "main()\n"
        "print(sorted({'typer', 'rich', 'click'} & set(sys.modules)), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("inference-core")
    assert done.stderr.strip() == "[]"
