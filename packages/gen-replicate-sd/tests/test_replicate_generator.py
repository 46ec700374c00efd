from __future__ import annotations

import asyncio
import base64
import json
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from PIL import Image
from replicate_protocol import SDXL_VERSION, TOKEN, make_png

from gen_replicate_sd import ReplicateSDGenerator
from inference_core import (
    AuthenticationError,
    ContentPolicyError,
    InputValidationError,
    InvalidResponseError,
    MissingAPIKeyError,
    ProviderError,
    ProviderTimeoutError,
)
from inference_core.provider import NO_RETRY, RetryPolicy
from inference_core.testing import Fault, LoopbackServer

if TYPE_CHECKING:
    import pathlib

    from replicate_protocol import ReplicateApp

FAST = RetryPolicy(max_attempts=3, base_delay=0.001, max_delay=0.01)
CREATE = "/v1/predictions"


@pytest.fixture
def out_dir(tmp_path: pathlib.Path) -> pathlib.Path:
    return tmp_path / "outputs"


def generator(out_dir: pathlib.Path, **kwargs: Any) -> ReplicateSDGenerator:
    kwargs.setdefault("retry", FAST)
    kwargs.setdefault("poll_interval", 0.01)
    return ReplicateSDGenerator(output_dir=out_dir, **kwargs)


def files(folder: pathlib.Path) -> list[pathlib.Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def creates(server: LoopbackServer) -> int:
    return len([r for r in server.requests if r.method == "POST" and r.path == CREATE])


def test_create_poll_download(
    replicate: LoopbackServer, replicate_app: ReplicateApp, out_dir: pathlib.Path
) -> None:
    replicate_app.polls_until_done = 2
    result = generator(out_dir).generate(prompt="an astronaut", width=512, height=384, seed=1234)
    (asset,) = result.assets
    assert (asset.mime_type, asset.width, asset.height) == ("image/png", 512, 384)
    assert asset.path is not None and asset.path.is_file()
    with Image.open(asset.path) as image:
        assert (image.format, image.size) == ("PNG", (512, 384))
    assert result.metadata["seed"] == 1234
    assert result.metadata["prediction_id"] in asset.path.parts
    assert result.usage.seconds == 3.2 and result.usage.images == 1
    create, *rest = replicate.requests
    assert create.header("prefer") == "wait=60"
    assert create.header("authorization") == f"Bearer {TOKEN}"
    assert create.json() == {
        "version": SDXL_VERSION,
        "input": {
            "prompt": "an astronaut",
            "negative_prompt": "",
            "width": 512,
            "height": 384,
            "num_outputs": 1,
            "scheduler": "K_EULER",
            "num_inference_steps": 50,
            "guidance_scale": 7.5,
            "seed": 1234,
            "prompt_strength": 0.8,
            "refine": "no_refiner",
            "high_noise_frac": 0.8,
            "apply_watermark": True,
            "lora_scale": 0.6,
            "disable_safety_checker": False,
        },
    }
    assert [(r.method, r.path.split("/")[1]) for r in rest] == [
        ("GET", "v1"),
        ("GET", "v1"),
        ("GET", "files"),
    ]
    assert rest[-1].header("authorization") == f"Bearer {TOKEN}"


def test_finished_while_waiting_needs_no_poll(
    replicate: LoopbackServer, replicate_app: ReplicateApp, out_dir: pathlib.Path
) -> None:
    replicate_app.finish_on_wait = True
    result = generator(out_dir).generate(prompt="two", num_outputs=2, width=64, height=64)
    assert [a.width for a in result.assets] == [64, 64]
    assert result.metadata["seed"] == 4242  # the model picked it; the logs tell
    assert [r.method for r in replicate.requests] == ["POST", "GET", "GET"]


def test_saved_outputs_decode(
    replicate: LoopbackServer, out_dir: pathlib.Path, tmp_path: pathlib.Path
) -> None:
    result = generator(out_dir).generate(prompt="x", width=64, height=64)
    saved = result.assets[0].save(tmp_path / "scenes" / "scene-001.png")
    with Image.open(saved) as image:
        assert image.size == (64, 64)


def test_image_to_image_inputs(
    replicate: LoopbackServer, out_dir: pathlib.Path, tmp_path: pathlib.Path
) -> None:
    png = make_png(8, 8)
    path = tmp_path / "in.png"
    path.write_bytes(png)
    generator(out_dir).generate(
        prompt="x", image=path, mask=png, prompt_strength=0.5, width=64, height=64
    )
    sent = replicate.requests[0].json()["input"]
    data_url = "data:image/png;base64," + base64.b64encode(png).decode()
    assert (sent["image"], sent["mask"], sent["prompt_strength"]) == (data_url, data_url, 0.5)
    generator(out_dir).generate(
        prompt="x", images=["https://example.com/in.png"], width=64, height=64
    )
    assert [r for r in replicate.requests if r.method == "POST"][-1].json()["input"]["image"] == (
        "https://example.com/in.png"
    )


@pytest.mark.parametrize(
    "bad",
    [
        {"num_outputs": 5},
        {"num_inference_steps": 0},
        {"guidance_scale": 51},
        {"scheduler": "EULER"},
        {"steps": 3},
    ],
)
def test_out_of_range_inputs_are_rejected_before_any_request(
    replicate: LoopbackServer, out_dir: pathlib.Path, bad: dict[str, Any]
) -> None:
    with pytest.raises(InputValidationError) as info:
        generator(out_dir).generate(prompt="x", **bad)
    assert info.value.fields == list(bad)
    assert replicate.requests == []


def test_the_server_validates_like_replicate(replicate: LoopbackServer) -> None:
    url = replicate.url + CREATE
    auth = {"Authorization": f"Bearer {TOKEN}"}
    good = {"version": SDXL_VERSION, "input": {"prompt": "x"}}
    assert httpx.post(url, json=good).status_code == 401
    assert httpx.post(url, json=good, headers=auth).status_code == 201
    for bad in (
        {"version": "0" * 64, "input": {"prompt": "x"}},
        {"version": SDXL_VERSION, "input": {"prompt": "x", "num_outputs": 9}},
        {"version": SDXL_VERSION, "input": {"prompt": "x", "sampler": "DDIM"}},
        {"version": SDXL_VERSION, "input": {"prompt": "x"}, "extra": 1},
    ):
        response = httpx.post(url, json=bad, headers=auth)
        assert response.status_code == 422, bad
        assert response.headers["content-type"] == "application/problem+json"


def test_missing_token(
    replicate: LoopbackServer, out_dir: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REPLICATE_API_TOKEN")
    with pytest.raises(MissingAPIKeyError, match="REPLICATE_API_TOKEN"):
        generator(out_dir).generate(prompt="x")


def problem(status: int, title: str, detail: str) -> Fault:
    body = {"title": title, "detail": detail, "status": status}
    return Fault.status(
        status, body, content_type="application/problem+json", path=CREATE, method="POST"
    )


@pytest.mark.parametrize(
    ("fault", "error_type", "text"),
    [
        (
            problem(401, "Unauthenticated", "You did not pass a valid token"),
            AuthenticationError,
            "REPLICATE_API_TOKEN",
        ),
        (
            problem(402, "Payment required", "You have insufficient credit"),
            AuthenticationError,
            "payment",
        ),
        (
            problem(403, "Forbidden", "NSFW content detected in the prompt"),
            ContentPolicyError,
            "NSFW",
        ),
        (
            problem(400, "Bad request", "Prompt flagged by the safety system"),
            ContentPolicyError,
            "flagged",
        ),
        (
            problem(422, "Input validation failed", "- input.width: bad"),
            ProviderError,
            "input.width",
        ),
    ],
)
def test_create_refusals(
    replicate: LoopbackServer,
    out_dir: pathlib.Path,
    fault: Fault,
    error_type: type[Exception],
    text: str,
) -> None:
    replicate.script(fault)
    with pytest.raises(error_type, match=text) as info:
        generator(out_dir).generate(prompt="x")
    assert type(info.value) is error_type
    assert "replicate_sd_generator" in str(info.value) and TOKEN not in str(info.value)
    assert len(replicate.requests) == 1
    assert files(out_dir) == []


def test_429_with_retry_after_is_retried_then_succeeds(
    replicate: LoopbackServer, replicate_app: ReplicateApp, out_dir: pathlib.Path
) -> None:
    replicate_app.finish_on_wait = True
    slept: list[float] = []

    async def asleep(seconds: float) -> None:
        slept.append(seconds)

    replicate.script(
        Fault.status(
            429, {"detail": "Request was throttled."}, headers={"Retry-After": "0.01"}, path=CREATE
        )
    )
    result = generator(out_dir, retry=RetryPolicy(asleep=asleep)).generate(
        prompt="x", width=64, height=64
    )
    assert result.assets and slept == [0.01]
    assert creates(replicate) == 2 and len(replicate_app.predictions) == 1


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_error_on_create_checks_then_retries(
    replicate: LoopbackServer, replicate_app: ReplicateApp, out_dir: pathlib.Path, status: int
) -> None:
    replicate.script(problem(status, "Server error", "try again"))
    result = generator(out_dir).generate(prompt="x", width=64, height=64)
    assert result.assets
    assert creates(replicate) == 2 and len(replicate_app.predictions) == 1
    assert replicate.requests_to(CREATE, "GET")  # looked before creating again


@pytest.mark.parametrize(
    "fault",
    [
        Fault.truncated(path=CREATE, method="POST"),
        Fault.content_type("text/html", path=CREATE, method="POST"),
    ],
)
def test_created_but_answer_lost_adopts_the_prediction(
    replicate: LoopbackServer, replicate_app: ReplicateApp, out_dir: pathlib.Path, fault: Fault
) -> None:
    replicate.script(fault)
    result = generator(out_dir).generate(prompt="x", width=64, height=64)
    assert result.assets and result.metadata["prediction_id"] in replicate_app.predictions
    assert creates(replicate) == 1 and len(replicate_app.predictions) == 1


@pytest.mark.parametrize(
    ("fault", "error_type"),
    [
        (Fault.hang(10, path=CREATE, method="POST"), ProviderTimeoutError),
        (Fault.malformed(path=CREATE), InvalidResponseError),
    ],
)
def test_ambiguous_create_is_never_repeated(
    replicate: LoopbackServer, out_dir: pathlib.Path, fault: Fault, error_type: type[Exception]
) -> None:
    replicate.script(fault)
    gen = generator(out_dir, retry=RetryPolicy(max_attempts=5, base_delay=0.001), timeout=0.3)
    with pytest.raises(error_type) as info:
        gen.generate(prompt="x")
    assert creates(replicate) == 1
    assert not info.value.retryable  # type: ignore[attr-defined]
    assert any("may have been created" in note for note in info.value.__notes__)


def test_failed_and_nsfw_predictions(
    replicate: LoopbackServer, replicate_app: ReplicateApp, out_dir: pathlib.Path
) -> None:
    replicate_app.fail_with = "CUDA out of memory"
    with pytest.raises(ProviderError, match="failed: CUDA out of memory"):
        generator(out_dir).generate(prompt="x")
    replicate_app.fail_with = (
        "NSFW content detected. Try running it again, or try a different prompt."
    )
    with pytest.raises(ContentPolicyError, match="NSFW"):
        generator(out_dir).generate(prompt="x")


def test_timeout_cancels_the_prediction(
    replicate: LoopbackServer, replicate_app: ReplicateApp, out_dir: pathlib.Path
) -> None:
    replicate_app.polls_until_done = None
    with pytest.raises(ProviderTimeoutError, match="did not finish"):
        generator(out_dir, timeout=0.1).generate(prompt="x")
    assert replicate_app.cancelled == list(replicate_app.predictions)
    assert replicate.requests[-1].path.endswith("/cancel")


def test_caller_cancellation_cancels_the_prediction(
    replicate: LoopbackServer, replicate_app: ReplicateApp, out_dir: pathlib.Path
) -> None:
    replicate_app.polls_until_done = None

    async def main() -> None:
        task = asyncio.create_task(generator(out_dir).agenerate(prompt="x"))
        while not replicate.requests_to("/v1/predictions/", "GET"):
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert replicate_app.cancelled == list(replicate_app.predictions)


@pytest.mark.parametrize(
    ("fault", "kwargs", "error_type", "text"),
    [
        (Fault.truncated(path="/files/"), {}, InvalidResponseError, "cut short"),
        (Fault.hang(10, path="/files/"), {"timeout": 0.3}, ProviderTimeoutError, "in time"),
        (
            Fault.status(
                200, b"<html>expired</html>" + bytes(80), content_type="text/html", path="/files/"
            ),
            {},
            InvalidResponseError,
            "not a recognised media type",
        ),
        (
            Fault.status(404, {"detail": "Not found."}, path="/files/"),
            {},
            ProviderError,
            "HTTP 404",
        ),
        (None, {"max_output_bytes": 40_000}, InvalidResponseError, "cap"),
    ],
)
def test_download_faults_leave_nothing_on_disk(
    replicate: LoopbackServer,
    replicate_app: ReplicateApp,
    out_dir: pathlib.Path,
    fault: Fault | None,
    kwargs: dict[str, Any],
    error_type: type[Exception],
    text: str,
) -> None:
    replicate_app.finish_on_wait = True
    replicate_app.output_bytes = 50_000  # a PNG header padded with zeros
    if fault is not None:
        replicate.script(fault)
    with pytest.raises(error_type, match=text):
        generator(out_dir, retry=NO_RETRY, **kwargs).generate(
            prompt="x", num_outputs=2, width=256, height=256
        )
    assert files(out_dir) == []


def test_success_without_outputs(
    replicate: LoopbackServer, replicate_app: ReplicateApp, out_dir: pathlib.Path
) -> None:
    replicate_app.empty_output = True
    with pytest.raises(InvalidResponseError, match="without output files"):
        generator(out_dir).generate(prompt="x")


def test_polling_survives_a_rate_limit(
    replicate: LoopbackServer, replicate_app: ReplicateApp, out_dir: pathlib.Path
) -> None:
    replicate_app.polls_until_done = 1
    replicate.script(
        Fault.status(
            429, {"detail": "throttled"}, headers={"Retry-After": "0.01"}, path="/v1/predictions/"
        )
    )
    assert generator(out_dir).generate(prompt="x", width=64, height=64).assets
    assert creates(replicate) == 1


@pytest.mark.parametrize(
    ("body", "text"),
    [
        ({"id": "p1", "status": "starting"}, "no 'urls' in the response"),
        ({"id": "p1", "status": "starting", "urls": {}}, "no 'urls.get' in the response"),
        (
            {"id": 7, "status": "starting", "urls": {"get": "x"}},
            "'id' is a number, expected a string",
        ),
        ([{"id": "p1"}], "the response is an array, expected an object"),
    ],
)
def test_a_prediction_of_the_wrong_shape_is_an_invalid_response(
    replicate: LoopbackServer, out_dir: pathlib.Path, body: Any, text: str
) -> None:
    replicate.script(Fault.status(201, json.dumps(body), path="/v1/predictions", method="POST"))
    with pytest.raises(InvalidResponseError, match=text) as info:
        generator(out_dir, retry=NO_RETRY).generate(prompt="x")
    assert "Replicate sent an unusable response" in str(info.value)
    assert creates(replicate) == 1
