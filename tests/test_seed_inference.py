# ruff: noqa: RUF001, RUF003  (the seed's own Chinese punctuation, kept verbatim)
"""The inference module seed (LLMClient, ModelConfig, Ollama, multimodal, registries): every example.

Only the import path changed: ``from inference import ...`` is ``from inference_llm.compat import ...``.
Chat answers come from a loopback server speaking OpenAI's chat-completions protocol (JSON and SSE),
Ollama's from one speaking Ollama's API. The Anthropic and Google examples are routed to the same
OpenAI-compatible server by a routing file in the seed's nested form (``model_provider``).
"""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import OpenAIAPI
    from inference_core.testing import LoopbackServer

SEED_CONFIG = """\
# 默认模型
default_model: "gpt-3.5-turbo"

# API Keys（支持环境变量）
api_keys:
  openai: "${OPENAI_API_KEY}"
  anthropic: "${ANTHROPIC_API_KEY}"

# 自定义端点
custom_endpoints:
  ollama:
    base_url: "http://localhost:11434"

# 模型特定配置
model_configs:
  gpt-4:
    temperature: 0.7
    max_tokens: 4096
"""


def image(path: str, size: tuple[int, int] = (1920, 1080), fmt: str | None = None) -> str:
    from PIL import Image

    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, (30, 90, 160)).save(path, format=fmt)
    return path


def chat_bodies(server: LoopbackServer) -> list[dict]:
    return [r.json() for r in server.requests_to("/v1/chat/completions")]


def test_quick_start_1_basic_call(
    openai_server: LoopbackServer, openai_api: OpenAIAPI, capsys: pytest.CaptureFixture[str]
) -> None:
    Path("config").mkdir()
    Path("config/inference_config.yaml").write_text(SEED_CONFIG)
    openai_api.chat.reply("Hello! How can I help?")
    from inference_llm.compat import LLMClient, Message  # noqa: F401

    # 初始化客户端（使用默认模型）
    client = LLMClient(default_model="gpt-3.5-turbo")

    # 或者从配置文件加载
    client = LLMClient(config_path="config/inference_config.yaml")

    # 调用模型
    response = client.call(
        messages=[
            {"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": "Hello!"},
        ]
    )

    print(response["choices"][0]["message"]["content"])

    assert capsys.readouterr().out == "Hello! How can I help?\n"
    (body,) = chat_bodies(openai_server)
    assert body["model"] == "gpt-3.5-turbo"
    assert not {"default_model", "config_path"} & set(body)


def test_quick_start_2_model_and_parameters(openai_server: LoopbackServer) -> None:
    from inference_llm.compat import LLMClient, ModelConfig

    client = LLMClient()

    # 方式1: 通过参数指定模型
    response = client.call(messages=[{"role": "user", "content": "Hello!"}], model="gpt-4o")

    # 方式2: 使用 ModelConfig
    config = ModelConfig(model="gpt-4o", temperature=0.9, max_tokens=2000, top_p=0.95)

    response = client.call(messages=[{"role": "user", "content": "Hello!"}], config=config)

    first, second = chat_bodies(openai_server)
    assert first["model"] == second["model"] == "gpt-4o"
    assert (second["temperature"], second["max_tokens"], second["top_p"]) == (0.9, 2000, 0.95)
    assert response["choices"][0]["message"]["content"] == "echo: Hello!"


@pytest.fixture(params=["litellm", "openai_sdk", "gpt5_sdk"])
def provider_client(
    request: pytest.FixtureRequest, seed_env: Path, monkeypatch: pytest.MonkeyPatch
) -> str:
    """Test set-up, not seed code: the routing file sends every provider through one client path."""
    routing = seed_env / "inference_runtime.yaml"
    routing.write_text(f"provider_client: {request.param}\n")
    monkeypatch.setenv("INFERENCE_RUNTIME_CONFIG", str(routing))
    return str(request.param)


def test_quick_start_3_streaming(
    provider_client: str,
    openai_server: LoopbackServer,
    openai_api: OpenAIAPI,
    capsys: pytest.CaptureFixture[str],
) -> None:
    openai_api.chat.reply("Once upon a time").reply("There was a fox")
    from inference_llm.compat import LLMClient

    client = LLMClient()

    # 同步流式调用
    for chunk in client.stream_call(
        messages=[{"role": "user", "content": "Tell me a story"}], model="gpt-3.5-turbo"
    ):
        if chunk.get("choices"):
            delta = chunk["choices"][0].get("delta", {})
            content = delta.get("content", "")
            if content:
                print(content, end="", flush=True)

    # 异步流式调用
    import asyncio

    async def stream_async():  # type: ignore[no-untyped-def]
        async for chunk in client.astream_call(
            messages=[{"role": "user", "content": "Tell me a story"}], model="gpt-3.5-turbo"
        ):
            if chunk.get("choices"):
                delta = chunk["choices"][0].get("delta", {})
                content = delta.get("content", "")
                if content:
                    print(content, end="", flush=True)
        await client.aclose()  # added: closes the pooled connections before the loop ends

    asyncio.run(stream_async())

    assert capsys.readouterr().out == "Once upon a timeThere was a fox"
    assert client.route("gpt-3.5-turbo").client == provider_client


def test_core_1_every_provider_through_one_interface(
    openai_server: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Test set-up, not seed code: the routing file sends the Anthropic and Google models to the
    # loopback OpenAI-compatible server (the seed's nested model_provider form).
    routing = tmp_path / "inference_runtime.yaml"
    routing.write_text(
        "model_provider:\n  claude-3-5-sonnet-20241022: openai\n  gemini-pro: openai\n"
    )
    monkeypatch.setenv("INFERENCE_RUNTIME_CONFIG", str(routing))
    from inference_llm.compat import LLMClient

    client = LLMClient()

    # 调用 OpenAI 模型
    response = client.call(messages=[{"role": "user", "content": "Hello!"}], model="gpt-4o")

    # 调用 Anthropic 模型
    response = client.call(
        messages=[{"role": "user", "content": "Hello!"}], model="claude-3-5-sonnet-20241022"
    )

    # 调用 Google 模型
    response = client.call(messages=[{"role": "user", "content": "Hello!"}], model="gemini-pro")

    assert [b["model"] for b in chat_bodies(openai_server)] == [
        "gpt-4o",
        "claude-3-5-sonnet-20241022",
        "gemini-pro",
    ]
    assert response["choices"][0]["message"]["content"] == "echo: Hello!"


def test_core_2_ollama(ollama_server: LoopbackServer, capsys: pytest.CaptureFixture[str]) -> None:
    from inference_llm.compat import CustomModelClient

    # 初始化 Ollama 客户端
    client = CustomModelClient(base_url=ollama_server.url, default_model="llama3")

    # 通过 LiteLLM 调用（推荐）
    response = client.call(messages=[{"role": "user", "content": "Hello!"}], model="ollama/llama3")

    # 或直接调用 Ollama API
    response = client.call_ollama(messages=[{"role": "user", "content": "Hello!"}], model="llama3")

    # 列出可用的 Ollama 模型
    models = client.list_ollama_models()
    print(models)

    # 拉取新模型
    client.pull_ollama_model("mistral")

    client.register_custom_model(
        model_id="my-custom-model",
        name="My Custom Model",
        provider="custom",
        supports_streaming=True,
        supports_multimodal=False,
        max_tokens=4096,
        context_window=8192,
        description="My custom trained model",
    )

    assert response["choices"][0]["message"]["content"] == "Hello from llama"
    assert "llama3:latest" in capsys.readouterr().out
    chats = ollama_server.requests_to("/api/chat")
    assert [c.json()["model"] for c in chats] == ["llama3", "llama3"]
    assert ollama_server.requests_to("/api/pull")[0].json()["model"] == "mistral"
    from inference_llm.compat import get_model_config

    assert get_model_config("ollama/my-custom-model").name == "ollama/my-custom-model"


def test_core_3_image_utils(seed_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    image("path/to/image.png")
    image("path/to/image.jpg", fmt="JPEG")
    from inference_llm.compat import ImageUtils

    # 将图像编码为 Base64
    image_base64 = ImageUtils.encode_image_to_base64("path/to/image.png")
    print(image_base64[:22])  # data:image/png;base64,...

    # 从 Base64 解码图像
    decoded = ImageUtils.decode_base64_to_image(image_base64)

    # 保存 Base64 图像到文件
    ImageUtils.save_base64_image(image_base64, "output.png")

    # 调整图像大小
    resized = ImageUtils.resize_image("path/to/image.jpg", max_size=(1024, 1024))

    # 获取图像信息
    info = ImageUtils.get_image_info("path/to/image.png")
    print(info)  # {'width': 1920, 'height': 1080, 'format': 'PNG', ...}

    assert capsys.readouterr().out.startswith("data:image/png;base64,")
    assert decoded.size == (1920, 1080) and resized.size == (1024, 576)
    assert Path("output.png").read_bytes() == Path("path/to/image.png").read_bytes()
    assert (info["width"], info["height"], info["format"]) == (1920, 1080, "PNG")


def test_core_3_multimodal_message(openai_server: LoopbackServer) -> None:
    image("path/to/image.png", (64, 64))
    from inference_llm.compat import InputUtils, LLMClient

    client = LLMClient()

    # 创建包含图像的消息
    multimodal_message = InputUtils.create_multimodal_message(
        text="What's in this image?", image_path="path/to/image.png"
    )

    response = client.call(
        messages=[multimodal_message],
        model="gpt-4o",  # 需要支持多模态的模型
    )

    (body,) = chat_bodies(openai_server)
    parts = body["messages"][0]["content"]
    assert parts[0] == {"type": "text", "text": "What's in this image?"}
    assert parts[1]["image_url"]["url"].startswith("data:image/png;base64,")
    assert response["choices"][0]["message"]["content"] == "echo: What's in this image?"


def test_core_3_input_utils(seed_env: Path) -> None:
    image("image1.png", (32, 32))
    image("image2.jpg", (32, 32), fmt="JPEG")
    from inference_llm.compat import InputUtils, MultimodalUtils

    # 准备多模态内容
    content = InputUtils.prepare_multimodal_content(
        text="Analyze these images", images=["image1.png", "image2.jpg"]
    )

    # 从消息中提取图像
    message = {
        "role": "user",
        "content": [
            {"type": "text", "text": "Look at this"},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,..."}},
        ],
    }
    images = InputUtils.extract_images_from_message(message)

    # 提取文本
    text = InputUtils.extract_text_from_message(message)

    # 验证多模态消息格式
    is_valid = InputUtils.validate_multimodal_message(message)

    # 估算 token 数量
    tokens = InputUtils.count_tokens_multimodal(message)

    assert [p["type"] for p in content] == ["text", "image_url", "image_url"]
    assert content[2]["image_url"]["url"].startswith("data:image/jpeg;base64,")
    assert images == ["data:image/png;base64,..."] and text == "Look at this"
    assert is_valid is False  # "..." is not base64: the seed's placeholder fails the check
    good = {**message, "content": content}
    assert InputUtils.validate_multimodal_message(good) is True
    assert tokens > 0
    assert MultimodalUtils is InputUtils


def test_configuration_file(
    openai_server: LoopbackServer, ollama_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The seed's config/inference_config.yaml, its Ollama endpoint pointed at the loopback server.
    from openai_images_app import KEY

    monkeypatch.delenv("OPENAI_API_KEY")
    monkeypatch.setenv("OPENAI_API_KEY_FOR_THE_FILE", KEY)
    Path("config").mkdir()
    Path("config/inference_config.yaml").write_text(
        SEED_CONFIG.replace("http://localhost:11434", ollama_server.url).replace(
            "${OPENAI_API_KEY}", "${OPENAI_API_KEY_FOR_THE_FILE}"
        )
    )
    from inference_llm.compat import LLMClient

    client = LLMClient(config_path="config/inference_config.yaml")
    client.call(messages=[{"role": "user", "content": "Hello!"}], model="gpt-4")
    answer = client.call(messages=[{"role": "user", "content": "Hello!"}], model="ollama/llama3")

    (request,) = openai_server.requests_to("/v1/chat/completions")
    assert request.header("authorization") == f"Bearer {KEY}"  # api_keys.openai
    body = request.json()
    assert (body["model"], body["temperature"], body["max_tokens"]) == ("gpt-4", 0.7, 4096)
    (chat,) = ollama_server.requests_to("/api/chat")  # custom_endpoints.ollama.base_url
    assert chat.json()["model"] == "llama3"
    assert answer["choices"][0]["message"]["content"] == "Hello from llama"


def test_configuration_provider_keys(seed_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # export ANTHROPIC_API_KEY / GOOGLE_API_KEY: the variable each provider's calls read (no
    # Anthropic or Google protocol server here: a call without its key fails before any request).
    from inference_core import MissingAPIKeyError
    from inference_llm.compat import LLMClient

    client = LLMClient()
    hello = [{"role": "user", "content": "Hello!"}]
    with pytest.raises(MissingAPIKeyError, match="ANTHROPIC_API_KEY"):
        client.call(messages=hello, model="claude-3-5-sonnet-20241022")
    with pytest.raises(MissingAPIKeyError, match="GEMINI_API_KEY"):
        client.call(messages=hello, model="gemini-pro")
    assert client.route("claude-3-5-sonnet-20241022").api_key_env == "ANTHROPIC_API_KEY"

    from inference_llm.client_config import resolve_api_key

    monkeypatch.setenv("GOOGLE_API_KEY", "g-key")  # the seed's name for Gemini's key
    assert resolve_api_key(client.route("gemini-pro").api_key_env, None).reveal() == "g-key"


def test_configuration_environment_variables(
    openai_server: LoopbackServer, ollama_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from openai_images_app import KEY

    monkeypatch.setenv("INFERENCE_DEFAULT_MODEL", "gpt-4o")
    monkeypatch.setenv("OLLAMA_BASE_URL", ollama_server.url)
    from inference_llm.compat import CustomModelClient, LLMClient

    LLMClient().call(messages=[{"role": "user", "content": "hi"}])
    models = CustomModelClient().list_ollama_models()

    assert chat_bodies(openai_server)[0]["model"] == "gpt-4o"
    assert openai_server.requests[0].header("authorization") == f"Bearer {KEY}"  # OPENAI_API_KEY
    assert models[0]["name"] == "llama3:latest"


def test_configuration_dotenv_fills_only_missing_variables(
    openai_server: LoopbackServer, ollama_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 如果项目根目录存在 .env ... 自动向上搜索并加载该文件（仅填充当前缺失的变量，不覆盖已存在环境变量）
    from openai_images_app import KEY

    monkeypatch.delenv("OPENAI_API_KEY")
    Path(".env").write_text(
        f"INFERENCE_DEFAULT_MODEL=gpt-4o\nOPENAI_API_KEY={KEY}\nOLLAMA_BASE_URL={ollama_server.url}\n"
    )
    Path("app").mkdir()
    monkeypatch.chdir("app")  # found upward from the working directory
    from inference_llm.compat import CustomModelClient, LLMClient

    LLMClient().call(messages=[{"role": "user", "content": "hi"}])
    models = CustomModelClient().list_ollama_models()
    monkeypatch.setenv("INFERENCE_DEFAULT_MODEL", "gpt-4o-mini")  # the environment wins
    LLMClient().call(messages=[{"role": "user", "content": "hi"}])

    first, second = openai_server.requests_to("/v1/chat/completions")
    assert first.header("authorization") == f"Bearer {KEY}"
    assert (first.json()["model"], second.json()["model"]) == ("gpt-4o", "gpt-4o-mini")
    assert models[0]["name"] == "llama3:latest"


def test_configuration_in_code(
    openai_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = f"{openai_server.url}/v1"  # the seed's https://api.openai.com/v1, here the loopback
    monkeypatch.delenv("OPENAI_API_KEY")
    monkeypatch.delenv("OPENAI_BASE_URL")
    from inference_llm.compat import LLMClient, ModelConfig

    client = LLMClient(default_model="gpt-4o")

    config = ModelConfig(temperature=0.9, max_tokens=2000, api_key="your-api-key", base_url=base)

    response = client.call(messages=[{"role": "user", "content": "hi"}], config=config)

    request = openai_server.requests_to("/v1/chat/completions")[0]
    assert request.header("authorization") == "Bearer your-api-key"
    assert (request.json()["model"], request.json()["temperature"]) == ("gpt-4o", 0.9)
    assert response["choices"][0]["message"]["content"] == "echo: hi"


def test_model_list(seed_env: Path) -> None:
    from inference_llm.compat import ModelRegistry, get_model_config

    registry = ModelRegistry()

    # 列出所有模型
    all_models = registry.list_models()

    # 按提供商列出
    by_provider = registry.list_models_by_provider()

    # 获取模型信息
    model_info = get_model_config("gpt-4o")
    print(model_info.name)
    print(model_info.supports_multimodal)
    print(model_info.max_tokens)

    assert len(all_models) > 10 and {"openai", "anthropic"} <= set(by_provider)
    assert model_info.supports_multimodal is True and model_info.max_tokens


def test_example_1_multi_turn(
    openai_server: LoopbackServer, openai_api: OpenAIAPI, capsys: pytest.CaptureFixture[str]
) -> None:
    openai_api.chat.reply("Python is a programming language.")
    from inference_llm.compat import LLMClient

    client = LLMClient(default_model="gpt-3.5-turbo")
    messages = [
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": "What is Python?"},
    ]

    # 调用模型
    response = client.call(messages=messages)

    # 继续追加新一轮对话
    assistant_reply = response["choices"][0]["message"]["content"]
    messages.append({"role": "assistant", "content": assistant_reply})
    messages.append({"role": "user", "content": "Give me three short examples."})

    print(assistant_reply)

    assert capsys.readouterr().out == "Python is a programming language.\n"
    assert len(messages) == 4
    (body,) = chat_bodies(openai_server)
    assert body["model"] == "gpt-3.5-turbo" and "default_model" not in body


def test_example_2_multimodal_analysis(openai_server: LoopbackServer) -> None:
    image("photo.jpg", (40, 30), fmt="JPEG")
    from inference_llm.compat import InputUtils, LLMClient

    client = LLMClient(default_model="gpt-4o")

    # 创建多模态消息
    message = InputUtils.create_multimodal_message(
        text="What objects are in this image? Describe them in detail.", image_path="photo.jpg"
    )

    # 调用模型
    response = client.call(messages=[message])
    print(response["choices"][0]["message"]["content"])

    body = chat_bodies(openai_server)[0]
    assert body["model"] == "gpt-4o"
    assert body["messages"][0]["content"][1]["image_url"]["url"].startswith("data:image/jpeg")


def test_example_3_batch_text(
    openai_server: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    from inference_llm.compat import LLMClient

    client = LLMClient()

    # 批量处理
    texts = ["Text 1", "Text 2", "Text 3"]
    for text in texts:
        prompt = f"Analyze the following text and provide key insights:\n\n{text}"
        response = client.call(messages=[{"role": "user", "content": prompt}])
        print(response["choices"][0]["message"]["content"])

    assert capsys.readouterr().out.count("echo: Analyze") == 3
    assert len(chat_bodies(openai_server)) == 3


def test_example_4_streaming(
    provider_client: str,
    openai_server: LoopbackServer,
    openai_api: OpenAIAPI,
    capsys: pytest.CaptureFixture[str],
) -> None:
    openai_api.chat.reply("A short story.")
    from inference_llm.compat import LLMClient

    client = LLMClient()

    def handle_stream(response_text):  # type: ignore[no-untyped-def]
        """处理流式响应"""
        print(response_text, end="", flush=True)

    # 流式调用
    full_response = ""
    for chunk in client.stream_call(
        messages=[{"role": "user", "content": "Write a short story"}], model="gpt-3.5-turbo"
    ):
        if chunk.get("choices"):
            delta = chunk["choices"][0].get("delta", {})
            content = delta.get("content", "")
            if content:
                full_response += content
                handle_stream(content)

    print(f"\n\nFull response length: {len(full_response)}")

    assert capsys.readouterr().out == "A short story.\n\nFull response length: 14\n"
    assert client.route("gpt-3.5-turbo").client == provider_client


def test_example_5_image_generation(
    openrouter_server: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    from inference_llm.compat import get_image_generator_registry

    registry = get_image_generator_registry()

    # 列出可用的生成器
    generators = registry.list_generators()
    print(f"Available generators: {generators}")

    # 生成图像
    result = registry.generate(
        generator_id="openrouter_image_generator", prompt="A beautiful sunset over the ocean"
    )

    print(f"Generated {len(result['images'])} image(s)")
    print(f"Metadata: {result['metadata']}")

    out = capsys.readouterr().out
    assert "Generated 1 image(s)" in out and "openrouter_image_generator" in out


def test_example_6_video_generation(seed_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    image("path/to/image.jpg", (32, 32), fmt="JPEG")
    from inference_llm.compat import get_video_generator_registry

    registry = get_video_generator_registry()

    # 文本到视频
    result = registry.generate(
        generator_id="mock_video_generator", prompt="A cat walking on the beach", duration=5, fps=24
    )

    print(f"Generated bytes: {len(result['video'])}")

    # 图像到视频
    result = registry.generate(
        generator_id="mock_video_generator",
        prompt="Animate this image",
        images=["path/to/image.jpg"],
        duration=3,
    )

    assert capsys.readouterr().out.startswith("Generated bytes: ")
    assert base64.b64decode(result["video"])[4:8] == b"ftyp"


def test_api_reference_llm_client(openai_server: LoopbackServer) -> None:
    from inference_llm.compat import GPT5ChatClient, LLMClient

    client = LLMClient()

    async def both() -> str:
        async with client:
            answer = await client.acall(messages=[{"role": "user", "content": "async"}])
        return str(answer["choices"][0]["message"]["content"])

    assert asyncio.run(both()) == "echo: async"
    assert "openai/gpt-4o" in client.get_available_models()
    assert client.get_model_info("gpt-4o")["route"]["provider"] == "openai"
    gpt5 = GPT5ChatClient(reasoning_effort="low")
    gpt5.call(messages=[{"role": "user", "content": "hi"}], max_tokens=50)
    body = chat_bodies(openai_server)[-1]
    assert (body["model"], body["max_completion_tokens"], body["reasoning_effort"]) == (
        "gpt-5",
        50,
        "low",
    )


def test_api_reference_config_loader(seed_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-x")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-y")
    Path("config").mkdir()
    Path("config/inference_config.yaml").write_text(SEED_CONFIG)
    Path(".env").write_text("SEED_ONLY_IN_DOTENV=1\n")
    from inference_llm.compat import ConfigLoader

    data = ConfigLoader.load("config/inference_config.yaml")
    found = ConfigLoader.find_file_upwards("config/inference_config.yaml")
    ConfigLoader.load_env_file()

    import os

    assert data["api_keys"] == {"openai": "sk-x", "anthropic": "sk-y"}
    assert found is not None and found.name == "inference_config.yaml"
    assert os.environ.pop("SEED_ONLY_IN_DOTENV") == "1"


def test_api_reference_registries(seed_env: Path) -> None:
    from inference_llm.compat import (
        BaseServiceAudioGenerator,
        BaseServiceImageGenerator,
        BaseServiceVideoGenerator,
        get_audio_generator_registry,
        get_image_generator_registry,
        get_video_generator_registry,
    )

    for registry in (
        get_image_generator_registry(),
        get_video_generator_registry(),
        get_audio_generator_registry(),
    ):
        info = registry.get_all_generators_info()
        assert set(info) == set(registry.list_generators())
        registry.reload()
        assert set(registry.get_all_generators_info()) == set(info)
    assert BaseServiceImageGenerator.modality == "image"
    assert BaseServiceVideoGenerator.modality == "video"
    assert BaseServiceAudioGenerator.modality == "audio"
