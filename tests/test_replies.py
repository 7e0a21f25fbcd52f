"""Replies that are not results yet (issue 13): cut at the token limit, huge, or slow.

Over real HTTP (ChatOpenAI, streaming, against tests/openai_server.py) and with the
scripted model for graph logic: a cut reply is continued and joined, or fails the task
with a clear reason; a 5 MB reply becomes an artifact and the checkpoints stay small;
specialists stream and a slow call shows ``model_progress``.
"""

from __future__ import annotations

import asyncio
import io
import itertools
import re
import sqlite3
from pathlib import Path

import pytest
from langchain_core.messages import AIMessage, HumanMessage

from codelab_orchestrator.agents.outcome import CutReplyError, outcome_of
from codelab_orchestrator.agents.replies import CONTINUE_PROMPT, MAX_REPLY_CHARS
from codelab_orchestrator.context import Context
from codelab_orchestrator.persistence.defaults import DEFAULT_MAX_TOKENS
from codelab_orchestrator.project import repository
from tests.helpers import Orchestrator
from tests.openai_server import FIVE_MB, OpenAIServer, tool_names, tool_results
from tests.scripted import Script

CODER = {"tool_calls": [{"name": "ClassificationOutput",
                         "arguments": {"agent": "coder", "is_atomic": True}}]}


@pytest.fixture
def http(monkeypatch, tmp_path):
    """Start a scripted OpenAI-compatible server and an orchestrator whose agents use it."""
    servers: list[OpenAIServer] = []

    def start(script) -> tuple[OpenAIServer, Orchestrator]:
        server = OpenAIServer(script).__enter__()
        servers.append(server)
        monkeypatch.setenv("OPENAI_BASE_URL", server.url)
        monkeypatch.setenv("OPENAI_API_KEY", "test-key")
        monkeypatch.setenv("CODELAB_MODEL", "openai:gpt-test")
        monkeypatch.setenv("CODELAB_MODEL_MAX_RETRIES", "0")
        orchestrator = Orchestrator()
        workspace = tmp_path / "ws"
        workspace.mkdir(exist_ok=True)
        orchestrator.context = Context(user_id=orchestrator.context.user_id,
                                       project_id=orchestrator.context.project_id,
                                       workspace=str(workspace))
        repository().project_agents(orchestrator.context.user_id, orchestrator.context.project_id)
        orchestrator.settings(routing_strategy="llm", max_task_attempts=1,
                              error_handling="fail_fast")
        return server, orchestrator

    yield start
    for server in servers:
        server.__exit__()


def task_requests(server: OpenAIServer) -> list[dict]:
    return [b for b in server.requests if "ClassificationOutput" not in tool_names(b)]


def continuing(body: dict) -> bool:
    last = body["messages"][-1]
    return last["role"] == "user" and last["content"] == CONTINUE_PROMPT


WRITE_A = {"tool_calls": [{"name": "write_file", "arguments": {"path": "a.txt", "content": "A\n"}}]}


# -- cut at the token limit ---------------------------------------------------------------------


def test_a_cut_reply_is_continued_and_joined_over_http(http):
    def script(body):
        if "ClassificationOutput" in tool_names(body):
            return CODER
        if not tool_results(body):
            return WRITE_A
        if continuing(body):
            return {"content": "le a.txt.", "usage": {"prompt_tokens": 100, "completion_tokens": 3,
                                                      "total_tokens": 103}}
        return {"content": "I changed the fi", "finish_reason": "length",
                "usage": {"prompt_tokens": 90, "completion_tokens": 5, "total_tokens": 95}}

    server, orchestrator = http(script)
    out = orchestrator.send("write a.txt")
    task = out["plan"].tasks[0]
    assert task.status == "done", task.error
    assert task.result == "I changed the file a.txt."
    asked = task_requests(server)
    assert len(asked) == 3 and continuing(asked[-1])
    assert asked[-1]["messages"][-2] == {"role": "assistant", "content": "I changed the fi"}
    assert all(body["stream"] is True for body in asked)  # specialists stream
    assert task.usage["total_tokens"] >= 95 + 103  # both calls of the joined reply are paid for


def test_a_reply_cut_twice_fails_the_task_with_the_reason(http):
    def script(body):
        if "ClassificationOutput" in tool_names(body):
            return CODER
        if not tool_results(body):
            return WRITE_A
        return {"content": "and then I", "finish_reason": "length"}

    server, orchestrator = http(script)
    out = orchestrator.send("write a.txt")
    coder, debug = out["plan"].tasks  # the failure policy applies: Debug took it over
    reason = "the model's reply was cut at its token limit 2 times (max_tokens={})"
    assert coder.status == "failed" and reason.format(DEFAULT_MAX_TOKENS["coder"]) in coder.error
    assert debug.status == "failed" and reason.format(DEFAULT_MAX_TOKENS["debug"]) in debug.error
    assert out["plan"].status != "completed" and out["final"].status != "completed"
    assert sum(1 for body in task_requests(server) if continuing(body)) == 2 * 1
    failed = [e for e in orchestrator.events if e["event"] == "task_failed"]
    assert [e["task_id"] for e in failed] == [coder.id, debug.id]
    assert all("cut at its token limit 2 times" in e["error"] for e in failed)


def test_a_looping_answer_is_stopped_as_it_streams_and_kept_once(http):
    """A small model filling its token limit with one sentence again and again: the call is
    stopped after a few repeats (not max_tokens later) and the answer is what it said once."""
    loop = "The functions in text.py are word_count and slugify, both tested. " * 3
    ask = {"tool_calls": [{"name": "ClassificationOutput",
                           "arguments": {"agent": "ask", "is_atomic": True}}]}

    def script(body):
        if "ClassificationOutput" in tool_names(body):
            return ask
        return {"content": loop * 20, "chunk": 16, "chunk_delay": 0.002}  # ~13,000 characters

    server, orchestrator = http(script)
    out = orchestrator.send("which functions are in text.py?")
    task = out["plan"].tasks[0]
    assert out["final"].status == "completed" and task.attempts == 1
    assert task.result_chars < 3 * 200 and task.result.startswith("The functions in text.py")
    assert not any(continuing(body) for body in task_requests(server))


def test_a_tool_call_a_small_model_writes_over_and_over_runs_once(http):
    """Qwen-style: the same call written as text again and again until the token limit. The
    stream is stopped, the call recovered from the first copy and run once."""
    call = '{"name": "write_file", "arguments": {"path": "a.txt", "content": "A"}}\n'

    def script(body):
        if "ClassificationOutput" in tool_names(body):
            return CODER
        if not tool_results(body):
            return {"content": call * 60, "chunk": 16, "chunk_delay": 0.002}
        return {"content": "wrote a.txt"}

    server, orchestrator = http(script)
    out = orchestrator.send("write a.txt")
    task = out["plan"].tasks[0]
    assert out["final"].status == "completed" and task.attempts == 1, task.error
    assert task.verified == ["files changed: a.txt"]
    assert task.record["files_written"] == ["a.txt"]
    assert len(tool_results(task_requests(server)[-1])) <= 3  # not 60 writes


def test_a_text_tool_call_cut_in_the_middle_is_recovered_from_the_whole_reply(orchestrate, tmp_path):
    """The continuation sits inside the text tool-call recovery: the call is read from the
    joined reply, not repaired from its first half (which would write "hel")."""
    workspace = tmp_path / "ws"
    workspace.mkdir()
    orchestrate.context = Context(user_id=orchestrate.context.user_id,
                                  project_id=orchestrate.context.project_id, workspace=str(workspace))

    def task(request):
        last = request.messages[-1]
        if isinstance(last, HumanMessage) and last.content == CONTINUE_PROMPT:
            return 'lo\\n"}}'
        if any(m.type == "tool" for m in request.messages):
            return "wrote a.txt"
        return AIMessage(content='{"name": "write_file", "arguments": {"path": "a.txt", "content": "hel',
                         response_metadata={"finish_reason": "length"})

    orchestrate.use(Script(task=task), max_task_attempts=1)
    out = orchestrate.send("write a.txt")
    assert out["plan"].tasks[0].status == "done", out["plan"].tasks[0].error
    assert (workspace / "a.txt").read_text() == "hello\n"


def test_a_stream_cut_mid_reply_is_asked_again_and_never_taken_as_the_result(http):
    """A cut stream ends without an error; its half-written tool call would look valid."""
    cut_call = {"tool_calls": [{"name": "write_file", "arguments": {"path": "a.txt", "content": "A\n"}}],
                "cut": "stream"}
    replies = iter([cut_call, WRITE_A, {"content": "I wrote a.txt with the letter A.", "cut": "stream"},
                    {"content": "I wrote a.txt with the letter A."}])

    def script(body):
        return CODER if "ClassificationOutput" in tool_names(body) else next(replies)

    server, orchestrator = http(script)
    out = orchestrator.send("write a.txt")
    task = out["plan"].tasks[0]
    assert task.status == "done", task.error
    assert task.result == "I wrote a.txt with the letter A."
    assert len(task_requests(server)) == 4 and task.usage["model_calls"] == 2


def test_a_stream_cut_every_time_fails_the_task(http):
    def script(body):
        return CODER if "ClassificationOutput" in tool_names(body) else {"content": "I wrote a.txt",
                                                                          "cut": "stream"}

    server, orchestrator = http(script)
    out = orchestrator.send("write a.txt")
    task = out["plan"].tasks[0]
    assert task.status == "failed"
    assert "reply stream ended before the reply was finished 3 times" in task.error
    assert out["final"].status != "completed"


def test_a_streamed_tool_call_cut_at_the_token_limit_is_not_run(http):
    """Streamed, ``{"content": "hel`` arrives "completed" as ``{"content": "hel"}``: the call is
    made invalid and the model asked again, so the file never holds the fragment."""
    writes: list[str] = []

    def script(body):
        if "ClassificationOutput" in tool_names(body):
            return CODER
        done = tool_results(body)
        if not done:
            return {"tool_calls": [{"name": "write_file",
                                    "arguments": '{"path": "a.txt", "content": "hel'}],
                    "finish_reason": "length"}
        writes.append(done[-1])
        if len(done) == 1:
            return {"tool_calls": [{"name": "write_file",
                                    "arguments": {"path": "a.txt", "content": "hello\n"}}]}
        return {"content": "wrote a.txt"}

    server, orchestrator = http(script)
    out = orchestrator.send("write a.txt")
    assert out["plan"].tasks[0].status == "done", out["plan"].tasks[0].error
    assert "cut at the token limit" in writes[0] and "shorter arguments" in writes[0]
    workspace = Path(orchestrator.context.workspace)
    assert (workspace / "a.txt").read_text() == "hello\n"


def test_outcome_refuses_a_last_reply_cut_at_the_token_limit():
    cut = AIMessage(content="I changed the fil", response_metadata={"finish_reason": "length"})
    with pytest.raises(CutReplyError, match="cut at its token limit"):
        outcome_of([HumanMessage("do it"), cut])
    whole = AIMessage(content="I changed the file.", response_metadata={"finish_reason": "stop"})
    assert outcome_of([HumanMessage("do it"), whole]).result == "I changed the file."


# -- huge replies ---------------------------------------------------------------------------------


def test_a_5mb_reply_becomes_an_artifact_and_checkpoints_stay_small(http):
    from codelab_orchestrator.graph import build_graph
    from codelab_orchestrator.persistence import open_async_checkpointer
    from codelab_orchestrator.persistence.settings import checkpoint_url, sqlite_path

    huge = "".join(f"line {i:07d} of a rambling reply\n" for i in range(FIVE_MB // 32))

    def script(body):
        if "ClassificationOutput" in tool_names(body):
            return CODER
        return {"content": huge} if tool_results(body) else WRITE_A

    server, orchestrator = http(script)

    async def main() -> dict:
        async with open_async_checkpointer() as saver:
            graph = build_graph(checkpointer=saver)
            return await graph.ainvoke({"messages": [HumanMessage("write a.txt")]},
                                       orchestrator.config, context=orchestrator.context,
                                       durability="sync")

    out = asyncio.run(main())
    task = out["plan"].tasks[0]
    assert task.status == "done", task.error
    assert len(huge) > MAX_REPLY_CHARS and "stored whole in" in task.result
    path = Path(task.result.split("stored whole in ", 1)[1].split(". Its first", 1)[0])
    assert path.read_text(encoding="utf-8") == huge
    assert path.name == "2.txt" and path.parent.parent.name == "artifacts"
    db = sqlite3.connect(sqlite_path(checkpoint_url()))
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    checkpoints = db.execute("SELECT sum(length(checkpoint) + length(metadata)) FROM checkpoints").fetchone()[0]
    writes = db.execute("SELECT sum(length(value)) FROM writes").fetchone()[0]
    assert checkpoints + writes < 1024 * 1024
    assert sqlite_path(checkpoint_url()).stat().st_size < 1024 * 1024


# -- streaming and progress -----------------------------------------------------------------------


def test_a_slow_streamed_reply_shows_progress_with_tokens(http):
    slow = {"content": "word " * 40, "chunk": 5, "chunk_delay": 0.06}  # 40 chunks, ~2.4 s

    def script(body):
        if "ClassificationOutput" in tool_names(body):
            return CODER
        return slow if tool_results(body) else WRITE_A

    server, orchestrator = http(script)
    out = orchestrator.send("write a.txt")
    task = out["plan"].tasks[0]
    assert task.status == "done", task.error
    asked = task_requests(server)
    assert [b["stream"] for b in asked] == [True, True]
    assert all(b["stream_options"] == {"include_usage": True} for b in asked)
    assert task.usage["total_tokens"] > 0  # usage from the stream's last chunk
    progress = [e for e in orchestrator.events if e["event"] == "model_progress"]
    assert progress and all(e["task_id"] == task.id and e["step"] == 2 for e in progress)
    assert progress[-1]["elapsed_s"] >= 1.0 and 0 < progress[-1]["tokens"] < 40
    assert progress[-1]["chars"] == 5 * progress[-1]["tokens"]
    gaps = [b["timestamp"] - a["timestamp"] for a, b in itertools.pairwise(progress)]
    assert all(gap >= 0.9 for gap in gaps)  # once a second, not per token


def test_a_slow_reply_that_does_not_stream_shows_elapsed_time(orchestrate, tmp_path):
    workspace = tmp_path / "ws"
    workspace.mkdir()
    orchestrate.context = Context(user_id=orchestrate.context.user_id,
                                  project_id=orchestrate.context.project_id, workspace=str(workspace))

    async def task(request):
        if not any(m.type == "tool" for m in request.messages):
            return AIMessage(content="", tool_calls=[{"name": "write_file", "id": "c1",
                                                      "args": {"path": "a.txt", "content": "A"}}])
        await asyncio.sleep(1.3)
        return "wrote a.txt"

    orchestrate.use(Script(task=task), max_task_attempts=1)
    out = orchestrate.send("write a.txt")
    assert out["plan"].tasks[0].status == "done"
    progress = [e for e in orchestrate.events if e["event"] == "model_progress"]
    assert 1 <= len(progress) <= 2 and progress[0]["step"] == 2  # ~1.3 s: one tick (two if slow)
    assert progress[0]["tokens"] == 0 and progress[0]["elapsed_s"] >= 1.0


def test_a_long_streamed_generation_outlives_the_timeout_a_stall_does_not(monkeypatch):
    """The row's ``timeout_s`` bounds the wait for each chunk, not the whole reply."""
    from codelab_orchestrator.models import model_for
    from codelab_orchestrator.persistence.schemas import AgentConfig

    monkeypatch.setenv("OPENAI_API_KEY", "k")
    long_reply = {"content": "x" * 100, "chunk": 4, "chunk_delay": 0.1}  # 25 chunks, ~2.5 s
    replies = iter([long_reply, {**long_reply, "chunk_delay": 3.0}])
    with OpenAIServer(lambda body: next(replies)) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.url)
        row = AgentConfig(model="openai:m", timeout_s=1.0, max_retries=0)
        model = model_for(row, "coder", streaming=True)
        assert model is not model_for(row, "coder")  # the plain client stays as it was
        assert asyncio.run(model.ainvoke("go on")).content == "x" * 100
        with pytest.raises(Exception, match="(?i)time"):
            asyncio.run(model.ainvoke("go on"))
        assert [body["stream"] for body in server.requests] == [True, True]


def test_the_live_table_shows_a_running_model_calls_time_and_tokens():
    from rich.console import Console

    from codelab_orchestrator.cli.render import Progress
    from codelab_orchestrator.state import Plan, Task, now

    console = Console(record=True, width=120, file=io.StringIO())
    progress = Progress(console)
    progress.plan = Plan(goal="g", tasks=[Task(id="t1", description="write a.txt", agent="coder",
                                               status="running", started_at=now())])
    event = {"event": "model_progress", "task_id": "t1", "step": 2}
    progress.feed("custom", {**event, "elapsed_s": 12.4, "tokens": 85, "chars": 340})
    console.print(progress)
    assert "model call 2 · 12s · 85 tok" in console.export_text()
    progress.feed("custom", {**event, "elapsed_s": 3.0, "tokens": 0, "chars": 0})  # not streaming
    console.print(progress)
    text = console.export_text()
    assert re.search(r"model call 2 · 3s\s*$", text, re.MULTILINE)  # no "0 tok"


def test_a_nodes_own_model_call_shows_before_the_plan(monkeypatch):
    """``model_call_progress`` around a node's call (classify, plan): events with its phase,
    shown on the line that waits for the plan."""
    from rich.console import Console

    from codelab_orchestrator.agents import progress
    from codelab_orchestrator.cli.render import Progress

    seen: list[dict] = []
    monkeypatch.setattr(progress, "emit", lambda event, **data: seen.append({"event": event, **data}))

    async def call() -> None:
        async with progress.model_call_progress(every=0.2, phase="classify"):
            await asyncio.sleep(0.5)

    asyncio.run(call())
    assert seen and all(e["phase"] == "classify" and e["tokens"] == 0 for e in seen)
    console = Console(record=True, width=120, file=io.StringIO())
    progress = Progress(console)
    progress.feed("custom", {**seen[-1], "elapsed_s": 41.2, "tokens": 12})
    console.print(progress)
    assert "classifying... classify · 41s · 12 tok" in console.export_text()


def test_a_loop_is_kept_once_whatever_its_length():
    from codelab_orchestrator.agents.progress import _TokenCounter, repeating

    counter = _TokenCounter()
    counter.text = ["Intro. " + "The task is to find all functions. " * 30]
    assert repeating("".join(counter.text))
    assert counter.salvage() == "Intro. The task is to find all functions. "
    counter.text = ["x" * 150 + "a fairly long unit of text that repeats, " * 3 * 8]
    assert counter.salvage() == "x" * 150 + "a fairly long unit of text that repeats, "
    assert not repeating("def f():\n    return 1\n" * 3 + "print('done')\n" * 5)
