"""Authentication, ownership, origins and workspace roots over a real `langgraph dev`.

One server for the whole module (starting one takes seconds): auth on, the
repository's langgraph.json, a local OpenAI-compatible model server (no
scripted models: the flag is off in the server), workspace roots under a
temporary directory and one allowed browser origin.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from langgraph_sdk import get_sync_client

from codelab_orchestrator.persistence import AgentRepository
from codelab_orchestrator.persistence.engine import get_engine
from codelab_orchestrator.persistence.tokens import TokenRepository
from tests.dev_server import ROOT, langgraph_dev
from tests.openai_server import OpenAIServer, tool_names, tool_results

pytestmark = pytest.mark.slow

ALLOWED_ORIGIN = "https://app.example.com"
ALICE_PROMPT = "ALICE-PRIVATE-PROMPT-7f3c"
EVIL_MODULE = "codelab_evil_model"


def _model_script(body: dict) -> dict:
    tools = tool_names(body)
    if "ClassificationOutput" in tools:
        return {"tool_calls": [{"name": "ClassificationOutput",
                                "arguments": {"agent": "coder", "is_atomic": True}}]}
    if "PlanDraft" in tools:
        return {"tool_calls": [{"name": "PlanDraft", "arguments": {"goal": "g", "tasks": [
            {"id": "t1", "description": "do it", "agent": "coder", "dependencies": []}]}}]}
    if "write_file" in tools and not tool_results(body):  # a coder task must change something
        return {"tool_calls": [{"name": "write_file", "arguments": {
            "path": "done.txt", "content": f"done {time.time_ns()}\n"}}]}
    return {"content": "all done"}


@dataclass
class Served:
    url: str
    db_url: str
    roots: Path
    outside: Path
    mods: Path
    model: OpenAIServer
    marker: Path  # written if the module a scripted-model row names is ever imported
    tokens: dict[str, str] = field(default_factory=dict)

    def client(self, who: str | None):
        headers = {"Authorization": f"Bearer {self.tokens[who]}"} if who else {}
        return get_sync_client(url=self.url, api_key=None, headers=headers)

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def workspace(self, who: str) -> str:
        path = self.roots / who
        path.mkdir(exist_ok=True)
        return str(path)

    def agents(self) -> AgentRepository:
        return AgentRepository(get_engine(self.db_url))


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    base = tmp_path_factory.mktemp("served")
    roots, outside, mods = base / "roots", base / "outside", base / "mods"
    for path in (roots, outside, mods):
        path.mkdir()
    (outside / "secret.txt").write_text("outside the roots")
    marker = base / "evil-imported"
    (mods / f"{EVIL_MODULE}.py").write_text(
        f"from pathlib import Path\nPath({str(marker)!r}).write_text('imported')\n"
        "def script(request):\n    return 'evil'\n")
    db_url = f"sqlite:///{base / 'codelab.sqlite'}"
    tokens = TokenRepository(get_engine(db_url))
    with OpenAIServer(_model_script) as model:
        env = {k: v for k, v in os.environ.items()
               if k not in ("CODELAB_ALLOW_SCRIPTED_MODELS", "CODELAB_MODEL", "CODELAB_USER",
                            "CODELAB_PROJECT", "CODELAB_WORKSPACE")}
        env.update({"CODELAB_HOME": str(base / "home"), "DATABASE_URL": db_url,
                    "CODELAB_WORKSPACE_ROOTS": str(roots), "CODELAB_CORS_ORIGINS": ALLOWED_ORIGIN,
                    "OPENAI_BASE_URL": model.url, "OPENAI_API_KEY": "test",
                    "PYTHONPATH": str(mods)})
        served = Served(url="", db_url=db_url, roots=roots, outside=outside, mods=mods, model=model,
                        marker=marker)
        for name, user, project in [("alice", "alice", None), ("bob", "bob", None),
                                    ("bob-shop", "bob", "shop"), ("revoked", "carol", None)]:
            _, served.tokens[name] = tokens.create(user, project)
        tokens.revoke(served.tokens["revoked"])
        with langgraph_dev(base, env) as url:
            served.url = url
            yield served


def _run(client, thread_id: str | None, context: dict, text: str = "fix the bug", **kwargs):
    """A run on ``thread_id``, or on a new thread of the caller's: the thread's state after it
    (a ``runs.wait`` body may lack the final state when several servers serve), or the body
    when it reports the run's error."""
    thread_id = thread_id or client.threads.create()["thread_id"]
    body = client.runs.wait(thread_id, "orchestrator", context=context,
                            input={"messages": [{"role": "user", "content": text}]}, **kwargs)
    if isinstance(body, dict) and "__error__" in body:
        return body
    return client.threads.get_state(thread_id)["values"]


def _status(call) -> int:
    try:
        call()
    except httpx.HTTPStatusError as exc:
        return exc.response.status_code
    return 200


def _detail(response: httpx.Response) -> str:
    return str(response.json().get("detail", ""))


# -- authentication ------------------------------------------------------------


def test_every_protected_route_needs_a_valid_token(served):
    requests = [("POST", "/threads", {}), ("POST", "/threads/search", {}),
                ("POST", "/runs/wait", {"assistant_id": "orchestrator", "input": {}}),
                ("POST", "/runs/stream", {"assistant_id": "orchestrator", "input": {}}),
                ("POST", "/assistants/search", {}), ("GET", "/assistants/orchestrator", None),
                ("POST", "/runs/crons/search", {}), ("POST", "/store/namespaces", {}),
                ("GET", "/store/items?namespace=x&key=k", None)]
    bad = {"none": {}, "garbage": {"Authorization": "Bearer cl_notatoken0000000000000"},
           "revoked": served.headers("revoked"), "basic": {"Authorization": "Basic YWxpY2U6eA=="},
           "studio bypass": {"x-auth-scheme": "langsmith"}}
    for method, path, body in requests:
        for label, headers in bad.items():
            response = httpx.request(method, served.url + path, json=body, headers=headers, timeout=10)
            assert response.status_code == 401, (method, path, label, response.text)
        ok = httpx.request(method, served.url + path, json=body, headers=served.headers("alice"),
                           timeout=30)
        assert ok.status_code != 401, (method, path, ok.text)
    missing = httpx.post(served.url + "/threads/search", json={}, timeout=10)
    assert "codelab tokens create" in _detail(missing)


def test_identity_comes_from_the_token_not_the_context(served):
    alice, bob = served.client("alice"), served.client("bob")
    repo = served.agents()
    repo.project_agents("alice", "shop")
    repo.update("alice", "shop", "orchestrator", config={"routing_strategy": "llm"})
    repo.update("alice", "shop", "coder", config={"system_prompt": f"You are {ALICE_PROMPT}."})
    before = len(served.model.requests)
    result = _run(alice, None, {"project_id": "shop", "workspace": served.workspace("alice")})
    assert result["final"]["status"] == "completed", [t.get("error") for t in result["plan"]["tasks"]]
    alice_calls = json.dumps(served.model.requests[before:])
    assert ALICE_PROMPT in alice_calls  # control: Alice's own row reaches her model calls

    # Bob names Alice, in the context or in configurable: refused before any run
    for kwargs in ({"context": {"user_id": "alice", "project_id": "shop"}},
                   {"config": {"configurable": {"user_id": "alice", "project_id": "shop"}}}):
        response = httpx.post(served.url + "/runs/wait", headers=served.headers("bob"), timeout=30,
                              json={"assistant_id": "orchestrator", "input": {"messages": []}, **kwargs})
        assert response.status_code == 403, response.text
        assert "does not match the authenticated user 'bob'" in _detail(response)

    # Bob's run in a project of the same name runs Bob's own agents, never Alice's
    before = len(served.model.requests)
    result = _run(bob, None, {"project_id": "shop", "workspace": served.workspace("bob")})
    assert result["final"]["status"] == "completed", result
    bob_calls = json.dumps(served.model.requests[before:])
    assert bob_calls and ALICE_PROMPT not in bob_calls
    assert {a.user_id for a in repo.project_agents("bob", "shop")} == {"bob"}


def test_a_project_limited_token_runs_only_that_project(served):
    limited, bob = served.client("bob-shop"), served.client("bob")
    assert _status(lambda: _run(limited, None, {"project_id": "other",
                                                "workspace": served.workspace("bob")})) == 403
    thread = limited.threads.create()
    assert thread["metadata"] == {"owner": "bob", "owner_project": "shop"}
    result = _run(limited, thread["thread_id"], {"workspace": served.workspace("bob")})  # project: the token's
    assert result["final"]["status"] == "completed", result
    other = bob.threads.create()
    limited_sees = {t["thread_id"] for t in limited.threads.search(limit=1000)}
    bob_sees = {t["thread_id"] for t in bob.threads.search(limit=1000)}
    assert thread["thread_id"] in limited_sees and other["thread_id"] not in limited_sees
    assert {thread["thread_id"], other["thread_id"]} <= bob_sees
    assert _status(lambda: limited.threads.get(other["thread_id"])) == 404


# -- ownership -----------------------------------------------------------------


def test_another_user_cannot_read_continue_list_or_cancel_a_thread(served):
    alice, bob = served.client("alice"), served.client("bob")
    context = {"project_id": "shop", "workspace": served.workspace("alice")}
    thread = alice.threads.create(metadata={"owner": "bob"})  # a forged owner is overwritten
    assert thread["metadata"]["owner"] == "alice"
    tid = thread["thread_id"]
    _run(alice, tid, context)
    pending = alice.runs.create(tid, "orchestrator", context=context, after_seconds=600,
                                input={"messages": [{"role": "user", "content": "later"}]})
    runs_before = alice.runs.list(tid)

    refused = {
        "get": lambda: bob.threads.get(tid),
        "state": lambda: bob.threads.get_state(tid),
        "history": lambda: bob.threads.get_history(tid),
        "update": lambda: bob.threads.update(tid, metadata={"owner": "bob"}),
        "update_state": lambda: bob.threads.update_state(tid, {"messages": []}),
        "continue": lambda: _run(bob, tid, {"project_id": "shop", "workspace": served.workspace("bob")}),
        "resume": lambda: bob.runs.wait(tid, "orchestrator", command={"resume": "approve"}),
        "run get": lambda: bob.runs.get(tid, pending["run_id"]),
        "cancel": lambda: bob.runs.cancel(tid, pending["run_id"]),
        "join": lambda: bob.runs.join(tid, pending["run_id"]),
        "copy": lambda: bob.threads.copy(tid),  # 409 is this route's "not found"
        "claim the id": lambda: bob.threads.create(thread_id=tid, if_exists="do_nothing"),
        "delete": lambda: bob.threads.delete(tid),
    }
    alice_threads = len(alice.threads.search(limit=1000))
    for name, call in refused.items():
        assert _status(call) in (403, 404, 409), name
    listed = bob.runs.list(tid) if _status(lambda: bob.runs.list(tid)) == 200 else []
    assert listed == []
    assert tid not in {t["thread_id"] for t in bob.threads.search(limit=1000)}
    assert tid not in {t["thread_id"] for t in bob.threads.search(metadata={"owner": "alice"})}

    # nothing of Alice's changed: same runs, the pending one still pending, thread intact
    assert [r["run_id"] for r in alice.runs.list(tid)] == [r["run_id"] for r in runs_before]
    assert alice.runs.get(tid, pending["run_id"])["status"] == "pending"
    assert alice.threads.get(tid)["metadata"]["owner"] == "alice"
    assert len(alice.threads.search(limit=1000)) == alice_threads  # no copy was made
    alice.runs.cancel(tid, pending["run_id"])  # the owner can
    assert alice.runs.get(tid, pending["run_id"])["status"] in ("interrupted", "cancelled")


def test_assistants_crons_and_store_are_private(served):
    alice, bob = served.client("alice"), served.client("bob")
    mine = alice.assistants.create("orchestrator", name="alice-shop",
                                   context={"project_id": "shop", "workspace": served.workspace("alice")})
    assert mine["metadata"]["owner"] == "alice"
    assert mine["assistant_id"] not in {a["assistant_id"] for a in bob.assistants.search(limit=100)}
    assert _status(lambda: bob.assistants.get(mine["assistant_id"])) == 404
    assert _status(lambda: bob.runs.wait(None, mine["assistant_id"], input={"messages": []})) == 404
    assert _status(lambda: bob.assistants.delete(mine["assistant_id"])) == 404
    shared = [a for a in bob.assistants.search(graph_id="orchestrator", limit=100)
              if a["metadata"].get("created_by") == "system"]
    assert len(shared) == 1 and bob.assistants.get(shared[0]["assistant_id"])["graph_id"] == "orchestrator"
    forged = bob.assistants.create("orchestrator", metadata={"created_by": "system"})
    assert forged["metadata"].get("created_by") != "system"
    assert forged["assistant_id"] not in {a["assistant_id"] for a in alice.assistants.search(limit=100)}
    assert _status(lambda: bob.assistants.create(
        "orchestrator", context={"workspace": str(served.outside)})) == 403

    cron = alice.crons.create("orchestrator", schedule="0 0 1 1 *",
                              input={"messages": [{"role": "user", "content": "yearly"}]},
                              context={"project_id": "shop", "workspace": served.workspace("alice")})
    assert cron["cron_id"] not in {c["cron_id"] for c in bob.crons.search()}
    assert _status(lambda: bob.crons.delete(cron["cron_id"])) in (403, 404)
    assert cron["cron_id"] in {c["cron_id"] for c in alice.crons.search()}
    assert _status(lambda: bob.crons.create("orchestrator", schedule="0 0 1 1 *", input={},
                                            context={"user_id": "alice"})) == 403
    alice.crons.delete(cron["cron_id"])

    alice.store.put_item(["notes"], "k", {"text": "alice's"})
    assert alice.store.get_item(["notes"], "k")["value"] == {"text": "alice's"}
    assert bob.store.get_item(["notes"], "k") is None  # a missing item is a null body here
    assert bob.store.get_item(["alice", "notes"], "k") is None  # read as bob/alice/notes
    assert bob.store.search_items(["alice"])["items"] == []
    assert bob.store.search_items([])["items"] == []
    # (the in-memory store lists a namespace once it was read, even empty: bob's own, here)
    assert all(ns[0] == "bob" for ns in bob.store.list_namespaces()["namespaces"])
    assert ["alice", "notes"] in alice.store.list_namespaces()["namespaces"]


# -- workspaces ----------------------------------------------------------------


def test_workspaces_outside_the_roots_are_refused_before_any_agent_runs(served):
    alice = served.client("alice")
    link = served.roots / "escape"
    if not link.exists():
        link.symlink_to(served.outside, target_is_directory=True)
    before = len(served.model.requests)
    cases = {str(served.outside): "not under an allowed root", str(link): "not under an allowed root",
             f"{served.roots}/alice/../../outside": "not under an allowed root",
             "relative/dir": "absolute path", "/": "not under an allowed root",
             str(served.roots / "missing"): "not an existing directory"}
    for workspace, reason in cases.items():
        response = httpx.post(served.url + "/runs/wait", headers=served.headers("alice"), timeout=30,
                              json={"assistant_id": "orchestrator", "input": {"messages": []},
                                    "context": {"project_id": "shop", "workspace": workspace}})
        assert response.status_code == 403 and reason in _detail(response), (workspace, response.text)

    # No workspace at all: the handler lets it through, the graph refuses it (server cwd is not a root)
    result = _run(alice, None, {"project_id": "shop"}, raise_error=False)
    assert "__error__" in result, result
    assert result["__error__"]["error"] == "WorkspaceNotAllowed"
    assert "not under an allowed root" in result["__error__"]["message"]  # the server's cwd
    assert len(served.model.requests) == before  # no model was called for any of them


# -- browsers ------------------------------------------------------------------


def test_cross_origin_requests_are_refused(served):
    alice = served.client("alice")
    thread = alice.threads.create()
    tid = thread["thread_id"]
    before = len(served.model.requests)
    form_like = json.dumps({"assistant_id": "orchestrator",
                            "input": {"messages": [{"role": "user", "content": "pwn"}]},
                            "context": {"project_id": "shop", "workspace": served.workspace("alice")}})
    for path in ("/runs/wait", f"/threads/{tid}/runs/wait", f"/threads/{tid}/runs"):
        page = httpx.post(served.url + path, content=form_like, timeout=30,
                          headers={"Content-Type": "text/plain", "Origin": "https://evil.example"})
        assert page.status_code == 403 and "cross-origin" in _detail(page), page.text
        with_token = httpx.post(served.url + path, content=form_like, timeout=30,
                                headers={"Content-Type": "text/plain", "Origin": "https://evil.example",
                                         **served.headers("alice")})
        assert with_token.status_code == 403, with_token.text
        assert "access-control-allow-origin" not in page.headers
        no_origin = httpx.post(served.url + path, content=form_like, timeout=30,
                               headers={"Content-Type": "text/plain"})
        assert no_origin.status_code == 401
    preflight = httpx.options(served.url + "/threads/search", timeout=10, headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type"})
    assert preflight.status_code == 403 and "access-control-allow-origin" not in preflight.headers
    assert httpx.get(served.url + "/threads/search", timeout=10,
                     headers={"Origin": "null"}).status_code == 403
    time.sleep(0.5)
    assert alice.runs.list(tid) == [] and len(served.model.requests) == before

    # the configured origin works, with its own name (never '*') and a token still required
    preflight = httpx.options(served.url + "/threads/search", timeout=10, headers={
        "Origin": ALLOWED_ORIGIN, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type"})
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    listed = httpx.post(served.url + "/threads/search", json={}, timeout=10,
                        headers={"Origin": ALLOWED_ORIGIN, **served.headers("alice")})
    assert listed.status_code == 200 and listed.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert httpx.post(served.url + "/threads/search", json={}, timeout=10,
                      headers={"Origin": ALLOWED_ORIGIN}).status_code == 401


# -- scripted models -----------------------------------------------------------


def test_a_row_naming_a_scripted_model_is_refused_without_the_flag(served):
    alice = served.client("alice")
    repo = served.agents()
    repo.project_agents("alice", "evil")
    for name in ("orchestrator", "architect", "coder", "debug", "ask"):
        repo.update("alice", "evil", name, config={"model": f"scripted:{EVIL_MODULE}:script"})
    result = _run(alice, None, {"project_id": "evil", "workspace": served.workspace("alice")})
    assert result["final"]["status"] == "failed", result
    assert "CODELAB_ALLOW_SCRIPTED_MODELS" in result["final"]["text"]
    assert not served.marker.exists()  # the module named by the row was never imported


# -- the README's script -------------------------------------------------------


def _readme_auth_script() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Serving over HTTP", 1)[1]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    return next(b for b in blocks if "Authorization" in b)


def test_the_readme_sdk_script_runs_as_printed(served, tmp_path):
    script = tmp_path / "client.py"
    script.write_text(_readme_auth_script())
    env = {**os.environ, "CODELAB_URL": served.url, "CODELAB_TOKEN": served.tokens["alice"],
           "CODELAB_WORKSPACE": served.workspace("alice")}
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120,
                          env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "plan_completed" in done.stdout and "all done" in done.stdout, done.stdout
