"""Budgets: what model calls cost, what a task and a plan have spent, and the limits
checked before every model call (``max_cost_per_plan``, ``max_tokens_per_task``).

Submodules are imported directly (``budget.usage``, ``budget.pricing``,
``budget.ledger``, ``budget.plan``): ``state`` uses ``budget.usage`` and the
ledger uses ``state``, so this package imports nothing itself.
"""
