"""Tool calls written as text are recovered into real tool calls, from hand-written cases
and from real replies recorded from llama.cpp (tests/fixtures/real_replies)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.tools import tool

from codelab_orchestrator.agents.text_tool_calls import (
    InvalidToolCallsError,
    TextToolCallMiddleware,
    recover_tool_calls,
)
from codelab_orchestrator.models import ScriptedChatModel

TOOLS = ["list_files", "read_file", "search_in_code", "write_file", "edit_file",
         "create_directory", "run_command"]
FIXTURES = Path(__file__).with_name("fixtures") / "real_replies"


def calls(message: AIMessage) -> list[tuple[str, dict]]:
    return [(c["name"], c["args"]) for c in message.tool_calls]


@pytest.mark.parametrize(("content", "expected"), [
    ('{"name": "read_file", "arguments": {"path": "utils.py"}}', [("read_file", {"path": "utils.py"})]),
    ('```json\n{"name": "read_file", "arguments": {"path": "a.py"}}\n```', [("read_file", {"path": "a.py"})]),
    ('<tool_call>\n{"name": "list_files", "arguments": {"path": "."}}\n</tool_call>',
     [("list_files", {"path": "."})]),
    ('{"name": "read_file", "parameters": {"path": "a.py"}}', [("read_file", {"path": "a.py"})]),
    ('{"name": "read_file", "arguments": "{\\"path\\": \\"a.py\\"}"}', [("read_file", {"path": "a.py"})]),
    ('<tool_call>{"name": "create_directory", "arguments": {"path": "notes"}}</tool_call>\n'
     '<tool_call>{"name": "write_file", "arguments": {"path": "notes/a.txt", "content": "A"}}</tool_call>',
     [("create_directory", {"path": "notes"}), ("write_file", {"path": "notes/a.txt", "content": "A"})]),
    ('[{"name": "read_file", "arguments": {"path": "a"}}, {"name": "read_file", "arguments": {"path": "b"}}]',
     [("read_file", {"path": "a"}), ("read_file", {"path": "b"})]),
    ("I'll read it first.\n{'name': 'read_file', 'arguments': {'path': 'a.py', 'start_line': 1,}}",
     [("read_file", {"path": "a.py", "start_line": 1})]),
    ('{"type": "function", "function": {"name": "run_command", "arguments": "{\\"command\\": \\"pytest -q\\"}"}}',
     [("run_command", {"command": "pytest -q"})]),
])
def test_text_calls_become_tool_calls(content, expected):
    out = recover_tool_calls(AIMessage(content, id="m1"), TOOLS)
    assert calls(out) == expected
    assert not out.invalid_tool_calls
    assert out.id == "m1" and out.response_metadata["text_tool_calls"] == len(expected)
    assert all(c["id"] for c in out.tool_calls)


def test_prose_around_calls_is_kept_and_call_text_removed():
    out = recover_tool_calls(AIMessage(
        'Let me look.\n```json\n{"name": "read_file", "arguments": {"path": "a.py"}}\n```'), TOOLS)
    assert calls(out) == [("read_file", {"path": "a.py"})]
    assert out.content == "Let me look."


def test_unknown_tool_becomes_an_invalid_call_with_a_clear_error():
    out = recover_tool_calls(AIMessage('{"name": "fix_off_by_one", "arguments": {"file": "utils.py"}}'),
                             TOOLS)
    assert out.tool_calls == []
    [bad] = out.invalid_tool_calls
    assert bad["name"] == "fix_off_by_one"
    assert "unknown tool 'fix_off_by_one'" in bad["error"] and "read_file" in bad["error"]
    assert json.loads(bad["args"]) == {"file": "utils.py"}
    assert out.content == ""


def test_bad_arguments_of_a_known_tool_make_an_invalid_call():
    out = recover_tool_calls(AIMessage('{"name": "write_file", "arguments": "{\\"path\\": \\"a"}'), TOOLS)
    [bad] = out.invalid_tool_calls
    assert bad["name"] == "write_file" and "not valid JSON" in bad["error"]


@pytest.mark.parametrize("content", [
    "The function returns the last n items.",
    'Use a config like {"name": "my-app", "version": "1.0"} in package.json.',
    'A tool call looks like {"name": "Bob", "arguments": {}, "note": "see docs"} in this answer.',
    "",
])
def test_answers_that_are_not_calls_stay_text(content):
    message = AIMessage(content)
    assert recover_tool_calls(message, TOOLS) is message


def test_native_tool_calls_and_agents_without_tools_are_left_alone():
    native = AIMessage("", tool_calls=[{"name": "read_file", "args": {"path": "a"}, "id": "c1"}])
    assert recover_tool_calls(native, TOOLS) is native
    text = AIMessage('{"name": "read_file", "arguments": {"path": "a"}}')
    assert recover_tool_calls(text, []) is text


# -- recorded replies -----------------------------------------------------------------

# What each recorded reply must become: (tool calls, invalid calls by name). Qwen2.5-Coder
# writes bare JSON calls (often naming a file or the task id instead of a tool); SmolLM2
# answers prose.
EXPECTED = {
    "qwen-coder-after-read": (["read_file"], []),
    "qwen-coder-after-write": (["write_file"], []),
    "qwen-coder-create-file": (["create_directory"], []),
    "qwen-coder-fix-off-by-one": ([], ["utils.py"]),
    "qwen-coder-two-files": ([], ["t1"]),
    "qwen-coder-ru-fix": ([], ["last_n"]),
    "qwen-coder-docstring": ([], ["add_in_calc.py"]),
    # with the short prompts and their one tool-call example
    "qwen-short-coder-after-read": (["read_file"], ["last_n"]),
    "qwen-short-coder-after-write": (  # it went on to call every tool it was offered
        ["write_file"] + ["list_files", "read_file", "search_in_code", "write_file", "edit_file",
                          "create_directory", "run_command"] * 2
        + ["list_files", "read_file", "search_in_code"], []),  # the last call, cut, stays text
    "qwen-short-coder-create-file": (["create_directory"], []),
    "qwen-short-coder-docstring": ([], ["add_in_calc.py"]),
    "qwen-short-coder-fix-off-by-one": ([], ["fix_off_by_one"]),
    "qwen-short-coder-ru-fix": ([], ["last_n"]),
    "qwen-short-coder-two-files": (["write_file"], []),
}


def recorded(kind: str) -> list[dict]:
    return [json.loads(p.read_text()) | {"file": p.stem} for p in sorted(FIXTURES.glob("*.json"))
            if json.loads(p.read_text())["kind"] == kind]


def reply_of(fixture: dict) -> AIMessage:
    message = fixture["response"]["choices"][0]["message"]
    return AIMessage(message.get("content") or "", tool_calls=[
        {"name": c["function"]["name"], "args": json.loads(c["function"]["arguments"]), "id": c["id"]}
        for c in message.get("tool_calls") or []])


@pytest.mark.parametrize("fixture", recorded("tool_use"), ids=lambda f: f["file"])
def test_recorded_replies(fixture):
    out = recover_tool_calls(reply_of(fixture), fixture["tools"])
    good, bad = EXPECTED.get(fixture["file"], ([], []))
    assert [c["name"] for c in out.tool_calls] == good
    assert [c["name"] for c in out.invalid_tool_calls] == bad
    assert set(good) <= set(fixture["tools"])


def test_the_corpus_has_text_calls_of_known_and_unknown_tools():
    files = {f["file"] for f in recorded("tool_use")}
    assert set(EXPECTED) <= files and len(files) >= 40


# -- as agent middleware -----------------------------------------------------------------


class Recorder:
    def __init__(self) -> None:
        self.files_read: list[str] = []
        self.files_written: list[str] = []


def file_tools(root: Path, recorder: Recorder) -> list:
    """Small real tools on a temporary directory (the project's own tools are being
    rewritten as ``@tool``s reading the workspace from the runtime context). Errors come
    back to the model as text, as the project's tools do."""

    def guarded(fn):
        try:
            return fn()
        except OSError as exc:
            return f"ERROR: {exc}"

    @tool
    def create_directory(path: str) -> str:
        """Create a directory."""
        return guarded(lambda: (root / path).mkdir(parents=True, exist_ok=True) or f"created {path}")

    @tool
    def write_file(path: str, content: str) -> str:
        """Write a file (parents are created: calls of one reply run concurrently)."""

        def write() -> str:
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_text(content)
            recorder.files_written.append(path)
            return f"wrote {path}"

        return guarded(write)

    @tool
    def read_file(path: str) -> str:
        """Read a file."""

        def read() -> str:
            text = (root / path).read_text()
            recorder.files_read.append(path)
            return text

        return guarded(read)

    return [create_directory, write_file, read_file]


def agent_with(tmp_path: Path, replies: list, max_invalid_rounds: int = 3):
    recorder = Recorder()
    tools = file_tools(tmp_path, recorder)
    seen: list = []

    def script(request):
        seen.append(request)
        reply = replies[min(len(seen) - 1, len(replies) - 1)]
        return reply(request) if callable(reply) else reply

    agent = create_agent(ScriptedChatModel(script=script), tools,
                         middleware=[TextToolCallMiddleware(max_invalid_rounds)])
    return agent, recorder, seen


def test_agent_executes_text_calls_until_a_plain_answer(tmp_path):
    agent, recorder, seen = agent_with(tmp_path, [
        AIMessage('<tool_call>\n{"name": "create_directory", "arguments": {"path": "notes"}}\n</tool_call>\n'
                  '<tool_call>\n{"name": "write_file", "arguments": {"path": "notes/a.txt", '
                  '"content": "A\\n"}}\n</tool_call>'),
        AIMessage("```json\n{\"name\": \"read_file\", \"arguments\": {\"path\": \"notes/a.txt\"}}\n```"),
        AIMessage("Wrote notes/a.txt."),
    ])
    out = agent.invoke({"messages": [HumanMessage("write notes/a.txt")]})
    assert (tmp_path / "notes/a.txt").read_text() == "A\n"
    assert recorder.files_written == ["notes/a.txt"] and recorder.files_read == ["notes/a.txt"]
    assert out["messages"][-1].content == "Wrote notes/a.txt."
    assert len(seen) == 3
    tool_messages = [m for m in out["messages"] if isinstance(m, ToolMessage)]
    assert len(tool_messages) == 3 and "A" in tool_messages[-1].content


@pytest.mark.asyncio
async def test_agent_recovers_text_calls_when_run_async(tmp_path):
    agent, _, _ = agent_with(tmp_path, [
        AIMessage('{"name": "write_file", "arguments": {"path": "b.txt", "content": "B"}}'),
        AIMessage("done"),
    ])
    out = await agent.ainvoke({"messages": [HumanMessage("write b.txt")]})
    assert (tmp_path / "b.txt").read_text() == "B" and out["messages"][-1].content == "done"


def test_unknown_tool_is_answered_with_an_error_and_the_model_asked_again(tmp_path):
    agent, _, seen = agent_with(tmp_path, [
        AIMessage('{"name": "fix_off_by_one", "arguments": {"file": "utils.py"}}'),
        AIMessage('{"name": "write_file", "arguments": {"path": "utils.py", "content": "fixed"}}'),
        AIMessage("Fixed utils.py."),
    ])
    out = agent.invoke({"messages": [HumanMessage("fix the off-by-one in utils.py")]})
    assert (tmp_path / "utils.py").read_text() == "fixed"
    assert out["messages"][-1].content == "Fixed utils.py."
    feedback = [m.content for m in seen[1].messages if isinstance(m, ToolMessage)]
    assert len(feedback) == 1 and "unknown tool 'fix_off_by_one'" in feedback[0]
    assert "write_file" in feedback[0]


def test_repeated_invalid_calls_stop_the_agent_with_a_clear_error(tmp_path):
    agent, _, seen = agent_with(tmp_path, [lambda request: AIMessage('{"name": "t1", "arguments": {}}')],
                                max_invalid_rounds=2)
    with pytest.raises(InvalidToolCallsError, match="only invalid tool calls 3 times in a row; last: t1: unknown tool"):
        agent.invoke({"messages": [HumanMessage("do it")]})
    assert len(seen) == 3


def test_native_invalid_calls_without_ids_get_ids_and_feedback(tmp_path):
    agent, _, seen = agent_with(tmp_path, [
        AIMessage("", invalid_tool_calls=[{"name": "write_file", "args": '{"path": ', "id": None,
                                           "error": "Expecting value", "type": "invalid_tool_call"}]),
        AIMessage("gave up"),
    ])
    out = agent.invoke({"messages": [HumanMessage("write")]})
    assert out["messages"][-1].content == "gave up"
    [feedback] = [m for m in seen[1].messages if isinstance(m, ToolMessage)]
    assert feedback.tool_call_id.startswith("call_text_") and "Expecting value" in feedback.content
    ai = [m for m in out["messages"] if isinstance(m, AIMessage)][0]
    assert ai.invalid_tool_calls[0]["id"] == feedback.tool_call_id
