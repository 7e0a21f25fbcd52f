"""Specialists: one task attempt run by one agent row, as a durable child run."""

from .attempt import Attempt, TaskInterruptedError, attempt_thread_id, run_attempt
from .outcome import EmptyAnswerError, TaskOutcome, outcome_of
from .results import cut, whole_result
from .specialist import specialist_agent

__all__ = [
    "Attempt", "EmptyAnswerError", "TaskInterruptedError", "TaskOutcome", "attempt_thread_id",
    "cut", "outcome_of", "run_attempt", "specialist_agent", "whole_result",
]
