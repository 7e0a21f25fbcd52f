"""Prompt for the Debug agent taking over a task that kept failing."""

DEBUG_TASK = """Task {task_id} ({agent}) failed {attempts} time(s) with: {error}
Find the cause, fix it, and complete the original task: {description}"""
