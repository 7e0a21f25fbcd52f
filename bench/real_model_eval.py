"""Real-model eval: a fixed set of requests through the ``codelab`` CLI against a real
OpenAI-compatible server (llama.cpp, vLLM, Ollama...), on a small sample project.

Not run in CI. Each request runs in a fresh copy of ``bench/sample_project`` (a git repo with
one failing test, an off-by-one in ``utils.py``), with a fresh ``CODELAB_HOME``, exactly as a
user runs it: ``codelab run "REQUEST" -w COPY --yes --json``. Then it reads the session
(``codelab sessions list/show --json``), the copy's ``git status`` and its tests (pytest), and
checks the request's own goal (did the work asked for really happen: the function exists and
works, the files are there, an answer was given and nothing changed...).

    python bench/real_model_eval.py --url http://127.0.0.1:8101/v1 \\
        --model qwen2.5-coder-0.5b-instruct --codelab .venv/bin/codelab

Works against old versions of the CLI too (flags and output fields it lacks are detected with
``--help`` and shown as ``-``). Model calls and tokens are counted by a small proxy in front of
``--url`` (the same figure for every version of the code), so ``--url`` is never given to the
CLI directly.

A run that does not end by itself within ``--wall`` seconds is sent SIGINT (Ctrl-C), then
SIGKILL 30 s later; it counts as a hang.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import http.client
import http.server
import json
import os
import re
import select
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
SAMPLE = HERE / "sample_project"
CLEAN_EXITS = {0, 1, 2, 3, 4, 5, 130}  # the CLI's documented exit codes


# --------------------------------------------------------------------------- requests
# goal: python statements run in the copy after the run (an assertion error = goal not met);
# "tests": "all" (every test passes) | "no-worse" (at most the one failure the project starts
# with) | None; "unchanged": the request asks for no change to any file; "answer": words the
# final answer must contain (any of them, case-insensitive).

@dataclass(frozen=True)
class Request:
    id: int
    lang: str
    kind: str          # atomic | complex | question
    text: str
    goal: str = ""
    tests: str | None = "no-worse"
    unchanged: bool = False
    answer: tuple[str, ...] = ()


REQUESTS: tuple[Request, ...] = (
    Request(1, "en", "atomic", "fix the off-by-one in utils.py",
            goal="import utils; assert utils.last_n([1, 2, 3, 4], 2) == [3, 4]", tests="all"),
    Request(2, "ru", "atomic", "исправь ошибку в utils.py, из-за которой падает тест",
            goal="import utils; assert utils.last_n([1, 2, 3, 4], 2) == [3, 4]", tests="all"),
    Request(3, "en", "atomic", "add a function `mean` to stats.py with a test",
            goal="import stats, pathlib; assert stats.mean([1, 2, 3]) == 2; "
                 "assert any('mean' in p.read_text() for p in pathlib.Path('tests').glob('*.py'))"),
    Request(4, "ru", "atomic", "добавь в stats.py функцию median и тест для неё",
            goal="import stats, pathlib; assert stats.median([3, 1, 2]) == 2; "
                 "assert any('median' in p.read_text() for p in pathlib.Path('tests').glob('*.py'))"),
    Request(5, "en", "atomic", "write two files a.txt and b.txt: a.txt contains alpha, b.txt contains beta",
            goal="import pathlib; assert 'alpha' in pathlib.Path('a.txt').read_text(); "
                 "assert 'beta' in pathlib.Path('b.txt').read_text()"),
    Request(6, "en", "question", "what does the function last_n in utils.py do? Do not change any files.",
            tests=None, unchanged=True, answer=("last", "items")),
    Request(7, "ru", "question", "какие функции есть в text.py? Ответь кратко, ничего не меняй.",
            tests=None, unchanged=True, answer=("word_count", "slugify")),
    Request(8, "en", "atomic", "rename the function word_count in text.py to count_words and update its test",
            goal="import text, pathlib; assert text.count_words('a b') == 2; "
                 "assert 'count_words' in pathlib.Path('tests/test_text.py').read_text()"),
    Request(9, "en", "atomic", "the tests fail; find out why and fix it",
            goal="import utils; assert utils.last_n([1, 2, 3, 4], 2) == [3, 4]", tests="all"),
    Request(10, "en", "complex",
            "First fix the failing test in utils.py, then add a function `mode` to stats.py "
            "with a test, and finally describe all functions of the project in README.md",
            goal="import utils, stats, pathlib; assert utils.last_n([1, 2, 3, 4], 2) == [3, 4]; "
                 "assert stats.mode([1, 2, 2, 3]) == 2; "
                 "assert 'mode' in pathlib.Path('README.md').read_text()", tests="all"),
    Request(11, "ru", "complex",
            "Создай модуль geometry.py с функциями area_circle(r) и area_rectangle(w, h), "
            "напиши для него тесты в tests/test_geometry.py и добавь описание модуля в README.md",
            goal="import geometry, math, pathlib; "
                 "assert abs(geometry.area_circle(1) - math.pi) < 1e-6; "
                 "assert geometry.area_rectangle(2, 3) == 6; "
                 "assert pathlib.Path('tests/test_geometry.py').is_file(); "
                 "assert 'geometry' in pathlib.Path('README.md').read_text()"),
    Request(12, "en", "complex",
            "Design a plan for adding a command-line interface to this project: which module, "
            "which commands, how to test it. Do not write code yet.",
            tests=None, unchanged=True, answer=("command", "cli")),
)


# --------------------------------------------------------------------------- counting proxy

class _Counter:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.calls = self.prompt_tokens = self.completion_tokens = self.errors = self.cut = 0
        self.log_dir: Path | None = None  # --log-calls: each call's request and reply here

    def take(self) -> dict[str, int]:
        with self.lock:
            out = {"calls": self.calls, "prompt_tokens": self.prompt_tokens,
                   "completion_tokens": self.completion_tokens, "http_errors": self.errors,
                   "cut": self.cut}
            self.calls = self.prompt_tokens = self.completion_tokens = self.errors = self.cut = 0
            return out


class _ThreadingServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def start_proxy(upstream: str) -> tuple[str, _Counter, _ThreadingServer]:
    """A pass-through HTTP proxy to ``upstream`` (``http://host:port/v1``) that counts chat
    completions and their token usage. Streams bodies as they come; when the client hangs up
    it closes the upstream connection, so the server stops generating (as without the proxy)."""
    parsed = urllib.parse.urlsplit(upstream)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 80
    base = parsed.path.rstrip("/")
    counter = _Counter()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"  # the body ends when the connection closes

        def log_message(self, *args: object) -> None:
            pass

        def _forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            path = self.path
            if base and not path.startswith(base):
                path = base + path
            headers = {k: v for k, v in self.headers.items()
                       if k.lower() not in ("host", "connection", "keep-alive", "accept-encoding")}
            is_chat = self.command == "POST" and path.endswith("/chat/completions")
            conn = http.client.HTTPConnection(host, port, timeout=None)
            done = threading.Event()

            def watch_client() -> None:  # abort upstream when the client disconnects
                sock = self.connection
                while not done.is_set():
                    try:
                        ready, _, _ = select.select([sock], [], [], 0.5)
                        if ready and sock.recv(1, socket.MSG_PEEK) == b"":
                            break
                    except OSError:
                        break
                else:
                    return
                try:
                    if conn.sock is not None:
                        conn.sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

            watcher = threading.Thread(target=watch_client, daemon=True)
            watcher.start()
            tail = b""
            log: Path | None = None
            if is_chat:  # every call sent, answered or not (a client time-out still counts)
                with counter.lock:
                    counter.calls += 1
                    if counter.log_dir is not None:
                        log = counter.log_dir / f"call-{counter.calls:03d}"
                if log is not None:
                    log.with_suffix(".request.json").write_bytes(body or b"")
            kept = bytearray()
            try:
                conn.request(self.command, path, body=body, headers=headers)
                resp = conn.getresponse()
                if is_chat:
                    with counter.lock:
                        counter.errors += resp.status >= 400
                self.send_response(resp.status)
                for k, v in resp.getheaders():
                    if k.lower() not in ("transfer-encoding", "connection", "content-length",
                                         "keep-alive"):
                        self.send_header(k, v)
                self.send_header("Connection", "close")
                self.end_headers()
                while True:
                    chunk = resp.read1(65536)
                    if not chunk:
                        break
                    self.wfile.write(chunk)
                    self.wfile.flush()
                    tail = (tail + chunk)[-8192:]
                    if log is not None and len(kept) < 2_000_000:
                        kept += chunk
            except (OSError, http.client.HTTPException):
                if is_chat:  # the client hung up (its time-out, Ctrl-C) or the server failed
                    with counter.lock:
                        counter.cut += 1
            finally:
                done.set()
                conn.close()
                if log is not None:
                    log.with_suffix(".response.txt").write_bytes(bytes(kept) or b"(no answer)")
            if is_chat:
                text = tail.decode("utf-8", "replace")
                p = re.findall(r'"prompt_tokens"\s*:\s*(\d+)', text)
                c = re.findall(r'"completion_tokens"\s*:\s*(\d+)', text)
                with counter.lock:
                    counter.prompt_tokens += int(p[-1]) if p else 0
                    counter.completion_tokens += int(c[-1]) if c else 0

        do_GET = do_POST = _forward

    server = _ThreadingServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}{base}", counter, server


# --------------------------------------------------------------------------- one run

@dataclass
class Result:
    id: int
    lang: str
    kind: str
    request: str
    classification: str = "-"
    plan_tasks: str = "-"
    done: str = "-"
    failed: str = "-"
    checks: str = "-"
    files_changed: list[str] = field(default_factory=list)
    tests: str = "-"           # "passed/total" after the run
    tests_ok: bool | None = None
    goal_met: bool = False
    goal_reason: str = ""
    model_calls: int = 0
    completion_tokens: int = 0
    http_errors: int = 0       # calls the server answered with an HTTP error
    calls_cut: int = 0         # calls never answered: the client hung up (time-out, Ctrl-C)
    wall_s: float = 0.0
    exit_code: int | None = None
    status: str = "-"
    clean: bool = False
    hang: bool = False
    traceback: bool = False
    reason: str = ""
    thread: str | None = None
    final_text: str = ""
    stderr_tail: str = ""
    events: dict[str, int] = field(default_factory=dict)


def _git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "eval", "GIT_AUTHOR_EMAIL": "eval@localhost",
           "GIT_COMMITTER_NAME": "eval", "GIT_COMMITTER_EMAIL": "eval@localhost"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True,
                          text=True).stdout


def make_copy(dest: Path) -> None:
    shutil.copytree(SAMPLE, dest, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
    _git(dest, "init", "-q", "-b", "main")
    _git(dest, "add", "-A")
    _git(dest, "commit", "-q", "-m", "sample project")


def run_pytest(python: str, cwd: Path) -> tuple[int, int, str]:
    """(passed, failed+errors, summary line) of the copy's tests."""
    try:
        out = subprocess.run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=cwd,
                             capture_output=True, text=True, timeout=120,
                             env={**_base_env(), "PYTHONDONTWRITEBYTECODE": "1"})
        text = out.stdout + out.stderr
    except subprocess.TimeoutExpired:
        return 0, 1, "pytest timed out"
    passed = sum(int(n) for n in re.findall(r"(\d+) passed", text))
    failed = sum(int(n) for n in re.findall(r"(\d+) (?:failed|errors?)\b", text))
    if passed == 0 and failed == 0:
        failed = 1  # collection failure, syntax error...
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return passed, failed, lines[-1] if lines else ""


def _base_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items()
            if not k.startswith(("CODELAB_", "OPENAI_", "LANGSMITH_", "LANGCHAIN_"))
            and k not in ("PYTHONPATH", "VIRTUAL_ENV")}


def check_goal(req: Request, python: str, cwd: Path, changed: list[str], status: str,
               text: str, tests: tuple[int, int]) -> tuple[bool, str]:
    if status != "completed":
        return False, f"status {status}"
    if req.unchanged and changed:
        return False, f"changed {len(changed)} file(s) though asked not to"
    if req.answer:
        low = text.lower()
        if not text.strip():
            return False, "no answer"
        if not any(word.lower() in low for word in req.answer):
            return False, f"answer mentions none of {', '.join(req.answer)}"
    if req.goal:
        # a file outside the copy (one statement a line), so a failure names its statement
        script = cwd.parent / "goal_check.py"
        script.write_text("\n".join(part.strip() for part in req.goal.split("; ")) + "\n")
        try:
            out = subprocess.run([python, str(script)], cwd=cwd, capture_output=True,
                                 text=True, timeout=30,
                                 env={**_base_env(), "PYTHONDONTWRITEBYTECODE": "1",
                                      "PYTHONPATH": str(cwd)})
        except subprocess.TimeoutExpired:
            return False, "goal check timed out"
        if out.returncode != 0:
            lines = [ln.strip() for ln in out.stderr.strip().splitlines()
                     if ln.strip(" ^~")]  # not the caret lines under the failing expression
            last = lines[-1] if lines else "?"
            source = lines[-2] if len(lines) > 1 and not lines[-2].startswith("File ") else ""
            return False, (f"{last} at `{source}`" if source else last)[:160]
    passed, failed = tests
    if req.tests == "all" and failed:
        return False, f"{failed} test(s) fail"
    if req.tests == "no-worse" and failed > 1:
        return False, f"{failed} tests fail (1 before)"
    return True, ""


def events_of(stdout: str) -> list[dict]:
    out = []
    for line in stdout.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                item = json.loads(line)
            except ValueError:
                continue
            if isinstance(item, dict):
                out.append(item)
    return out


def cli_json(codelab: str, args: list[str], env: dict[str, str]) -> object | None:
    try:
        out = subprocess.run([codelab, *args], capture_output=True, text=True, timeout=120,
                             env=env, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return None
    try:
        return json.loads(out.stdout)
    except ValueError:
        return None


def run_one(req: Request, args: argparse.Namespace, proxy_url: str, counter: _Counter,
            flags: set[str], workdir: Path) -> Result:
    res = Result(req.id, req.lang, req.kind, req.text)
    root = workdir / f"r{req.id:02d}"
    project, home = root / "project", root / "home"
    make_copy(project)
    home.mkdir(parents=True)
    env = {**_base_env(), "CODELAB_HOME": str(home), "XDG_CONFIG_HOME": str(root / "xdg"),
           "OPENAI_BASE_URL": proxy_url, "OPENAI_API_KEY": args.api_key,
           "CODELAB_MODEL": f"openai:{args.model}",
           "CODELAB_MODEL_TIMEOUT": str(args.model_timeout),
           "LANGSMITH_TRACING": "false", "LANGGRAPH_CLI_NO_ANALYTICS": "1",
           "LANGGRAPH_NO_VERSION_CHECK": "true", "COLUMNS": "200", "NO_COLOR": "1"}
    if args.model_retries is not None:
        env["CODELAB_MODEL_MAX_RETRIES"] = str(args.model_retries)
    if args.test_command:
        env["CODELAB_TEST_COMMAND"] = args.test_command
    if args.task_timeout is not None:  # the product's own bound on each task attempt
        env["CODELAB_TASK_TIMEOUT_S"] = str(args.task_timeout)
    if args.pythonpath:
        env["PYTHONPATH"] = args.pythonpath
    cmd = [args.codelab, "run", req.text, "-w", str(project), "--yes"]
    if "--json" in flags:
        cmd.append("--json")
    if args.routing and "--routing" in flags:
        cmd += ["--routing", args.routing]
    counter.take()
    if args.log_calls:
        counter.log_dir = root / "calls"
        counter.log_dir.mkdir()
    started = time.monotonic()
    out_path, err_path = root / "stdout.txt", root / "stderr.txt"
    with out_path.open("wb") as out_f, err_path.open("wb") as err_f:
        proc = subprocess.Popen(cmd, stdout=out_f, stderr=err_f, stdin=subprocess.DEVNULL,
                                env=env, start_new_session=True)
        try:
            res.exit_code = proc.wait(timeout=args.wall)
        except subprocess.TimeoutExpired:
            res.hang = True
            os.killpg(proc.pid, signal.SIGINT)  # what a user does: Ctrl-C
            try:
                res.exit_code = proc.wait(timeout=30)
                res.reason = f"no end within {args.wall:.0f} s; stopped by Ctrl-C " \
                             f"in {time.monotonic() - started - args.wall:.1f} s"
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                res.exit_code = proc.wait()
                res.reason = f"no end within {args.wall:.0f} s; Ctrl-C ignored 30 s, killed"
    res.wall_s = round(time.monotonic() - started, 1)
    with contextlib.suppress(OSError):  # whatever the run's own subprocesses still hold
        os.killpg(proc.pid, signal.SIGKILL)
    usage = counter.take()
    counter.log_dir = None
    res.model_calls, res.completion_tokens = usage["calls"], usage["completion_tokens"]
    res.http_errors, res.calls_cut = usage["http_errors"], usage["cut"]
    stdout = out_path.read_text(errors="replace")
    stderr = err_path.read_text(errors="replace")
    res.stderr_tail = stderr[-3000:]
    res.traceback = "Traceback (most recent call last)" in stderr or \
                    "Traceback (most recent call last)" in stdout
    events = events_of(stdout)
    for ev in events:
        name = str(ev.get("event"))
        res.events[name] = res.events.get(name, 0) + 1
    final = next((ev for ev in reversed(events) if ev.get("event") == "final"), None)
    if final:
        res.status = str(final.get("status", "-"))
        res.final_text = str(final.get("text") or "")
        res.thread = final.get("thread_id")
    if not res.thread:
        sessions = cli_json(args.codelab, ["sessions", "list", "--json"], env)
        if isinstance(sessions, list) and sessions and isinstance(sessions[0], dict):
            res.thread = sessions[0].get("thread_id") or sessions[0].get("thread")
    show = cli_json(args.codelab, ["sessions", "show", res.thread, "--json"], env) \
        if res.thread else None
    fill_from_session(res, show if isinstance(show, dict) else {}, events)
    settle_status(res)
    # the project afterwards
    status_lines = _git(project, "status", "--porcelain", "--untracked-files=all").splitlines()
    res.files_changed = sorted(ln[3:] for ln in status_lines if ln.strip())
    passed, failed, _summary = run_pytest(args.python, project)
    res.tests = f"{passed}/{passed + failed}"
    res.tests_ok = failed == 0
    res.goal_met, res.goal_reason = check_goal(req, args.python, project, res.files_changed,
                                               res.status, res.final_text, (passed, failed))
    res.clean = (not res.hang and not res.traceback and res.exit_code in CLEAN_EXITS)
    if not res.reason:
        res.reason = reason_of(res, stderr)
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    else:
        (root / "result.json").write_text(json.dumps(asdict(res), ensure_ascii=False, indent=1))
    return res


def fill_from_session(res: Result, show: dict, events: list[dict]) -> None:
    cls = show.get("classification") or next(
        (ev for ev in events if ev.get("event") == "classified"), None)
    if isinstance(cls, dict) and cls.get("agent"):
        shape = "atomic" if cls.get("is_atomic") else "complex"
        method = cls.get("method")
        res.classification = f"{cls['agent']}/{shape}" + (f" ({method})" if method else "")
    plan = show.get("plan")
    if isinstance(plan, dict):
        tasks = [t for t in plan.get("tasks") or [] if isinstance(t, dict)]
        res.plan_tasks = str(len(tasks))
        res.done = str(sum(t.get("status") == "done" for t in tasks))
        res.failed = str(sum(t.get("status") == "failed" for t in tasks))
        if any("verified" in t for t in tasks):
            passed = sum(len(t.get("verified") or []) for t in tasks)
            missing = sum(len(t.get("unverified") or []) for t in tasks)
            res.checks = f"{passed}" + (f" (+{missing} not run)" if missing else "")
        if res.status == "-" and plan.get("status"):
            res.status = f"plan {plan['status']}"
    elif any(ev.get("event") == "plan_created" for ev in events):
        created = next(ev for ev in events if ev.get("event") == "plan_created")
        res.plan_tasks = str(created.get("tasks", "-"))
        res.done = str(sum(ev.get("event") == "task_done" for ev in events))
        res.failed = str(sum(ev.get("event") == "task_failed" for ev in events))


def settle_status(res: Result) -> None:
    """A run stopped by Ctrl-C (the CLI's ``stopped`` event) has no final answer: its status
    is "stopped", not the plan's state left in the session."""
    if res.events.get("stopped") and not res.events.get("final"):
        res.status = "stopped"


def reason_of(res: Result, stderr: str) -> str:
    if res.status == "completed" and res.exit_code == 0:
        return ""
    if res.traceback:
        lines = [ln for ln in stderr.strip().splitlines() if ln.strip()]
        return "traceback: " + (lines[-1].strip() if lines else "?")[:160]
    text = res.final_text.strip() or "\n".join(
        ln for ln in stderr.strip().splitlines() if ln.strip() and not ln.startswith("WARNING"))
    line = next((ln.strip(" │╭╰─") for ln in text.splitlines() if ln.strip(" │╭╰─")), "")
    return line[:160]


# --------------------------------------------------------------------------- report

COLUMNS = ("#", "lang", "kind", "classification", "plan", "done/failed", "checks", "files",
           "tests", "goal", "calls", "wall s", "exit", "status", "clean")


def row(r: Result) -> list[str]:
    return [str(r.id), r.lang, r.kind, r.classification, r.plan_tasks, f"{r.done}/{r.failed}",
            r.checks, str(len(r.files_changed)),
            r.tests + (" ok" if r.tests_ok else ""), "yes" if r.goal_met else "no",
            str(r.model_calls) + (f" ({r.calls_cut} cut)" if r.calls_cut else ""),
            f"{r.wall_s:.0f}", str(r.exit_code), r.status,
            "yes" if r.clean else ("HANG" if r.hang else "NO")]


def totals(results: list[Result]) -> list[tuple[str, str]]:
    n = len(results)
    completed = [r for r in results if r.status == "completed"]
    return [
        ("runs", str(n)),
        ("ended cleanly (no traceback, no hang, documented exit code)",
         f"{sum(r.clean for r in results)} of {n}"),
        ("hangs past the wall limit", str(sum(r.hang for r in results))),
        ("tracebacks", str(sum(r.traceback for r in results))),
        ("status completed", str(len(completed))),
        ("completed + goal met (the work really done, checked by this script)",
         str(sum(r.goal_met for r in completed))),
        ("completed while the goal is not met", str(sum(not r.goal_met for r in completed))),
        ("completed while the project's tests still fail",
         str(sum(r.tests_ok is False for r in completed))),
        ("not completed (failed, waiting, stopped...)", str(n - len(completed))),
        ("runs that changed files", str(sum(bool(r.files_changed) for r in results))),
        ("model calls (total; never answered: client time-out or Ctrl-C)",
         f"{sum(r.model_calls for r in results)} ({sum(r.calls_cut for r in results)})"),
        ("generated tokens (total)", str(sum(r.completion_tokens for r in results))),
        ("wall time (total, s)", f"{sum(r.wall_s for r in results):.0f}"),
    ]


def print_text(results: list[Result]) -> None:
    rows = [list(COLUMNS)] + [row(r) for r in results]
    widths = [max(len(x[i]) for x in rows) for i in range(len(COLUMNS))]
    for x in rows:
        print("  ".join(c.ljust(w) for c, w in zip(x, widths, strict=True)))
    print()
    for r in results:
        notes = "; ".join(x for x in (
            f"goal: {r.goal_reason}" if r.goal_reason else "",
            r.reason, ("files: " + ", ".join(r.files_changed[:6])) if r.files_changed else "")
            if x)
        print(f"  {r.id:>2}. {r.request[:70]}" + (f"\n      {notes}" if notes else ""))
    print()
    for name, value in totals(results):
        print(f"{name}: {value}")


def print_markdown(results: list[Result], header: str) -> None:
    print(header)
    print()
    print("| " + " | ".join(COLUMNS) + " | reason |")
    print("|" + "|".join("---" for _ in range(len(COLUMNS) + 1)) + "|")
    for r in results:
        reason = "; ".join(x for x in (r.reason, f"goal: {r.goal_reason}" if r.goal_reason
                                       else "") if x).replace("|", "\\|")
        print("| " + " | ".join(c.replace("|", "\\|") for c in row(r)) + f" | {reason} |")
    print()
    print("| total | |")
    print("|---|---:|")
    for name, value in totals(results):
        print(f"| {name} | {value} |")


def cli_flags(codelab: str, env: dict[str, str]) -> set[str]:
    out = subprocess.run([codelab, "run", "--help"], capture_output=True, text=True,
                         env={**env, "COLUMNS": "300"}, timeout=120)
    return set(re.findall(r"--[a-z][a-z0-9-]*", out.stdout + out.stderr))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", default="", help="OpenAI-compatible base URL, e.g. http://127.0.0.1:8101/v1")
    ap.add_argument("--model", default="qwen2.5-coder-0.5b-instruct", help="model id the server serves")
    ap.add_argument("--api-key", default="x")
    ap.add_argument("--codelab", default=shutil.which("codelab") or "codelab",
                    help="the codelab executable to test (e.g. an old checkout's venv)")
    ap.add_argument("--pythonpath", default="",
                    help="PYTHONPATH for codelab (default: none; an inherited one is dropped)")
    ap.add_argument("--python", default=sys.executable,
                    help="interpreter with pytest for the copy's tests and goal checks")
    ap.add_argument("--wall", type=float, default=300.0, help="seconds a run may take (default 300)")
    ap.add_argument("--model-timeout", type=float, default=120.0,
                    help="CODELAB_MODEL_TIMEOUT for the runs (seconds per model call)")
    ap.add_argument("--model-retries", type=int, default=None, help="CODELAB_MODEL_MAX_RETRIES")
    ap.add_argument("--task-timeout", type=float, default=None,
                    help="CODELAB_TASK_TIMEOUT_S: the orchestrator's time limit per task attempt")
    ap.add_argument("--routing", choices=("llm", "local", "hybrid"), default=None,
                    help="--routing for the runs, where the CLI has the flag (default: the row's)")
    ap.add_argument("--test-command", default="python -m pytest -q",
                    help="CODELAB_TEST_COMMAND for the runs ('' for none)")
    ap.add_argument("--only", default="", help="request ids to run, e.g. 1,3,5")
    ap.add_argument("--limit-requests", type=int, default=None, help="run the first N requests")
    ap.add_argument("--markdown", action="store_true", help="also print a Markdown table")
    ap.add_argument("--label", default="", help="title of the Markdown table")
    ap.add_argument("--out", default="", help="write the raw results (JSON lines) here")
    ap.add_argument("--keep", action="store_true", help="keep each run's copy, home and output")
    ap.add_argument("--log-calls", action="store_true",
                    help="with --keep: each model call's request and reply in RUN/calls/")
    ap.add_argument("--workdir", default="", help="where the copies go (default: a temp dir)")
    ap.add_argument("--report", default="",
                    help="print the tables of a saved --out file instead of running anything")
    args = ap.parse_args(argv)
    if args.report:
        known = {f.name for f in dataclasses.fields(Result)}
        saved = [Result(**{k: v for k, v in json.loads(line).items() if k in known})
                 for line in Path(args.report).read_text().splitlines() if line.strip()]
        for res in saved:
            settle_status(res)
            res.goal_reason = re.sub(r" at `[\^~ ]+`$", "", res.goal_reason)  # older runs
        print_text(saved)
        if args.markdown:
            print()
            print_markdown(saved, args.label or f"codelab eval: {args.report}")
        return 0

    if not args.url:
        ap.error("--url is required (or --report FILE)")
    if args.log_calls and not (args.keep or args.workdir):
        ap.error("--log-calls needs --keep (or --workdir)")
    requests = list(REQUESTS)
    if args.only:
        wanted = {int(x) for x in args.only.split(",") if x.strip()}
        requests = [r for r in requests if r.id in wanted]
    if args.limit_requests is not None:
        requests = requests[:args.limit_requests]
    codelab = shutil.which(args.codelab) or args.codelab
    args.codelab = codelab
    env = {**_base_env(), **({"PYTHONPATH": args.pythonpath} if args.pythonpath else {})}
    flags = cli_flags(codelab, env)
    missing = [f for f in ("--json", "--routing", "--yes") if f not in flags]
    proxy_url, counter, server = start_proxy(args.url)
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="codelab-eval-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"# codelab {codelab}  model {args.model} at {args.url}  wall {args.wall:.0f} s  "
          f"model timeout {args.model_timeout:.0f} s  routing {args.routing or 'default'}"
          + (f"  (CLI lacks {' '.join(missing)})" if missing else ""), flush=True)
    results: list[Result] = []
    with contextlib.ExitStack() as stack:
        out_f = stack.enter_context(open(args.out, "w", encoding="utf-8")) if args.out else None
        stack.callback(server.shutdown)
        if not args.keep and not args.workdir:
            stack.callback(shutil.rmtree, workdir, ignore_errors=True)
        for req in requests:
            res = run_one(req, args, proxy_url, counter, flags, workdir)
            results.append(res)
            print("  " + " | ".join(row(res)) + (f" | {res.reason}" if res.reason else ""),
                  flush=True)
            if out_f:
                out_f.write(json.dumps(asdict(res), ensure_ascii=False) + "\n")
                out_f.flush()
    print()
    print_text(results)
    if args.markdown:
        print()
        print_markdown(results, args.label or f"codelab eval: {args.model}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
