"""``infer serve token ...`` as an operator types it."""

from __future__ import annotations

from pathlib import Path

from conftest import dump_postgres, infer


def test_token_create_shows_the_token_once_and_stores_only_its_hash(
    tmp_path: Path, store_url: str | None
) -> None:
    """In serve.sqlite, then in PostgreSQL ($INFERENCE_STORE_URL reaches the command)."""
    made = infer("serve", "token", "create", "carol", data_dir=tmp_path)
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    assert token.startswith("isk_") and len(token) > 40
    assert "shown only now" in made.stderr
    if store_url is None:
        assert token.encode() not in (tmp_path / "serve.sqlite").read_bytes()
    else:
        assert not (tmp_path / "serve.sqlite").exists()
        assert token not in dump_postgres(store_url)
    listed = infer("serve", "token", "list", data_dir=tmp_path)
    assert listed.stdout.split() == ["carol"]
    assert token not in listed.stdout + listed.stderr

    again = infer("serve", "token", "create", "carol", data_dir=tmp_path)
    assert again.returncode == 2
    assert again.stderr.strip().splitlines() == ["error: a token named 'carol' already exists"]

    assert infer("serve", "token", "revoke", "carol", data_dir=tmp_path).returncode == 0
    assert infer("serve", "token", "list", data_dir=tmp_path).stdout == ""
    missing = infer("serve", "token", "revoke", "carol", data_dir=tmp_path)
    assert (missing.returncode, missing.stderr.strip()) == (2, "error: no token named 'carol'")


def test_listing_generators_does_not_load_the_web_stack(tmp_path: Path) -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from inference_core.plugins import get_plugins\n"
        "get_plugins()\n"
        "heavy = [m for m in ('fastapi', 'uvicorn', 'starlette', 'sse_starlette', 'inference_serve.app') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
