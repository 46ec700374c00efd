"""``infer plugin new``: write a generator plugin package that builds and passes the conformance kit.

The package is the smallest complete plugin: a pyproject with the entry point
and ``inference-core>=0.2,<0.3``, one generator module, tests that run the kit
and a README. With ``--http`` the generator talks to an HTTP API through the
core's toolkit (key declared in its metadata, errors translated by
``HTTPErrorContext``) and the tests hold a loopback fake of that API.
"""

from __future__ import annotations

import pathlib
import re
from string import Template
from typing import Annotated

import typer

from inference_core import _scaffold_templates as t

__all__ = ["plugin_app", "write_plugin"]

plugin_app = typer.Typer(name="plugin", help="Tools for plugin authors.", no_args_is_help=True)

_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
_BASES = {
    "image": "BaseImageGenerator",
    "audio": "BaseAudioGenerator",
    "video": "BaseVideoGenerator",
}
_VALID = {
    "image": (
        '{"prompt": "a red fox", "width": 64, "height": 48}',
        '[{"width": "wide"}, {"prompt": ""}]',
    ),
    "audio": (
        '{"text": "hello there", "sample_rate": 16000}',
        '[{"sample_rate": 44100}, {"text": ""}]',
    ),
    "video": (
        '{"prompt": "waves", "duration": 0.5, "width": 32, "height": 32}',
        '[{"fps": 0}, {"prompt": ""}]',
    ),
}
_FIRST = {"image": "prompt='a red fox'", "audio": "text='hello'", "video": "prompt='waves'"}
_ASSET_FIELDS = '("mime_type", "width", "height", "duration_s", "sample_rate")'


def _names(dist: str, modality: str) -> dict[str, str]:
    if not _NAME.match(dist):
        raise ValueError(
            f"invalid distribution name {dist!r}: lowercase letters, digits and single hyphens "
            "(for example gen-acme-image)"
        )
    module = dist.replace("-", "_")
    base = module.removeprefix("gen_")
    provider = base.removesuffix(f"_{modality}") or base
    title = " ".join(part.capitalize() for part in base.split("_"))
    return {
        "dist": dist,
        "module": module,
        "base": base,
        "provider": provider,
        "modality": modality,
        "title": title,
        "generator_id": f"{base}_generator",
        "cls": "".join(part.capitalize() for part in base.split("_")) + "Generator",
        "env_var": f"{provider.upper()}_API_KEY",
        "base_class": _BASES[modality],
    }


def write_plugin(
    dist: str, modality: str, *, http: bool = False, out: pathlib.Path | None = None
) -> pathlib.Path:
    """Write the package ``dist`` (for example ``gen-acme-image``) into ``out / dist``; return that folder.

    Raises ``ValueError`` for a bad name or modality, ``FileExistsError`` when the folder exists.
    """
    if modality not in _BASES:
        raise ValueError(f"unknown modality {modality!r}: use image, audio or video")
    n = _names(dist, modality)
    root = (out or pathlib.Path.cwd()) / dist
    if root.exists():
        raise FileExistsError(f"{root} already exists")
    valid, invalid = _VALID[modality]
    media = t.MEDIA[modality]
    n["description"] = (
        f"{n['title']} {modality} through its HTTP API."
        if http
        else f"{n['title']} {modality}, made locally."
    )
    n["schema"] = t.SCHEMAS[modality]
    n["example_call"] = _FIRST[modality]
    n["first_input"] = _FIRST[modality].replace("'", "")
    deps = ['"inference-core>=0.2,<0.3"'] + (
        ['"av>=14"'] if modality == "video" and not http else []
    )
    n["dependencies"] = ", ".join(deps)
    if http:
        n["stdlib_import"] = "import base64\n"
        n["key_import"] = "\n    KeySpec,"
        n["key_spec"] = f'\n        key=KeySpec("{n["provider"]}", "{n["env_var"]}"),'
        n["provider_import"] = (
            "from inference_core.provider import HTTPErrorContext, http_client\n\n"
            f'DEFAULT_BASE_URL = "https://api.{n["provider"]}.example"\n'
            f"ASSET_FIELDS = {_ASSET_FIELDS}\n"
        )
        n["body"] = Template(t.HTTP_BODY).substitute(n)
        n["fake_import"] = "\nfrom fake_provider import app\n"
        n["http_app"] = "\n    http_app = app"
        n["about"] = (
            "\nIt calls `POST {base_url}/v1/generate` with the inputs as JSON and reads back the\n"
            "media as base64: replace that with your provider's API (keep `HTTPErrorContext`).\n"
        )
        n["key_doc"] = (
            f"\nThe key: `infer keys set {n['provider']}` (stored with mode 0600), or "
            f"`{n['env_var']}` in the\nenvironment or a `.env` file, or `api_key=` in Python.\n"
        )
        n["fault_doc"] = ", and provider faults (401, 429, 500, a hang, a malformed body)"
    else:
        n.update(
            stdlib_import="",
            key_import="",
            key_spec="",
            provider_import="",
            fake_import="",
            http_app="",
        )
        n["body"] = Template(t.LOCAL_BODY).substitute(n, media=media)
        n["about"] = (
            "\nIt makes its media locally: replace `render` with your own model or provider.\n"
        )
        n["key_doc"] = fault_doc = ""
        n["fault_doc"] = fault_doc
    n["valid_inputs"], n["invalid_inputs"] = valid, invalid
    files = {
        "pyproject.toml": Template(t.PYPROJECT).substitute(n),
        "README.md": Template(t.README).substitute(n),
        f"src/{n['module']}/__init__.py": _init(n),
        f"src/{n['module']}/_generator.py": Template(t.GENERATOR).substitute(n),
        f"src/{n['module']}/py.typed": "",
        "tests/test_conformance.py": Template(t.TESTS).substitute(n),
    }
    if http:
        files["tests/fake_provider.py"] = Template(t.FAKE).substitute(n, media=media)
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def _init(n: dict[str, str]) -> str:
    return f'''"""{n["dist"]}: the {n["generator_id"]} for inference-core.

The generator module is imported only when a generator is used, so listing stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from inference_core import hookimpl

if TYPE_CHECKING:
    from inference_core import BaseGenerator

__all__ = ["register_generators"]


@hookimpl
def register_generators() -> list[type[BaseGenerator]]:
    from {n["module"]}._generator import {n["cls"]}

    return [{n["cls"]}]
'''


@plugin_app.command("new")
def new_command(
    name: Annotated[str, typer.Argument(help="The distribution name, for example gen-acme-image.")],
    modality: Annotated[str, typer.Option("--modality", "-m", help="image, audio or video.")],
    http: Annotated[
        bool, typer.Option("--http", help="Call an HTTP API (with a loopback fake in the tests).")
    ] = False,
    out: Annotated[
        pathlib.Path | None, typer.Option("--out", "-o", help="Parent folder (default: here).")
    ] = None,
) -> None:
    """Write a plugin package NAME that builds, installs and passes the conformance kit."""
    from inference_core._cli_common import fail

    try:
        root = write_plugin(name, modality, http=http, out=out)
    except (ValueError, FileExistsError) as exc:
        fail(str(exc), 2)
    typer.echo(f"wrote {root}")
    typer.echo(f"next: cd {root} && pip install -e '.[test]' && pytest")
