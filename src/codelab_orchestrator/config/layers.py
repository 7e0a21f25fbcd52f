"""The settings layers above the agent rows, read and validated.

Highest first:

1. **run**: what this run asked for (the CLI's flags; ``Context.overrides``
   over HTTP or embedded);
2. **project file**: ``.codelab.toml`` at the root of the workspace,
   committed with the project;
3. **user file**: ``$XDG_CONFIG_HOME/codelab/config.toml`` (default
   ``~/.config/codelab/config.toml``);
4. **environment**: ``CODELAB_MODEL``, ``CODELAB_MAX_PARALLEL_AGENTS``, ...;
5. the **agent rows** (``codelab agents ...``), which these layers override
   when a project is loaded -- the rows themselves are never rewritten.

Every layer has the same keys (the run layer fewer: a caller cannot widen the
commands an agent may run). Values are validated with the same pydantic
models as the rows, so ``max_parallel_agents = 0`` is refused here with the
same message it would get in a row, naming the file or variable it came from.
"""

from __future__ import annotations

import difflib
import os
import threading
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..persistence.enums import AgentRole
from ..persistence.schemas import AgentConfig, OrchestratorConfig

PROJECT_FILE = ".codelab.toml"

# Orchestration settings: the orchestrator row's own fields (not the ones every agent has).
ORCHESTRATION_KEYS: tuple[str, ...] = tuple(
    name for name in OrchestratorConfig.model_fields
    if name not in AgentConfig.model_fields and name != "is_default"
)
AGENT_KEYS: tuple[str, ...] = ("model", "models", "allowed_commands")
OTHER_KEYS: tuple[str, ...] = ("orchestrator", "test_command")
FILE_KEYS: frozenset[str] = frozenset(ORCHESTRATION_KEYS + AGENT_KEYS + OTHER_KEYS)
# How commands may run is the user's decision: not a repository's (.codelab.toml is written by
# whoever writes the repository), nor a run's caller's.
USER_ONLY_KEYS: frozenset[str] = frozenset({"command_policy"})
PROJECT_KEYS: frozenset[str] = FILE_KEYS - USER_ONLY_KEYS
# What a run may set for itself: not the commands agents may run, not the project's test command.
RUN_KEYS: frozenset[str] = FILE_KEYS - USER_ONLY_KEYS - {"allowed_commands", "test_command"}

# Settings read from the environment: CODELAB_<KEY> for each orchestration key, and these.
ENV_NAMES: dict[str, str] = {
    "model": "CODELAB_MODEL",
    "orchestrator": "CODELAB_ORCHESTRATOR",
    "test_command": "CODELAB_TEST_COMMAND",
    **{key: f"CODELAB_{key.upper()}" for key in ORCHESTRATION_KEYS},
}
# Numbers read elsewhere (model client, node pool): checked here so a typo is named up front.
NUMERIC_ENV: dict[str, tuple[type, float]] = {
    "CODELAB_MODEL_TIMEOUT": (float, 0.001),
    "CODELAB_MODEL_MAX_RETRIES": (int, 0),
    "CODELAB_NODE_THREADS": (int, 1),
    "CODELAB_DB_CONNECT_TIMEOUT": (float, 0.001),
}


class SettingsError(ValueError):
    """A setting that cannot be used; the message names the file or variable and the fix."""


@dataclass(frozen=True)
class Layer:
    """One layer's validated values, and where each came from (``--model``, a path, a variable)."""

    name: str
    values: dict[str, Any] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)


def user_config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base).expanduser() / "codelab" / "config.toml"


def project_config_path(workspace: str | Path) -> Path:
    return Path(workspace or ".").expanduser() / PROJECT_FILE


# -- validation -------------------------------------------------------------------


def validate(values: dict[str, Any], where: str, allowed: frozenset[str] = FILE_KEYS,
             names: dict[str, str] | None = None) -> dict[str, Any]:
    """``values`` checked and coerced; :class:`SettingsError` naming ``where`` and the key.

    ``names`` maps a key to what the user wrote (a variable or a flag) for the message.
    """
    def label(key: str) -> str:
        return (names or {}).get(key) or f"{where}: {key}"

    refused = sorted(set(values) & FILE_KEYS - allowed)
    if refused:
        raise SettingsError(f"{where}: {', '.join(refused)} cannot be set here; set it in the user "
                            "config file, a CODELAB_* variable or the orchestrator row"
                            if refused[0] in USER_ONLY_KEYS else
                            f"{where}: {', '.join(refused)} cannot be set for one run")
    unknown = sorted(set(values) - FILE_KEYS)
    if unknown:
        guesses = [g for key in unknown for g in difflib.get_close_matches(key, allowed, 1)]
        hint = f" (did you mean {', '.join(guesses)}?)" if guesses else ""
        raise SettingsError(f"{where}: unknown setting(s) {', '.join(unknown)}{hint}; "
                            f"known: {', '.join(sorted(allowed))}")
    checked: dict[str, Any] = {}
    orchestration = {k: v for k, v in values.items() if k in ORCHESTRATION_KEYS}
    if orchestration:
        try:
            parsed = OrchestratorConfig.model_validate(orchestration)
        except ValidationError as exc:
            error = exc.errors()[0]
            key = str(error["loc"][0]) if error["loc"] else "?"
            raise SettingsError(f"{label(key)}={values.get(key)!r}: {_reason(error)}") from None
        checked.update({k: getattr(parsed, k) for k in orchestration})
    for key in ("model", "orchestrator", "test_command"):
        if key in values:
            value = values[key]
            if not isinstance(value, str) or not value.strip():
                raise SettingsError(f"{label(key)}: must be a non-empty string (got {value!r})")
            checked[key] = value.strip()
    if "models" in values:
        checked["models"] = _models(values["models"], label("models"))
    if "allowed_commands" in values:
        commands = values["allowed_commands"]
        if not isinstance(commands, list) or not all(isinstance(c, str) and c.strip() for c in commands):
            raise SettingsError(f"{label('allowed_commands')}: must be a list of program names "
                                f"(got {commands!r})")
        checked["allowed_commands"] = [c.strip() for c in commands]
    return checked


_PARSING = {"int_parsing": "must be a whole number", "int_from_float": "must be a whole number",
            "float_parsing": "must be a number", "bool_parsing": "must be true or false"}


def _reason(error: Any) -> str:
    """pydantic's message, said plainly for the common cases."""
    return _PARSING.get(error["type"]) or error["msg"][:1].lower() + error["msg"][1:]


def _models(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise SettingsError(f"{where}: must be a table of role = \"provider:model\" (got {value!r})")
    roles = [r.value for r in AgentRole]
    out: dict[str, str] = {}
    for role, model in value.items():
        if role not in roles:
            hint = (f" ({role} is a top-level setting: put it above the [models] table, since every "
                    "key after a [table] header belongs to that table)" if role in FILE_KEYS else "")
            raise SettingsError(f"{where}.{role}: unknown role; roles: {', '.join(roles)}{hint}")
        if not isinstance(model, str) or not model.strip():
            raise SettingsError(f"{where}.{role}: must be a model string like \"openai:gpt-4.1\"")
        out[role] = model.strip()
    return out


# -- the layers -------------------------------------------------------------------


def run_layer(overrides: dict[str, Any] | None, flags: dict[str, str] | None = None) -> Layer:
    """The run's own settings (``Context.overrides``); ``flags`` names the CLI flag of each key."""
    values = {k: v for k, v in (overrides or {}).items() if v is not None}
    flags = flags or {}
    checked = validate(values, "run settings", RUN_KEYS, names=flags)
    return Layer("run", checked, {k: flags.get(k, "run settings") for k in checked})


def file_layer(name: str, path: Path, label: str, allowed: frozenset[str] = FILE_KEYS) -> Layer:
    """A TOML file's settings; an absent file is an empty layer. Errors name the path;
    ``label`` is the short source shown beside each value."""
    data = _read_toml(path)
    checked = validate(data, str(path), allowed)
    return Layer(name, checked, dict.fromkeys(checked, label))


def env_layer(environ: dict[str, str] | None = None) -> Layer:
    environ = dict(os.environ if environ is None else environ)
    check_numeric_env(environ)
    raw = {key: environ[var] for key, var in ENV_NAMES.items() if environ.get(var, "").strip()}
    checked = validate(raw, "environment", names={k: ENV_NAMES[k] for k in raw})
    return Layer("environment", checked, {k: f"env {ENV_NAMES[k]}" for k in checked})


def check_numeric_env(environ: dict[str, str] | None = None) -> None:
    """Numbers read from the environment elsewhere: a bad one is named here, before any work."""
    environ = dict(os.environ if environ is None else environ)
    for var, (kind, minimum) in NUMERIC_ENV.items():
        raw = environ.get(var)
        if raw is None or not raw.strip():
            continue
        try:
            number = kind(raw)
        except ValueError:
            what = "a whole number" if kind is int else "a number"
            raise SettingsError(f"{var}={raw!r} is not {what}") from None
        if number < minimum:
            raise SettingsError(f"{var}={raw!r} must be at least {kind(minimum)}")


def layers(workspace: str | Path | None, overrides: dict[str, Any] | None = None,
           flags: dict[str, str] | None = None) -> list[Layer]:
    """Every layer above the rows, highest first (no project file when ``workspace`` is None:
    not known yet, as when a session is resumed from elsewhere)."""
    project = (file_layer("project file", project_config_path(workspace), PROJECT_FILE, PROJECT_KEYS)
               if workspace is not None else Layer("project file"))
    return [run_layer(overrides, flags), project,
            file_layer("user file", user_config_path(), "user config"), env_layer()]


_cache: dict[Path, tuple[tuple[int, int], dict[str, Any]]] = {}
_cache_lock = threading.Lock()


def _read_toml(path: Path) -> dict[str, Any]:
    """Parsed once per change of the file (each node loads the project: no re-parse per node)."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise SettingsError(f"{path}: cannot read ({exc.strerror})") from None
    stamp = (stat.st_mtime_ns, stat.st_size)
    with _cache_lock:
        cached = _cache.get(path)
        if cached is not None and cached[0] == stamp:
            return cached[1]
    if not path.is_file():
        raise SettingsError(f"{path}: not a file")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: invalid TOML ({exc})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(f"{path}: cannot read ({getattr(exc, 'strerror', None) or exc})") from None
    with _cache_lock:
        _cache[path] = (stamp, data)
    return data
