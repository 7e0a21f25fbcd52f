"""Against a real OpenAI-compatible server (skipped unless CODELAB_REAL_MODEL_URL is set):

    ../shared/real_model/serve.sh qwen 8101
    CODELAB_REAL_MODEL_URL=http://127.0.0.1:8101/v1 python -m pytest -q tests/test_real_model.py

Structured output must validate (the server enforces the schema; the roles are an enum),
and an agent with text-form tool-call recovery must end cleanly: an answer, or a clear
error after repeated invalid calls. What the small model decides is not judged here.
"""

from __future__ import annotations

import os

import httpx
import pytest
from langchain.agents import create_agent
from langchain.agents.middleware import ModelCallLimitMiddleware
from langchain_core.messages import HumanMessage, SystemMessage
from langchain_openai import ChatOpenAI

from codelab_orchestrator.agents.text_tool_calls import (
    InvalidToolCallsError,
    TextToolCallMiddleware,
)
from codelab_orchestrator.models import capabilities
from codelab_orchestrator.parsing import structured_output
from codelab_orchestrator.planning import classification_schema, plan_schema
from codelab_orchestrator.prompts.classify import classify_prompt
from codelab_orchestrator.prompts.plan import PLAN_SYSTEM
from codelab_orchestrator.prompts.specialist import system_prompt_for
from tests.test_text_tool_calls import Recorder, file_tools

URL = os.environ.get("CODELAB_REAL_MODEL_URL")
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not URL, reason="set CODELAB_REAL_MODEL_URL to a real server")]
ROLES = ("architect", "ask", "coder", "debug")


@pytest.fixture(scope="module")
def model() -> ChatOpenAI:
    model_id = httpx.get(f"{URL.rstrip('/')}/models", timeout=10).json()["data"][0]["id"]
    capabilities.forget()
    return ChatOpenAI(model=model_id, base_url=URL, api_key="not-needed", temperature=0.1,
                      max_tokens=512, timeout=300, max_retries=0)


@pytest.mark.parametrize("request_text", ["fix the off-by-one in utils.py",
                                          "что делает функция last_n?",
                                          "build a REST API for todo items with tests"])
def test_classification_is_valid(model, request_text):
    schema = classification_schema(ROLES)
    result = structured_output(model, schema, [
        SystemMessage(classify_prompt(list(ROLES))), HumanMessage(request_text)])
    assert result.value.agent in ROLES


def test_plan_is_valid(model):
    schema = plan_schema(ROLES, 5)
    result = structured_output(model, schema, [
        SystemMessage(PLAN_SYSTEM.format(agents=", ".join(ROLES), max_tasks=5)),
        HumanMessage("add a /health endpoint to app.py with a test")])
    assert len(result.value.tasks) >= 1 and all(t.agent in ROLES for t in result.value.tasks)


def test_agent_with_text_tool_calls_ends_cleanly(model, tmp_path):
    recorder = Recorder()
    tools = file_tools(tmp_path, recorder)
    agent = create_agent(model, tools, system_prompt=system_prompt_for(
        "coder", tools=[t.name for t in tools]),
        middleware=[TextToolCallMiddleware(), ModelCallLimitMiddleware(run_limit=8)])
    try:
        out = agent.invoke({"messages": [HumanMessage("Create hello.txt containing: hello")]})
    except InvalidToolCallsError as exc:
        assert "invalid tool calls" in str(exc)
    else:
        assert out["messages"][-1].type == "ai"
