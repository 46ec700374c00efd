"""OllamaClient: local models served by Ollama, over its HTTP API and through LiteLLM.

``CustomModelClient``, the seed's name, is the same class.

Example::

    from inference_llm import OllamaClient

    ollama = OllamaClient()                               # $OLLAMA_HOST or http://localhost:11434
    ollama.pull_ollama_model("llama3.2", progress=print)
    print(ollama.call_ollama("llama3.2", "Say hi").text)
    for piece in ollama.stream_ollama("llama3.2", "Count to 3"):
        print(piece, end="")
    ollama.register_custom_model("llama3.2", context_window=131072)
    LLMClient("ollama/llama3.2").call("Hi")              # through LiteLLM's ollama_chat/

httpx is imported on first use. Failures are inference-core errors: an
unreachable server is a retryable :class:`~inference_core.ProviderError`
saying where it looked.
"""

from __future__ import annotations

import contextlib
import json
import time
from typing import TYPE_CHECKING, Any

from inference_core.errors import (
    ConfigurationError,
    InferenceError,
    InvalidResponseError,
    ProviderError,
    ProviderTimeoutError,
)
from inference_core.provider import resolve_setting
from inference_llm.catalog import PROVIDERS
from inference_llm.models import ModelConfig, ModelRegistry, get_model_registry
from inference_llm.response import LLMResponse, Usage

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping

    from inference_llm.client import LLMClient, Messages

__all__ = ["CustomModelClient", "OllamaClient", "ollama_base_url"]

PROVIDER = "ollama"


def ollama_base_url(explicit: str | None = None) -> str:
    """``explicit``, else ``$OLLAMA_HOST`` or ``$OLLAMA_BASE_URL``, else ``http://localhost:11434``.

    Each variable is looked up as settings are (the config's ``settings:``, the environment,
    then a ``.env`` found upward). A scheme is added when missing (``OLLAMA_HOST=127.0.0.1:11434``).
    """
    base = (
        explicit
        or resolve_setting("OLLAMA_HOST")
        or resolve_setting("OLLAMA_BASE_URL")
        or PROVIDERS["ollama"]["default_api_base"]
    )
    base = base.rstrip("/")
    return base if "://" in base else f"http://{base}"


def _bare(model: str) -> str:
    return model.split("/", 1)[1] if model.startswith(("ollama/", "ollama_chat/")) else model


class OllamaClient:
    """Talks to an Ollama server: chat, streaming, listing and pulling models, registering them.

    ``default_model`` is used by the calls given no ``model``::

        client = OllamaClient("http://localhost:11434", default_model="llama3")
        client.call_ollama(messages=[{"role": "user", "content": "Hello!"}])
    """

    def __init__(
        self,
        base_url: str | None = None,
        *,
        default_model: str | None = None,
        timeout: float = 120.0,
        registry: ModelRegistry | None = None,
    ) -> None:
        self.base_url = ollama_base_url(base_url)
        self.default_model = default_model
        self.timeout = timeout
        self.registry = registry

    def _model(self, model: str | None) -> str:
        chosen = model or self.default_model
        if not chosen:
            raise ConfigurationError(
                "no model given: pass model=... or CustomModelClient(default_model=...)"
            )
        return chosen

    @staticmethod
    def _messages(messages: Messages | None) -> Messages:
        if messages is None:
            raise ConfigurationError("no messages given: pass messages=[...] or a prompt string")
        return messages

    # -- HTTP --------------------------------------------------------------------

    @contextlib.contextmanager
    def _errors(self, what: str) -> Iterator[None]:
        import httpx

        try:
            yield
        except InferenceError:
            raise
        except httpx.TimeoutException as exc:
            raise ProviderTimeoutError(
                f"Ollama at {self.base_url} timed out during {what}", provider=PROVIDER
            ) from exc
        except httpx.TransportError as exc:
            raise ProviderError(
                f"cannot reach Ollama at {self.base_url} ({type(exc).__name__}) during {what}; "
                "is `ollama serve` running, and OLLAMA_HOST right?",
                provider=PROVIDER,
                retryable=True,
            ) from exc

    def _check(self, response: Any, what: str) -> None:
        """Raise the core's error for an HTTP error status (the one table every plugin uses)."""
        if response.status_code < 400:
            return
        from inference_core.provider import classify_status, provider_message

        response.read()
        body = response.content[:65536]
        status = response.status_code
        detail = provider_message(body) or response.reason_phrase
        verdict = classify_status(status, headers=response.headers, body=body)
        raise verdict.exception(
            f"Ollama at {self.base_url}: {what} failed (HTTP {status}): {detail}",
            provider=PROVIDER,
            status_code=status,
        )

    def _stream_lines(
        self, method: str, path: str, body: Mapping[str, Any] | None, what: str
    ) -> Iterator[dict[str, Any]]:
        import httpx

        with (
            self._errors(what),
            httpx.Client(timeout=self.timeout) as http,
            http.stream(method, f"{self.base_url}{path}", json=body) as response,
        ):
            self._check(response, what)
            for line in response.iter_lines():
                if not line.strip():
                    continue
                try:
                    event = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InvalidResponseError(
                        f"Ollama {what}: not JSON: {line[:200]!r}", provider=PROVIDER
                    ) from exc
                if isinstance(event, dict) and event.get("error"):
                    raise ProviderError(
                        f"Ollama {what} failed: {event['error']}", provider=PROVIDER
                    )
                yield event

    def _request(
        self, method: str, path: str, body: Mapping[str, Any] | None, what: str
    ) -> dict[str, Any]:
        import httpx

        with self._errors(what), httpx.Client(timeout=self.timeout) as http:
            response = http.request(method, f"{self.base_url}{path}", json=body)
            self._check(response, what)
            try:
                data = response.json()
            except ValueError as exc:
                raise InvalidResponseError(
                    f"Ollama {what}: answer is not JSON", provider=PROVIDER
                ) from exc
        if not isinstance(data, dict):
            raise InvalidResponseError(f"Ollama {what}: expected an object", provider=PROVIDER)
        return data

    # -- chat ----------------------------------------------------------------------

    @staticmethod
    def _chat_body(
        model: str,
        messages: Messages,
        system: str | None,
        stream: bool,
        options: Mapping[str, Any] | None,
        format: Any,
    ) -> dict[str, Any]:
        from inference_llm.client import _messages

        body: dict[str, Any] = {
            "model": _bare(model),
            "messages": _messages(messages, system, None),
            "stream": stream,
        }
        if options:
            body["options"] = dict(options)
        if format is not None:
            body["format"] = format
        return body

    def call_ollama(
        self,
        model: str | None = None,
        messages: Messages | None = None,
        *,
        system: str | None = None,
        options: Mapping[str, Any] | None = None,
        format: Any = None,
    ) -> LLMResponse:
        """One ``/api/chat`` exchange; ``format`` may be ``"json"`` or a JSON Schema."""
        model, messages = self._model(model), self._messages(messages)
        started = time.perf_counter()
        data = self._request(
            "POST",
            "/api/chat",
            self._chat_body(model, messages, system, False, options, format),
            f"chat with {_bare(model)}",
        )
        message = data.get("message") or {}
        prompt, completion = (
            int(data.get("prompt_eval_count") or 0),
            int(data.get("eval_count") or 0),
        )
        return LLMResponse(
            text=str(message.get("content") or ""),
            model=f"ollama/{data.get('model') or _bare(model)}",
            usage=Usage(input_tokens=prompt, output_tokens=completion, cost_usd=0.0),
            finish_reason=data.get("done_reason") or ("stop" if data.get("done") else None),
            raw=data,
            latency_s=time.perf_counter() - started,
        )

    def stream_ollama(
        self,
        model: str | None = None,
        messages: Messages | None = None,
        *,
        system: str | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> Iterator[str]:
        """The answer's text pieces as ``/api/chat`` streams them."""
        model, messages = self._model(model), self._messages(messages)
        body = self._chat_body(model, messages, system, True, options, None)
        for event in self._stream_lines("POST", "/api/chat", body, f"chat with {_bare(model)}"):
            content = (event.get("message") or {}).get("content")
            if content:
                yield content

    # -- models ------------------------------------------------------------------------

    def list_ollama_models(self) -> list[dict[str, Any]]:
        """The models the server has (``/api/tags``): name, size, modified_at, details."""
        models = self._request("GET", "/api/tags", None, "listing models").get("models") or []
        return [dict(m) for m in models if isinstance(m, dict)]

    def pull_ollama_model(
        self, model: str, *, progress: Callable[[dict[str, Any]], object] | None = None
    ) -> dict[str, Any]:
        """Download ``model`` (``/api/pull``), calling ``progress`` with each status event.

        Each event has ``status`` and, while downloading, ``digest``,
        ``total``, ``completed`` and a computed ``percent``. Returns the last
        event (``{"status": "success"}``).
        """
        last: dict[str, Any] = {}
        body = {"model": _bare(model), "name": _bare(model), "stream": True}
        for event in self._stream_lines("POST", "/api/pull", body, f"pulling {_bare(model)}"):
            total, done = event.get("total"), event.get("completed")
            if isinstance(total, int) and total > 0 and isinstance(done, int):
                event["percent"] = round(100.0 * done / total, 1)
            last = event
            if progress is not None:
                progress(event)
        if last.get("status") != "success":
            raise ProviderError(
                f"Ollama pull of {_bare(model)} ended without success: {last}", provider=PROVIDER
            )
        return last

    def register_custom_model(
        self,
        model: str | None = None,
        *,
        model_id: str | None = None,
        name: str | None = None,
        provider: str = "ollama",
        context_window: int | None = None,
        description: str = "",
        supports_tools: bool = False,
        supports_vision: bool = False,
        supports_multimodal: bool | None = None,
        supports_streaming: bool = True,
        max_tokens: int | None = None,
    ) -> ModelConfig:
        """Add ``ollama/<model>`` (served by this server) to the model registry and return it.

        The seed's keywords work too: ``model_id`` (the model), ``name`` (its
        display name), ``supports_multimodal`` and ``max_tokens``;
        ``provider`` other than ``ollama`` (the seed's ``"custom"``) still
        means a model this server serves.
        """
        chosen = model or model_id
        if not chosen:
            raise ConfigurationError("register_custom_model needs a model (or model_id=)")
        config = ModelConfig(
            name=f"ollama/{_bare(chosen)}",
            provider="ollama",
            display_name=name or "",
            api_base=self.base_url,
            context_window=context_window,
            max_output_tokens=max_tokens,
            description=description,
            supports_tools=supports_tools,
            supports_vision=supports_vision if supports_multimodal is None else supports_multimodal,
            supports_streaming=supports_streaming,
            input_cost_per_mtok=0.0,
            output_cost_per_mtok=0.0,
            source="custom",
        )
        return (self.registry or get_model_registry()).register(config)

    # -- through LiteLLM -------------------------------------------------------------------

    def llm_client(self, model: str | None = None, **kwargs: Any) -> LLMClient:
        """An :class:`LLMClient` for ``ollama/<model>`` on this server (LiteLLM's ``ollama_chat/``)."""
        from inference_llm.client import LLMClient

        return LLMClient(
            f"ollama/{_bare(self._model(model))}",
            api_base=self.base_url,
            registry=self.registry,
            **kwargs,
        )

    def call(
        self, model: str | None = None, messages: Messages | None = None, **params: Any
    ) -> LLMResponse:
        """A chat completion through LiteLLM (usage, streaming and JSON helpers as for any model)."""
        return self.llm_client(model).call(self._messages(messages), **params)


CustomModelClient = OllamaClient
"""The seed's name of :class:`OllamaClient`."""
