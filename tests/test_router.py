"""The local routers: offline loading, awkward inputs, data and head in sync with their
sources, the complexity signals, the asymmetric fast path, and the three routing
strategies with counted LLM calls."""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

import numpy as np
import pytest

from codelab_orchestrator.router import KeywordRouter, default_router
from codelab_orchestrator.router.embedding import HEAD, VETO_CAP, EmbeddingRouter
from codelab_orchestrator.router.features import lexical_features, signals
from tests.scripted import Script

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "router"
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


def test_training_data_is_what_the_sources_generate():
    """data/router/train_*.jsonl are regenerated from data/router/sources/ (no hand edits)."""
    spec = importlib.util.spec_from_file_location("gen", ROOT / "scripts" / "generate_router_data.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    files = gen.render_all()
    assert sorted(files) == sorted(p.name for p in DATA.glob("train_*.jsonl"))
    for name, content in files.items():
        assert (DATA / name).read_text() == content, f"{name} is stale: run scripts/generate_router_data.py"


def test_head_was_trained_on_the_current_data():
    head = np.load(HEAD)
    digest = hashlib.sha256("".join(p.read_text() for p in sorted(DATA.glob("train_*.jsonl"))).encode())
    assert str(head["data_sha256"]) == digest.hexdigest(), "run scripts/train_router.py"
    assert [str(n) for n in head["embedders"]] == ["e5", "use"] and bool(head["lexical"])


def test_dev_set_is_not_in_the_training_data():
    dev = ROOT.parent.parent / "shared" / "data" / "routing_dev.jsonl"
    dev = dev if dev.exists() else ROOT.parent / "shared" / "data" / "routing_dev.jsonl"
    if not dev.exists():
        pytest.skip("no dev set beside the repository")
    import json

    dev_texts = {json.loads(line)["text"].strip().lower() for line in dev.read_text().splitlines() if line}
    train = [json.loads(line)["text"].strip().lower()
             for p in DATA.glob("train_*.jsonl") for line in p.read_text().splitlines()]
    assert not dev_texts & set(train)


@pytest.mark.parametrize(("text", "expected"), [
    ("Add a --verbose flag to the CLI.", 0),
    ("Traceback (most recent call last):\n  File \"a.py\", line 1, in <module>\n"
     "    main()\nKeyError: 'x'\nWhy?", 0),
    ("Build the backend, then the React frontend, and then deploy the whole project to AWS.", 2),
    ("Реализуй:\n1. REST API\n2. админку\n3. e2e-тесты\n4. деплой", 1),
    ("先研究整个项目，然后实现支付、通知和后台管理，最后写测试。", 2),
])
def test_complexity_signals(text, expected):
    assert signals(text).complexity() >= expected
    if expected == 0:
        assert signals(text).complexity() == 0
    assert lexical_features(text).shape == (13,)


def test_a_pasted_trace_is_not_counted_as_prose():
    trace = "Traceback (most recent call last):\n" + "  File \"x.py\", line 3, in f\n    g()\n" * 40
    assert signals("Fix this:\n" + trace).prose_chars < 30


def test_atomic_verdict_on_a_complex_looking_request_never_takes_the_fast_path(monkeypatch):
    router = EmbeddingRouter()
    monkeypatch.setattr(router, "probabilities",
                        lambda text: (np.array([0.97, 0.01, 0.01, 0.01]), 0.99))
    simple = router.classify("Add a --verbose flag to the CLI.")
    assert simple.is_atomic and simple.score > 0.9
    many = router.classify("Study the whole project, then build the API, the admin panel, the "
                           "mobile app and the tests, and then deploy everything.")
    assert many.is_atomic and many.score <= VETO_CAP and "several steps" in many.reasoning
    # a "plan" verdict is never capped: over-planning costs one LLM call, not a wrong answer
    monkeypatch.setattr(router, "probabilities",
                        lambda text: (np.array([0.97, 0.01, 0.01, 0.01]), 0.01))
    assert router.classify("Study the whole project, then build everything.").score > 0.9


def test_requests_in_several_languages(embedding_router):
    cases = [
        ("Изучи текущий проект и реализуй мобильное приложение", "plan"),
        ("Почему падает тест test_login с KeyError?", "debug"),
        ("What is the difference between TCP and UDP?", "ask"),
        ("Wie funktioniert ein Mutex?", "ask"),
        ("¿Puedes añadir paginación al endpoint de pedidos?", "coder"),
        ("登录接口返回 500，帮我看看哪里出错了", "debug"),
    ]
    for text, route in cases:
        out = embedding_router.classify(text)
        assert (out.agent if out.is_atomic else "plan") == route, (text, out.reasoning)


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


def test_llm_routing_does_not_load_the_router(orchestrate, monkeypatch):
    def refuse():
        raise AssertionError("the router was loaded for llm routing")

    monkeypatch.setattr("codelab_orchestrator.nodes.classify.default_router", refuse)
    orchestrate.use(Script(classification={"agent": "ask", "is_atomic": True}))
    orchestrate.settings(routing_strategy="llm")
    assert orchestrate.send("What is a closure?")["classification"].method == "llm"


def test_no_model_configured_routes_locally(orchestrate, monkeypatch):
    orchestrate.use(Script())
    monkeypatch.delenv("CODELAB_MODEL")  # a settings layer over the rows: the row's model must count
    orchestrate.agent("orchestrator", config={"model": "openai:gpt-4.1-mini"})  # no key in tests
    out = orchestrate.send("What is a closure in JavaScript?")
    assert out["classification"].method == "local"


def test_when_the_router_decides_alone_a_complex_looking_atomic_verdict_becomes_a_plan():
    from codelab_orchestrator.nodes.classify import alone
    from codelab_orchestrator.state import Classification

    vetoed = Classification(agent="coder", is_atomic=True, score=0.5, method="local",
                            looks_complex=True, reasoning="r")
    assert alone(vetoed).is_atomic is False and "several steps" in alone(vetoed).reasoning
    plain = vetoed.model_copy(update={"looks_complex": False})
    assert alone(plain).is_atomic is True
