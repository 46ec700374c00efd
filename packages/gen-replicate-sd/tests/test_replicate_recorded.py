"""Every response recorded from the real Replicate API, replayed to the generator over loopback HTTP.

Each test serves recordings from ``recorded/replicate/`` in the order the
real service sent them (a create, then every poll), with their status and
headers; the absolute URLs in their bodies (``urls.get``, ``urls.cancel``,
the ``replicate.delivery`` outputs) are rewritten to the loopback server,
which serves the one recorded delivery (a real 1024x1024 PNG) for every
output. The tests check what a user gets: the image on disk (decoded), the
seed and timing read back, the number of requests, or the one-line error.
"""

from __future__ import annotations

import base64
import os
import pathlib
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest
from PIL import Image
from replicate_protocol import TOKEN

from gen_replicate_sd import ReplicateSDGenerator
from inference_core import AuthenticationError, ProviderError, ProviderTimeoutError
from inference_core.provider import NO_RETRY
from inference_core.testing import LoopbackServer, Recording, Replay

if TYPE_CHECKING:
    from collections.abc import Iterator

RECORDED = Recording.load_all(pathlib.Path(__file__).parent / "recorded" / "replicate")
REWRITE = {"https://api.replicate.com": "", "https://replicate.delivery": "/delivery"}
DELIVERY = RECORDED["delivery_png"]
#: Recorded lifecycles (``PREFIX_00`` the create's answer, then every poll) and the seed in their logs.
LIFECYCLES = {"sdxl_run": 42069, "sd_run": 12254}
#: The other recordings, each served by name by a test below.
SINGLES = {
    "401_unauthenticated",
    "blocking_processing_dataurl",
    "cancel_00",
    "cancel_01",
    "delivery_png",
}


def lifecycle(prefix: str) -> list[Recording]:
    """``PREFIX_00`` (the create's answer), then every poll answer, in order."""
    return [r for name, r in sorted(RECORDED.items()) if name.startswith(f"{prefix}_")]


def replay(*routes: tuple[str, str, list[Recording]]) -> Replay:
    app = Replay(rewrite=REWRITE)
    for method, path, recordings in routes:
        app.route(method, path, *recordings)
    return app


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path) -> Iterator[None]:
    monkeypatch.setenv("REPLICATE_API_TOKEN", TOKEN)
    monkeypatch.setenv("INFERENCE_CORE_CONFIG", str(tmp_path / "no-config.yaml"))
    monkeypatch.chdir(tmp_path)
    yield


def generator(
    server: LoopbackServer, out_dir: pathlib.Path, **kwargs: object
) -> ReplicateSDGenerator:
    return ReplicateSDGenerator(
        base_url=server.url,
        retry=NO_RETRY,
        poll_interval=0.0,
        output_dir=out_dir,
        **kwargs,  # type: ignore[arg-type]
    )


def recorded_inputs(create: Recording) -> dict[str, object]:
    """The inputs the recorded create was made with, as the generator takes them."""
    body = create.json()
    return {**body["input"], "version": body["version"]}


@pytest.mark.parametrize(("prefix", "seed"), sorted(LIFECYCLES.items()))
def test_recorded_lifecycle_ends_in_a_decoded_png(
    env: None, tmp_path: pathlib.Path, prefix: str, seed: int
) -> None:
    create, *polls = lifecycle(prefix)
    app = replay(
        ("POST", "/v1/predictions", [create]),
        ("GET", "/v1/predictions/", polls),
        ("GET", "/delivery/", [DELIVERY]),
    )
    with LoopbackServer(app) as server:
        result = generator(server, tmp_path / "out").generate(**recorded_inputs(create))

    (asset,) = result.assets
    saved = asset.save(tmp_path / "scenes" / "scene-001.png")
    assert saved.read_bytes() == DELIVERY.body
    with Image.open(saved) as image:
        assert (image.format, image.size) == ("PNG", (1024, 1024))
    assert (asset.mime_type, asset.width, asset.height) == ("image/png", 1024, 1024)
    final = polls[-1].json()
    assert result.metadata["prediction_id"] == final["id"]
    assert result.metadata["seed"] == seed  # read back from the recorded logs
    assert result.usage.seconds == final["metrics"]["predict_time"]
    sent = server.requests[0].json()
    assert sent["version"] == create.json()["version"]
    assert sent["input"].items() >= create.json()["input"].items()
    assert server.requests[0].header("prefer") == "wait=60"
    # one create, one GET per recorded poll, one download (with the token: delivery needs it)
    assert [(r.method, r.path.split("/")[1]) for r in server.requests] == [
        ("POST", "v1"),
        *[("GET", "v1")] * len(polls),
        ("GET", "delivery"),
    ]
    assert server.requests[-1].header("authorization") == f"Bearer {TOKEN}"
    assert app.unmatched == []


def test_recorded_data_url_output_of_prefer_wait_is_decoded(
    env: None, tmp_path: pathlib.Path
) -> None:
    """``Prefer: wait`` answered still processing, its output already a data: URL; one poll ends it."""
    waited = RECORDED["blocking_processing_dataurl"]
    assert waited.status == 201 and waited.json()["status"] == "processing"
    done = waited.with_json("blocking_processing_dataurl (finished)", status="succeeded")
    app = replay(
        ("POST", "/v1/predictions", [waited]),
        ("GET", "/v1/predictions/", [done]),
    )
    with LoopbackServer(app) as server:
        result = generator(server, tmp_path / "out").generate(**recorded_inputs(waited))

    (asset,) = result.assets
    inline = waited.json()["output"][0]
    assert asset.read_bytes() == base64.b64decode(inline.partition(",")[2])
    saved = asset.save(tmp_path / "scenes" / "scene-001.png")
    with Image.open(saved) as image:
        assert (image.format, image.size) == ("PNG", (512, 512))
    assert (asset.mime_type, asset.width, asset.height) == ("image/png", 512, 512)
    assert asset.url is None  # the data: URL is not kept as a link
    # no download: the image came inline
    assert [r.method for r in server.requests] == ["POST", "GET"]


def test_recorded_data_url_output_finished_while_waiting(env: None, tmp_path: pathlib.Path) -> None:
    finished = RECORDED["blocking_processing_dataurl"].with_json("finished", status="succeeded")
    with LoopbackServer(replay(("POST", "/v1/predictions", [finished]))) as server:
        result = generator(server, tmp_path / "out").generate(prompt="a corgi")

    assert [(a.mime_type, a.width, a.height) for a in result.assets] == [("image/png", 512, 512)]
    assert len(server.requests) == 1


def test_corrupt_data_url_output_is_an_invalid_response(env: None, tmp_path: pathlib.Path) -> None:
    broken = RECORDED["blocking_processing_dataurl"].with_json(
        "broken", status="succeeded", output=["data:image/png;base64,not base64!"]
    )
    app = replay(("POST", "/v1/predictions", [broken]))
    with LoopbackServer(app) as server, pytest.raises(ProviderError) as info:
        generator(server, tmp_path / "out").generate(prompt="a corgi")

    message = str(info.value)
    assert "invalid base64" in message and "\n" not in message
    assert type(info.value).__name__ == "InvalidResponseError"
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*.*"))


def test_recorded_401_is_one_line_naming_the_token_variable(
    env: None, tmp_path: pathlib.Path
) -> None:
    app = replay(("POST", "/v1/predictions", [RECORDED["401_unauthenticated"]]))
    with LoopbackServer(app) as server, pytest.raises(AuthenticationError) as info:
        generator(server, tmp_path / "out").generate(prompt="a corgi")

    message = str(info.value)
    assert message.startswith("replicate_sd_generator: Replicate answered HTTP 401")
    assert "Unauthenticated: You did not pass a valid authentication token" in message
    assert "REPLICATE_API_TOKEN" in message and TOKEN not in message and "\n" not in message
    assert (info.value.status_code, info.value.retryable) == (401, False)
    assert len(server.requests) == 1  # refused: no search for a prediction, no retry


def test_recorded_cancel_when_the_prediction_outlives_the_timeout(
    env: None, tmp_path: pathlib.Path
) -> None:
    created, canceled = RECORDED["cancel_00"], RECORDED["cancel_01"]
    app = replay(
        ("POST", "/v1/predictions/hdwst0bb05rgp0cf0p29mzk2am/cancel", [canceled]),
        ("POST", "/v1/predictions", [created]),
    )
    with LoopbackServer(app) as server:
        # the first poll would come after the deadline: the generator gives up and cancels
        gen = generator(server, tmp_path / "out", timeout=5.0)
        gen.poll_interval = 10.0
        with pytest.raises(ProviderTimeoutError) as info:
            gen.generate(prompt="a studio photo of a rainbow colored corgi", width=512, height=512)

    assert "hdwst0bb05rgp0cf0p29mzk2am did not finish within 5s" in str(info.value)
    assert [(r.method, r.path) for r in server.requests] == [
        ("POST", "/v1/predictions"),
        ("POST", "/v1/predictions/hdwst0bb05rgp0cf0p29mzk2am/cancel"),
    ]
    assert server.requests[1].header("authorization") == f"Bearer {TOKEN}"


def test_recorded_canceled_prediction_names_its_status(env: None, tmp_path: pathlib.Path) -> None:
    """Someone cancelled it (on the web): the poll answers as the recorded cancel did."""
    app = replay(
        ("POST", "/v1/predictions", [RECORDED["cancel_00"]]),
        ("GET", "/v1/predictions/", [RECORDED["cancel_01"]]),
    )
    with LoopbackServer(app) as server, pytest.raises(ProviderError) as info:
        generator(server, tmp_path / "out").generate(prompt="a corgi")

    assert str(info.value) == (
        "replicate_sd_generator: prediction hdwst0bb05rgp0cf0p29mzk2am canceled: no reason given"
    )
    assert info.value.retryable is False
    assert [r.method for r in server.requests] == ["POST", "GET"]  # nothing left to cancel


def infer(
    server: LoopbackServer, cwd: pathlib.Path, *args: str
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "REPLICATE_BASE_URL": server.url, "TMPDIR": str(cwd)}
    return subprocess.run(
        [sys.executable, "-m", "inference_core", "generate", "replicate_sd_generator", *args],
        capture_output=True, text=True, cwd=cwd, env=env, timeout=120,
    )  # fmt: skip


def test_cli_saves_the_recorded_data_url_output(env: None, tmp_path: pathlib.Path) -> None:
    finished = RECORDED["blocking_processing_dataurl"].with_json("finished", status="succeeded")
    with LoopbackServer(replay(("POST", "/v1/predictions", [finished]))) as server:
        done = infer(server, tmp_path, "-p", "prompt=a corgi", "--out", str(tmp_path / "out"))

    assert done.returncode == 0, done.stderr
    (saved,) = (tmp_path / "out").iterdir()
    with Image.open(saved) as image:
        assert (saved.suffix, image.format, image.size) == (".png", "PNG", (512, 512))
    assert len(server.requests) == 1


def test_cli_recorded_401_is_one_line_exit_1(env: None, tmp_path: pathlib.Path) -> None:
    with LoopbackServer(
        replay(("POST", "/v1/predictions", [RECORDED["401_unauthenticated"]]))
    ) as server:
        done = infer(server, tmp_path, "-p", "prompt=a corgi", "--out", str(tmp_path / "out"))

    assert done.returncode == 1
    (line,) = done.stderr.strip().splitlines()
    assert "You did not pass a valid authentication token" in line and "REPLICATE_API_TOKEN" in line
    assert TOKEN not in done.stdout + done.stderr
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []
    assert len(server.requests) == 1


def test_every_recording_is_replayed() -> None:
    """A recording added to ``recorded/replicate/`` fails here until a test serves it."""
    lifecycles = {name for name in RECORDED if name.rpartition("_")[0] in LIFECYCLES}
    assert set(RECORDED) == lifecycles | SINGLES
    assert all(len(lifecycle(prefix)) > 1 for prefix in LIFECYCLES)
