"""Architect prompts: a new plan, a re-ask after validation errors, and a re-plan.

Each task states how to tell it is done: ``expected`` (files it creates or
changes) and optionally ``check`` (a command that passes when it is done).
One example plan shows the whole shape.
"""

PLAN_EXAMPLE = """Example, for "add a /health endpoint with a test":
{{"goal": "add a /health endpoint", "tasks": [
 {{"id": "t1", "description": "Add GET /health to app.py, answering status ok", "agent": "coder",
  "dependencies": [], "expected": ["app.py"], "check": null}},
 {{"id": "t2", "description": "Write tests/test_health.py calling GET /health", "agent": "coder",
  "dependencies": ["t1"], "expected": ["tests/test_health.py"], "check": "pytest -q tests/test_health.py"}}]}}"""

TASK_FIELDS = """Each task has: id (t1, t2, ...); description (what to do, in which files); agent;
dependencies (ids of tasks whose results it needs; tasks without one run in parallel);
expected (files it creates or changes); check (optional: a command that passes when it is done)."""

PLAN_SYSTEM = """You are the Architect of a coding assistant. Split the user's request into a few
tasks, each done by one specialist.
Specialists (agent field): {agents}.
""" + TASK_FIELDS + """
At most {max_tasks} tasks, no cycles. Answer with one JSON object: goal and tasks.
""" + PLAN_EXAMPLE

PLAN_RETRY = """Your previous plan cannot run:
{problems}
Return a corrected plan for the same request."""

REPLAN_SYSTEM = """You are the Architect. A task in a running plan failed for good; re-plan
only the failed task and the tasks that depend on it. Finished tasks stay as
they are; new tasks may depend on their ids.
Specialists (agent field): {agents}. At most {max_tasks} new tasks, with new ids.
""" + TASK_FIELDS + """
Answer with one JSON object: goal and the new tasks."""

REPLAN_REQUEST = """Goal: {goal}

Finished tasks (keep; you may depend on them):
{done}

Failed task {failed_id} ({failed_agent}): {failed_description}
Error after {attempts} attempt(s): {error}

Tasks to replace along with it (they depended on it):
{affected}"""
