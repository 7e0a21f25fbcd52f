"""Bearer tokens in the database (both backends) and ``codelab tokens`` / ``codelab serve``."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from codelab_orchestrator.cli import app
from codelab_orchestrator.persistence.engine import get_engine
from codelab_orchestrator.persistence.tokens import TokenNotFoundError, TokenRepository

runner = CliRunner()


@pytest.fixture
def tokens(database_url) -> TokenRepository:
    return TokenRepository(get_engine(database_url))


def test_only_the_hash_is_stored_and_verify_finds_the_user(tokens, database_url):
    record, secret = tokens.create("alice", "shop", "laptop")
    assert secret.startswith("cl_") and len(secret) > 40 and record.prefix == secret[:11]
    with get_engine(database_url).connect() as conn:
        rows = conn.execute(text("SELECT * FROM api_tokens")).mappings().all()
    stored = json.dumps([dict(r) for r in rows], default=str)
    assert secret not in stored and secret[11:] not in stored
    assert rows[0]["secret_hash"] == hashlib.sha256(secret.encode()).hexdigest()
    identity = tokens.verify(secret)
    assert identity is not None and (identity.user_id, identity.project_id) == ("alice", "shop")
    for wrong in (secret[:-1] + ("A" if secret[-1] != "A" else "B"), secret + "x", "", "cl_",
                  secret.removeprefix("cl_"), "Bearer " + secret, hashlib.sha256(secret.encode()).hexdigest()):
        assert tokens.verify(wrong) is None, wrong


def test_revoke_by_id_prefix_or_secret_and_list(tokens):
    a, a_secret = tokens.create("alice")
    b, b_secret = tokens.create("bob")
    c, c_secret = tokens.create("alice", "p")
    assert tokens.revoke(a.id).revoked_at is not None
    assert tokens.revoke(b.prefix).id == b.id
    assert tokens.revoke(c_secret).id == c.id
    assert tokens.revoke(str(a.id)).id == a.id  # idempotent
    assert [tokens.verify(s) for s in (a_secret, b_secret, c_secret)] == [None, None, None]
    assert [r.id for r in tokens.list("alice")] == [a.id, c.id]
    assert tokens.list(include_revoked=False) == []
    with pytest.raises(TokenNotFoundError):
        tokens.revoke(9999)
    with pytest.raises(TokenNotFoundError):
        tokens.revoke("cl_nothere")


def test_bad_user_or_project_is_refused(tokens):
    for user in ("", "has space", "x" * 129, "-lead", "a/b"):
        with pytest.raises(ValueError, match="not valid"):
            tokens.create(user)
    with pytest.raises(ValueError, match="project"):
        tokens.create("ok", "bad project")
    assert tokens.list() == []


def invoke(*args: str):
    return runner.invoke(app, list(args))


def test_tokens_cli_create_list_revoke():
    created = invoke("tokens", "create", "--user", "ann", "--project", "shop", "--name", "ci")
    assert created.exit_code == 0, created.output
    secret = created.output.strip().splitlines()[-1]
    assert secret.startswith("cl_") and "cannot be shown again" in created.output
    data = json.loads(invoke("tokens", "create", "-u", "bob", "--json").output)
    assert data["user_id"] == "bob" and data["token"].startswith("cl_") and data["active"]
    listed = json.loads(invoke("tokens", "list", "--json").output)
    assert [t["user_id"] for t in listed] == ["ann", "bob"]
    assert secret not in invoke("tokens", "list").output and "shop" in invoke("tokens", "list").output
    assert "ann" not in invoke("tokens", "list", "--user", "bob").output
    revoked = invoke("tokens", "revoke", secret)
    assert revoked.exit_code == 0 and "revoked" in revoked.output
    assert TokenRepository().verify(secret) is None
    assert "revoked" in invoke("tokens", "list").output
    missing = invoke("tokens", "revoke", "77")
    assert missing.exit_code == 2 and "no token '77'" in missing.output
    bad = invoke("tokens", "create", "--user", "no spaces please")
    assert bad.exit_code == 2 and "not valid" in bad.output and "Traceback" not in bad.output
    assert invoke("tokens", "create").exit_code == 2  # --user is required


@pytest.fixture
def exec_args(monkeypatch):
    """``codelab serve`` replaces itself with langgraph dev: capture what it would run."""
    captured: dict = {}

    def fake_execve(path, args, env):
        captured.update(path=path, args=args, env=env)
        raise SystemExit(0)

    monkeypatch.setattr(os, "execve", fake_execve)
    # Nothing listens here: whether port 2024 is free on this machine is beside the point.
    monkeypatch.setattr("codelab_orchestrator.cli.serve.port_problem", lambda host, port: None)
    return captured


def _config_of(captured: dict) -> dict:
    args = captured["args"]
    return json.loads(Path(args[args.index("--config") + 1]).read_text())


def test_serve_uses_the_authenticated_config_and_roots(exec_args, tmp_path, monkeypatch):
    monkeypatch.chdir(Path(__file__).resolve().parents[1])
    result = invoke("serve", "--workspace-root", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert _config_of(exec_args)["auth"]["path"].endswith("server/auth.py:auth")
    assert _config_of(exec_args)["auth"]["disable_studio_auth"] is True
    assert exec_args["env"]["CODELAB_WORKSPACE_ROOTS"] == str(tmp_path.resolve())
    assert "no tokens yet" in result.output and "WITHOUT" not in result.output


def test_serve_no_auth_drops_auth_and_warns(exec_args, monkeypatch):
    monkeypatch.chdir(Path(__file__).resolve().parents[1])
    result = invoke("serve", "--no-auth")
    assert result.exit_code == 0, result.output
    config = _config_of(exec_args)
    assert "auth" not in config and config["http"]["app"].endswith("server/http.py:app")
    assert "WITHOUT authentication" in result.output and "no workspace roots" in result.output


def test_serve_refuses_a_config_without_auth_and_a_wildcard_origin(exec_args, tmp_path, monkeypatch):
    bare = tmp_path / "langgraph.json"
    bare.write_text(json.dumps({"graphs": {"orchestrator": "./x.py:graph"}}))
    result = invoke("serve", "--config", str(bare))
    assert result.exit_code == 2 and "no \"auth\" section" in result.output and not exec_args
    monkeypatch.setenv("CODELAB_CORS_ORIGINS", "*")
    result = invoke("serve")
    assert result.exit_code == 2 and "wildcard" in result.output and not exec_args


def test_serve_without_a_local_config_writes_one_for_the_package(exec_args, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert invoke("serve").exit_code == 0
    config = _config_of(exec_args)
    for path in (config["graphs"]["orchestrator"], config["auth"]["path"], config["http"]["app"]):
        assert Path(path.rsplit(":", 1)[0]).is_file(), path
