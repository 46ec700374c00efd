"""Every row of the core's status table, through LiteLLM and through the Ollama client.

The same response (status, headers, body) must make the same error here as in
every plugin: the class, ``retryable`` and ``retry_after`` come from
``inference_core.provider.classify_status`` alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from inference_core import ProviderError
from inference_core.provider import NO_RETRY
from inference_core.testing import STATUS_CASES, StatusCase
from inference_llm import LLMClient, OllamaClient

if TYPE_CHECKING:
    from inference_core.testing import LoopbackServer


@pytest.mark.parametrize("case", STATUS_CASES, ids=str)
def test_every_status_row_through_litellm(openai_server: LoopbackServer, case: StatusCase) -> None:
    openai_server.script(case.fault())
    with pytest.raises(ProviderError) as info:
        LLMClient("openai/gpt-4o-mini", retry=NO_RETRY).call("hi")
    case.check(info.value)
    assert case.message in str(info.value)
    assert len(openai_server.requests) == 1  # LiteLLM's own retries stay off


@pytest.mark.parametrize("case", STATUS_CASES, ids=str)
def test_every_status_row_through_the_ollama_client(
    ollama_server: LoopbackServer, case: StatusCase
) -> None:
    ollama_server.script(case.fault())
    with pytest.raises(ProviderError) as info:
        OllamaClient(ollama_server.url).list_ollama_models()
    case.check(info.value)
    assert case.message in str(info.value) and f"HTTP {case.status}" in str(info.value)
    assert info.value.provider == "ollama"
