"""The sandbox escape table: attempts to write outside the workspace, read a planted
secret, reach the network, outlive a command, or plant git hooks.

Shared by ``tests/test_sandbox_escapes.py`` (every row must hold) and
``bench/sandbox_escapes.py`` (prints the table). Commands run through the
real sandbox with the argument check *bypassed* (so the sandbox alone must
hold; the "arg check" column says whether ``run_command`` would even have let
the command through) and their raw output is inspected (no redaction), so a
leak cannot hide behind ``[REDACTED]``. File-tool rows call the real tools.

Detection, per row: every file under the arena's base directory outside the
workspace (size, mtime), the workspace's git metadata, a few watched host
files, and names carrying the run's token in /tmp, /dev/shm, /var/tmp,
/usr/local, /etc and $HOME, before and after; the planted secrets in the
output; a TCP listener and an abstract unix socket counting connections; a
file a grandchild writes late, and host processes whose command line carries
the token. Control rows run a few attempts unconfined to show the detectors
do fire.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import os
import re
import shlex
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from codelab_orchestrator.persistence.defaults import DEV_COMMANDS
from codelab_orchestrator.tools import files
from codelab_orchestrator.tools.commands import PreparedCommand, _launch, prepare_command
from codelab_orchestrator.tools.process import run_capped
from codelab_orchestrator.tools.workspace import Workspace, WorkspaceError

RACE_SECONDS = 0.6
MARKER_DIRS = ("/tmp", "/dev/shm", "/var/tmp", "/usr/local", "/etc", os.path.expanduser("~"))


@dataclass
class Arena:
    base: Path
    ws: Path
    workspace: Workspace
    token: str
    secrets: list[str]
    port: int
    abstract: str
    connections: list[str] = field(default_factory=list)
    watched: list[Path] = field(default_factory=list)

    def fill(self, text: str, out: Path) -> str:
        for key, value in {"{base}": str(self.base), "{ws}": str(self.ws), "{out}": str(out),
                           "{outname}": out.name, "{token}": self.token,
                           "{port}": str(self.port), "{abstract}": self.abstract}.items():
            text = text.replace(key, value)
        return text


@dataclass(frozen=True)
class Attempt:
    category: str
    name: str
    command: str | None = None  # placeholders: {base} {ws} {out} {outname} {token} {port} {abstract}
    call: Callable[[Arena, Path], str] | None = None
    timeout: float = 10.0
    settle: float = 0.0  # wait before checking (late grandchildren)
    forbidden: tuple[str, ...] = ()  # more strings whose presence in the output is a read


@dataclass
class Outcome:
    attempt: Attempt
    wrote_outside: list[str]
    read_secret: list[str]
    other: list[str]  # network reached, process survived, git metadata changed
    arg_check_refuses: bool | None
    detail: str
    seconds: float

    @property
    def escaped(self) -> bool:
        return bool(self.wrote_outside or self.read_secret or self.other)


def py(code: str) -> str:
    return "python3 -c " + shlex.quote(code)


# --- the arena -------------------------------------------------------------------------------

def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args], cwd=cwd,
                   check=True, capture_output=True)


@contextlib.contextmanager
def arena() -> Iterator[Arena]:
    """A base directory (itself a git repository holding the planted secret) with the
    workspace inside it, secrets in the environment, and two listeners."""
    token = uuid.uuid4().hex[:12]
    secrets = [f"PLANTED-SECRET-{token}", f"ENVFILE-SECRET-{token}", f"sk-apikey-{token}",
               f"dbpw-{token}"]
    env = {"CODELAB_ESCAPE_API_KEY": secrets[2],
           "CODELAB_ESCAPE_DATABASE_URL": f"postgresql://app:{secrets[3]}@127.0.0.1:5432/app"}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    tcp = socket.socket()
    tcp.bind(("127.0.0.1", 0))
    tcp.listen(16)
    tcp.settimeout(0.1)
    abstract = f"codelab-escape-{token}"
    unix = socket.socket(socket.AF_UNIX)
    unix.bind("\0" + abstract)
    unix.listen(16)
    unix.settimeout(0.1)
    stop = threading.Event()
    with tempfile.TemporaryDirectory(prefix="codelab-escapes-") as tmp:
        base = Path(tmp) / "base"
        ws = base / "ws"
        (ws / "pkg").mkdir(parents=True)
        (ws / "tests").mkdir()
        (base / "secret.txt").write_text(secrets[0] + "\n")
        (base / "outdir").mkdir()
        (base / "victim.txt").write_text("benign\n")
        (base / "hard-secret.txt").write_text(secrets[0] + " (hard-linked)\n")
        _git(base, "init", "-q", ".")
        _git(base, "add", "secret.txt")
        _git(base, "commit", "-qm", "secret")
        (ws / "README.md").write_text("hello\n")
        (ws / "pkg" / "mod.py").write_text("x: int = 1\n")
        (ws / "tests" / "test_x.py").write_text("def test_tmp(tmp_path):\n"
                                                "    (tmp_path / 'f').write_text('x')\n")
        (ws / ".gitignore").write_text("__pycache__/\n.pytest_cache/\n")
        _git(ws, "init", "-q", ".")
        _git(ws, "add", "-A")
        _git(ws, "commit", "-qm", "init")
        (ws / ".env").write_text(f"API_KEY={secrets[1]}\n")
        os.link(base / "hard-secret.txt", ws / "hardlink.txt")
        (ws / "racy").write_text("benign\n")
        (ws / "redit").write_text("benign\n")
        (ws / "rdir").mkdir()
        os.symlink(base / "outdir", ws / "rdir.alt")
        shadow = _first_line("/etc/shadow")
        if shadow and len(shadow) > 8:
            secrets.append(shadow)
        home = Path(os.path.expanduser("~"))
        box = Arena(base, ws, Workspace(ws), token, secrets, tcp.getsockname()[1], abstract,
                    watched=[ws / ".git" / "config", ws / ".git" / "hooks", ws / ".git" / "index",
                             home / ".gitconfig", Path("/etc/hostname"), base / ".git" / "index"])

        def accept(sock: socket.socket, label: str) -> None:
            while not stop.is_set():
                try:
                    conn, _ = sock.accept()
                except (TimeoutError, OSError):
                    continue
                box.connections.append(label)
                conn.close()

        threads = [threading.Thread(target=accept, args=(s, n), daemon=True)
                   for s, n in ((tcp, "tcp"), (unix, "abstract unix"))]
        for thread in threads:
            thread.start()
        try:
            yield box
        finally:
            stop.set()
            for thread in threads:
                thread.join(1)
            tcp.close()
            unix.close()
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


def _first_line(path: str) -> str | None:
    try:
        with open(path) as handle:
            return handle.readline().strip()
    except OSError:
        return None


def _digest(path: Path) -> str:
    try:
        if path.is_dir():
            return ",".join(sorted(f"{p.name}:{p.stat().st_mtime_ns}" for p in path.iterdir()))
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "absent"


def _snapshot(box: Arena) -> dict[str, tuple[int, int] | str]:
    state: dict[str, tuple[int, int] | str] = {}
    for directory, dirs, names in os.walk(box.base):
        here = Path(directory)
        if here == box.base:
            dirs[:] = [d for d in dirs if d != "ws"]
        for name in dirs + names:
            path = here / name
            with contextlib.suppress(OSError):
                st = path.lstat()
                state[str(path)] = (st.st_size, st.st_mtime_ns)
    for path in box.watched:
        state[f"watch:{path}"] = _digest(path)
    for directory in MARKER_DIRS:
        with contextlib.suppress(OSError):
            for name in os.listdir(directory):
                if box.token in name and not name.startswith("codelab-escapes-"):
                    state[f"marker:{directory}/{name}"] = "present"
    return state


def _token_processes(box: Arena) -> list[str]:
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        with contextlib.suppress(OSError):
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            if box.token in cmdline and "survivor" in cmdline:
                found.append(f"pid {pid}: {cmdline[:80]}")
    return found


# --- running one row --------------------------------------------------------------------------

def run_attempt(box: Arena, attempt: Attempt, index: int, confined: bool = True) -> Outcome:
    """Run one row. ``confined=False`` is the control: the command runs as a plain child
    process with this process's environment, as ``run_command`` did before the sandbox."""
    out = box.base / f"escaped-{box.token}-{index}"
    before = _snapshot(box)
    connections = len(box.connections)
    started = time.perf_counter()
    refuses: bool | None = None
    if attempt.command is not None:
        command = box.fill(attempt.command, out)
        try:
            prepare_command(box.workspace, command, DEV_COMMANDS)
            refuses = False
        except WorkspaceError:
            refuses = True
        argv = shlex.split(command)
        if confined:
            argv, env = _launch(box.workspace, PreparedCommand(command, argv, argv[0]), True,
                                allow_network=False)
        else:
            argv, env = [shutil.which(argv[0]) or argv[0], *argv[1:]], dict(os.environ)
        done = run_capped(argv, cwd=str(box.ws), env=env, timeout=attempt.timeout,
                          max_bytes=200_000)
        text = done.stdout + "\n" + done.stderr
        status = "timed out" if done.timed_out else f"exit {done.returncode}"
        detail = f"{status}: {_last_line(done.stderr) or _last_line(done.stdout)}"
    else:
        assert attempt.call is not None
        try:
            text = attempt.call(box, out)
        except WorkspaceError as exc:
            text = f"ERROR: {exc}"
        detail = _last_line(text)
    if attempt.settle:
        time.sleep(attempt.settle)
    seconds = time.perf_counter() - started
    after = _snapshot(box)
    wrote = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k)
                   and not k.startswith("watch:"))
    other = [f"changed {k.removeprefix('watch:')}" for k in sorted(set(before) | set(after))
             if k.startswith("watch:") and before.get(k) != after.get(k)]
    if len(box.connections) > connections:
        other.append("reached " + ", ".join(box.connections[connections:]))
    if "CONNECTED" in text:
        other.append("connected to a host service")
    survivor = box.ws / f"survived-{index}"
    if survivor.exists():
        other.append("a descendant outlived the command")
        survivor.unlink()
    leftover = _token_processes(box)
    if leftover:
        other.append("processes left: " + "; ".join(leftover))
    leaks = [s for s in (*box.secrets, *attempt.forbidden) if s in text]
    return Outcome(attempt, wrote, [_short(s) for s in leaks], other, refuses, detail, seconds)


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:110] if lines else ""


def _short(secret: str) -> str:
    return secret[:14] + "..."


# --- file-tool and race rows -------------------------------------------------------------------

def _command(box: Arena, code: str) -> None:
    argv, env = _launch(box.workspace, PreparedCommand("", ["python3", "-c", code], "python3"),
                        True, allow_network=False)
    run_capped(argv, cwd=str(box.ws), env=env, timeout=10, max_bytes=10_000)


def _tool(fn: Callable[..., str], *args: object, **kwargs: object) -> str:
    try:
        return fn(*args, **kwargs)
    except WorkspaceError as exc:
        return f"ERROR: {exc}"


def _symlink_then(link: str, target: str, then: Callable[[Arena, Path], str]) -> Callable[[Arena, Path], str]:
    def call(box: Arena, out: Path) -> str:
        _command(box, f"import os\ntry: os.unlink({link!r})\nexcept OSError: pass\n"
                      f"os.symlink({box.fill(target, out)!r}, {link!r})")
        if not os.path.islink(box.ws / link):
            return f"ERROR: the command could not create the symlink {link}"
        return then(box, out)
    return call


def _race(swap: Callable[[Arena, threading.Event], None],
          action: Callable[[Arena, int], str]) -> Callable[[Arena, Path], str]:
    """Run ``action`` over and over while a thread swaps a path; the distinct outputs."""
    def call(box: Arena, out: Path) -> str:
        stop = threading.Event()
        swapper = threading.Thread(target=swap, args=(box, stop), daemon=True)
        swapper.start()
        outputs: dict[str, int] = {}
        deadline = time.monotonic() + RACE_SECONDS
        i = 0
        try:
            while time.monotonic() < deadline:
                result = _tool(action, box, i)
                key = re.sub(r"\d+", "N", result.splitlines()[0][:160]) if result else ""
                if any(s in result for s in box.secrets):
                    key = result  # keep the whole leak for the checker
                outputs[key] = outputs.get(key, 0) + 1
                i += 1
        finally:
            stop.set()
            swapper.join(2)
        summary = "; ".join(f"{n}x {k[:70]}" for k, n in sorted(outputs.items(), key=lambda kv: -kv[1]))
        return f"{i} calls: {summary}\n" + "\n".join(k for k in outputs if any(s in k for s in box.secrets))
    return call


def _swap_file(name: str, target: str) -> Callable[[Arena, threading.Event], None]:
    def swap(box: Arena, stop: threading.Event) -> None:
        link, regular = box.ws / f".{name}.l", box.ws / f".{name}.f"
        while not stop.is_set():
            with contextlib.suppress(OSError):
                link.unlink(missing_ok=True)
                os.symlink(box.fill(target, box.base), link)
                os.replace(link, box.ws / name)
                regular.write_text("benign\n")
                os.replace(regular, box.ws / name)
        (box.ws / name).unlink(missing_ok=True)
        (box.ws / name).write_text("benign\n")
    return swap


_libc = ctypes.CDLL(None, use_errno=True)


def _swap_dir(name: str) -> Callable[[Arena, threading.Event], None]:
    """Exchange ``name`` (a real directory) and ``name.alt`` (a symlink to base/outdir)
    atomically with renameat2(RENAME_EXCHANGE)."""
    def swap(box: Arena, stop: threading.Event) -> None:
        a, b = str(box.ws / name).encode(), str(box.ws / f"{name}.alt").encode()
        swaps = 0
        while not stop.is_set():
            if _libc.renameat2(-100, a, -100, b, 2) == 0:
                swaps += 1
        if swaps % 2:
            _libc.renameat2(-100, a, -100, b, 2)
    return swap


def _read(name: str) -> Callable[[Arena, int], str]:
    return lambda box, i: files.read_file(box.workspace, name)


def _catalogue() -> list[Attempt]:
    rows: list[Attempt] = []

    def add(category: str, name: str, command: str | None = None, **kw: object) -> None:
        rows.append(Attempt(category, name, command, **kw))  # type: ignore[arg-type]

    # Interpreters and their children writing outside.
    w = "interpreter writes"
    add(w, "python3 open('../x', 'w')", py("open('../{outname}', 'w').write('x')"))
    add(w, "python3 open(absolute path)", py("open('{out}', 'w').write('x')"))
    add(w, "python3 os.makedirs outside", py("import os; os.makedirs('{out}/sub')"))
    add(w, "python3 write host /tmp", py("open('/tmp/escaped-{token}-tmp', 'w').write('x')"))
    add(w, "python3 write ~ (HOME)", py("import os; open(os.path.expanduser('~/escaped-{token}-home'), 'w')"))
    add(w, "python3 write /usr/local", py("open('/usr/local/escaped-{token}-usr', 'w')"))
    add(w, "python3 write /etc", py("open('/etc/escaped-{token}-etc', 'w')"))
    add(w, "python3 write /dev/shm", py("open('/dev/shm/escaped-{token}-shm', 'w')"))
    add(w, "python3 os.rename a file outside", py("import os; os.rename('README.md', '{out}')"))
    add(w, "python3 shutil.copy outside", py("import shutil; shutil.copy('README.md', '{out}')"))
    add(w, "python3 symlink then write through it",
        py("import os; os.symlink('{out}', 'lnk-w'); open('lnk-w', 'w').write('x')"))
    add(w, "python3 write via /proc/self/root", py("open('/proc/self/root{out}', 'w').write('x')"))
    add(w, "python3 write via /proc/1/root", py("open('/proc/1/root{out}', 'w').write('x')"))
    add(w, "python3 write via /proc/self/cwd/..", py("open('/proc/self/cwd/../{outname}', 'w')"))
    add(w, "python3 os.chdir('..') then write", py("import os; os.chdir('..'); open('{outname}', 'w')"))
    add(w, "python3 child process writes outside",
        py("import subprocess, sys; subprocess.run([sys.executable, '-c', \"open('{out}', 'w')\"])"))
    add(w, "python3 tempfile.mkstemp(dir=outside)", py("import tempfile; tempfile.mkstemp(dir='{base}')"))
    add(w, "python3 hard link a host file, then write",
        py("import os; os.link('/etc/hostname', 'h'); open('h', 'a').write('x')"))
    add(w, "python3 remount / read-write (mount(2))",
        py("import ctypes, os; libc = ctypes.CDLL(None, use_errno=True); "
           "r = libc.mount(b'none', b'/', None, 32 | 4096, None); "
           "print('mount', r, os.strerror(ctypes.get_errno())); open('{out}', 'w')"))
    add(w, "python3 new user namespace, then remount",
        py("import ctypes, os; libc = ctypes.CDLL(None, use_errno=True); "
           "r = libc.unshare(0x10000000 | 0x00020000); print('unshare', r, os.strerror(ctypes.get_errno())); "
           "r = libc.mount(b'none', b'/', None, 32 | 4096, None); "
           "print('remount', r, os.strerror(ctypes.get_errno())); open('{out}', 'w')"))
    add(w, "python3 chroot escape", py("import os; os.chroot('.'); os.chdir('../../../..'); open('{out}', 'w')"))
    add(w, "python3 inherited descriptors", py(
        "import os\nfor fd in os.listdir('/proc/self/fd'):\n"
        "    try: open(f'/proc/self/fd/{fd}/../{outname}', 'w')\n    except OSError: pass\n"
        "open('{out}', 'w')"))
    add(w, "python3 -m zipfile -c ../x.zip", "python3 -m zipfile -c ../{outname}.zip README.md")
    add(w, "python3 -m venv ../x", "python3 -m venv --without-pip ../{outname}")

    # Reading the planted secret.
    r = "secret reads"
    add(r, "python3 open('../secret.txt')", py("print(open('../secret.txt').read())"))
    add(r, "cat ../secret.txt", "cat ../secret.txt")
    add(r, "cat /abs/secret.txt", "cat {base}/secret.txt")
    add(r, "python3 via /proc/self/root", py("print(open('/proc/self/root{base}/secret.txt').read())"))
    add(r, "python3 via /proc/1/root", py("print(open('/proc/1/root{base}/secret.txt').read())"))
    add(r, "python3 read the workspace .env", py("print(open('.env').read())"))
    add(r, "cat .env", "cat .env")
    add(r, "cat a hard link to an outside secret", "cat hardlink.txt")
    add(r, "python3 scan the whole visible filesystem", py(
        "import os\nneedle = 'PLANTED-SECRET-' + '{token}'\n"
        "for d, ds, fs in os.walk('/'):\n"
        "    if d in ('/proc', '/sys', '/usr', '/dev') or 'site-packages' in d: ds[:] = []; continue\n"
        "    for f in fs:\n"
        "        p = os.path.join(d, f)\n"
        "        try:\n"
        "            if os.path.getsize(p) < 1000000 and needle.encode() in open(p, 'rb').read(): print(p, open(p).read())\n"
        "        except OSError: pass\n"), timeout=30)
    add(r, "ls the directory outside", "ls {base}", forbidden=("secret.txt",))
    add(r, "python3 read /etc/shadow", py("print(open('/etc/shadow').read())"))
    add(r, "git -C .. show HEAD:secret.txt", "git -C .. show HEAD:secret.txt")
    add(r, "git --git-dir=../.git show HEAD:secret.txt", "git --git-dir=../.git show HEAD:secret.txt")
    add(r, "git --git-dir=/abs/.git log -p", "git --git-dir={base}/.git log -p")

    # The environment.
    e = "environment"
    add(e, "python3 print(os.environ)", py("import os; print(dict(os.environ))"))
    add(e, "cat /proc/self/environ", "cat /proc/self/environ")
    add(e, "python3 read /proc/1/environ", py("print(open('/proc/1/environ').read())"))
    add(e, "python3 read the parent's environ", py("import os; print(open(f'/proc/{os.getppid()}/environ').read())"))

    # Git writing outside or into its own metadata (hooks/config run outside the sandbox).
    g = "git"
    add(g, "git log --output=../x", "git log --output=../{outname}")
    add(g, "git log --output=/abs", "git log --output={out}")
    add(g, "git -C .. init", "git -C .. init")
    add(g, "git --git-dir=../.git --work-tree=.. add -A", "git --git-dir=../.git --work-tree=.. add -A")
    add(g, "git init ../x", "git init ../{outname}")
    add(g, "git clone . ../x", "git clone -q . ../{outname}")
    add(g, "git worktree add ../x", "git worktree add ../{outname}")
    add(g, "git format-patch -o ../x", "git format-patch -1 -o ../{outname}")
    add(g, "git archive --output=../x.tar", "git archive --output=../{outname}.tar HEAD")
    add(g, "git bundle create ../x.bundle", "git bundle create ../{outname}.bundle HEAD")
    add(g, "git config --global (host ~/.gitconfig)", "git config --global user.name escaped")
    add(g, "git config core.hooksPath (plant config)", "git config core.hooksPath /tmp")
    add(g, "python3 write .git/hooks/pre-commit",
        py("open('.git/hooks/pre-commit', 'w').write('#!/bin/sh\\ntouch {out}\\n')"))
    add(g, "git add (index write)", "git add README.md")

    # Developer tools with output options pointing outside.
    d = "dev tools"
    add(d, "pytest --basetemp=../x", "pytest -q --disable-plugin-autoload -p no:cacheprovider --basetemp=../{outname} tests")
    add(d, "pytest --basetemp=/abs", "pytest -q --disable-plugin-autoload -p no:cacheprovider --basetemp={out} tests")
    add(d, "pytest -o cache_dir=../x", "pytest -q --disable-plugin-autoload -o cache_dir=../{outname} tests")
    add(d, "pytest --junitxml=../x.xml", "pytest -q --disable-plugin-autoload -p no:cacheprovider --junitxml=../{outname}.xml tests")
    add(d, "pytest --rootdir=.. (cache in ..)", "pytest -q --disable-plugin-autoload --rootdir=.. tests")
    add(d, "ruff check --cache-dir=../x", "ruff check --cache-dir=../{outname} .")
    add(d, "ruff check --cache-dir /abs", "ruff check --cache-dir {out} .")
    add(d, "mypy --cache-dir=../x", "mypy --cache-dir=../{outname} pkg/mod.py", timeout=30)

    # Network.
    n = "network"
    add(n, "python3 TCP to a host listener", py(
        "import socket; socket.create_connection(('127.0.0.1', {port}), timeout=2); print('CONNECTED')"))
    add(n, "python3 TCP to PostgreSQL :5432", py(
        "import socket; socket.create_connection(('127.0.0.1', 5432), timeout=2); print('CONNECTED')"))
    add(n, "python3 DNS lookup", py("import socket; print(socket.getaddrinfo('pypi.org', 443)); print('CONNECTED')"))
    add(n, "python3 abstract unix socket", py(
        "import socket; s = socket.socket(socket.AF_UNIX); s.connect('\\0{abstract}'); print('CONNECTED')"))
    add(n, "git ls-remote https://...", "git ls-remote https://github.com/git/git")

    # Processes outliving the command.
    p = "processes"
    late = "import time; time.sleep({delay}); open('{ws}/survived-{i}', 'w')"
    survivor = ("import subprocess, sys; subprocess.Popen(['setsid', sys.executable, '-c', "
                "\"{code}\", 'survivor-{token}'], start_new_session=True, stdout=subprocess.DEVNULL, "
                "stderr=subprocess.DEVNULL); print('spawned'){tail}")
    base_index = len(rows)
    add(p, "setsid grandchild outliving a quick command", py(
        survivor.replace("{code}", late.replace("{delay}", "0.3").replace("{i}", str(base_index)))
        .replace("{tail}", "")), settle=0.6)
    add(p, "setsid grandchild outliving the time limit", py(
        survivor.replace("{code}", late.replace("{delay}", "0.5").replace("{i}", str(base_index + 1)))
        .replace("{tail}", "; time.sleep(30)").replace("import subprocess", "import time, subprocess")),
        timeout=0.4, settle=0.7)
    add(p, "double-forked daemon", py(
        "import os, time, sys\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
        f"        time.sleep(0.3); open('{{ws}}/survived-{base_index + 2}', 'w'); os._exit(0)\n"
        "    os._exit(0)\nprint('forked')"), settle=0.6)
    add(p, "grandchild ignoring SIGTERM and SIGHUP", py(
        "import os, signal, time\nif os.fork() == 0:\n    os.setsid()\n"
        "    signal.signal(signal.SIGTERM, signal.SIG_IGN); signal.signal(signal.SIGHUP, signal.SIG_IGN)\n"
        f"    time.sleep(0.5); open('{{ws}}/survived-{base_index + 3}', 'w'); os._exit(0)\n"
        "time.sleep(30)"), timeout=0.4, settle=0.7)

    # File tools: symlinks a command created, hard links, protected files.
    f = "file tools"
    add(f, "command symlinks ../secret.txt; read_file", call=_symlink_then(
        "leak", "{base}/secret.txt", lambda b, o: _tool(files.read_file, b.workspace, "leak")))
    add(f, "command symlinks ../secret.txt; search_in_code", call=_symlink_then(
        "leak", "{base}/secret.txt",
        lambda b, o: _tool(files.search_in_code, b.workspace, "SECRET", ".")))
    add(f, "command symlinks ../secret.txt; list_files", call=_symlink_then(
        "leak", "{base}/secret.txt",
        lambda b, o: _tool(files.list_files, b.workspace, ".", True)), forbidden=("secret.txt",))
    add(f, "command symlinks the outside dir; read_file through it", call=_symlink_then(
        "dirleak", "{base}", lambda b, o: _tool(files.read_file, b.workspace, "dirleak/secret.txt")))
    add(f, "command symlinks the outside dir; search_in_code in it", call=_symlink_then(
        "dirleak", "{base}", lambda b, o: _tool(files.search_in_code, b.workspace, "SECRET", "dirleak")))
    add(f, "command symlinks the outside dir; write_file through it", call=_symlink_then(
        "dirleak", "{base}", lambda b, o: _tool(files.write_file, b.workspace, f"dirleak/{o.name}", "x")))
    add(f, "command symlinks the outside dir; create_directory in it", call=_symlink_then(
        "dirleak", "{base}", lambda b, o: _tool(files.create_directory, b.workspace, f"dirleak/{o.name}")))
    add(f, "command symlinks the outside file; edit_file", call=_symlink_then(
        "vlink", "{base}/victim.txt",
        lambda b, o: _tool(files.edit_file, b.workspace, "vlink", "benign", "owned")))
    add(f, "symlink via /proc/self/root; read_file", call=_symlink_then(
        "proclink", "/proc/self/root{base}/secret.txt",
        lambda b, o: _tool(files.read_file, b.workspace, "proclink")))
    add(f, "read_file of a hard link to an outside secret",
        call=lambda b, o: _tool(files.read_file, b.workspace, "hardlink.txt"))
    add(f, "search_in_code over the workspace (hard link, .env)",
        call=lambda b, o: _tool(files.search_in_code, b.workspace, "SECRET-" + b.token, "."))
    add(f, "read_file('.env')", call=lambda b, o: _tool(files.read_file, b.workspace, ".env"))
    add(f, "read_file('../secret.txt')", call=lambda b, o: _tool(files.read_file, b.workspace, "../secret.txt"))
    add(f, "read_file('/abs/secret.txt')",
        call=lambda b, o: _tool(files.read_file, b.workspace, str(b.base / "secret.txt")))
    add(f, "write_file('.git/hooks/pre-commit')", call=lambda b, o: _tool(
        files.write_file, b.workspace, ".git/hooks/pre-commit", "#!/bin/sh\ntouch /tmp/owned\n"))

    # Races: a thread swaps a path between a real file/dir and a symlink to the outside.
    x = "symlink races"
    add(x, "read_file while racy <-> symlink to secret",
        call=_race(_swap_file("racy", "{base}/secret.txt"), _read("racy")))
    add(x, "search_in_code while racy <-> symlink to secret",
        call=_race(_swap_file("racy", "{base}/secret.txt"),
                   lambda b, i: files.search_in_code(b.workspace, "e", "racy")))
    add(x, "edit_file while redit <-> symlink to victim",
        call=_race(_swap_file("redit", "{base}/victim.txt"),
                   lambda b, i: files.edit_file(b.workspace, "redit", "benign", "benign")))
    add(x, "write_file into rdir <-> symlink to outside dir",
        call=_race(_swap_dir("rdir"), lambda b, i: files.write_file(b.workspace, f"rdir/w{i}.txt", "x")))
    add(x, "create_directory in rdir <-> symlink to outside dir",
        call=_race(_swap_dir("rdir"), lambda b, i: files.create_directory(b.workspace, f"rdir/d{i}")))
    return rows


ATTEMPTS: list[Attempt] = _catalogue()
# Run unconfined (no sandbox) to show the detectors fire: each must register an escape.
CONTROLS: list[str] = ["python3 open('../x', 'w')", "python3 open('../secret.txt')",
                       "setsid grandchild outliving a quick command", "python3 TCP to a host listener",
                       "python3 print(os.environ)", "git config core.hooksPath (plant config)"]


def run_table(box: Arena, attempts: list[Attempt] | None = None, workers: int = 3,
              confined: bool = True) -> list[Outcome]:
    """Every row, in catalogue order. Plain command rows run ``workers`` at a time (each
    writes to its own target, so attribution holds unless something escapes); rows that
    watch processes or race on the workspace run alone afterwards."""
    from concurrent.futures import ThreadPoolExecutor  # noqa: PLC0415

    rows = list(enumerate(attempts if attempts is not None else ATTEMPTS))
    alone = [(i, a) for i, a in rows if a.command is None or a.category == "processes"]
    together = [(i, a) for i, a in rows if (i, a) not in alone]
    outcomes: dict[int, Outcome] = {}
    with ThreadPoolExecutor(max(1, workers)) as pool:
        for (i, _), outcome in zip(together, pool.map(
                lambda row: run_attempt(box, row[1], row[0], confined), together), strict=True):
            outcomes[i] = outcome
    for i, attempt in alone:
        outcomes[i] = run_attempt(box, attempt, i, confined)
    return [outcomes[i] for i, _ in rows]


def by_name(name: str) -> tuple[int, Attempt]:
    for index, attempt in enumerate(ATTEMPTS):
        if attempt.name == name:
            return index, attempt
    raise KeyError(name)


def format_table(outcomes: list[Outcome]) -> str:
    lines = ["| # | category | attempt | arg check | wrote outside | read secret | other | result |",
             "|---|---|---|---|---|---|---|---|"]
    for number, o in enumerate(outcomes, 1):
        check = "-" if o.arg_check_refuses is None else ("refuses" if o.arg_check_refuses else "passes")
        lines.append(f"| {number} | {o.attempt.category} | {o.attempt.name} | {check} | "
                     f"{len(o.wrote_outside)} | {len(o.read_secret)} | {'; '.join(o.other) or 0} | "
                     f"{o.detail.replace('|', '/')[:90]} |")
    return "\n".join(lines)
