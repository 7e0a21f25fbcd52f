"""The local routers: offline loading, awkward inputs, an accuracy floor, and the
three routing strategies with counted LLM calls."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from codelab_orchestrator.router import KeywordRouter, default_router
from codelab_orchestrator.router.embedding import EmbeddingRouter
from tests.scripted import Script

DATA = Path(__file__).resolve().parents[1] / "data" / "router"
AWKWARD = ["", "   ", "🚀🔥💯", "🙂" * 500, "x" * 200_000, "fix " * 5000,
           "Исправь bug в parser.py, it crashes on 空 input", "?!?!", "\x00\x01", "12345"]


@pytest.fixture(scope="module")
def embedding_router() -> EmbeddingRouter:
    return EmbeddingRouter()


def test_default_router_is_the_embedding_router_and_loads_offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert isinstance(default_router(), EmbeddingRouter)


@pytest.mark.parametrize("text", AWKWARD)
@pytest.mark.parametrize("router_cls", [EmbeddingRouter, KeywordRouter])
def test_awkward_inputs_give_a_valid_result(text, router_cls, embedding_router):
    router = embedding_router if router_cls is EmbeddingRouter else KeywordRouter()
    out = router.classify(text)
    assert out.agent in ("coder", "architect", "debug", "ask") and 0.0 <= out.score <= 1.0
    if not any(ch.isalnum() for ch in text):
        assert out.confidence == "low"


def _route(agent: str, atomic: bool) -> str:
    return agent if atomic else "plan"


def test_accuracy_floor_on_held_out_slice(embedding_router):
    """Every 8th line of each training file is never trained on (scripts/train_router.py)."""
    held = [json.loads(line) for path in sorted(DATA.glob("train_*.jsonl"))
            for i, line in enumerate(path.read_text().splitlines()) if i % 8 == 7]
    assert len(held) >= 40
    hits = [_route(o.agent, o.is_atomic) == _route(r["agent"], r["is_atomic"])
            for r in held for o in [embedding_router.classify(r["text"])]]
    assert sum(hits) / len(hits) >= 0.85


def test_russian_and_english_requests(embedding_router):
    assert embedding_router.classify("Изучи текущий проект и реализуй мобильное приложение").is_atomic is False
    assert embedding_router.classify("Почему падает тест test_login с KeyError?").agent == "debug"
    assert embedding_router.classify("What is the difference between TCP and UDP?").agent == "ask"


def test_strategies_choose_the_right_path(orchestrate):
    script = orchestrate.use(Script(classification={"agent": "coder", "is_atomic": True}))
    orchestrate.settings(routing_strategy="local")
    out = orchestrate.send("Объясни, как работает GIL в Python?")
    assert out["classification"].method == "local" and script.counts["classify"] == 0
    orchestrate.settings(routing_strategy="llm")
    assert orchestrate.send("Объясни, как работает GIL в Python?")["classification"].method == "llm"
    assert script.counts["classify"] == 1
    orchestrate.settings(routing_strategy="hybrid", routing_confidence_threshold=0.5)
    confident = orchestrate.send("What does the `yield` keyword do in a Python function?")
    assert confident["classification"].method == "local" and script.counts["classify"] == 1
    orchestrate.settings(routing_confidence_threshold=0.999)
    assert orchestrate.send("hmm")["classification"].method == "llm"
    assert script.counts["classify"] == 2


def test_no_model_configured_routes_locally(orchestrate, monkeypatch):
    orchestrate.use(Script())
    monkeypatch.delenv("CODELAB_MODEL")  # a settings layer over the rows: the row's model must count
    orchestrate.agent("orchestrator", config={"model": "openai:gpt-4.1-mini"})  # no key in tests
    out = orchestrate.send("What is a closure in JavaScript?")
    assert out["classification"].method == "local"
