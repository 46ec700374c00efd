from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from inference_core import ConfigurationError
from inference_core.config import ConfigLoader, find_file_upwards, load_env_file

if TYPE_CHECKING:
    from pathlib import Path


def test_yaml_and_json_with_env_substitution(tmp_path: Path) -> None:
    env = {"HOST": "example.test", "EMPTY": ""}
    (tmp_path / "a.yaml").write_text(
        "url: https://${HOST}/v1\nport: ${PORT:-8080}\nempty: ${EMPTY:-fallback}\n"
        "literal: $${HOST}\nlist: ['${HOST}', 2]\nnested: {deep: '${HOST}'}\nnumber: 3\n"
    )
    (tmp_path / "b.json").write_text('{"url": "${HOST}", "n": [1, {"x": "${HOST}"}]}')

    data = ConfigLoader.load(tmp_path / "a.yaml", environ=env)

    assert data == {
        "url": "https://example.test/v1",
        "port": "8080",
        "empty": "fallback",
        "literal": "${HOST}",
        "list": ["example.test", 2],
        "nested": {"deep": "example.test"},
        "number": 3,
    }
    assert ConfigLoader.load(tmp_path / "b.json", environ=env) == {
        "url": "example.test",
        "n": [1, {"x": "example.test"}],
    }


def test_substitution_cannot_inject_structure(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text("value: ${EVIL}\n")
    assert ConfigLoader.load(tmp_path / "c.yaml", environ={"EVIL": "x\nadmin: true"}) == {
        "value": "x\nadmin: true"
    }


def test_unset_variable_names_it_and_the_file(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("key: ${NOT_SET_ANYWHERE}\n")
    with pytest.raises(
        ConfigurationError, match=r"c\.yaml: environment variable NOT_SET_ANYWHERE is not set"
    ):
        ConfigLoader.load(path, environ={})


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("bad.yaml", "a: [1, 2\n", "invalid YAML"),
        ("bad.json", '{"a": }', "invalid JSON at line 1"),
        ("list.yaml", "- 1\n- 2\n", "expected a mapping"),
    ],
)
def test_bad_files_are_clear_errors(tmp_path: Path, name: str, text: str, message: str) -> None:
    (tmp_path / name).write_text(text)
    with pytest.raises(ConfigurationError, match=message):
        ConfigLoader.load(tmp_path / name)


def test_missing_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="not found"):
        ConfigLoader.load(tmp_path / "nope.yaml")
    (tmp_path / "empty.yaml").write_text("")
    assert ConfigLoader.load(tmp_path / "empty.yaml") == {}


def test_find_file_upwards(tmp_path: Path) -> None:
    (tmp_path / "settings.yml").write_text("a: 1\n")
    deep = tmp_path / "x" / "y" / "z"
    deep.mkdir(parents=True)
    (tmp_path / "x" / "settings.yaml").write_text("a: 2\n")

    assert (
        find_file_upwards(["settings.yaml", "settings.yml"], deep)
        == tmp_path / "x" / "settings.yaml"
    )
    assert find_file_upwards("settings.yml", deep) == tmp_path / "settings.yml"
    assert find_file_upwards("settings.yml", deep, stop_at=tmp_path / "x") is None
    assert find_file_upwards("no-such-file.txt", deep) is None
    assert ConfigLoader.find_and_load("settings.yaml", deep) == {"a": 2}
    assert ConfigLoader.find_and_load("no-such-file.yaml", deep) == {}


def test_load_env_file_never_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text(
        "# comment\n\nexport ALPHA=one\nBETA='two words'\nGAMMA=\"line\\nbreak\"\nDELTA=plain # note\n"
        "ALREADY=from-file\n"
    )
    sub = tmp_path / "sub"
    sub.mkdir()
    monkeypatch.chdir(sub)
    environ = {"ALREADY": "from-env"}

    applied = load_env_file(environ=environ)

    assert applied == {
        "ALPHA": "one",
        "BETA": "two words",
        "GAMMA": "line\nbreak",
        "DELTA": "plain",
    }
    assert environ["ALREADY"] == "from-env"
    assert environ["ALPHA"] == "one"


def test_load_env_file_into_os_environ(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "custom.env"
    path.write_text("IC_TEST_NEW=1\nIC_TEST_SET=file\n")
    monkeypatch.delenv("IC_TEST_NEW", raising=False)
    monkeypatch.setenv("IC_TEST_SET", "env")

    assert ConfigLoader.load_env_file(path) == {"IC_TEST_NEW": "1"}
    import os

    assert os.environ["IC_TEST_NEW"] == "1"
    assert os.environ["IC_TEST_SET"] == "env"
    monkeypatch.delenv("IC_TEST_NEW")


def test_env_file_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_env_file(environ={}) == {} or (tmp_path / ".env").exists()
    with pytest.raises(ConfigurationError, match="env file not found"):
        load_env_file(tmp_path / "missing.env", environ={})
    (tmp_path / "bad.env").write_text("OK=1\nthis is not an assignment\n")
    with pytest.raises(ConfigurationError, match=r"bad\.env:2: expected NAME=value"):
        load_env_file(tmp_path / "bad.env", environ={})


def test_user_config_reads_the_user_file_and_load_config_reads_any_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from inference_core import _keys
    from inference_core.config import load_config, user_config, user_config_path

    user = tmp_path / "config.yaml"
    monkeypatch.setenv("INFERENCE_CORE_CONFIG", str(user))
    assert user_config_path() == user
    assert user_config() == {}  # no file yet
    user.write_text("settings: {A: b}\nstyles: {noir: 'black and white, {prompt}'}\n")
    assert user_config()["styles"] == {"noir": "black and white, {prompt}"}
    other = tmp_path / "other.yaml"
    other.write_text("x: 1\n")
    assert load_config(other) == {"x": 1}

    with pytest.deprecated_call(match="user_config"):  # the 0.1 name, kept with a warning
        assert _keys.load_config() == user_config()
