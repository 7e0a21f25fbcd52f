"""Settings in layers over the agent rows: flags > .codelab.toml > user config > env > rows."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from codelab_orchestrator import config
from codelab_orchestrator.context import Context
from codelab_orchestrator.project import load_project, repository

ROOT = Path(__file__).resolve().parents[1]
SCRIPTED = "scripted:tests.server_script:script"


@pytest.fixture
def xdg(tmp_path, monkeypatch) -> Path:
    """An empty XDG_CONFIG_HOME and no CODELAB_* settings from the developer's shell."""
    home = tmp_path / "xdg"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    for var in [*config.ENV_NAMES.values(), "CODELAB_WORKSPACE"]:
        monkeypatch.delenv(var, raising=False)
    return home


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_each_layer_overrides_the_ones_below(xdg, tmp_path, monkeypatch):
    ws = tmp_path / "ws"
    ws.mkdir()
    repository().project_agents("u", "p")  # rows: the default model
    context = Context(user_id="u", project_id="p", workspace=str(ws))
    assert load_project(context).agent_for("coder").config.model == "openai:gpt-4.1-mini"

    monkeypatch.setenv("CODELAB_MODEL", "env:model")
    monkeypatch.setenv("CODELAB_MAX_PARALLEL_AGENTS", "3")
    project = load_project(context)
    assert project.agent_for("coder").config.model == "env:model"
    assert project.settings.max_parallel_agents == 3

    write(xdg / "codelab" / "config.toml", 'model = "user:model"\nmax_parallel_agents = 5\n')
    assert load_project(context).agent_for("coder").config.model == "user:model"
    assert load_project(context).settings.max_parallel_agents == 5

    write(ws / ".codelab.toml", 'model = "project:model"\ntest_command = "pytest -q"\n'
                                'allowed_commands = ["npm"]\n[models]\narchitect = "project:architect"\n')
    project = load_project(context)
    assert project.agent_for("coder").config.model == "project:model"
    assert project.agent_for("architect").config.model == "project:architect"
    assert project.settings.max_parallel_agents == 5  # not in the project file: the user file's
    assert project.test_command == "pytest -q"
    assert project.agent_for("coder").config.allowed_commands == ["npm"]
    assert project.agent_for("ask").config.allowed_commands == []  # cannot run commands at all

    flagged = Context(user_id="u", project_id="p", workspace=str(ws),
                      overrides={"model": "flag:model", "max_parallel_agents": 9})
    project = load_project(flagged)
    assert {a.config.model for a in project.agents} == {"flag:model"}  # beats [models] below it
    assert project.settings.max_parallel_agents == 9
    # The rows themselves never change.
    assert {a.config.model for a in repository().list("u", "p")} == {"openai:gpt-4.1-mini"}


def test_role_model_beats_the_layers_model_within_a_layer(xdg, tmp_path):
    write(tmp_path / ".codelab.toml", 'model = "a:all"\n[models]\ncoder = "a:coder"\n')
    repository().project_agents("u", "p")
    effective = config.resolve(Context(user_id="u", project_id="p", workspace=str(tmp_path)),
                               repository().list("u", "p"))
    models = {a.name: a.config.model for a in effective.agents}
    assert models["coder"] == "a:coder" and models["debug"] == "a:all"
    assert effective.sources[("coder", "model")] == ".codelab.toml [models.coder]"
    assert effective.sources[("debug", "model")] == ".codelab.toml"


def test_orchestrator_is_chosen_by_flag_then_layers_then_default(xdg, tmp_path, monkeypatch):
    repo = repository()
    repo.project_agents("u", "p")
    repo.create("u", "p", name="fast", role="orchestrator", config={"max_parallel_agents": 7})
    base = {"user_id": "u", "project_id": "p", "workspace": str(tmp_path)}
    assert load_project(Context(**base)).orchestrator.name == "orchestrator"
    monkeypatch.setenv("CODELAB_ORCHESTRATOR", "fast")
    assert load_project(Context(**base)).settings.max_parallel_agents == 7
    assert load_project(Context(**base, orchestrator="orchestrator")).orchestrator.name == "orchestrator"


@pytest.mark.parametrize(("where", "text", "message"), [
    ("project", "max_parallel_agents = 0\n", "max_parallel_agents=0: input should be greater than or equal to 1"),
    ("project", 'max_paralel_agents = 3\n', "unknown setting(s) max_paralel_agents (did you mean max_parallel_agents?)"),
    ("project", 'routing_strategy = "fast"\n', "routing_strategy='fast'"),
    ("project", "model = \n", "invalid TOML"),
    ("user", '[models]\nwizard = "a:b"\n', "models.wizard: unknown role"),
    ("user", '[models]\ncoder = "a:b"\ntest_command = "x"\n', "put it above the [models] table"),
    ("user", 'allowed_commands = "npm"\n', "allowed_commands: must be a list"),
])
def test_bad_files_are_named_with_the_setting(xdg, tmp_path, where, text, message):
    path = tmp_path / ".codelab.toml" if where == "project" else xdg / "codelab" / "config.toml"
    write(path, text)
    with pytest.raises(config.SettingsError) as caught:
        config.layers(tmp_path)
    assert str(path) in str(caught.value) and message in str(caught.value)


@pytest.mark.parametrize(("var", "value", "message"), [
    ("CODELAB_MAX_PARALLEL_AGENTS", "many", "CODELAB_MAX_PARALLEL_AGENTS='many': must be a whole number"),
    ("CODELAB_APPROVAL_THRESHOLD_COST", "cheap", "CODELAB_APPROVAL_THRESHOLD_COST='cheap': must be a number"),
    ("CODELAB_REQUIRE_APPROVAL", "perhaps", "CODELAB_REQUIRE_APPROVAL='perhaps': must be true or false"),
    ("CODELAB_MODEL_TIMEOUT", "soon", "CODELAB_MODEL_TIMEOUT='soon' is not a number"),
    ("CODELAB_MODEL_MAX_RETRIES", "-1", "CODELAB_MODEL_MAX_RETRIES='-1' must be at least 0"),
    ("CODELAB_NODE_THREADS", "2.5", "CODELAB_NODE_THREADS='2.5' is not a whole number"),
])
def test_bad_numbers_in_variables_name_the_variable(xdg, tmp_path, monkeypatch, var, value, message):
    monkeypatch.setenv(var, value)
    with pytest.raises(config.SettingsError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        config.layers(tmp_path)


def test_a_run_cannot_widen_the_commands_agents_may_run(xdg, tmp_path):
    with pytest.raises(config.SettingsError, match="allowed_commands cannot be set for one run"):
        config.layers(tmp_path, {"allowed_commands": ["curl"]})
    with pytest.raises(config.SettingsError, match="command_policy cannot be set here"):
        config.layers(tmp_path, {"command_policy": "sandbox"})


def test_a_repository_cannot_loosen_how_commands_run(xdg, tmp_path, monkeypatch):
    write(tmp_path / ".codelab.toml", 'command_policy = "sandbox"\n')
    with pytest.raises(config.SettingsError, match=r"\.codelab\.toml: command_policy cannot be set here"):
        config.layers(tmp_path)
    (tmp_path / ".codelab.toml").unlink()
    write(xdg / "codelab" / "config.toml", 'command_policy = "refuse"\n')
    monkeypatch.setenv("CODELAB_COMMAND_POLICY", "approve")
    repository().project_agents("u", "p")
    assert load_project(Context(user_id="u", project_id="p", workspace=str(tmp_path))
                        ).settings.command_policy == "refuse"


def test_user_file_follows_xdg_config_home(xdg, monkeypatch, tmp_path):
    assert config.user_config_path() == xdg / "codelab" / "config.toml"
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert config.user_config_path() == tmp_path / "home" / ".config" / "codelab" / "config.toml"


# -- through the command line (subprocesses) -----------------------------------------


def codelab(*args: str, env: dict | None = None, cwd: Path = ROOT, stdin: str | None = None
            ) -> subprocess.CompletedProcess:
    exe = str(Path(sys.executable).with_name("codelab"))
    clean = {k: v for k, v in os.environ.items()
             if k not in config.ENV_NAMES.values() and k != "CODELAB_WORKSPACE"}
    return subprocess.run([exe, *args], capture_output=True, text=True, timeout=120, cwd=cwd,
                          input=stdin, env={**clean, "PYTHONPATH": str(ROOT), "COLUMNS": "200", **(env or {})})


def test_model_can_be_chosen_after_the_rows_exist(xdg, tmp_path, monkeypatch):
    """The issue's complaint: rows seeded with the default model, then the model is changed.
    The environment variable in a real process; the other ways in-process (same code)."""
    from typer.testing import CliRunner

    from codelab_orchestrator.cli import app

    monkeypatch.syspath_prepend(str(ROOT))
    runner = CliRunner()
    repository().project_agents("local", "local")
    repository().update("local", "local", "orchestrator", config={"routing_strategy": "llm"})
    no_model = runner.invoke(app, ["run", "x", "-w", str(tmp_path)])
    assert no_model.exit_code == 2 and "no usable model" in no_model.output

    by_env = codelab("run", "build it", "-w", str(tmp_path), "--json",
                     env={"XDG_CONFIG_HOME": str(xdg), "CODELAB_MODEL": SCRIPTED})
    assert by_env.returncode == 0, by_env.stderr[-1500:]
    by_flag = runner.invoke(app, ["run", "build it", "-w", str(tmp_path), "--model", SCRIPTED, "--json"])
    assert by_flag.exit_code == 0, by_flag.output[-1500:]
    write(tmp_path / ".codelab.toml", f'model = "{SCRIPTED}"\n')
    monkeypatch.chdir(tmp_path)  # the workspace: the current directory
    by_file = runner.invoke(app, ["run", "build it", "--json"])
    assert by_file.exit_code == 0, by_file.output[-1500:]
    (tmp_path / ".codelab.toml").unlink()

    set_model = runner.invoke(app, ["agents", "set-model", SCRIPTED])
    assert set_model.exit_code == 0 and "model of orchestrator, architect, coder" in set_model.output
    kept = runner.invoke(app, ["run", "build it", "--json"])
    assert kept.exit_code == 0, kept.output[-1500:]
    monkeypatch.setenv("CODELAB_MODEL", "x:y")
    one_role = runner.invoke(app, ["agents", "set-model", "openai:gpt-4.1", "--role", "architect"])
    assert "model of architect set to openai:gpt-4.1" in one_role.output
    assert "env CODELAB_MODEL sets the model at run time over the rows" in one_role.output
    rows = {r.name: r.config.model for r in repository().list("local", "local")}
    assert rows["architect"] == "openai:gpt-4.1" and rows["coder"] == SCRIPTED


def test_config_show_prints_values_and_sources(xdg, tmp_path):
    write(xdg / "codelab" / "config.toml", "max_parallel_agents = 6\napproval_threshold_tasks = 3\n")
    write(tmp_path / ".codelab.toml", 'test_command = "pytest -q"\n[models]\narchitect = "openai:o3"\n')
    env = {"XDG_CONFIG_HOME": str(xdg), "CODELAB_MODEL": "openai:gpt-4.1",
           "CODELAB_APPROVAL_THRESHOLD_TASKS": "4", "CODELAB_WORKSPACE": str(tmp_path)}
    result = codelab("config", "show", "--routing", "llm", "--json", env=env)
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    general, orchestration = shown["general"], shown["orchestration"]
    assert general["workspace"] == {"value": str(tmp_path.resolve()), "source": "env CODELAB_WORKSPACE"}
    assert general["project file"]["source"] == "found"
    assert general["test_command"] == {"value": "pytest -q", "source": ".codelab.toml"}
    assert orchestration["max_parallel_agents"] == {"value": 6, "source": "user config"}
    assert orchestration["approval_threshold_tasks"] == {"value": 3, "source": "user config"}
    assert orchestration["routing_strategy"] == {"value": "llm", "source": "--routing"}
    assert orchestration["max_replans"] == {"value": 2, "source": "agent row"}
    models = {a["name"]: (a["model"], a["model_source"]) for a in shown["agents"]}
    assert models["architect"] == ("openai:o3", ".codelab.toml [models.architect]")
    assert models["coder"] == ("openai:gpt-4.1", "env CODELAB_MODEL")
    table = codelab("config", "show", "-m", "x:y", env=env)
    assert table.returncode == 0
    assert "max_parallel_agents" in table.stdout and "user config" in table.stdout
    assert "--model" in table.stdout and "x:y" in table.stdout


def test_workspace_comes_from_codelab_workspace(xdg, tmp_path):
    bad = codelab("run", "x", env={"CODELAB_WORKSPACE": str(tmp_path / "missing")})
    assert bad.returncode == 2
    assert f"CODELAB_WORKSPACE={tmp_path / 'missing'} is not a directory" in bad.stderr
