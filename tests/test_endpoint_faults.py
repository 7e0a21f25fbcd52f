"""A faulty endpoint over real HTTP: what each fault mode of the test server does to a
ChatOpenAI client, and which errors are the endpoint's own (end the run at once)."""

from __future__ import annotations

import socket

import pytest
from langchain_core.messages import HumanMessage
from langchain_openai import ChatOpenAI

from codelab_orchestrator.models import endpoint_error, get_chat_model, model_for
from codelab_orchestrator.models.capabilities import parameters_b, small_model
from codelab_orchestrator.persistence.defaults import DEFAULT_AGENTS, DEFAULT_MAX_TOKENS
from codelab_orchestrator.persistence.schemas import (
    AgentConfig,
    ConfigValidationError,
    validate_config,
)
from tests.openai_server import FAULTS, FIVE_MB, OpenAIServer

TOOL = {"type": "function", "function": {"name": "write_file", "description": "Write a file.",
                                         "parameters": {"type": "object", "properties": {
                                             "path": {"type": "string"}, "content": {"type": "string"}},
                                             "required": ["path", "content"]}}}


def client(server: OpenAIServer, **kwargs) -> ChatOpenAI:
    options = {"max_retries": 0, "timeout": 0.5} | kwargs
    return ChatOpenAI(model="m", base_url=server.url, api_key="k", **options)


def call(server: OpenAIServer, **kwargs):
    return client(server, **kwargs).bind_tools([TOOL]).invoke([HumanMessage("write a.txt")])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- each fault mode, as a client sees it ------------------------------------------------


@pytest.mark.parametrize("fault", ["rate_limited", "server_error", "timeout", "cut_before_reply",
                                   "cut_mid_body", "garbage", "empty_choices"])
def test_faults_that_raise(fault):
    with OpenAIServer(lambda body: FAULTS[fault]) as server, pytest.raises(Exception) as info:
        call(server)
    assert endpoint_error(info.value) is None, "transient faults are not the endpoint's own"


def test_rate_limit_is_retried_by_the_client_then_succeeds():
    replies = iter([FAULTS["rate_limited"], FAULTS["rate_limited"], {"content": "ok"}])
    with OpenAIServer(lambda body: next(replies)) as server:
        assert call(server, max_retries=2).content == "ok"
        assert len(server.requests) == 3


def test_faults_that_come_back_as_replies():
    with OpenAIServer(lambda body: FAULTS["bad_tool_arguments"]) as server:
        reply = call(server)
    assert reply.tool_calls == [] and reply.invalid_tool_calls[0]["name"] == "write_file"
    with OpenAIServer(lambda body: FAULTS["unknown_tool"]) as server:
        reply = call(server)
    assert reply.tool_calls[0]["name"] == "fix_everything"  # not offered: the agent must refuse it
    with OpenAIServer(lambda body: FAULTS["cut_at_length"]) as server:
        reply = call(server)
    assert reply.content == "I changed the fil" and reply.response_metadata["finish_reason"] == "length"
    with OpenAIServer(lambda body: FAULTS["huge_reply"]) as server:
        reply = call(server, timeout=10)
    assert len(reply.content) == FIVE_MB


def test_streaming_replies_and_a_cut_stream():
    reply = {"content": "hello world, streamed", "chunk": 4,
             "tool_calls": [{"name": "write_file", "arguments": {"path": "a", "content": "b"}}]}
    with OpenAIServer(lambda body: reply) as server:
        model = client(server, streaming=True, stream_usage=True)
        chunks = list(model.bind_tools([TOOL]).stream([HumanMessage("hi")]))
        assert server.requests[0]["stream"] is True
    text = "".join(str(c.content) for c in chunks)
    assert text == "hello world, streamed" and len(chunks) > 5
    merged = chunks[0]
    for chunk in chunks[1:]:
        merged += chunk
    assert merged.tool_calls[0]["args"] == {"path": "a", "content": "b"}
    assert merged.usage_metadata["total_tokens"] > 0
    with OpenAIServer(lambda body: {"content": "x" * 100, "cut": "stream"}) as server:
        model = client(server, streaming=True)
        try:
            got = model.invoke([HumanMessage("hi")])
        except Exception as exc:  # noqa: BLE001 - a cut stream may raise or end short
            assert endpoint_error(exc) is None
        else:
            assert len(got.content) < 100 and got.response_metadata.get("finish_reason") is None


# -- the endpoint's own errors -------------------------------------------------------------


def test_connection_refused_names_the_url():
    url = f"http://127.0.0.1:{free_port()}/v1"
    model = ChatOpenAI(model="qwen", base_url=url, api_key="k", max_retries=0, timeout=2)
    with pytest.raises(Exception) as info:
        model.invoke("hi")
    reason = endpoint_error(info.value)
    assert reason == f"cannot connect to the model endpoint {url}: [Errno 111] Connection refused"


@pytest.mark.parametrize(("status", "expected"), [
    (401, "rejected the API key (401 Unauthorized): Invalid API key"),
    (403, "refused access (403 Forbidden): Invalid API key"),
    (404, "does not know model 'm' (404 Not Found: unknown model, or a base URL without /v1): "
          "Invalid API key"),
])
def test_auth_and_unknown_model_errors(status, expected):
    with OpenAIServer(lambda body: {"status": status, "error": "Invalid API key"}) as server:
        with pytest.raises(Exception) as info:
            call(server, max_retries=2)
        assert len(server.requests) == 1  # not retried
    assert endpoint_error(info.value) == f"the model endpoint {server.url} {expected}"


def test_endpoint_errors_are_found_inside_wrapping_exceptions():
    with OpenAIServer(lambda body: {"status": 401}) as server, pytest.raises(Exception) as info:
        call(server)
    try:
        raise RuntimeError("task t1 failed") from info.value
    except RuntimeError as wrapped:
        assert "401 Unauthorized" in endpoint_error(wrapped)
    assert endpoint_error(ValueError("a bug in the task")) is None


# -- per-model settings -----------------------------------------------------------------------


def test_agent_rows_carry_timeout_and_retries_and_roles_a_default_max_tokens():
    config = validate_config("coder", {"model": "openai:m", "timeout_s": 7.5, "max_retries": 0})
    assert (config.timeout_s, config.max_retries, config.max_tokens) == (7.5, 0, None)
    with pytest.raises(ConfigValidationError, match="config.timeout_s"):
        validate_config("coder", {"timeout_s": 0})
    with pytest.raises(ConfigValidationError, match="config.max_retries"):
        validate_config("coder", {"max_retries": 11})
    for spec in DEFAULT_AGENTS:
        assert spec.config["max_tokens"] == DEFAULT_MAX_TOKENS[spec.role.value]


def test_model_for_applies_the_row_and_the_role_default(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "k")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("CODELAB_MODEL_TIMEOUT", "33")
    row = AgentConfig(model="openai:m", timeout_s=5, max_retries=0)
    model = model_for(row, "orchestrator")
    assert (model.request_timeout, model.max_retries, model.max_tokens) == (5, 0, DEFAULT_MAX_TOKENS["orchestrator"])
    env = model_for(AgentConfig(model="openai:m", max_tokens=99), "coder")
    assert (env.request_timeout, env.max_retries, env.max_tokens) == (33, 2, 99)
    assert model_for(row, "orchestrator") is model  # cached per settings
    assert get_chat_model("openai:m", timeout_s=5, max_retries=0,
                          max_tokens=DEFAULT_MAX_TOKENS["orchestrator"], temperature=0.2) is model


def test_a_slow_call_fails_after_the_rows_timeout(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "k")
    with OpenAIServer(lambda body: {"sleep": 1.0, "content": "late"}) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.url)
        model = model_for(AgentConfig(model="openai:m", timeout_s=0.2, max_retries=1), "ask")
        with pytest.raises(Exception, match="timed out"):
            model.invoke("hi")
        assert len(server.requests) == 2  # one try and one retry
        assert server.requests[0]["max_completion_tokens"] == DEFAULT_MAX_TOKENS["ask"]


@pytest.mark.parametrize(("model", "size"), [
    ("openai:qwen2.5-coder-0.5b-instruct", 0.5), ("openai:smollm2-135m-instruct", 0.135),
    ("ollama:llama3.1:8b", 8.0), ("openai:Qwen2.5-Coder-32B-Instruct", 32.0),
    ("openai:gpt-4.1-mini", None), ("scripted:tests.scripted:x", None),
])
def test_model_sizes_from_ids(model, size):
    assert parameters_b(model) == size
    assert (small_model(model) is not None) == (size is not None and size < 3)

