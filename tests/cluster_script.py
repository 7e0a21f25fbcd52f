"""Scripted model for the cluster test and benchmark (``scripted:tests.cluster_script:script``).

A request "job <name>" gets a plan: a, b in parallel and c after both; for a name starting
with "five", five tasks (a, b; c after a; d after b; e after c and d). Each task makes two model calls: the first answers with a
``write_file`` of ``<task>_<pid>_<job>.txt`` (so a file tells which server process wrote it), the
second answers in words. Every model call of a task sleeps ``CLUSTER_LATENCY`` seconds
(asynchronously: a cancelled call stops) and is logged as one JSON line to
``CLUSTER_CALL_LOG``: ``{"pid", "job", "task", "step", "event": "start"|"end", "t"}``, so a
test knows which server is running which task, and whether a server called the model after
some moment.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import time

from langchain_core.messages import AIMessage, ToolMessage

from tests.scripted import Script, task_id_of

JOB = re.compile(r"job (\S+)")
PLANS = {
    "3": [("a", []), ("b", []), ("c", ["a", "b"])],
    "5": [("a", []), ("b", []), ("c", ["a"]), ("d", ["b"]), ("e", ["c", "d"])],
}


def _log(**entry) -> None:
    path = os.environ.get("CLUSTER_CALL_LOG")
    if path:
        line = json.dumps({"pid": os.getpid(), "t": time.time(), **entry}) + "\n"
        with open(path, "a") as log:  # one short append: atomic between processes
            log.write(line)


def _job(text: str) -> str:
    match = JOB.search(text)
    return match.group(1) if match else "?"


def _plan(request) -> dict:
    job = _job(request.prompt)
    tasks = PLANS["5" if job.startswith("five") else "3"]
    return {"goal": f"job {job}", "tasks": [
        {"id": task, "description": f"write {task}", "agent": "coder", "dependencies": deps}
        for task, deps in tasks]}


async def _task(request):
    task = task_id_of(request)
    job = _job(request.prompt)
    step = 2 if any(isinstance(m, ToolMessage) for m in request.messages) else 1
    _log(job=job, task=task, step=step, event="start")
    await asyncio.sleep(float(os.environ.get("CLUSTER_LATENCY", "0.2")))
    _log(job=job, task=task, step=step, event="end")
    if step == 2:
        return f"wrote {task} for job {job}"
    return AIMessage(content="", tool_calls=[{
        "name": "write_file", "id": f"call-{job}-{task}",
        "args": {"path": f"{task}_{os.getpid()}_{job}.txt", "content": f"{job} {task} {os.getpid()}"}}])


script = Script(classification={"agent": "architect", "is_atomic": False, "confidence": "high"},
                plans=[_plan], task=_task)
