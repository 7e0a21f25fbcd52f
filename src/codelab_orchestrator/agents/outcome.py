"""What a finished task attempt produced, read back from its run's messages.

The record of files read and written and commands run is derived from the
tool calls in the conversation (a call counts when its tool message is not
an error), so it survives a crash with the run's checkpoint and needs no
bookkeeping in the tools.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, ToolMessage

READS = {"read_file"}
WRITES = {"write_file", "edit_file", "create_directory"}
RECORD_LIMIT = 100  # entries per list kept in the plan


class EmptyAnswerError(ValueError):
    """The specialist ended without saying anything."""


class CutReplyError(ValueError):
    """The model's reply was cut at its token limit: a fragment, never a task's result.

    Raised by :class:`~.replies.ContinueCutReplies` when continuing did not finish it,
    and by :func:`outcome_of` for a cut last message that got past it (defence in depth)."""


def cut_at_limit(message: BaseMessage) -> bool:
    """Whether ``message`` is a reply the model stopped at its token limit."""
    return isinstance(message, AIMessage) and (
        (message.response_metadata or {}).get("finish_reason") == "length")


@dataclass
class TaskOutcome:
    result: str
    usage: dict[str, int] = field(default_factory=dict)
    record: dict[str, Any] = field(default_factory=dict)
    verified: list[str] = field(default_factory=list)  # checks passed (see ..checks)
    unverified: list[str] = field(default_factory=list)  # checks that could not run, and why


def text_of(message: BaseMessage) -> str:
    content = message.content
    if isinstance(content, str):
        return content
    return "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content)


def usage_of(messages: list[BaseMessage]) -> dict[str, int]:
    total = {"input_tokens": 0, "output_tokens": 0, "total_tokens": 0, "model_calls": 0}
    for message in messages:
        if isinstance(message, AIMessage):
            total["model_calls"] += 1
            usage = message.usage_metadata or {}
            for key in ("input_tokens", "output_tokens", "total_tokens"):
                total[key] += int(usage.get(key, 0) or 0)
    return total


def record_of(messages: list[BaseMessage]) -> dict[str, Any]:
    results = {m.tool_call_id: m for m in messages if isinstance(m, ToolMessage)}
    record: dict[str, list[Any]] = {"files_read": [], "files_written": [], "commands": [],
                                    "tool_errors": []}

    def add(kind: str, value: Any) -> None:
        target = record[kind]
        if len(target) < RECORD_LIMIT and (value not in target or kind == "commands"):
            target.append(value)

    for message in messages:
        if not isinstance(message, AIMessage):
            continue
        for call in message.tool_calls:
            result = results.get(call.get("id") or "")
            if result is None:
                continue
            if result.status == "error" or text_of(result).startswith("ERROR:"):
                add("tool_errors", f"{call['name']}: {text_of(result)[:300]}")
                continue
            path = str(call["args"].get("path", ""))
            if call["name"] in READS:
                add("files_read", path)
            elif call["name"] in WRITES:
                add("files_written", path)
            elif call["name"] == "run_command":
                first = text_of(result).split("\n", 1)[0]
                add("commands", {"command": str(call["args"].get("command", ""))[:300],
                                 "result": first[:100]})
    return record


def outcome_of(messages: list[BaseMessage]) -> TaskOutcome:
    """The final answer and what was done; :class:`EmptyAnswerError` if there is no answer,
    :class:`CutReplyError` if the answer was cut at the model's token limit."""
    last = messages[-1] if messages else None
    if last is not None and cut_at_limit(last):
        raise CutReplyError("the model's last reply was cut at its token limit "
                            "(finish_reason=length): not a result")
    answer = text_of(last).strip() if isinstance(last, AIMessage) else ""
    if not answer:
        raise EmptyAnswerError("the model returned an empty answer")
    return TaskOutcome(result=answer, usage=usage_of(messages), record=record_of(messages))
