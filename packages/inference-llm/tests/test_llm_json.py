from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest
from pydantic import BaseModel

from inference_core import InvalidResponseError
from inference_llm import JSONOutputError, LLMClient

if TYPE_CHECKING:
    from openai_chat_app import OpenAIChatApp

    from inference_core.testing import LoopbackServer


class Verdict(BaseModel):
    answer: bool
    reason: str


def test_chat_json_returns_a_validated_instance(
    openai_server: LoopbackServer, openai_app: OpenAIChatApp
) -> None:
    openai_app.reply('{"answer": true, "reason": "only divisible by 1 and 7"}')

    verdict = LLMClient("openai/gpt-4o-mini").chat_json("Is 7 prime?", schema=Verdict)

    assert verdict == Verdict(answer=True, reason="only divisible by 1 and 7")
    body = openai_server.requests[0].json()
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["schema"]["required"] == ["answer", "reason"]


def test_invalid_json_gets_one_repair_round_trip(
    openai_server: LoopbackServer, openai_app: OpenAIChatApp
) -> None:
    openai_app.reply("Sure! The answer is yes.")
    openai_app.reply('```json\n{"answer": true, "reason": "prime"}\n```')

    verdict = LLMClient("openai/gpt-4o-mini").chat_json("Is 7 prime?", schema=Verdict)

    assert verdict.answer is True
    assert len(openai_server.requests) == 2
    repair = openai_server.requests[1].json()["messages"]
    assert repair[-2] == {"role": "assistant", "content": "Sure! The answer is yes."}
    assert "invalid JSON" in repair[-1]["content"]


def test_schema_mismatch_is_repaired_too(
    openai_server: LoopbackServer, openai_app: OpenAIChatApp
) -> None:
    openai_app.reply('{"answer": "perhaps"}')
    openai_app.reply('{"answer": false, "reason": "even"}')

    verdict = LLMClient("openai/gpt-4o-mini").chat_json("Is 8 prime?", schema=Verdict)

    assert verdict == Verdict(answer=False, reason="even")
    assert "reason" in openai_server.requests[1].json()["messages"][-1]["content"]


def test_two_bad_answers_raise_with_the_raw_text(
    openai_server: LoopbackServer, openai_app: OpenAIChatApp
) -> None:
    openai_app.reply("not json")
    openai_app.reply("still not json {")

    with pytest.raises(JSONOutputError) as info:
        LLMClient("openai/gpt-4o-mini").chat_json("Is 7 prime?", schema=Verdict)

    assert isinstance(info.value, InvalidResponseError)
    assert info.value.raw_text == "still not json {"
    assert "still not json {" in str(info.value)
    assert len(openai_server.requests) == 2


def test_json_schema_dict_and_plain_json(
    openai_server: LoopbackServer, openai_app: OpenAIChatApp
) -> None:
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    openai_app.reply('{"n": "three"}')
    openai_app.reply('{"n": 3}')
    openai_app.reply("[1, 2]")
    client = LLMClient("openai/gpt-4o-mini")

    assert client.chat_json("three as a number", schema=schema) == {"n": 3}
    assert client.chat_json("a list") == [1, 2]
    assert openai_server.requests[2].json()["response_format"] == {"type": "json_object"}


def test_achat_json(openai_server: LoopbackServer, openai_app: OpenAIChatApp) -> None:
    openai_app.reply("oops")
    openai_app.reply('{"answer": true, "reason": "r"}')

    async def run() -> Verdict:
        async with LLMClient("openai/gpt-4o-mini") as client:
            result: Verdict = await client.achat_json("q", schema=Verdict)
            return result

    verdict = asyncio.run(run())
    assert verdict.reason == "r"
