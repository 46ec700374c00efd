"""A WSGI app speaking the OpenAI chat-completions protocol (JSON and SSE), for loopback tests.

Replies are scripted: ``app.reply("text")``, ``app.reply(tool_calls=[...])``
or ``app.reply(raw={...})``; with nothing scripted it echoes the last user
message. Errors and delays come from :class:`inference_core.testing.Fault`.
"""

from __future__ import annotations

import json
import time
from collections import deque
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable

    from _typeshed.wsgi import StartResponse, WSGIEnvironment


def _text_of(message: dict[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, list):
        return " ".join(
            p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text"
        )
    return str(content or "")


class OpenAIChatApp:
    def __init__(self) -> None:
        self.replies: deque[dict[str, Any]] = deque()
        self.bodies: list[dict[str, Any]] = []

    def reply(
        self,
        text: str | None = None,
        *,
        tool_calls: list[dict[str, Any]] | None = None,
        raw: dict[str, Any] | None = None,
        usage: dict[str, Any] | None = None,
    ) -> OpenAIChatApp:
        self.replies.append({"text": text, "tool_calls": tool_calls, "raw": raw, "usage": usage})
        return self

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if not environ.get("HTTP_AUTHORIZATION", "").startswith("Bearer "):
            return self._json(
                start_response,
                401,
                {
                    "error": {
                        "message": "Missing bearer token",
                        "type": "invalid_request_error",
                        "code": None,
                    }
                },
            )
        if path.endswith("/models") and environ["REQUEST_METHOD"] == "GET":
            return self._json(
                start_response,
                200,
                {
                    "object": "list",
                    "data": [
                        {
                            "id": "gpt-4o-mini",
                            "object": "model",
                            "created": 0,
                            "owned_by": "loopback",
                        }
                    ],
                },
            )
        if not path.endswith("/chat/completions"):
            return self._json(
                start_response, 404, {"error": {"message": f"no route {path}", "type": "not_found"}}
            )
        body = json.loads(
            environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)) or b"{}"
        )
        self.bodies.append(body)
        script = self.replies.popleft() if self.replies else {}
        if script.get("raw") is not None:
            return self._json(start_response, 200, script["raw"])
        user = next((m for m in reversed(body.get("messages", [])) if m.get("role") == "user"), {})
        text = script.get("text")
        tool_calls = script.get("tool_calls")
        if text is None and tool_calls is None:
            text = f"echo: {_text_of(user)}"
        prompt_tokens = sum(len(_text_of(m)) // 4 + 1 for m in body.get("messages", []))
        usage = script.get("usage") or {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": len((text or "").split()) or 1,
        }
        usage.setdefault("total_tokens", usage["prompt_tokens"] + usage["completion_tokens"])
        if body.get("stream"):
            start_response(
                "200 OK", [("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache")]
            )
            return self._sse(body, text, tool_calls, usage)
        message: dict[str, Any] = {"role": "assistant", "content": text}
        if tool_calls:
            message["tool_calls"] = tool_calls
        return self._json(
            start_response,
            200,
            {
                "id": "chatcmpl-loop",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model"),
                "system_fingerprint": "fp_loop",
                "choices": [
                    {
                        "index": 0,
                        "message": message,
                        "logprobs": None,
                        "finish_reason": "tool_calls" if tool_calls else "stop",
                    }
                ],
                "usage": usage,
            },
        )

    @staticmethod
    def _json(start_response: StartResponse, status: int, data: dict[str, Any]) -> list[bytes]:
        raw = json.dumps(data).encode()
        reason = {200: "OK", 401: "Unauthorized", 404: "Not Found"}.get(status, "Error")
        start_response(
            f"{status} {reason}",
            [("Content-Type", "application/json"), ("Content-Length", str(len(raw)))],
        )
        return [raw]

    @staticmethod
    def _sse(
        body: dict[str, Any],
        text: str | None,
        tool_calls: list[dict[str, Any]] | None,
        usage: dict[str, Any],
    ) -> Iterable[bytes]:
        # As api.openai.com streams: service_tier and system_fingerprint on every chunk, each
        # choice with logprobs, and (with include_usage) "usage": null until the last chunk.
        with_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        base = {
            "id": "chatcmpl-loop",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": body.get("model"),
            "service_tier": "default",
            "system_fingerprint": "fp_loop",
        }

        def event(deltas: list[dict[str, Any]], finish: str | None = None, **extra: Any) -> bytes:
            choices = [
                {"index": 0, "delta": d, "logprobs": None, "finish_reason": finish} for d in deltas
            ]
            data = {**base, "choices": choices, **({"usage": None} if with_usage else {}), **extra}
            return f"data: {json.dumps(data)}\n\n".encode()

        yield event([{"role": "assistant", "content": "", "refusal": None}])
        words = (text or "").split(" ")
        for index, word in enumerate(words if text else []):
            piece = word if index == len(words) - 1 else word + " "
            yield event([{"content": piece}])
        for index, call in enumerate(tool_calls or []):
            yield event([{"tool_calls": [{"index": index, **call}]}])
        yield event([{}], "tool_calls" if tool_calls else "stop")
        if with_usage:
            yield event([], usage=usage)
        yield b"data: [DONE]\n\n"
