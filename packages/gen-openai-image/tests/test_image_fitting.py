"""Requests fitted to the model: negative prompts, resolutions, an endpoint's own fields."""

from __future__ import annotations

import pytest

from inference_core.errors import InputValidationError, ProviderError


def test_dall_e_3_gets_the_negative_prompt_folded_in_with_a_warning(gen, server):
    result = gen.generate(prompt="a fox", model="dall-e-3", negative_prompt="low quality, blurry")

    assert server.requests[0].json() == {
        "prompt": "a fox\n\nAvoid: low quality, blurry", "model": "dall-e-3", "n": 1,
    }  # fmt: skip
    assert result.metadata["negative_prompt_handling"] == "folded"
    assert result.metadata["warnings"] == [
        "dall-e-3 takes no negative prompt; folded into the prompt as 'Avoid: ...'"
    ]


def test_a_negative_prompt_without_room_is_dropped_with_a_warning(gen, server):
    prompt = "x" * 3990
    result = gen.generate(prompt=prompt, model="dall-e-3", negative_prompt="blurry, low quality")

    assert server.requests[0].json()["prompt"] == prompt
    assert result.metadata["negative_prompt_handling"] == "dropped"
    assert "dropped" in result.metadata["warnings"][0]


@pytest.mark.parametrize(
    ("model", "resolution", "size"),
    [
        ("gpt-image-1", "1920x1080", "1536x1024"),
        ("dall-e-3", "1920x1080", "1792x1024"),
        ("dall-e-3", "1080x1920", "1024x1792"),
        ("dall-e-3", "512x512", "1024x1024"),
        ("dall-e-2", "300x300", "256x256"),
        ("dall-e-3", "1024x1024", "1024x1024"),
    ],
)
def test_a_resolution_becomes_the_nearest_size_and_is_recorded(
    gen, server, model, resolution, size
):
    result = gen.generate(prompt="a fox", model=model, resolution=resolution)

    assert server.requests[0].json()["size"] == size
    assert result.metadata["size"] == size
    assert result.metadata["requested_resolution"] == resolution
    assert result.parameters["resolution"] == resolution
    assert bool(result.metadata.get("warnings")) == (size != resolution)


def test_a_resolution_goes_unchanged_to_an_unknown_model(gen, server):
    gen.generate(prompt="a fox", model="jimeng-4.0", resolution="1920x1080")

    assert server.requests[0].json()["size"] == "1920x1080"


def test_a_resolution_must_be_width_by_height(gen, server):
    with pytest.raises(InputValidationError) as info:
        gen.generate(prompt="a fox", model="dall-e-3", resolution="2k")

    assert info.value.fields == ["resolution"] and "extra_body" in str(info.value)
    assert server.requests == []


def test_extra_body_reaches_a_compatible_endpoint_and_is_recorded(gen, server):
    extra = {"ratio": "16:9", "resolution": "2k"}
    result = gen.generate(prompt="a fox", model="jimeng-4.0", extra_body=extra)

    assert server.requests[0].json() == {
        "prompt": "a fox", "model": "jimeng-4.0", "n": 1, "ratio": "16:9", "resolution": "2k",
    }  # fmt: skip
    assert result.parameters["extra_body"] == extra


def test_extra_body_is_limited_in_size_only(gen, server):
    with pytest.raises(InputValidationError) as info:
        gen.generate(prompt="a fox", model="jimeng-4.0", extra_body={"blob": "x" * 17000})

    assert info.value.fields == ["extra_body"] and "16384" in str(info.value)
    assert server.requests == []


def test_the_openai_api_still_refuses_unknown_fields_sent_in_extra_body(gen, server):
    with pytest.raises(ProviderError) as info:
        gen.generate(prompt="a fox", model="dall-e-3", extra_body={"ratio": "16:9"})

    assert "ratio" in str(info.value)
    assert server.requests[0].json()["ratio"] == "16:9"
