"""``codelab agents`` and ``codelab db`` through Typer's runner: output and exit codes."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from codelab_orchestrator.cli import app
from codelab_orchestrator.persistence import AgentRepository

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args))


def test_list_seeds_and_prints_table_and_json():
    result = invoke("agents", "list", "--user", "ann", "--project", "shop")
    assert result.exit_code == 0, result.output
    assert "Agents of ann/shop" in result.output and "architect" in result.output
    data = json.loads(invoke("agents", "list", "-u", "ann", "-p", "shop", "--json").output)
    assert {a["role"] for a in data} >= {"orchestrator", "coder", "universal"}


def test_env_defaults_for_user_and_project(monkeypatch):
    monkeypatch.setenv("CODELAB_USER", "envuser")
    monkeypatch.setenv("CODELAB_PROJECT", "envproj")
    data = json.loads(invoke("agents", "list", "--json").output)
    assert {(a["user_id"], a["project_id"]) for a in data} == {("envuser", "envproj")}


def test_add_with_bad_config_exits_2_and_writes_nothing():
    result = invoke("agents", "add", "--name", "x", "--role", "coder",
                    "--config", '{"temperature": 9, "tools": ["nope"]}')
    assert result.exit_code == 2
    assert "config.temperature" in result.output and "nope" in result.output
    assert AgentRepository().list("local", "local") == []
    assert invoke("agents", "add", "-n", "x", "-r", "coder", "-c", "{not json").exit_code == 2
    assert invoke("agents", "add", "-n", "x", "-r", "coder", "-c", "[1]").exit_code == 2
    assert invoke("agents", "add", "-n", "x", "-r", "wizard").exit_code == 2


def test_add_from_file_show_update_remove(tmp_path):
    config_file = tmp_path / "reviewer.json"
    config_file.write_text(json.dumps({"temperature": 0.4, "tools": ["read_file"]}))
    result = invoke("agents", "add", "-n", "reviewer", "-r", "custom", "-c", f"@{config_file}")
    assert result.exit_code == 0, result.output
    names = [a["name"] for a in json.loads(invoke("agents", "list", "--json").output)]
    assert "orchestrator" in names and "reviewer" in names  # the first add seeded the project
    shown = json.loads(invoke("agents", "show", "reviewer").output)
    assert shown["config"]["temperature"] == 0.4 and shown["role"] == "custom"
    assert invoke("agents", "update", "reviewer", "-c", '{"temperature": 1.1}').exit_code == 0
    assert json.loads(invoke("agents", "show", str(shown["id"])).output)["config"]["temperature"] == 1.1
    bad = invoke("agents", "update", "reviewer", "-c", '{"temperature": 3}')
    assert bad.exit_code == 2 and "config.temperature" in bad.output
    assert invoke("agents", "remove", "reviewer").exit_code == 0
    missing = invoke("agents", "show", "reviewer")
    assert missing.exit_code == 2 and "no agent 'reviewer'" in missing.output
    assert invoke("agents", "add", "-n", "r", "-r", "ask", "-c", "@/nonexistent.json").exit_code == 2


def test_seed_is_idempotent_and_db_upgrade():
    assert "seeded 6" in invoke("agents", "seed", "-p", "fresh").output
    assert "seeded 0" in invoke("agents", "seed", "-p", "fresh").output
    result = invoke("db", "upgrade")
    from codelab_orchestrator.persistence.migrate import head_revision

    assert result.exit_code == 0 and f"revision {head_revision()}" in result.output
