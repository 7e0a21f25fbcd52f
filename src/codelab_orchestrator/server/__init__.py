"""Serving over HTTP: bearer-token auth and ownership, allowed origins, workspace roots.

Nothing here is imported by the package at start-up: ``auth.py`` and
``http.py`` are loaded by the LangGraph server from ``langgraph.json``;
``identity``, ``roots`` and ``run_context`` are small and free of server
imports, so the graph's nodes can use them.
"""
