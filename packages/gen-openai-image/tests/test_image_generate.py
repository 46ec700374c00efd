from __future__ import annotations

import asyncio
import base64

import pytest
from openai_images_app import KEY, decode_png, png

from gen_openai_image import OpenAIImageGenerator
from inference_core import InputValidationError, MissingAPIKeyError
from inference_core.testing import Fault, LoopbackServer


def test_dall_e_3_url_output_is_downloaded_and_revised_prompt_kept(gen, server, tmp_path):
    result = gen.generate(
        prompt="a red fox", model="dall-e-3", size="1792x1024", quality="hd", style="natural"
    )

    (asset,) = result.assets
    assert (asset.mime_type, asset.width, asset.height) == ("image/png", 32, 24)
    assert asset.url.startswith(server.url) and asset.path is not None
    assert decode_png(result.save(tmp_path / "out")[0].read_bytes()) == (32, 24)
    assert result.metadata["revised_prompt"] == "A detailed rendering of: a red fox"
    assert asset.metadata["revised_prompt"] == result.metadata["revised_prompt"]
    generate, download = server.requests
    assert generate.header("authorization") == f"Bearer {KEY}"
    assert generate.json() == {
        "prompt": "a red fox", "model": "dall-e-3", "n": 1,
        "size": "1792x1024", "quality": "hd", "style": "natural",
    }  # fmt: skip
    assert (download.method, download.path) == ("GET", "/files/img-1.png")


def test_dall_e_3_b64_json(gen, server):
    result = gen.generate(prompt="a fox", model="dall-e-3", response_format="b64_json")

    (asset,) = result.assets
    assert asset.data is not None and decode_png(asset.data) == (32, 24)
    assert len(server.requests) == 1


def test_gpt_image_1_base64_with_usage_and_several_images(gen, server):
    result = gen.generate(
        prompt="three foxes",
        model="gpt-image-1",
        n=3,
        quality="low",
        background="transparent",
        output_format="png",
    )

    assert len(result.assets) == 3
    assert all(decode_png(a.read_bytes()) == (32, 24) for a in result.assets)
    assert (result.usage.total_tokens, result.usage.images) == (4172, 3)
    assert "revised_prompt" not in result.metadata
    assert "response_format" not in server.requests[0].json()


def test_width_and_height_become_size(gen, server):
    gen.generate(prompt="a fox", model="gpt-image-1", width=1536, height=1024)

    assert server.requests[0].json()["size"] == "1536x1024"


@pytest.mark.parametrize(
    ("inputs", "fields", "words"),
    [
        ({"model": "dall-e-3", "size": "512x512"}, ["size"], ["dall-e-3", "1792x1024"]),
        ({"model": "dall-e-3", "n": 2}, ["n"], ["at most 1"]),
        ({"model": "dall-e-3", "quality": "low"}, ["quality"], ["standard, hd"]),
        ({"model": "gpt-image-1", "quality": "hd"}, ["quality"], ["low, medium, high, auto"]),
        ({"model": "gpt-image-1", "size": "1792x1024"}, ["size"], ["1536x1024"]),
        ({"model": "gpt-image-1", "style": "vivid"}, ["style"], ["not supported by gpt-image-1"]),
        ({"model": "gpt-image-1", "response_format": "url"}, ["response_format"], ["gpt-image-1"]),
        ({"model": "dall-e-3", "background": "transparent"}, ["background"], ["dall-e-3"]),
        ({"model": "dall-e-3", "seed": 3}, ["seed"], ["dall-e-3"]),
        ({"model": "dall-e-2", "prompt": "x" * 1001}, ["prompt"], ["1000"]),
        ({"model": "dall-e-2", "quality": "standard"}, ["quality"], ["dall-e-2", "leave it out"]),
        ({"model": "dall-e-2", "style": "vivid"}, ["style"], ["dall-e-2", "use dall-e-3"]),
        ({"model": "dall-e-2", "size": "1792x1024"}, ["size"], ["256x256, 512x512, 1024x1024"]),
        ({"model": "dall-e-3", "output_format": "webp"}, ["output_format"], ["use gpt-image-1"]),
        (
            {"model": "gpt-image-1", "background": "transparent", "output_format": "jpeg"},
            ["background"],
            ["transparent JPEG", "png or webp"],
        ),
        ({"model": "dall-e-3", "size": "512x512", "n": 2, "style": "odd"}, ["style"], ["vivid"]),
        ({"width": 1024}, ["height"], ["together"]),
        ({"size": "1024x1024", "width": 1024, "height": 1024}, ["size"], ["not both"]),
    ],
)
def test_model_rules_are_checked_before_the_call(gen, server, inputs, fields, words):
    with pytest.raises(InputValidationError) as info:
        gen.generate(**{"prompt": "a fox", **inputs})

    assert set(fields) <= set(info.value.fields)
    assert str(info.value).startswith("invalid input for openai_image_generator: ")
    assert all(word in str(info.value) for word in words)
    assert server.requests == []


def test_every_problem_is_reported_at_once(gen):
    with pytest.raises(InputValidationError) as info:
        gen.generate(prompt="a fox", model="dall-e-3", size="512x512", n=2, quality="low")

    assert info.value.fields == ["size", "quality", "n"]


def test_unknown_model_is_permissive_and_passes_extra_fields(gen, server):
    result = gen.generate(
        prompt="a fox",
        model="jimeng-4.0",
        size="2048x2048",
        seed=7,
        negative_prompt="blur",
        response_format="url",
    )

    assert result.assets[0].mime_type == "image/png"
    assert server.requests[0].json() == {
        "prompt": "a fox", "model": "jimeng-4.0", "n": 1, "size": "2048x2048",
        "response_format": "url", "negative_prompt": "blur", "seed": 7,
    }  # fmt: skip


def test_base_url_and_key_from_the_environment(server, monkeypatch, out_dir):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", f"{server.url}/v1")

    result = OpenAIImageGenerator(output_dir=out_dir).generate(
        prompt="a fox", model="dall-e-2", size="256x256"
    )

    assert result.assets[0].path.parent == out_dir


def test_missing_key_names_the_variable(server):
    with pytest.raises(MissingAPIKeyError, match="OPENAI_API_KEY"):
        OpenAIImageGenerator(base_url=f"{server.url}/v1").generate(prompt="a fox")
    assert server.requests == []


def test_agenerate(gen):
    result = asyncio.run(gen.agenerate(prompt="a fox", model="gpt-image-1"))

    assert decode_png(result.assets[0].read_bytes()) == (32, 24)


def test_data_url_answers_from_compatible_servers_are_decoded(gen, server):
    data_url = "data:image/png;base64," + base64.b64encode(png(5, 7)).decode()
    server.script(Fault.status(200, {"created": 1, "data": [{"url": data_url}]}))

    result = gen.generate(prompt="a fox", model="jimeng-4.0")

    assert (result.assets[0].width, result.assets[0].height) == (5, 7)
    assert decode_png(result.assets[0].read_bytes()) == (5, 7)


def test_sixteen_agenerate_calls_are_in_flight_at_once(api, out_dir):
    """agenerate is native (AsyncOpenAI): nothing caps it at the thread pool's size."""
    gen = OpenAIImageGenerator(api_key=KEY, timeout=5.0, output_dir=out_dir)

    async def sixteen(url: str) -> list:
        gen._base_url = f"{url}/v1"
        calls = (gen.agenerate(prompt=f"fox {i}", model="gpt-image-1") for i in range(16))
        return await asyncio.gather(*calls)

    with LoopbackServer(api, latency=0.3) as server:
        results = asyncio.run(sixteen(server.url))

    assert server.max_in_flight == 16
    assert len(server.requests) == 16
    assert all(decode_png(r.assets[0].read_bytes()) == (32, 24) for r in results)


def test_agenerate_downloads_url_outputs(gen, server, tmp_path):
    result = asyncio.run(gen.agenerate(prompt="a fox", model="dall-e-3"))

    (asset,) = result.assets
    assert asset.url.startswith(server.url) and asset.path is not None
    assert decode_png(result.save(tmp_path / "out")[0].read_bytes()) == (32, 24)
    assert [r.method for r in server.requests] == ["POST", "GET"]
