"""What the PostgreSQL runtime of LangGraph API needs to serve this graph.

``codelab serve --cluster`` runs the stock LangGraph API server (0.11.1) on
``langgraph-runtime-pg`` (0.11.1.post1), with ``LANGGRAPH_STRICT_MSGPACK=true``:

- **The state's types are registered with the server's checkpointer.** In strict
  mode a checkpoint may only rebuild the types its serializer allows; the others
  come back as plain dicts (``Blocked deserialization of
  codelab_orchestrator.state.Plan``), and code expecting a ``Plan`` fails
  (``'dict' object has no attribute 'id'`` when a stored plan snapshot is folded).
  Neither LangGraph API nor the runtime reads an ``allowed_msgpack_modules``
  setting (langgraph.json's ``checkpointer.serde`` only knows
  ``allowed_json_modules``; upstream issue langchain-ai/langgraph#7695). LangGraph
  itself collects an allowlist from the state schema when a graph is compiled in
  strict mode, but the server copies the graph for every request and
  ``Pregel.copy`` does not carry that allowlist over. A custom checkpointer
  (``checkpointer.path``) would be wrapped by the server in an adapter that
  replays delta channels one checkpoint at a time instead of the PostgreSQL
  saver's two queries. So the runtime's own saver is created with a serializer
  that allows :data:`~codelab_orchestrator.state.CHECKPOINT_TYPES` (the same list
  :func:`~codelab_orchestrator.graph.build_graph` gives an embedded saver) and
  nothing else beyond LangGraph's safe types.
- **Runs can be created with auth.** LangGraph API puts the authenticated user object (a ``ProxyUser``) into the
  run's ``config.configurable``, and the runtime stores the run's kwargs in a
  JSONB column with SQLAlchemy's default ``json.dumps``, which cannot encode it:
  every run creation failed with 500 (``Object of type ProxyUser is not JSON
  serializable``). The server's own encoder (``langgraph_api.serde.json_dumpb``)
  encodes it as the dict the worker expects back (``normalize_user``), so the
  runtime's engine is given that encoder;
- the lifespan issue is handled in :mod:`.http` (the origin guard sends the
  lifespan straight to the router).

Nothing happens unless the server runs the PostgreSQL runtime
(``LANGGRAPH_RUNTIME_EDITION=pg``) with the pinned versions of the
``[cluster]`` extra; under ``langgraph dev`` this module does nothing.
"""

from __future__ import annotations

import functools
import os
from typing import Any

_PATCHED = "_codelab_json_serializer"


def _json_text(value: Any) -> str:
    from langgraph_api.serde import json_dumpb  # noqa: PLC0415 - only inside the server

    return json_dumpb(value).decode()


def checkpoint_allowlist() -> list[tuple[str, str]]:
    from codelab_orchestrator.state import CHECKPOINT_TYPES  # noqa: PLC0415

    return [(cls.__module__, cls.__name__) for cls in CHECKPOINT_TYPES]


def _register_state_types(module: Any) -> None:
    """Make the runtime's ``AsyncPostgresSaver`` serialize with our allowlist."""
    from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer  # noqa: PLC0415

    base = module.AsyncPostgresSaver
    if getattr(base, _PATCHED, False):
        return

    class StateTypesSaver(base):  # type: ignore[misc, valid-type]
        def __init__(self, conn: Any, pipe: Any = None, serde: Any = None) -> None:
            super().__init__(conn, pipe, serde=serde or JsonPlusSerializer(
                allowed_msgpack_modules=checkpoint_allowlist()))

    setattr(StateTypesSaver, _PATCHED, True)
    module.AsyncPostgresSaver = StateTypesSaver


def install() -> bool:
    """Register the state's types with the runtime's saver and give its engine the server's
    JSON encoder; True if the PostgreSQL runtime is in use."""
    if os.environ.get("LANGGRAPH_RUNTIME_EDITION") != "pg":
        return False
    try:
        from langgraph_runtime_pg import checkpoint, database  # noqa: PLC0415
    except ImportError:
        return False
    _register_state_types(checkpoint)
    create = database.create_async_engine
    if getattr(create, _PATCHED, False):
        return True
    patched = functools.partial(create, json_serializer=_json_text)
    setattr(patched, _PATCHED, True)
    database.create_async_engine = patched  # type: ignore[assignment]
    return True
