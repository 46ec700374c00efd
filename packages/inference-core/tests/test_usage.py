"""One typed ``Usage`` for generators and the LLM layer; the 0.1 dicts still read, with a warning."""

from __future__ import annotations

import json
from typing import Any

import pytest

from inference_core import GenerationResult, MediaAsset, Usage


def test_reads_openai_shaped_usage_and_every_0_1_cost_key() -> None:
    openrouter = Usage.from_raw(
        {
            "prompt_tokens": 12,
            "completion_tokens": 1290,
            "total_tokens": 1302,
            "completion_tokens_details": {"image_tokens": 1290, "reasoning_tokens": 7},
            "cost": 0.0387,
        }
    )
    assert (openrouter.input_tokens, openrouter.output_tokens, openrouter.total_tokens) == (
        12,
        1290,
        1302,
    )
    assert (openrouter.reasoning_tokens, openrouter.cost_usd) == (7, 0.0387)
    assert openrouter.extra == {"image_tokens": 1290}
    assert Usage.from_raw({"cost_usd": 0.5}).cost_usd == 0.5
    assert Usage.from_raw({"predict_time": 3.2, "total_time": 4}).seconds == 3.2
    assert Usage.from_raw({"predict_time": 3.2, "total_time": 4}).extra == {"total_time": 4}
    assert Usage.from_raw(None) == Usage()


def test_openai_names_are_the_same_fields() -> None:
    usage = Usage(input_tokens=3, output_tokens=4)
    assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (3, 4, 7)
    usage.cost = 0.25
    usage.completion_tokens = 5
    assert (usage.cost_usd, usage.output_tokens) == (0.25, 5)
    assert usage.to_openai() == {
        "prompt_tokens": 3,
        "completion_tokens": 5,
        "total_tokens": 7,
        "cost": 0.25,
    }
    assert Usage.from_raw(usage.to_openai()) == usage


def test_to_dict_is_json_with_only_what_is_known() -> None:
    usage = Usage(characters=31, seconds=1.5, extra={"audio_seconds": 1.5})
    assert usage.to_dict() == {"characters": 31, "seconds": 1.5, "audio_seconds": 1.5}
    assert json.loads(json.dumps(Usage(images=2, cost_usd=0.08).to_dict())) == {
        "images": 2,
        "cost_usd": 0.08,
    }


def test_a_0_1_plugin_returning_a_dict_gets_a_usage() -> None:
    raw: Any = {"cost": 0.04, "prompt_tokens": 9, "image_tokens": 1290}
    result = GenerationResult(assets=[MediaAsset(data=b"x", mime_type="image/png")], usage=raw)
    assert isinstance(result.usage, Usage)
    assert (result.usage.cost_usd, result.usage.input_tokens) == (0.04, 9)
    assert result["usage"] is result.usage


def test_reads_as_a_mapping_and_the_0_1_names_warn() -> None:
    usage = Usage.from_raw({"cost": 0.04, "predict_time": 2.0, "image_tokens": 5})
    assert dict(usage) == usage.to_dict() == {"seconds": 2.0, "cost_usd": 0.04, "image_tokens": 5}
    assert usage["cost_usd"] == 0.04 and usage["image_tokens"] == 5
    assert usage.get("nothing", "default") == "default" and not Usage()
    with pytest.raises(KeyError):
        usage["nothing"]
    with pytest.deprecated_call(match=r"usage\.cost_usd"):
        assert usage["cost"] == 0.04
    with pytest.deprecated_call(match=r"usage\.seconds"):
        assert usage.get("predict_time") == 2.0
    assert "cost" in usage and "image_tokens" in usage and "characters" not in usage
