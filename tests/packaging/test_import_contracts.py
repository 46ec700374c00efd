"""The import contracts of ``[tool.importlinter]`` fail when a violating import is planted.

Each test copies an installed package into a throwaway folder put first on
``PYTHONPATH``, adds one import that breaks a rule, and runs ``lint-imports``
with the repository's configuration: it must exit non-zero naming the import.
Run by ``nox -s lint`` (every distribution and import-linter installed).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = shutil.which("lint-imports", path=str(Path(sys.executable).parent))


def lint_imports(site: Path | None = None) -> subprocess.CompletedProcess[str]:
    assert LINT_IMPORTS is not None, "import-linter is not installed beside this Python"
    env = {**os.environ, "PYTHONPATH": str(site) if site else ""}
    return subprocess.run(
        [LINT_IMPORTS, "--no-cache", "--config", str(ROOT / "pyproject.toml")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
        check=False,
    )


def plant(site: Path, package: str, module: str, line: str) -> None:
    """Copy installed ``package`` into ``site`` and append ``line`` to its ``module`` file."""
    spec = importlib.util.find_spec(package)
    assert spec is not None and spec.submodule_search_locations
    target = site / package
    shutil.copytree(spec.submodule_search_locations[0], target)
    path = target.joinpath(*module.split(".")[1:]).with_suffix(".py")
    if not path.exists():
        path = target / "__init__.py"
    path.write_text(path.read_text() + f"\n{line}\n")


def test_the_installed_distributions_keep_every_contract() -> None:
    result = lint_imports()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout


@pytest.mark.parametrize(
    ("package", "module", "line", "contract", "named"),
    [
        (
            "inference_core",
            "inference_core._schema",
            "import inference_pipeline",
            "The core imports no subsystem and no plugin BROKEN",
            "inference_core._schema -> inference_pipeline",
        ),
        (
            "inference_core",
            "inference_core.cli",
            "import gen_mock_image",
            "The core imports no subsystem and no plugin BROKEN",
            "inference_core.cli -> gen_mock_image",
        ),
        (
            "inference_llm",
            "inference_llm.routing",
            "import inference_pipeline.runner",
            "The LLM layer does not import the pipeline BROKEN",
            "inference_llm.routing -> inference_pipeline.runner",
        ),
        (
            "inference_pipeline",
            "inference_pipeline.runner",
            "import inference_serve",
            "The pipeline does not import the services BROKEN",
            "inference_pipeline.runner -> inference_serve",
        ),
        (
            "gen_mock_image",
            "gen_mock_image._generator",
            "from inference_core import _registry",
            "Plugins import only the core's public surface BROKEN",
            "gen_mock_image._generator -> inference_core._registry",
        ),
        (
            "gen_mock_image",
            "gen_mock_image._generator",
            "from inference_core import config",
            "Plugins import only the core's public surface BROKEN",
            "gen_mock_image._generator -> inference_core.config",
        ),
        (
            "gen_mock_video",
            "gen_mock_video._generator",
            "import gen_mock_image",
            "Plugins import no other plugin BROKEN",
            "gen_mock_video._generator -> gen_mock_image",
        ),
        (
            "inference_core",
            "inference_core._registry",
            "import inference_core.tools",
            "No module cycles inside a distribution BROKEN",
            "No cycles are allowed in inference_core",
        ),
        (
            "inference_pipeline",
            "inference_pipeline.scenes",
            "import inference_pipeline.styles",
            "No module cycles inside a distribution BROKEN",
            "No cycles are allowed in inference_pipeline",
        ),
    ],
)
def test_a_planted_violation_fails_the_check_naming_it(
    tmp_path: Path, package: str, module: str, line: str, contract: str, named: str
) -> None:
    plant(tmp_path, package, module, line)
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert contract in result.stdout
    assert named in result.stdout
