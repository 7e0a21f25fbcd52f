"""The task runtime: every attempt a durable, cancellable, observable run.

Each test drives the real graph with a scripted model whose task replies
take a tool call (``write_file``) after a delay, so "nothing is written
after the stop" is checked on disk.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from langchain_core.callbacks import AsyncCallbackHandler
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langgraph.errors import GraphDrained
from langgraph.runtime import RunControl

from codelab_orchestrator.context import Context
from tests.scripted import Script, plan, task_id_of, writing

COMPLEX = {"agent": "architect", "is_atomic": False, "confidence": "high"}


def writer(delays: dict[str, float], default: float = 0.0, fail: tuple[str, ...] = ()):
    """Task script: wait, then write ``<task>.txt`` with a tool call; then answer."""

    async def run(request):
        task = task_id_of(request)
        if any(isinstance(m, ToolMessage) for m in request.messages):
            return f"wrote {task}.txt"
        if task in fail:
            raise RuntimeError(f"boom in {task}")
        await asyncio.sleep(delays.get(task, default))
        return AIMessage(content="", tool_calls=[{
            "name": "write_file", "args": {"path": f"{task}.txt", "content": task},
            "id": f"call-{task}-{time.monotonic_ns()}"}])

    return run


@pytest.fixture
def run_in(orchestrate, tmp_path):
    """The orchestrator working in ``tmp_path / 'ws'``."""
    workspace = tmp_path / "ws"
    workspace.mkdir()
    orchestrate.context = Context(user_id=orchestrate.context.user_id,
                                  project_id=orchestrate.context.project_id,
                                  workspace=str(workspace))
    orchestrate.workspace = workspace
    return orchestrate


def files(workspace: Path) -> list[str]:
    return sorted(p.name for p in workspace.iterdir())


async def _stream_until_stopped(orchestrate, payload, stop_after: float) -> tuple[float, float]:
    """Run; request a drain ``stop_after`` s after the first task started. Returns when the
    stop was requested and when the run reported it."""
    control = RunControl()
    requested: list[float] = []

    def stop() -> None:
        requested.append(time.monotonic())
        control.request_drain("test stop")

    with pytest.raises(GraphDrained):
        async for mode, chunk in orchestrate.graph.astream(
                payload, orchestrate.config, context=orchestrate.context, control=control,
                stream_mode=["custom", "values"]):
            if mode == "custom":
                orchestrate.events.append(chunk)
                if chunk["event"] == "task_started" and not requested:
                    requested.append(0.0)
                    asyncio.get_running_loop().call_later(stop_after, stop)
    return requested[-1], time.monotonic()


def test_a_stop_cancels_running_tasks_within_2s_and_writes_nothing_after(run_in):
    run_in.use(Script(classification=COMPLEX, plans=[plan(("a", "coder"), ("b", "coder"))],
                      task=writer({"a": 1.0, "b": 1.0})))
    requested, stopped = asyncio.run(_stream_until_stopped(
        run_in, {"messages": [HumanMessage("build")]}, 0.3))
    assert stopped - requested < 2.0
    time.sleep(1.2)  # past the moment the tasks would have written
    assert files(run_in.workspace) == []
    tasks = {t.id: t for t in run_in.state().values["plan"].tasks}
    assert {t.status for t in tasks.values()} == {"cancelled"}
    assert all("test stop" in t.error for t in tasks.values())
    assert [e["task_id"] for e in run_in.events if e["event"] == "task_cancelled"]


def test_a_stopped_session_resumes_and_runs_no_attempt_twice(run_in):
    script = run_in.use(Script(classification=COMPLEX, task=writer({"slow": 1.0}),
                               plans=[plan(("fast", "coder"), ("slow", "coder"),
                                           ("last", "coder", ["fast", "slow"]))]))
    asyncio.run(_stream_until_stopped(run_in, {"messages": [HumanMessage("build")]}, 0.5))
    before = {t.id: (t.status, t.attempts) for t in run_in.state().values["plan"].tasks}
    assert before["fast"] == ("done", 1) and before["slow"] == ("cancelled", 1)
    calls_before = script.counts["task"]
    out = run_in.cont()
    tasks = {t.id: t for t in out["plan"].tasks}
    assert out["final"].status == "completed"
    assert tasks["slow"].attempts == 1  # the same attempt continued, not a new one
    assert files(run_in.workspace) == ["fast.txt", "last.txt", "slow.txt"]
    fast_calls = [c for c in run_in.script_model_calls() if task_id_of(c) == "fast"]
    assert len(fast_calls) == 2  # fast's two model calls, never repeated
    assert script.counts["task"] - calls_before == 2 + 2  # slow's two calls + last's two


def test_fail_fast_stops_the_other_tasks(run_in):
    run_in.use(Script(classification=COMPLEX, plans=[plan(("bad", "coder"), ("slow", "coder"))],
                      task=writer({"slow": 1.0}, fail=("bad",))),
               error_handling="fail_fast", max_task_attempts=1)
    run_in.agent("debug", status="disabled")
    out = run_in.send("build")
    returned = time.time()
    failed_at = next(e["timestamp"] for e in run_in.events if e["event"] == "task_failed")
    assert returned - failed_at < 2.0  # from the failure to the run's end, others stopped
    time.sleep(1.2)
    assert files(run_in.workspace) == []
    tasks = {t.id: t for t in out["plan"].tasks}
    assert out["final"].status == "failed"
    assert tasks["slow"].status == "cancelled" and tasks["slow"].error == "plan stopped after a failure"


def test_cancelling_the_run_cancels_its_tasks(run_in):
    """What a server's ``runs.cancel`` or a hard Ctrl-C does: cancel the run's asyncio task."""
    run_in.use(Script(classification=COMPLEX, plans=[plan(("a", "coder"))],
                      task=writer({"a": 1.0})))

    async def main() -> None:
        job = asyncio.ensure_future(run_in.arun({"messages": [HumanMessage("build")]}))
        while "task_started" not in run_in.names():
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.3)
        job.cancel()
        with pytest.raises(asyncio.CancelledError):
            await job

    asyncio.run(main())
    time.sleep(1.2)
    assert files(run_in.workspace) == []
    out = run_in.cont()  # the attempt continues from its last step
    assert out["final"].status == "completed" and files(run_in.workspace) == ["a.txt"]


def test_a_task_over_its_deadline_fails_and_writes_nothing(run_in):
    run_in.use(Script(task=writer({"t1": 1.5})), task_timeout_s=0.3, max_task_attempts=1)
    run_in.agent("debug", status="disabled")
    out = run_in.send("write it")
    time.sleep(1.5)
    assert files(run_in.workspace) == []
    task = out["plan"].tasks[0]
    assert task.status == "failed" and "task_timeout_s=0.3" in task.error


@pytest.mark.parametrize("word", ["cancel", "a new request"])
def test_cancel_word_or_new_request_after_a_stop_records_the_tasks_cancelled(run_in, word):
    run_in.use(Script(classification=COMPLEX, plans=[plan(("a", "coder"))], task=writer({"a": 1.0})))
    asyncio.run(_stream_until_stopped(run_in, {"messages": [HumanMessage("build")]}, 0.3))
    run_in.events.clear()
    run_in.script.plans = [plan(("z", "coder"))]
    out = run_in.send(word)
    time.sleep(1.2)
    assert "a.txt" not in files(run_in.workspace)
    cancelled = [e for e in run_in.events if e["event"] == "task_cancelled"]
    assert [e["task_id"] for e in cancelled] == ["a"]
    if word == "cancel":
        assert out["final"].status == "cancelled"
    else:
        assert out["final"].status == "completed" and files(run_in.workspace) == ["z.txt"]


class Counting(AsyncCallbackHandler):
    def __init__(self) -> None:
        self.starts = 0
        self.ends = 0

    async def on_chat_model_start(self, *args, **kwargs) -> None:
        self.starts += 1

    async def on_llm_end(self, *args, **kwargs) -> None:
        self.ends += 1


def test_callbacks_see_every_model_call_and_messages_stream_specialist_tokens(run_in):
    script = run_in.use(Script(classification=COMPLEX, plans=[plan(("a", "coder"), ("b", "coder"))],
                               task=writer({})))
    handler = Counting()

    async def main() -> list:
        chunks = []
        config = {**run_in.config, "callbacks": [handler]}
        async for ns, mode, chunk in run_in.graph.astream(
                {"messages": [HumanMessage("build")]}, config, context=run_in.context,
                stream_mode=["updates", "messages", "custom"], subgraphs=True):
            chunks.append((ns, mode, chunk))
        return chunks

    chunks = asyncio.run(main())
    total = len(script_calls := run_in.script_model_calls())
    assert total == 1 + 1 + 4 and script.counts["task"] == 4  # classify, plan, 2 x 2 task calls
    assert handler.starts == total and handler.ends == total
    tokens = [(c, meta) for _, mode, (c, meta) in
              ((ns, m, ch) for ns, m, ch in chunks if m == "messages")
              if meta.get("task_id") in ("a", "b")]
    text = {meta["task_id"]: "" for _, meta in tokens}
    for message, meta in tokens:
        if message.type == "AIMessageChunk":
            text[meta["task_id"]] += str(message.content)
        assert meta["plan_id"] and meta["agent"] == "coder"
    assert text == {"a": "wrote a.txt", "b": "wrote b.txt"}
    custom = [chunk for _, mode, chunk in chunks if mode == "custom"]
    called = [e for e in custom if e["event"] == "tool_called"]
    assert sorted(e["task_id"] for e in called) == ["a", "b"]
    assert all(e["tool"] == "write_file" and e["plan_id"] for e in called)
    assert sorted(e["task_id"] for e in custom if e["event"] == "tool_result") == ["a", "b"]
    assert len(script_calls) == total


def test_a_recovered_recovery_counts_as_completed(run_in):
    """b fails and is re-planned; its replacement fails and is re-planned again; that works."""
    first = plan(("a", "coder"), ("b", "coder", ["a"]), ("c", "coder", ["b"]))
    second = {"goal": "g", "tasks": [
        {"id": "b", "description": "do b again", "agent": "coder", "dependencies": ["a"]},
        {"id": "c", "description": "do c", "agent": "coder", "dependencies": ["b"]}]}
    third = {"goal": "g", "tasks": [
        {"id": "b", "description": "do b a third way", "agent": "coder", "dependencies": ["a"]},
        {"id": "c", "description": "do c", "agent": "coder", "dependencies": ["b"]}]}

    def fails_until_third(request):
        task = task_id_of(request)
        if task in ("b", "r1.b"):
            raise RuntimeError(f"boom in {task}")
        return f"result of {task}"

    run_in.use(Script(classification=COMPLEX, plans=[first, second, third],
                      task=fails_until_third), max_task_attempts=1, max_replans=2)
    out = run_in.send("build")
    tasks = {t.id: t for t in out["plan"].tasks}
    assert tasks["b"].recovery == "replan:1" and tasks["r1.b"].recovery == "replan:2"
    assert tasks["r2.b"].status == "done" and tasks["r2.c"].status == "done"
    assert out["final"].status == "completed"


def test_checkpoints_stay_small_for_a_30_task_plan_with_5kb_results(run_in):
    """Results are written once (in the attempt's run), the plan and the conversation are delta
    channels: the database stays under 1 MB and no checkpoint passes 64 KB."""
    import sqlite3

    from codelab_orchestrator.graph import build_graph
    from codelab_orchestrator.persistence import open_async_checkpointer
    from codelab_orchestrator.persistence.settings import checkpoint_url, sqlite_path

    tasks = [(f"t{i}", "coder", [f"t{i - 1}"] if i % 3 else []) for i in range(30)]
    run_in.use(Script(classification=COMPLEX, plans=[plan(*tasks)],
                      task=lambda request: ("x" * 99 + "\n") * 50),
               max_plan_tasks=30, approval_threshold_tasks=30)

    async def main() -> str:
        async with open_async_checkpointer() as saver:
            graph = build_graph(checkpointer=saver)
            out = await graph.ainvoke({"messages": [HumanMessage("build")]}, run_in.config,
                                      context=run_in.context, durability="sync")
            return out["final"].status

    assert asyncio.run(main()) == "completed"
    db = sqlite3.connect(sqlite_path(checkpoint_url()))
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    sizes = [n for (n,) in db.execute("SELECT length(checkpoint) + length(metadata) FROM checkpoints")]
    writes = db.execute("SELECT sum(length(value)) FROM writes").fetchone()[0]
    assert max(sizes) < 64 * 1024
    assert sum(sizes) + writes < 1024 * 1024
    assert sqlite_path(checkpoint_url()).stat().st_size < 1024 * 1024


def test_a_secret_in_a_reply_is_redacted_in_results_events_and_checkpoints(run_in, monkeypatch):
    secret = "sk-live-0123456789abcdef"
    monkeypatch.setenv("PAYMENT_API_KEY", secret)
    run_in.use(Script(task=writing(lambda request: f"the key is {secret}, done")))
    out = run_in.send("show me the key")
    assert secret not in out["final"].text and "[REDACTED:PAYMENT_API_KEY]" in out["final"].text
    assert secret not in str(run_in.events)
    stored = run_in.saver.storage, run_in.saver.writes, run_in.saver.blobs
    assert secret.encode() not in repr(stored).encode()
    for thread in {k for k in run_in.saver.storage}:
        for ns in run_in.saver.storage[thread].values():
            for checkpoint, metadata, _ in ns.values():
                assert secret.encode() not in checkpoint[1] and secret.encode() not in metadata[1]


def test_a_runaway_tool_loop_stops_at_max_model_calls_per_task(run_in):
    def loop(request):
        return AIMessage(content="", tool_calls=[{"name": "list_files", "args": {},
                                                  "id": f"call-{time.monotonic_ns()}"}])

    run_in.use(Script(task=loop), max_model_calls_per_task=4, max_task_attempts=1)
    run_in.agent("debug", status="disabled")
    out = run_in.send("look around")
    task = out["plan"].tasks[0]
    assert task.status == "failed" and "max_model_calls_per_task=4" in task.error
    assert run_in.script.counts["task"] == 4


@pytest.mark.parametrize("answer", ["approve", "reject"])
def test_a_command_needing_approval_pauses_the_task_and_asks_through_the_session(run_in, answer):
    """command_policy=approve: the task's run_command interrupts inside the task; the session
    surfaces it, and the person's answer reaches the very tool call that asked."""
    def task(request):
        results = [m for m in request.messages if isinstance(m, ToolMessage)]
        if not results:
            return AIMessage(content="", tool_calls=[{
                "name": "run_command", "id": "call-1",
                "args": {"command": "python3 -c \"open('ran.txt', 'w').write('yes')\""}}])
        return f"command said: {results[-1].content}"

    run_in.use(Script(task=task), command_policy="approve")
    run_in.agent("coder", config={"allowed_commands": ["python3"]})
    run_in.send("run the script")
    state = run_in.state()
    request = state.interrupts[0].value
    assert request["type"] == "task_input" and request["task_id"] == "t1"
    assert request["request"]["type"] == "command_approval"
    assert "python3" in request["request"]["command"]
    assert files(run_in.workspace) == []
    assert "input_required" in run_in.names()
    out = run_in.resume(answer)
    if answer == "approve":
        assert out["final"].status == "completed"
        assert (run_in.workspace / "ran.txt").read_text() == "yes"
        assert out["plan"].tasks[0].attempts == 1
    else:
        # The agent reported the refusal but changed nothing: not done. Its retry, told why,
        # asks again.
        assert files(run_in.workspace) == []
        again = run_in.state()
        assert again.interrupts and again.interrupts[0].value["task_id"] == "t1"
        task = again.values["plan"].tasks[0]
        assert task.attempts == 2 and task.status == "running"
        retry = [e for e in run_in.events if e["event"] == "task_retry"]
        assert retry and "no file was changed" in retry[0]["error"]


def test_a_dead_model_endpoint_ends_the_plan_at_once_with_the_url(run_in, monkeypatch):
    """Connection refused is not a bug for Debug to fix: one failed call, then the plan ends."""
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    run_in.use(Script(), max_task_attempts=3)
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{port}/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "k")
    monkeypatch.setenv("CODELAB_MODEL_MAX_RETRIES", "0")
    run_in.agent("coder", config={"model": "openai:gpt-test"})
    monkeypatch.delenv("CODELAB_MODEL")  # else the environment's model wins over the row
    out = run_in.send("fix it")
    task = out["plan"].tasks[0]
    assert out["final"].status == "failed" and task.attempts == 1 and task.fatal
    assert f"127.0.0.1:{port}" in task.error and "cannot connect" in task.error
    assert not any(t.agent == "debug" for t in out["plan"].tasks)


def test_no_attempt_is_started_twice_while_it_runs(run_in):
    """A run's attempts stay known across execute_task steps, also after every task of an
    earlier step finished (a regression: the run's registry was forgotten and running
    attempts were started again)."""
    calls: list[str] = []

    async def task(request):
        calls.append(task_id_of(request))
        await asyncio.sleep({"a": 0.0, "b": 0.8, "c": 0.1, "d": 0.1}[task_id_of(request)])
        return f"done {task_id_of(request)}"

    run_in.use(Script(classification=COMPLEX, task=task, plans=[plan(
        ("a", "ask"), ("b", "ask", ["a"]), ("c", "ask", ["a"]), ("d", "ask", ["c"]))]))
    out = run_in.send("build")
    assert out["final"].status == "completed"
    assert sorted(calls) == ["a", "b", "c", "d"]
