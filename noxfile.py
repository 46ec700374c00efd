"""Task runner for the inference-core monorepo.

``nox`` runs the default sessions: every package's tests (each in a fresh
environment with the package and the core installed from built wheels), the
scaffold (``infer plugin new`` packages built, installed and run through the
kit), the core alone (``test-core-only``), the layers as a user installs them
(``layers``), the README's install commands resolved against the built
wheelhouse (``install-check``), the all-packages session (with the docs' code
blocks), lint (ruff and the import contracts) and types. ``nox -s demo`` runs the offline demo,
``nox -s bench`` prints the benchmark ratios, ``nox -s build`` builds every
distribution into ``dist/``.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import tomllib

import nox

ROOT = pathlib.Path(__file__).parent
WHEELS = ROOT / ".nox" / "_wheels"

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.error_on_missing_interpreters = True
nox.options.reuse_existing_virtualenvs = False

PYTHON = "3.11"
CORE = "packages/inference-core"
PIPELINE = "packages/inference-pipeline"

#: Every distribution in the repository, with the extras its own tests need.
PACKAGES: dict[str, tuple[str, ...]] = {
    "packages/inference-core": ("testing",),
    "packages/inference-llm": (),
    # postgres: the history and job-store tests also run against a real PostgreSQL (psycopg).
    "packages/inference-pipeline": ("postgres",),
    "packages/inference-serve": ("postgres",),
    "packages/inference-mcp": (),
    "packages/inference-ray": (),
    "packages/gen-mock-image": (),
    "packages/gen-mock-video": (),
    "packages/gen-espeak-tts": ("formats",),
    "packages/gen-openrouter-image": (),
    "packages/gen-openai-tts": (),
    "packages/gen-openai-image": (),
    "packages/gen-replicate-sd": (),
    "examples/gen-example-echo": (),
}
#: What each package's tests need beside the core and the package itself.
NEEDS: dict[str, tuple[str, ...]] = {
    "packages/inference-pipeline": ("packages/inference-llm",),
    "packages/inference-serve": (
        "packages/inference-pipeline",
        "packages/gen-mock-image",
        "packages/gen-mock-video",
        "packages/gen-espeak-tts",
    ),
    "packages/inference-llm": ("packages/gen-mock-image", "packages/gen-espeak-tts"),
    "packages/inference-mcp": ("packages/gen-mock-image", "packages/gen-espeak-tts"),
    "packages/inference-ray": (
        "packages/inference-pipeline",
        "packages/inference-serve",
        "packages/gen-mock-image",
        "packages/gen-espeak-tts",
        "packages/gen-openai-image",
    ),
}
#: Property-based tests (the schema validator, the storyboard parser).
HYPOTHESIS = "hypothesis>=6.100,<7"
#: Requirements of one package's tests only (a real browser driver, API fuzzing, SSE client).
TEST_REQUIRES: dict[str, tuple[str, ...]] = {
    "packages/inference-core": (HYPOTHESIS,),
    "packages/inference-pipeline": (HYPOTHESIS,),
    "packages/inference-serve": ("httpx-sse>=0.4", "schemathesis>=4,<5", "playwright>=1.40"),
}
#: The openai SDK majors the openai-based plugins are tested with (2.x on httpx, 3.x on httpx2).
OPENAI_PINS = {"openai2": "openai>=2.20,<3", "openai3": "openai>=3,<4"}
OPENAI_PACKAGES = ("packages/gen-openai-tts", "packages/gen-openai-image")
OFFLINE = ("packages/gen-mock-image", "packages/gen-mock-video", "packages/gen-espeak-tts")
TEST_DEPS = ("pytest>=8", "jsonschema>=4.20", "pillow>=10", "av>=14")
PYTEST = ("-p", "no:cacheprovider", "-W", "error", "-q")
#: Checks of the distributions as built and installed; run by lint, layers and install-check.
PACKAGING_TESTS = "tests/packaging"
#: They need none of tests/conftest.py (the seed tests' servers and every package).
PACKAGING_PYTEST = (*PYTEST, "--noconftest")
IMPORT_LINTER = "import-linter>=2.16,<3"


def existing(paths: tuple[str, ...] | list[str]) -> list[str]:
    return [p for p in paths if (ROOT / p / "pyproject.toml").exists()]


_wheel_cache: dict[str, pathlib.Path] = {}


def wheel(session: nox.Session, package: str) -> pathlib.Path:
    """Build ``package`` into a wheel once per nox run; return its path."""
    if package not in _wheel_cache:
        out = WHEELS / package.replace("/", "_")
        shutil.rmtree(out, ignore_errors=True)
        session.run(
            "uv",
            "build",
            "--wheel",
            "--quiet",
            "--out-dir",
            str(out),
            str(ROOT / package),
            external=True,
        )
        (built,) = out.glob("*.whl")
        _wheel_cache[package] = built
    return _wheel_cache[package]


def install(session: nox.Session, packages: dict[str, tuple[str, ...]], *extra: str) -> None:
    """Install wheels of ``packages`` (with their extras) and ``extra`` requirements together."""
    specs = []
    for package, extras in packages.items():
        built = wheel(session, package)
        specs.append(f"{built}[{','.join(extras)}]" if extras else str(built))
    session.install(*specs, *extra)


def run_tests(session: nox.Session, package: str) -> None:
    tests = ROOT / package / "tests"
    session.chdir(ROOT / package)
    session.run("python", "-m", "pytest", *PYTEST, str(tests), *session.posargs)


def _package_session(package: str, pin: str | None = None) -> None:
    short = package.rpartition("/")[2]
    name = f"test-{short}" + (f"-{pin}" if pin else "")

    @nox.session(name=name, python=PYTHON)
    def session_fn(session: nox.Session) -> None:
        wanted = {CORE: PACKAGES[CORE], package: PACKAGES[package]}
        wanted.update({dep: PACKAGES[dep] for dep in NEEDS.get(package, ())})
        pins = (OPENAI_PINS[pin],) if pin else ()
        install(session, wanted, *TEST_DEPS, *TEST_REQUIRES.get(package, ()), *pins)
        run_tests(session, package)


for _package in existing(list(PACKAGES)):
    if _package in OPENAI_PACKAGES:
        for _pin in OPENAI_PINS:
            _package_session(_package, _pin)
    else:
        _package_session(_package)


@nox.session(name="all", python=PYTHON)
def all_packages(session: nox.Session) -> None:
    """Every distribution installed together: discovery, isolation and cold-start checks."""
    install(session, {p: PACKAGES[p] for p in existing(list(PACKAGES))}, *TEST_DEPS)
    session.chdir(ROOT)
    session.run(
        "python", "-m", "pytest", *PYTEST, "tests", f"--ignore={PACKAGING_TESTS}", *session.posargs
    )


def import_names(package: str) -> list[str]:
    """The top-level import packages a distribution ships (its ``src/`` folders)."""
    return sorted(
        p.name for p in (ROOT / package / "src").iterdir() if (p / "__init__.py").exists()
    )


#: What ``infer plugin new`` is proven with: (name, modality, --http).
SCAFFOLDS = (
    ("gen-scaffold-image", "image", True),
    ("gen-scaffold-audio", "audio", False),
    ("gen-scaffold-video", "video", False),
)


@nox.session(python=PYTHON)
def scaffold(session: nox.Session) -> None:
    """``infer plugin new`` packages build, install from their wheels and pass the kit."""
    install(session, {CORE: PACKAGES[CORE]}, *TEST_DEPS)
    tmp = pathlib.Path(session.create_tmp()) / "scaffolds"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for name, modality, http in SCAFFOLDS:
        flags = ["--http"] if http else []
        session.run(
            "infer", "plugin", "new", name, "--modality", modality, *flags, "--out", str(tmp)
        )
        dist = tmp / name / "dist"
        session.run(
            "uv",
            "build",
            "--wheel",
            "--quiet",
            "--out-dir",
            str(dist),
            str(tmp / name),
            external=True,
        )
        (built,) = dist.glob("*.whl")
        session.install(str(built))
        session.chdir(tmp / name)
        session.run("python", "-m", "pytest", *PYTEST, "-rs", "tests", *session.posargs)
        session.chdir(ROOT)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff (lint and format), then the import contracts (lint-imports) over the installed wheels."""
    session.install("ruff>=0.6")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    missing = sorted(
        {n for p in existing(list(PACKAGES)) for n in import_names(p)}
        - set(config["root_packages"])
    )
    if missing:
        session.error(f"add {', '.join(missing)} to [tool.importlinter] root_packages")
    install(session, {p: () for p in existing(list(PACKAGES))}, IMPORT_LINTER, "pytest>=8")
    session.chdir(ROOT)
    session.run("lint-imports", "--no-cache")
    session.run(
        "python", "-m", "pytest", *PACKAGING_PYTEST, f"{PACKAGING_TESTS}/test_import_contracts.py"
    )


@nox.session(name="test-core-only", python=PYTHON)
def test_core_only(session: nox.Session) -> None:
    """inference-core alone, no extras and no plugins: its tests pass, `infer list` says what to do."""
    install(session, {CORE: ()}, "pytest>=8", "jsonschema>=4.20", HYPOTHESIS)
    absent = ("PIL", "av", "litellm", "inference_llm", "inference_pipeline", "gen_mock_image")
    session.run(
        "python",
        "-c",
        "import importlib.util, sys; found = [m for m in sys.argv[1:] if importlib.util.find_spec(m)];"
        " sys.exit(f'installed beside the core alone: {found}' if found else 0)",
        *absent,
    )
    listing = session.run("infer", "list", silent=True) or ""
    if "No generators are installed" not in listing or "pip install" not in listing:
        session.error(f"infer list without generators printed no install hint: {listing!r}")
    run_tests(session, CORE)


@nox.session(python=PYTHON)
def layers(session: nox.Session) -> None:
    """The core and one generator install neither subsystem; adding the pipeline adds `infer batch`."""
    install(session, {CORE: (), "packages/gen-mock-image": ()}, "pytest>=8")
    tests = str(ROOT / PACKAGING_TESTS / "test_layers.py")
    session.chdir(ROOT)
    session.run("python", "-m", "pytest", *PACKAGING_PYTEST, tests, env={"LAYERS_EXPECT": "core"})
    install(session, {PIPELINE: ()})
    session.run(
        "python", "-m", "pytest", *PACKAGING_PYTEST, tests, env={"LAYERS_EXPECT": "pipeline"}
    )


@nox.session(name="install-check", python=PYTHON)
def install_check(session: nox.Session) -> None:
    """Every install command of the README resolves to our distributions (public index reachable)."""
    wheelhouse = WHEELS / "wheelhouse"
    shutil.rmtree(wheelhouse, ignore_errors=True)
    wheelhouse.mkdir(parents=True)
    for package in existing(list(PACKAGES)):
        shutil.copy2(wheel(session, package), wheelhouse)
    session.install("pip>=24", "packaging>=24", "pytest>=8")
    session.chdir(ROOT)
    session.run(
        "python",
        "-m",
        "pytest",
        *PACKAGING_PYTEST,
        f"{PACKAGING_TESTS}/test_versions.py",
        f"{PACKAGING_TESTS}/test_readme_installs.py",
        "--durations=5",
        env={"WHEELHOUSE": str(wheelhouse)},
    )


@nox.session(python=PYTHON)
def types(session: nox.Session) -> None:
    """mypy --strict over every src/ folder, with the packages and their SDKs installed."""
    install(
        session,
        {p: PACKAGES[p] for p in existing(list(PACKAGES))},
        "mypy>=1.10",
        "types-PyYAML",
        *TEST_DEPS,
    )
    sources = [str(ROOT / p / "src") for p in existing(list(PACKAGES))]
    session.run("mypy", "--strict", *sources)


@nox.session(python=PYTHON)
def build(session: nox.Session) -> None:
    """Build every distribution (wheel and sdist) into dist/."""
    out = ROOT / "dist"
    shutil.rmtree(out, ignore_errors=True)
    for package in existing(list(PACKAGES)):
        session.run(
            "uv", "build", "--quiet", "--out-dir", str(out), str(ROOT / package), external=True
        )
    session.log(f"built {len(list(out.iterdir()))} files into {out}")


@nox.session(python=PYTHON)
def demo(session: nox.Session) -> None:
    """The offline demo: a storyboard to frames, narration and a video."""
    install(session, {p: PACKAGES[p] for p in existing([CORE, PIPELINE, *OFFLINE])})
    session.chdir(ROOT)
    out = session.posargs[0] if session.posargs else "demo-out"
    session.run("infer", "story", "examples/storyboard.yaml", "--out", out)


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Benchmarks, each printing ratios measured in one run (in the environment users have:
    the core, the LLM layer, the pipeline and every plugin). Every script runs; the session
    fails at the end if one of them reported a missed goal (exit status 1)."""
    install(session, {p: PACKAGES[p] for p in existing(list(PACKAGES))}, "jsonschema>=4.20")
    # pip compiles every module to bytecode when it installs (uv does not by default): without
    # it, and with PYTHONDONTWRITEBYTECODE set, each `infer` process the benchmarks start
    # compiles thousands of modules from source, seconds of CPU no user pays.
    purelib = session.run(
        "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", silent=True
    )
    # Exit status 1 is a stray file that does not compile (a py2 test): no reason to stop.
    compile_cmd = ("python", "-m", "compileall", "-q", "-j", "0", str(purelib).strip())
    session.run(*compile_cmd, silent=True, success_codes=[0, 1])
    session.chdir(ROOT)
    scripts = sorted((ROOT / "benchmarks").glob("bench_*.py"))
    env = {**os.environ, "PATH": f"{session.bin}{os.pathsep}{os.environ.get('PATH', '')}"}
    python = str(pathlib.Path(session.bin) / "python")
    missed = []
    for script in scripts:
        session.log(f"python {script.relative_to(ROOT)}")
        if subprocess.call([python, str(script), *session.posargs], env=env) != 0:
            missed.append(script.name)
    if missed:
        session.error(f"goals missed in: {', '.join(missed)}")


nox.options.sessions = [
    *(name for name in nox.registry.get() if name.startswith("test-")),
    "scaffold",
    "layers",
    "install-check",
    "all",
    "lint",
    "types",
]
