"""The pieces the server and the graph share: roots, origins, identity, scripted models."""

from __future__ import annotations

import os
from types import SimpleNamespace

import pytest
from langgraph.runtime import Runtime, ServerInfo

from codelab_orchestrator.context import Context
from codelab_orchestrator.models import ModelConfigurationError, get_chat_model
from codelab_orchestrator.nodes.common import context_of
from codelab_orchestrator.server.identity import (
    authenticated_identity,
    authenticated_user,
    is_served,
)
from codelab_orchestrator.server.origins import OriginConfigError, origin_allowed, parse_origins
from codelab_orchestrator.server.roots import WorkspaceNotAllowed, check_workspace
from codelab_orchestrator.server.run_context import check_workspace_allowed, with_identity


@pytest.fixture
def roots(tmp_path, monkeypatch):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "project").mkdir()
    (tmp_path / "outside").mkdir()
    (a / "link-out").symlink_to(tmp_path / "outside")
    monkeypatch.setenv("CODELAB_WORKSPACE_ROOTS", f"{a}{os.pathsep}{b}")
    return tmp_path


def test_workspace_roots(roots):
    a = roots / "a"
    assert check_workspace(str(a / "project"), served=True) == (a / "project").resolve()
    assert check_workspace(str(roots / "b"), served=True) == (roots / "b").resolve()
    refused = {str(roots / "outside"): "not under", str(a / "link-out"): "not under",
               f"{a}/project/../../outside": "not under", str(roots): "not under",
               "project": "absolute", str(a / "nope"): "not an existing directory", "": "required"}
    for workspace, reason in refused.items():
        with pytest.raises(WorkspaceNotAllowed, match=reason):
            check_workspace(workspace, served=True)


def test_no_roots_refuses_everything_served_and_nothing_embedded(tmp_path, monkeypatch):
    monkeypatch.delenv("CODELAB_WORKSPACE_ROOTS", raising=False)
    with pytest.raises(WorkspaceNotAllowed, match="CODELAB_WORKSPACE_ROOTS"):
        check_workspace(str(tmp_path), served=True)
    assert check_workspace(str(tmp_path), served=False) == tmp_path.resolve()


def test_origins():
    allowed = parse_origins("https://app.example.com, http://localhost:3000/  https://X.example")
    assert allowed == {"https://app.example.com", "http://localhost:3000", "https://x.example"}
    assert origin_allowed(None, allowed) and origin_allowed("https://APP.example.com", allowed)
    assert not origin_allowed("https://evil.example", allowed) and not origin_allowed("null", allowed)
    assert not origin_allowed("https://app.example.com.evil.example", allowed)
    assert parse_origins("") == frozenset() and not origin_allowed("https://a.b", parse_origins(""))
    for bad in ("*", "https://*.example.com", "app.example.com", "https://a.example/path", "file://x"):
        with pytest.raises(OriginConfigError):
            parse_origins(bad)


def _runtime(context, user=None, *, served=True) -> Runtime:
    info = ServerInfo(assistant_id="a", graph_id="orchestrator", user=user) if served else None
    return Runtime(context=context, server_info=info)


def test_identity_from_runtime_or_config():
    user = SimpleNamespace(identity="alice", is_authenticated=True, project_id="shop")
    identity = authenticated_identity(_runtime({}, user))
    assert identity is not None and (identity.user_id, identity.project_id) == ("alice", "shop")
    config = {"configurable": {"langgraph_auth_user": {"identity": "bob", "is_authenticated": True}}}
    assert authenticated_user(config) == "bob" and is_served(config)
    assert authenticated_user(_runtime({}, None)) is None
    unauthenticated = SimpleNamespace(identity="", is_authenticated=False)
    assert authenticated_user(_runtime({}, unauthenticated)) is None
    assert authenticated_user(None) is None and not is_served(_runtime({}, served=False))


def test_the_token_is_imposed_and_the_resolved_workspace_checked(roots):
    from codelab_orchestrator.nodes.common import session_context
    from codelab_orchestrator.state import SessionInfo, State

    workspace = str(roots / "a" / "project")
    user = SimpleNamespace(identity="alice", is_authenticated=True, project_id=None)
    given = {"user_id": "mallory", "project_id": "p", "workspace": workspace}
    context = context_of(_runtime(given, user))
    assert (context.user_id, context.project_id, context.workspace) == ("alice", "p", workspace)
    limited = SimpleNamespace(identity="alice", is_authenticated=True, project_id="shop")
    assert context_of(_runtime({"project_id": "other"}, limited)).project_id == "shop"

    fresh = State(messages=[])
    assert session_context(fresh, _runtime({"workspace": workspace}, user)).user_id == "alice"
    with pytest.raises(WorkspaceNotAllowed):
        session_context(fresh, _runtime({"workspace": str(roots / "outside")}, user))
    with pytest.raises(WorkspaceNotAllowed):  # no workspace: the default '.' is not under a root
        session_context(fresh, _runtime({}, user))
    # a resumed session's recorded workspace is checked too (roots may have changed since)
    old = State(messages=[], session=SessionInfo(workspace=str(roots / "outside"), user_id="alice",
                                                 project_id="p", orchestrator=None))
    with pytest.raises(WorkspaceNotAllowed):
        session_context(old, _runtime({}, user))
    # served without auth (--no-auth): the context names the user, the roots still apply
    assert session_context(fresh, _runtime({"user_id": "dev", "workspace": workspace})).user_id == "dev"
    with pytest.raises(WorkspaceNotAllowed):
        session_context(fresh, _runtime({"user_id": "dev", "workspace": str(roots / "outside")}))


def test_embedded_runs_keep_their_context(tmp_path, monkeypatch):
    monkeypatch.delenv("CODELAB_WORKSPACE_ROOTS", raising=False)
    context = Context(user_id="me", project_id="p", workspace=str(tmp_path))
    runtime = _runtime(context, served=False)
    assert with_identity(context, runtime) is context
    assert check_workspace_allowed(context, runtime) is context
    monkeypatch.setenv("CODELAB_WORKSPACE_ROOTS", str(tmp_path / "elsewhere"))
    with pytest.raises(WorkspaceNotAllowed):  # embedded, roots apply once configured
        check_workspace_allowed(context, runtime)


def test_scripted_models_need_the_flag(tmp_path, monkeypatch):
    marker = tmp_path / "imported"
    (tmp_path / "scripted_probe.py").write_text(
        f"from pathlib import Path\nPath({str(marker)!r}).write_text('x')\nscript = lambda request: 'hi'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv("CODELAB_ALLOW_SCRIPTED_MODELS")
    with pytest.raises(ModelConfigurationError, match="CODELAB_ALLOW_SCRIPTED_MODELS=1"):
        get_chat_model("scripted:scripted_probe:script")
    assert not marker.exists()
    monkeypatch.setenv("CODELAB_ALLOW_SCRIPTED_MODELS", "1")
    assert get_chat_model("scripted:scripted_probe:script").invoke("x").content == "hi"
    assert marker.exists()
