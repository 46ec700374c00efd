"""A WSGI app speaking Ollama's HTTP API (/api/chat, /api/tags, /api/pull, /api/show), for loopback tests."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable

    from _typeshed.wsgi import StartResponse, WSGIEnvironment

CREATED = "2026-11-21T12:00:00.000000Z"


class OllamaApp:
    def __init__(self, models: tuple[str, ...] = ("llama3.2:latest",)) -> None:
        self.models = list(models)
        self.bodies: list[dict[str, Any]] = []
        self.answer = "Hello from llama"

    def _known(self, name: str) -> bool:
        return name in self.models or f"{name}:latest" in self.models

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ["REQUEST_METHOD"]
        body = json.loads(
            environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)) or b"{}"
        )
        self.bodies.append(body)
        if path == "/api/tags" and method == "GET":
            return self._json(
                start_response,
                200,
                {
                    "models": [
                        {
                            "name": m,
                            "model": m,
                            "modified_at": CREATED,
                            "size": 2019393189,
                            "digest": "a80c4f17acd5",
                            "details": {
                                "format": "gguf",
                                "family": "llama",
                                "parameter_size": "3.2B",
                                "quantization_level": "Q4_K_M",
                            },
                        }
                        for m in self.models
                    ]
                },
            )
        if path == "/api/show":
            return self._json(
                start_response,
                200,
                {
                    "modelfile": "",
                    "parameters": "",
                    "template": "{{ .Prompt }}",
                    "details": {"family": "llama"},
                    "model_info": {},
                },
            )
        if path == "/api/pull":
            return self._pull(body, start_response)
        if path == "/api/chat":
            return self._chat(body, start_response)
        return self._json(start_response, 404, {"error": f"no route {path}"})

    def _chat(self, body: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        model = body.get("model", "")
        if not self._known(model):
            return self._json(
                start_response, 404, {"error": f'model "{model}" not found, try pulling it first'}
            )
        words = self.answer.split(" ")
        prompt_tokens = sum(
            len(str(m.get("content", ""))) // 4 + 1 for m in body.get("messages", [])
        )
        final = {
            "model": model,
            "created_at": CREATED,
            "message": {"role": "assistant", "content": ""},
            "done": True,
            "done_reason": "stop",
            "total_duration": 1000,
            "load_duration": 10,
            "prompt_eval_count": prompt_tokens,
            "prompt_eval_duration": 100,
            "eval_count": len(words),
            "eval_duration": 500,
        }
        if not body.get("stream", True):
            return self._json(
                start_response,
                200,
                {**final, "message": {"role": "assistant", "content": self.answer}},
            )
        start_response("200 OK", [("Content-Type", "application/x-ndjson")])
        lines = [
            {
                "model": model,
                "created_at": CREATED,
                "done": False,
                "message": {"role": "assistant", "content": w if i == len(words) - 1 else w + " "},
            }
            for i, w in enumerate(words)
        ]
        return [json.dumps(line).encode() + b"\n" for line in [*lines, final]]

    def _pull(self, body: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        name = body.get("model") or body.get("name") or ""
        start_response("200 OK", [("Content-Type", "application/x-ndjson")])
        if name.startswith("missing"):
            return [
                b'{"status":"pulling manifest"}\n',
                b'{"error":"pull model manifest: file does not exist"}\n',
            ]
        total = 4000
        events: list[dict[str, Any]] = [{"status": "pulling manifest"}]
        events += [
            {
                "status": "pulling 6a0746a1ec1a",
                "digest": "sha256:6a0746a1ec1a",
                "total": total,
                "completed": done,
            }
            for done in (0, 1000, 2500, 4000)
        ]
        events += [
            {"status": "verifying sha256 digest"},
            {"status": "writing manifest"},
            {"status": "success"},
        ]
        self.models.append(name if ":" in name else f"{name}:latest")
        return [json.dumps(e).encode() + b"\n" for e in events]

    @staticmethod
    def _json(start_response: StartResponse, status: int, data: dict[str, Any]) -> list[bytes]:
        raw = json.dumps(data).encode()
        start_response(
            f"{status} {'OK' if status == 200 else 'Error'}",
            [("Content-Type", "application/json"), ("Content-Length", str(len(raw)))],
        )
        return [raw]
