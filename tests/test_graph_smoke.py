from tests.scripted import Script, plan, writing


def test_atomic_request_runs_one_task(orchestrate):
    orchestrate.use(Script(task=writing()))
    out = orchestrate.send("fix the typo in README")
    assert out["final"].status == "completed"
    assert out["final"].text.startswith("result of t1\n\nVerified:\n- t1 (coder): files changed: t1.txt")
    assert out["plan"].tasks[0].verified == ["files changed: t1.txt"]
    assert out["plan"].tasks[0].usage["total_tokens"] > 0
    assert orchestrate.names()[:2] == ["classified", "plan_created"]


def test_complex_request_runs_plan(orchestrate):
    orchestrate.use(Script(classification={"agent": "architect", "is_atomic": False},
                           plans=[plan(("t1", "coder"), ("t2", "ask"), ("t3", "coder", ["t1", "t2"]))]))
    out = orchestrate.send("build an app")
    assert out["final"].status == "completed", out["final"]
    assert [t.status for t in out["plan"].tasks] == ["done"] * 3
