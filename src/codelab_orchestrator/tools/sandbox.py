"""The sandbox ``run_command`` runs programs in: bubblewrap (``bwrap``) on Linux.

What a sandboxed program sees:

- the system (``/usr``, ``/etc``, the ``/bin``/``/lib`` links) read-only, with
  password and key files of ``/etc`` masked; the Python installations the tool
  path needs (this process's virtualenv and base interpreter, the workspace's
  own ``.venv``'s interpreter, and for a task's worktree the project's
  ``.venv`` with its interpreter) read-only; nothing else of the host (no
  ``/home``, ``/root``, ``/var``, ``/run``, sockets or other workspaces);
- the workspace directory, writable; its git metadata read-only (a ``.git``
  directory, or for a worktree the ``gitdir`` its ``.git`` file names and
  the repository's common directory), so ``git status``/``diff``/``log``
  work but hooks and config, which git would later run *outside* the
  sandbox, cannot be planted; secret files of the workspace (the file
  policy's deny-list and ``.codelabignore``) and hard-linked files masked;
- a private ``/tmp`` (``HOME`` is ``/tmp/home``), fresh ``/proc`` and
  ``/dev``, new PID/IPC/UTS/user namespaces (no nested user namespaces where
  bwrap supports that), no capabilities, and no network unless the agent row
  allows it;
- an environment of ``PATH``, ``HOME``, ``LANG``, ``TMPDIR``, ``TERM`` only.

The program is PID 1's only child in its own PID namespace, and bwrap dies
with its parent: killing bwrap's process group (on a time-out or
cancellation) takes every descendant with it, ``setsid`` or not.
"""

from __future__ import annotations

import glob
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .workspace import Workspace, WorkspaceError

SYSTEM_DIRS = ("/usr", "/etc")
SYSTEM_LINKS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
ETC_MASKED_FILES = ("/etc/shadow", "/etc/shadow-", "/etc/gshadow", "/etc/gshadow-",
                    "/etc/sudoers", "/etc/ssh/ssh_host_*key", "/etc/krb5.keytab")
ETC_MASKED_DIRS = ("/etc/ssl/private", "/etc/sudoers.d")
SANDBOX_HOME = "/tmp/home"
# Directories a workspace may not be: binding one writable would expose the system.
FORBIDDEN_WORKSPACES = ("/", "/usr", "/etc", "/bin", "/sbin", "/lib", "/lib64", "/proc", "/dev",
                        "/sys", "/boot", "/var", "/run", "/tmp", "/root", "/home")
MASK_WALK_SKIP = frozenset({".git", "node_modules", ".venv", "venv", "__pycache__",
                            ".mypy_cache", ".pytest_cache", ".ruff_cache", ".tox"})
MAX_MASKS = 2000


@dataclass(frozen=True)
class SandboxStatus:
    available: bool
    detail: str  # the bwrap version, or why there is no sandbox
    # Extra flags that worked in the probe: a user namespace in which no further user
    # namespace can be made (fewer kernel paths to attack); [] where bwrap cannot do that.
    userns_flags: tuple[str, ...] = ()


USERNS_FLAGS = ("--unshare-user", "--disable-userns")


def bwrap_path() -> str | None:
    return shutil.which("bwrap")


@lru_cache(maxsize=1)
def sandbox_status() -> SandboxStatus:
    """Whether bwrap is installed *and* can start a sandbox here (user namespaces may be
    disabled in a container). Probed once per process with the real flags."""
    if sys.platform != "linux":
        return SandboxStatus(False, f"no sandbox on {sys.platform} (bubblewrap is Linux only)")
    bwrap = bwrap_path()
    if bwrap is None:
        return SandboxStatus(False, "bubblewrap (bwrap) is not installed")
    failure = ""
    for flags in (USERNS_FLAGS, ()):
        failure = _probe(flags)
        if not failure:
            version = subprocess.run([bwrap, "--version"], capture_output=True,
                                     text=True).stdout.strip()
            return SandboxStatus(True, version or "bubblewrap", flags)
    return SandboxStatus(False, failure)


def _probe(flags: tuple[str, ...]) -> str:
    """Start ``true`` in a sandbox built exactly as for a command; the failure, or ''."""
    with tempfile.TemporaryDirectory(prefix="codelab-probe-") as probe:
        true = shutil.which("true", path="/usr/bin:/bin") or "/bin/true"
        argv = bwrap_argv(Workspace(probe), [true], allow_network=False, userns_flags=flags)
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=20,
                                  stdin=subprocess.DEVNULL, env=_bwrap_env())
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"bubblewrap failed to start: {exc}"
    if done.returncode != 0:
        reason = (done.stderr or done.stdout).strip().splitlines()
        return ("bubblewrap cannot start a sandbox here: "
                + (reason[-1] if reason else f"exit code {done.returncode}"))
    return ""


def _bwrap_env() -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}


def project_venvs(root: Path, origin: Path | None = None) -> list[Path]:
    """The user's own virtualenvs for a command run in ``root``: ``root``'s ``.venv``/``venv``,
    then, when ``root`` is a task's worktree (or view) of the project at ``origin``, the
    project's. Git worktrees lack the ignored ``.venv``, so without the origin's a check such
    as ``pytest`` would run with the orchestrator's Python instead of the project's. An
    origin's virtualenv is given as its real path (it is bound read-only at that path)."""
    found: list[Path] = [root / venv for venv in (".venv", "venv") if (root / venv / "bin").is_dir()]
    if origin is not None and origin != root:
        for venv in (".venv", "venv"):
            try:
                real = (origin / venv).resolve()
            except (OSError, RuntimeError):
                continue
            # A real virtualenv only (its pyvenv.cfg): a committed `.venv` symlink to, say,
            # the home directory must not bind it into the sandbox.
            if (real / "bin").is_dir() and (real / "pyvenv.cfg").is_file() \
                    and real != Path("/") and not any(real.is_relative_to(d) for d in SYSTEM_DIRS):
                found.append(real)
    return found


def tool_dirs(root: Path, origin: Path | None = None) -> list[str]:
    """``PATH`` inside the sandbox: the workspace's virtualenv, the project's (``origin``, for
    a worktree), this process's, the system's."""
    dirs = [str(venv / "bin") for venv in project_venvs(root, origin)]
    if sys.prefix != sys.base_prefix:
        dirs.append(str(Path(sys.prefix) / "bin"))
    dirs += ["/usr/local/bin", "/usr/bin", "/bin"]
    return list(dict.fromkeys(dirs))


def sandbox_env(root: Path, origin: Path | None = None) -> dict[str, str]:
    """The whole environment a command gets: no keys, no database URLs, nothing inherited."""
    return {"PATH": os.pathsep.join(tool_dirs(root, origin)), "HOME": SANDBOX_HOME,
            "LANG": "C.UTF-8", "TMPDIR": "/tmp", "TERM": "dumb"}


def resolve_program(root: Path, program: str, origin: Path | None = None) -> str | None:
    return shutil.which(program, path=os.pathsep.join(tool_dirs(root, origin)))


def _interpreter_roots(root: Path, origin: Path | None = None) -> list[Path]:
    """Read-only installations the tool path needs (outside /usr): this process's virtualenv
    and base Python, the project's own virtualenv when it is outside ``root`` (``origin``'s,
    for a worktree: never writable from a task), and the base Python of each of the user's
    virtualenvs. Bound after the workspace, so they stay read-only even inside it: code
    planted in this process's virtualenv would run outside the sandbox."""
    roots = [Path(sys.prefix), Path(sys.base_prefix)]
    for venv in project_venvs(root, origin):
        if not venv.is_relative_to(root):
            roots.append(venv)
        cfg = venv / "pyvenv.cfg"
        try:
            lines = cfg.read_text(errors="replace").splitlines() if cfg.is_file() else []
        except OSError:
            lines = []
        for line in lines:
            key, _, value = line.partition("=")
            if key.strip() == "home" and value.strip():
                roots.append(Path(value.strip()).parent)
    out: list[Path] = []
    for candidate in roots:
        try:
            real = candidate.resolve()
        except OSError:
            continue
        if real.is_dir() and not any(real.is_relative_to(d) for d in SYSTEM_DIRS) \
                and real != Path("/"):
            out.append(real)
    return list(dict.fromkeys(out))


def git_metadata(root: Path) -> list[Path]:
    """Git metadata to show read-only: ``root/.git``, or for a worktree its ``.git`` file,
    the gitdir it names and the repository's common directory."""
    dotgit = root / ".git"
    if dotgit.is_symlink():
        return []
    if dotgit.is_dir():
        return [dotgit]
    if not dotgit.is_file():
        return []
    try:
        line = dotgit.read_text(errors="replace").strip()
    except OSError:
        return []
    if not line.startswith("gitdir:"):
        return []
    gitdir = (root / line.removeprefix("gitdir:").strip()).resolve()
    if not gitdir.is_dir():
        return []
    # The .git file itself too: pointed elsewhere, it would make git outside the sandbox
    # read a config (core.fsmonitor, hooks) planted in the workspace.
    found = [dotgit, gitdir]
    common_file = gitdir / "commondir"
    if common_file.is_file():
        common = (gitdir / common_file.read_text(errors="replace").strip()).resolve()
        if common.is_dir():
            found.append(common)
    return [p for p in found if p != Path("/")]


def masked_files(ws: Workspace) -> list[tuple[Path, bool]]:
    """Files and directories of the workspace to hide from commands, (path, is_dir): secrets
    by name, ``.codelabignore``, and hard-linked files (their other name may be outside)."""
    with ws.policy.batch():
        return _masks(ws)


def _masks(ws: Workspace) -> list[tuple[Path, bool]]:
    # Plain strings and one flag per directory (is a .codelabignore in force here?): this
    # walk runs before every command, over workspaces of tens of thousands of files.
    masks: list[tuple[Path, bool]] = []
    root = str(ws.root)
    policy = ws.policy
    ignore_active: dict[str, bool] = {}
    for directory, dirs, files in os.walk(root):
        rel_base = os.path.relpath(directory, root)
        rel_base = "" if rel_base == "." else rel_base + "/"
        parent = os.path.dirname(directory)
        active = ignore_active.get(parent, False) or ".codelabignore" in files
        ignore_active[directory] = active
        kept = []
        for name in sorted(dirs):
            path = os.path.join(directory, name)
            if name in MASK_WALK_SKIP or os.path.islink(path):
                continue
            if policy.hidden_from_commands(rel_base + name, True, check_ignore=active):
                masks.append((Path(path), True))
            else:
                kept.append(name)
        dirs[:] = kept
        for name in files:
            path = os.path.join(directory, name)
            try:
                st = os.lstat(path)
            except OSError:
                continue
            if not stat.S_ISREG(st.st_mode):
                continue
            if st.st_nlink > 1 or policy.hidden_from_commands(rel_base + name,
                                                              check_ignore=active):
                masks.append((Path(path), False))
        if len(masks) > MAX_MASKS:
            raise WorkspaceError(f"the workspace has more than {MAX_MASKS} protected files to hide "
                                 "from commands; narrow the deny-list or .codelabignore")
    return masks


def _system_args(allow_network: bool) -> list[str]:
    args: list[str] = []
    for directory in SYSTEM_DIRS:
        if os.path.isdir(directory):
            args += ["--ro-bind", directory, directory]
    for link in SYSTEM_LINKS:
        if os.path.islink(link):
            args += ["--symlink", os.readlink(link), link]
        elif os.path.isdir(link):
            args += ["--ro-bind", link, link]
    for pattern in ETC_MASKED_FILES:
        for path in sorted(glob.glob(pattern)):
            if os.path.isfile(path) and not os.path.islink(path):
                args += ["--ro-bind", "/dev/null", path]
    for directory in ETC_MASKED_DIRS:
        if os.path.isdir(directory) and not os.path.islink(directory):
            args += ["--tmpfs", directory, "--remount-ro", directory]
    if allow_network and os.path.islink("/etc/resolv.conf"):
        target = os.path.dirname(os.path.realpath("/etc/resolv.conf"))
        if not target.startswith(SYSTEM_DIRS):
            args += ["--ro-bind", target, target]
    return args


def check_workspace_root(root: Path) -> None:
    if str(root) in FORBIDDEN_WORKSPACES or any(
            root.is_relative_to(d) for d in ("/usr", "/etc", "/proc", "/sys", "/dev", "/boot")):
        raise WorkspaceError(f"commands cannot run with {root} as the workspace: it is a system "
                             "directory")


def bwrap_argv(ws: Workspace, argv: list[str], *, allow_network: bool,
               userns_flags: tuple[str, ...] | None = None) -> list[str]:
    """The full ``bwrap ... -- argv`` command line for running ``argv`` in ``ws``."""
    root = ws.root
    check_workspace_root(root)
    if userns_flags is None:
        userns_flags = sandbox_status().userns_flags
    bwrap = bwrap_path() or "bwrap"
    args = [bwrap, "--unshare-all", *userns_flags, "--die-with-parent", "--new-session",
            "--cap-drop", "ALL", "--hostname", "sandbox"]
    if allow_network:
        args.append("--share-net")
    args += _system_args(allow_network)
    args += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--dir", SANDBOX_HOME]
    args += ["--bind", str(root), str(root)]
    for path in _interpreter_roots(root, ws.origin):
        args += ["--ro-bind", str(path), str(path)]
    for path in git_metadata(root):
        args += ["--ro-bind", str(path), str(path)]
    for path in ws.private:
        if path.is_dir():
            args += ["--tmpfs", str(path), "--remount-ro", str(path)]
        elif path.is_file():
            args += ["--ro-bind", "/dev/null", str(path)]
    for path, is_dir in masked_files(ws):
        args += (["--tmpfs", str(path), "--remount-ro", str(path)] if is_dir
                 else ["--ro-bind", "/dev/null", str(path)])
    args += ["--remount-ro", "/", "--chdir", str(root), "--clearenv"]
    for key, value in sandbox_env(root, ws.origin).items():
        args += ["--setenv", key, value]
    return [*args, "--", *argv]
