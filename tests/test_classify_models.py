"""classify with real-model habits: in ``hybrid`` a weak model's answer loses to the router
and the ``classified`` event says why; roles outside the project are re-asked, then the
router decides."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage

from codelab_orchestrator.models import register_model, unregister_model
from tests.scripted import Script

CLEAN = {"agent": "ask", "is_atomic": True, "confidence": "high", "reasoning": "a question"}
# Not confident enough for the router alone (threshold 1.0), so hybrid consults the model.
HYBRID = {"routing_strategy": "hybrid", "routing_confidence_threshold": 1.0}


@pytest.fixture
def named_model(orchestrate, monkeypatch):
    """Register the scripted model under another name (e.g. one naming a size)."""
    names: list[str] = []

    def name(model_id: str) -> None:
        register_model(model_id, orchestrate.model)
        names.append(model_id)
        orchestrate.settings(model=model_id)
        monkeypatch.delenv("CODELAB_MODEL")  # else the environment's model wins over the row

    yield name
    for model_id in names:
        unregister_model(model_id)


def classified(orchestrate) -> dict:
    return [e for e in orchestrate.events if e["event"] == "classified"][-1]


def test_hybrid_does_not_ask_a_small_model(orchestrate, named_model):
    script = orchestrate.use(Script(classification=CLEAN))
    orchestrate.settings(**HYBRID)
    named_model("qwen2.5-coder-0.5b-instruct")
    out = orchestrate.send("Исправь ошибку в parser.py, он падает")
    assert script.counts["classify"] == 0
    assert out["classification"].method == "local" and out["classification"].agent == "debug"
    event = classified(orchestrate)
    assert event["method"] == "local"
    assert event["model_not_used"] == ("qwen2.5-coder-0.5b-instruct is a small model "
                                       "(0.5B parameters < 3B); not asked, the router decided")
    assert out["classification"].reasoning.startswith(event["model_not_used"])


def test_hybrid_uses_a_clean_answer(orchestrate):
    script = orchestrate.use(Script(classification=CLEAN))
    orchestrate.settings(**HYBRID)
    out = orchestrate.send("what does the parser do?")
    assert script.counts["classify"] == 1
    assert out["classification"].method == "llm" and out["classification"].agent == "ask"
    assert "model_not_used" not in classified(orchestrate)


@pytest.mark.parametrize(("reply", "why"), [
    (AIMessage('```json\n{"name": "route", "arguments": {"agent": "ask", "is_atomic": true}}\n```'),
     "dug out of text"),
    ({**CLEAN, "confidence": "low"}, "confidence was low"),
])
def test_hybrid_sets_aside_a_weak_answer_and_says_why(orchestrate, reply, why):
    orchestrate.use(Script(classification=lambda request: reply))
    orchestrate.settings(**HYBRID)
    out = orchestrate.send("Исправь ошибку в parser.py, он падает")
    assert out["classification"].method == "local" and out["classification"].agent == "debug"
    event = classified(orchestrate)
    assert event["model_not_used"].startswith("the model answered ask/atomic but ")
    assert why in event["model_not_used"] and event["model_not_used"].endswith("the router decided")


def test_hybrid_re_asked_answer_is_set_aside(orchestrate):
    replies = iter([AIMessage("It is a bug in the parser."), CLEAN])
    script = orchestrate.use(Script(classification=lambda request: next(replies)))
    orchestrate.settings(**HYBRID)
    orchestrate.send("Исправь ошибку в parser.py, он падает")
    assert script.counts["classify"] == 2
    assert "re-asked" in classified(orchestrate)["model_not_used"]


def test_llm_strategy_trusts_even_a_small_model(orchestrate, named_model):
    orchestrate.use(Script(classification=CLEAN))
    named_model("smollm2-135m-instruct")
    out = orchestrate.send("Исправь ошибку в parser.py, он падает")
    assert out["classification"].method == "llm" and out["classification"].agent == "ask"


def test_a_role_outside_the_project_is_re_asked_then_the_router_decides(orchestrate):
    seen = []

    def reply(request):
        seen.append(request)
        return {"agent": "docker-compose", "is_atomic": True}

    orchestrate.use(Script(classification=reply))
    out = orchestrate.send("Исправь ошибку в parser.py, он падает")
    assert len(seen) == 2 and "Input should be" in seen[1].messages[-1].content
    assert out["classification"].method == "fallback" and out["classification"].agent == "debug"
    assert "after one re-ask" in out["classification"].reasoning
    assert classified(orchestrate)["model_not_used"].endswith("; the router decided")


def test_a_disabled_role_is_not_offered(orchestrate):
    seen = []

    def reply(request):
        seen.append(request)
        return {"agent": "coder", "is_atomic": True}

    orchestrate.use(Script(classification=reply))
    orchestrate.agent("ask", status="disabled")
    orchestrate.send("what is this?")
    schema = orchestrate.model.calls[0]
    assert "ask:" not in seen[0].system and "- coder:" in seen[0].system
    assert schema.tools == ["ClassificationOutput"]
