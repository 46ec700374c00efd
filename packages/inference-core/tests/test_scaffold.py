"""``infer plugin new`` writes a complete package (``nox -s scaffold`` builds, installs and tests it)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from typing import TYPE_CHECKING

import pytest

from inference_core._scaffold import write_plugin

if TYPE_CHECKING:
    from pathlib import Path


@pytest.mark.parametrize(("modality", "http"), [("image", True), ("audio", False), ("video", True)])
def test_the_package_declares_its_entry_point_and_pins_the_core(
    tmp_path: Path, modality: str, http: bool
) -> None:
    root = write_plugin(f"gen-acme-{modality}", modality, http=http, out=tmp_path)
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    assert project["name"] == f"gen-acme-{modality}"
    assert "inference-core>=0.2,<0.3" in project["dependencies"]
    assert project["entry-points"]["inference_core"] == {f"acme_{modality}": f"gen_acme_{modality}"}
    files = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    expected = [
        "README.md",
        "pyproject.toml",
        f"src/gen_acme_{modality}/__init__.py",
        f"src/gen_acme_{modality}/_generator.py",
        f"src/gen_acme_{modality}/py.typed",
        *(["tests/fake_provider.py"] if http else []),
        "tests/test_conformance.py",
    ]
    assert files == expected
    for path in root.rglob("*.py"):
        compile(path.read_text(), str(path), "exec")
    generator = (root / f"src/gen_acme_{modality}/_generator.py").read_text()
    assert ('key=KeySpec("acme", "ACME_API_KEY")' in generator) is http
    assert "resolve_key" not in generator and "os.environ" not in generator


def test_bad_names_and_existing_folders_are_usage_errors(tmp_path: Path) -> None:
    def infer(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "inference_core",
                "plugin",
                "new",
                *args,
                "--out",
                str(tmp_path),
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )

    bad = infer("Gen_Acme", "--modality", "image")
    assert (bad.returncode, bad.stderr.splitlines()[0]) == (
        2,
        "error: invalid distribution name 'Gen_Acme': lowercase letters, digits and single hyphens "
        "(for example gen-acme-image)",
    )
    assert infer("gen-acme-image", "--modality", "smell").returncode == 2
    assert infer("gen-acme-image", "--modality", "image").returncode == 0
    again = infer("gen-acme-image", "--modality", "image")
    assert again.returncode == 2 and "already exists" in again.stderr
