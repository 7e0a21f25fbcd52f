"""Structured output for classify and plan: the route the endpoint enforces, replies read
through wrappers and schema echoes, one corrective re-ask, per-project role enums."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langchain_openai import ChatOpenAI

from codelab_orchestrator.models import ScriptedChatModel, capabilities
from codelab_orchestrator.parsing import (
    StructuredOutputError,
    parse_reply,
    read_reply,
    structured_output,
)
from codelab_orchestrator.planning import classification_schema, plan_schema
from tests.openai_server import OpenAIServer, schema_name, structured

ROLES = ("architect", "ask", "coder", "debug")
Classification = classification_schema(ROLES)
Plan = plan_schema(ROLES, 8)
FIXTURES = Path(__file__).with_name("fixtures") / "real_replies"
GOOD = {"agent": "debug", "is_atomic": True, "confidence": "high", "reasoning": "a failing test"}
MESSAGES = [SystemMessage("classify"), HumanMessage("fix the failing test")]


@pytest.fixture(autouse=True)
def fresh_endpoints():
    capabilities.forget()
    yield
    capabilities.forget()


@pytest.mark.parametrize("content", [
    '```json\n{"name": "ClassificationOutput", "arguments": {"agent": "debug", "is_atomic": true}}\n```',
    '```json\n{"name": "fix_failing_test", "parameters": {"agent": "debug", "is_atomic": true}}\n```',
    '<tool_call>\n{"name": "ClassificationOutput", "arguments": "{\\"agent\\": \\"debug\\", \\"is_atomic\\": true}"}\n</tool_call>',
    '{"title": "ClassificationOutput", "type": "object", "properties": {"agent": {"type": "string", '
    '"enum": ["architect", "ask", "coder", "debug"], "value": "debug"}, "is_atomic": {"type": "boolean", '
    '"default": true}}, "required": ["agent", "is_atomic"]}',
    '{"type": "object", "properties": {"agent": "debug", "is_atomic": true}}',
    'Sure: {"classification": {"agent": "Debugger", "is_atomic": "yes"}}',
])
def test_wrappers_and_schema_echoes_are_read(content):
    value, clean = read_reply(AIMessage(content), Classification)
    assert (value.agent, value.is_atomic, clean) == ("debug", True, False)


def test_clean_replies_are_marked_clean():
    assert read_reply(AIMessage(json.dumps(GOOD)), Classification)[1] is True
    call = AIMessage("", tool_calls=[{"name": "ClassificationOutput", "args": GOOD, "id": "c"}])
    assert read_reply(call, Classification) == (Classification(**GOOD), True)


def test_a_bare_schema_echo_is_reported_as_such():
    echo = json.dumps(Classification.model_json_schema())
    with pytest.raises(StructuredOutputError, match="repeated the JSON schema"):
        parse_reply(AIMessage(echo), Classification)


def test_roles_outside_the_project_are_rejected():
    with pytest.raises(StructuredOutputError, match="agent: Input should be"):
        parse_reply(AIMessage('{"agent": "docker-compose", "is_atomic": true}'), Classification)
    only_coder = classification_schema(("coder",))
    assert only_coder.model_json_schema()["properties"]["agent"]["const"] == "coder"
    assert classification_schema(("coder",)) is only_coder  # built once per role set


def test_a_plan_needs_tasks():
    with pytest.raises(StructuredOutputError):
        parse_reply(AIMessage('{"name": "Todo API", "arguments": {"database": "x.db"}}'), Plan)
    plan = parse_reply(AIMessage('```json\n{"name": "NoteApp", "arguments": {"tasks": [{"id": 1, '
                                 '"description": "db", "agent": "coder", "files": "db.py"}]}}\n```'), Plan)
    assert plan.tasks[0].id == "1" and plan.tasks[0].expected == ["db.py"]


# -- recorded replies -----------------------------------------------------------------

# Which recorded structured replies give a valid object (the rest are prose, cut at the
# length limit, or roles that are not roles: they are re-asked, then fall back).
READABLE = {
    # old prompts, free-text roles
    "qwen-classify-fix-function-calling", "qwen-classify-fix-json-schema",
    "qwen-classify-question-json-schema", "qwen-classify-ru-fix-function-calling",
    "qwen-classify-ru-fix-json-schema", "qwen-plan-api-json-schema",
    "qwen-plan-ru-notes-function-calling", "qwen-plan-ru-notes-json-schema",
    # short prompts with one example, roles as an enum: every schema-constrained
    # classification is valid, for SmolLM2-135M too
    *(f"{model}-short-classify-{case}-json-schema" for model in ("qwen", "smollm")
      for case in ("fix", "question", "app", "ru-fix", "ru-app")),
    "qwen-short-classify-app-function-calling", "qwen-short-classify-fix-function-calling",
    "qwen-short-classify-ru-app-function-calling", "qwen-short-classify-ru-fix-function-calling",
    "qwen-short-plan-api-function-calling", "qwen-short-plan-api-json-schema",
    "qwen-short-plan-ru-notes-json-schema",
}


def recorded() -> list[dict]:
    out = []
    for path in sorted(FIXTURES.glob("*.json")):
        fixture = json.loads(path.read_text())
        if fixture["kind"] in ("classify", "plan"):
            out.append(fixture | {"file": path.stem})
    return out


@pytest.mark.parametrize("fixture", recorded(), ids=lambda f: f["file"])
def test_recorded_structured_replies(fixture):
    choice = fixture["response"]["choices"][0]
    raw = AIMessage(choice["message"].get("content") or "",
                    response_metadata={"finish_reason": choice["finish_reason"]})
    schema = Classification if fixture["kind"] == "classify" else Plan
    if fixture["file"] in READABLE:
        value = parse_reply(raw, schema)
        assert isinstance(value, schema)
    else:
        with pytest.raises(StructuredOutputError):
            parse_reply(raw, schema)


# -- re-ask ---------------------------------------------------------------------------------


def scripted(*replies):
    seen = []

    def script(request):
        seen.append(request)
        return replies[min(len(seen) - 1, len(replies) - 1)]

    return ScriptedChatModel(script=script), seen


def test_unusable_reply_is_re_asked_once_with_the_problem_and_fields():
    model, seen = scripted(AIMessage("The test fails because of an off-by-one."), GOOD)
    result = structured_output(model, Classification, MESSAGES)
    assert (result.value.agent, result.repair, result.calls, result.method) == (
        "debug", "re-asked", 2, "function_calling")
    correction = seen[1].messages[-1].content
    assert "no JSON object in the reply" in correction
    assert '"agent": one of "architect", "ask", "coder", "debug"' in correction
    assert seen[1].messages[-2].content == "The test fails because of an off-by-one."


def test_repaired_reply_is_not_re_asked_and_is_marked():
    model, seen = scripted(AIMessage('```json\n{"name": "x", "arguments": ' + json.dumps(GOOD) + "}\n```"))
    result = structured_output(model, Classification, MESSAGES)
    assert (result.repair, result.calls, len(seen)) == ("text", 1, 1)
    assert structured_output(scripted(GOOD)[0], Classification, MESSAGES).repair is None


def test_two_unusable_replies_raise_with_both_problems():
    model, seen = scripted(AIMessage("no idea"), AIMessage('{"agent": "redis", "is_atomic": true}'))
    with pytest.raises(StructuredOutputError, match=r"no JSON object.*after one re-ask: agent: Input should be"):
        structured_output(model, Classification, MESSAGES)
    assert len(seen) == 2


# -- what the endpoint enforces ----------------------------------------------------------------


def chat(server: OpenAIServer) -> ChatOpenAI:
    return ChatOpenAI(model="m", base_url=server.url, api_key="k", max_retries=0, timeout=10)


def test_json_schema_with_the_role_enum_where_the_endpoint_supports_it():
    with OpenAIServer(lambda body: structured(body, GOOD), json_schema=True) as server:
        model = chat(server)
        result = structured_output(model, Classification, MESSAGES)
        assert (result.method, result.repair, result.value.agent) == ("json_schema", None, "debug")
        fmt = server.requests[0]["response_format"]["json_schema"]
        assert fmt["name"] == "ClassificationOutput" and fmt["strict"] is True
        assert fmt["schema"]["properties"]["agent"]["enum"] == list(ROLES)
        assert fmt["schema"]["properties"]["reasoning"]["maxLength"] == 200
        assert "tools" not in server.requests[0]
        assert capabilities.learned(model)[0] == "json_schema"


def test_an_endpoint_that_rejects_json_schema_is_asked_with_tools_from_then_on():
    with OpenAIServer(lambda body: structured(body, GOOD), json_schema=False) as server:
        model = chat(server)
        for _ in range(2):
            result = structured_output(model, Classification, MESSAGES)
            assert (result.method, result.value.agent) == ("function_calling", "debug")
        assert len(server.rejected) == 1  # detected once per endpoint
        assert [schema_name(b) for b in server.requests] == ["ClassificationOutput"] * 2
        assert server.requests[0]["tool_choice"]["function"]["name"] == "ClassificationOutput"
        method, reason = capabilities.learned(model)
        assert method == "function_calling" and "rejected response_format" in reason


def test_an_endpoint_that_ignores_json_schema_is_learned_from_a_prose_reply():
    def script(body):
        if body.get("response_format"):
            return {"content": "Sure! The agent should be debug."}
        return structured(body, GOOD)

    with OpenAIServer(script, json_schema=True) as server:
        model = chat(server)
        result = structured_output(model, Classification, MESSAGES)
        # the prose reply taught the route; the re-ask went with tools and worked
        assert (result.method, result.repair) == ("function_calling", "re-asked")
        assert capabilities.structured_method(model) == "function_calling"
        assert "tools" in server.requests[1]


def test_a_reply_cut_at_the_length_limit_is_re_asked_to_be_short():
    replies = iter([{"content": '{"agent": "debug", "is_atomic": true, "reasoning": "because because',
                     "finish_reason": "length"}, {"content": json.dumps(GOOD)}])
    with OpenAIServer(lambda body: next(replies), json_schema=True) as server:
        result = structured_output(chat(server), Classification, MESSAGES)
        assert (result.repair, result.value.agent) == ("re-asked", "debug")
        assert "cut off at the length limit" in server.requests[1]["messages"][-1]["content"]


def test_model_errors_propagate():
    with OpenAIServer(lambda body: {"status": 500}, json_schema=True) as server, pytest.raises(Exception) as info:
        structured_output(chat(server), Classification, MESSAGES)
    assert not isinstance(info.value, StructuredOutputError)


def test_a_200_kb_reply_of_braces_parses_in_time_linear_in_its_size():
    """Once 27.6 s (quadratic repair); now within a small factor of a regex pass over it."""
    reply = AIMessage("{" * 200_000)
    started = time.perf_counter()
    sum(1 for _ in re.finditer(r'[{}\[\]"]', reply.content))
    reference = time.perf_counter() - started
    started = time.perf_counter()
    with pytest.raises(StructuredOutputError):
        parse_reply(reply, Plan)
    ours = time.perf_counter() - started
    assert ours < 20 * reference + 0.1, (ours, reference)
