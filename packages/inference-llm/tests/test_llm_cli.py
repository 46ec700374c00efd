from __future__ import annotations

import json
from typing import TYPE_CHECKING

import typer
from typer.testing import CliRunner

from inference_core.testing import Fault
from inference_llm.cli import register

if TYPE_CHECKING:
    from pathlib import Path

    import pytest
    from openai_chat_app import OpenAIChatApp

    from inference_core.testing import LoopbackServer


def _app() -> typer.Typer:
    app = typer.Typer(add_completion=False)
    register(app)
    return app


runner = CliRunner()


def test_models_json() -> None:
    result = runner.invoke(_app(), ["models", "--json"])
    assert result.exit_code == 0
    names = [m["name"] for m in json.loads(result.stdout)]
    assert "openai/gpt-4o-mini" in names
    assert names == sorted(names)


def test_models_table_and_unknown_provider() -> None:
    result = runner.invoke(_app(), ["models", "--provider", "anthropic"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "claude-haiku-4-5" in result.stdout
    result = runner.invoke(_app(), ["models", "--provider", "nobody"])
    assert result.exit_code == 2


def test_llm_prints_the_answer(openai_server: LoopbackServer, openai_app: OpenAIChatApp) -> None:
    openai_app.reply("Hi!")
    result = runner.invoke(_app(), ["llm", "Say hi", "-m", "openai/gpt-4o-mini", "--usage"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "Hi!\n"
    assert "tokens" in result.stderr


def test_llm_stream(openai_server: LoopbackServer, openai_app: OpenAIChatApp) -> None:
    openai_app.reply("as it arrives")
    result = runner.invoke(
        _app(), ["llm", "go", "-m", "openai/gpt-4o-mini", "--stream", "--system", "S"]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == "as it arrives\n"
    assert openai_server.requests[0].json()["stream"] is True


def test_llm_schema(
    openai_server: LoopbackServer, openai_app: OpenAIChatApp, tmp_path: Path
) -> None:
    schema = tmp_path / "schema.json"
    schema.write_text(
        json.dumps(
            {
                "type": "object",
                "properties": {"greeting": {"type": "string"}},
                "required": ["greeting"],
            }
        )
    )
    openai_app.reply('{"greeting": "hi"}')
    result = runner.invoke(
        _app(), ["llm", "Say hi", "-m", "openai/gpt-4o-mini", "--schema", str(schema)]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"greeting": "hi"}


def test_llm_without_key_exits_2_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    result = runner.invoke(_app(), ["llm", "Say hi", "-m", "openai/gpt-4o-mini"])
    assert result.exit_code == 2
    assert "OPENAI_API_KEY" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_llm_provider_failure_exits_1(openai_server: LoopbackServer) -> None:
    openai_server.script(Fault.status(400, {"error": {"message": "bad request, model unknown"}}))
    result = runner.invoke(_app(), ["llm", "Say hi", "-m", "openai/gpt-4o-mini"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error:")
    assert "model unknown" in result.stderr


def test_llm_usage_errors(tmp_path: Path) -> None:
    assert runner.invoke(_app(), ["llm", "  "]).exit_code == 2
    missing = tmp_path / "missing.json"
    result = runner.invoke(_app(), ["llm", "x", "--schema", str(missing), "--stream"])
    assert result.exit_code == 2
