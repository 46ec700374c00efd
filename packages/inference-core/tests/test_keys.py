from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import pytest

from inference_core import ConfigurationError, MissingAPIKeyError
from inference_core._keys import (
    RedactingFilter,
    Secret,
    config_path,
    dotenv_values,
    redact,
    resolve_key,
    resolve_setting,
)

if TYPE_CHECKING:
    import pathlib

VAR = "IC_TEST_API_KEY"


@pytest.fixture(autouse=True)
def isolated(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> pathlib.Path:
    """No real config file, no real .env, no variable set."""
    monkeypatch.setenv("INFERENCE_CORE_CONFIG", str(tmp_path / "config.yaml"))
    work = tmp_path / "project" / "sub"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    monkeypatch.delenv(VAR, raising=False)
    return tmp_path


def test_explicit_argument_wins(isolated: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (isolated / "config.yaml").write_text(f"keys:\n  {VAR}: from-config\n")
    monkeypatch.setenv(VAR, "from-env")
    assert resolve_key(VAR, "explicit-key") == "explicit-key"


def test_config_file_then_environment_then_dotenv(
    isolated: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (isolated / "project" / ".env").write_text(f'export {VAR}="from-dotenv"\n# comment\n')
    assert resolve_key(VAR) == "from-dotenv"
    monkeypatch.setenv(VAR, "from-env")
    assert resolve_key(VAR) == "from-env"
    (isolated / "config.yaml").write_text(f"keys:\n  {VAR}: from-config\n")
    assert resolve_key(VAR) == "from-config"


def test_dotenv_only_fills_and_is_not_exported(
    isolated: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (isolated / "project" / ".env").write_text(f"{VAR}=from-dotenv\nIC_OTHER=x\n")
    monkeypatch.delenv("IC_OTHER", raising=False)
    assert dotenv_values()["IC_OTHER"] == "x"
    assert resolve_setting("IC_OTHER") == "x"
    import os

    assert "IC_OTHER" not in os.environ


def test_settings_come_from_the_settings_section(
    isolated: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert resolve_setting("IC_BASE_URL", default="https://default") == "https://default"
    monkeypatch.setenv("IC_BASE_URL", "http://env")
    assert resolve_setting("IC_BASE_URL") == "http://env"
    (isolated / "config.yaml").write_text("settings:\n  IC_BASE_URL: http://config\n")
    assert resolve_setting("IC_BASE_URL") == "http://config"
    assert resolve_setting("IC_BASE_URL", "http://arg") == "http://arg"


def test_missing_key_names_the_variable_and_generator() -> None:
    with pytest.raises(MissingAPIKeyError) as info:
        resolve_key(VAR, generator_id="some_generator")
    assert info.value.env_var == VAR
    assert info.value.generator_id == "some_generator"
    assert VAR in str(info.value) and "some_generator" in str(info.value)


def test_broken_config_file_is_a_configuration_error(isolated: pathlib.Path) -> None:
    (isolated / "config.yaml").write_text("keys: [not, a, mapping]\n")
    with pytest.raises(ConfigurationError, match="keys"):
        resolve_key(VAR)
    (isolated / "config.yaml").write_text("keys: {unclosed\n")
    with pytest.raises(ConfigurationError):
        resolve_key(VAR)


def test_default_config_path_is_the_user_config_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INFERENCE_CORE_CONFIG")
    path = config_path()
    assert path.name == "config.yaml" and path.parent.name == "inference-core"


def test_secret_hides_in_repr_but_works_as_a_string() -> None:
    key = Secret("sk-secret-value-123")
    assert repr(key) == "'***'"
    assert repr({"api_key": key}) == "{'api_key': '***'}"
    assert f"Bearer {key}" == "Bearer sk-secret-value-123"
    assert key.reveal() == "sk-secret-value-123" and type(key.reveal()) is str


def test_redact_masks_remembered_and_given_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(VAR, "sk-remembered-0001")
    key = resolve_key(VAR)
    assert (
        redact(f"bad key {key.reveal()} and other-secret-99", "other-secret-99")
        == "bad key *** and ***"
    )
    assert redact("nothing here") == "nothing here"


def test_redacting_filter_cleans_log_records(caplog: pytest.LogCaptureFixture) -> None:
    key = Secret("sk-log-secret-4242")
    logger = logging.getLogger("ic-test-redaction")
    caplog.handler.addFilter(RedactingFilter())
    with caplog.at_level(logging.INFO, logger="ic-test-redaction"):
        logger.info("calling with %s", key.reveal())
    assert "sk-log-secret-4242" not in caplog.text
    assert "calling with ***" in caplog.text


def test_default_config_path_follows_xdg_config_home(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("INFERENCE_CORE_CONFIG")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "one"))
    first = config_path()
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "two"))
    assert (first.parent.parent.name, config_path().parent.parent.name) == ("one", "two")


def test_key_store_changes_are_seen_at_once(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from inference_core._keystore import remove_key, set_key

    monkeypatch.setenv("INFERENCE_CORE_KEYS", str(tmp_path / "keys.json"))
    set_key("acme", "sk-first-0001")
    assert resolve_key(VAR, name="acme").reveal() == "sk-first-0001"
    set_key("acme", "sk-again-0002")  # same size: the file is replaced, a new inode
    assert resolve_key(VAR, name="acme").reveal() == "sk-again-0002"
    (tmp_path / "keys.json").write_text('{"acme": "sk-by-hand-0000003"}', encoding="utf-8")
    assert resolve_key(VAR, name="acme").reveal() == "sk-by-hand-0000003"
    remove_key("acme")
    with pytest.raises(MissingAPIKeyError):
        resolve_key(VAR, name="acme")
