"""A chat model whose replies come from a Python function: tests and the demo.

langchain-core's fake models support neither ``bind_tools`` nor structured
output. This one remembers the tools it was bound to and hands them to the
script, so a script can answer a structured-output request with a tool call
(return a dict or pydantic model) or reply with plain text, sleep to simulate
latency, or raise to simulate a provider error. Token usage is counted in words
(input: every message; output: the reply), unless the reply is an ``AIMessage``
carrying its own ``usage_metadata``.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    SystemMessage,
)
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import BaseModel, Field


@dataclass
class ScriptedRequest:
    messages: list[BaseMessage]
    tools: list[str]  # names of the bound tools (a structured-output schema is one)
    tool_choice: Any

    @property
    def system(self) -> str:
        return "\n".join(str(m.content) for m in self.messages if isinstance(m, SystemMessage))

    @property
    def prompt(self) -> str:
        """The last human message's text."""
        humans = [m for m in self.messages if isinstance(m, HumanMessage)]
        return str(humans[-1].content) if humans else ""


Script = Callable[[ScriptedRequest], Any]


class ScriptedChatModel(BaseChatModel):
    script: Script
    bound_tools: list[dict[str, Any]] = Field(default_factory=list, repr=False)
    tool_choice: Any = None
    # LangChain serialises the model (its repr) on every call: keep the log out of it.
    calls: list[ScriptedRequest] = Field(default_factory=list, exclude=True, repr=False)

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def bind_tools(self, tools: Sequence[Any], *, tool_choice: Any = None, **_: Any) -> ScriptedChatModel:  # type: ignore[override]
        return self.model_copy(update={
            "bound_tools": [convert_to_openai_tool(t) for t in tools],
            "tool_choice": tool_choice,
            "calls": self.calls,  # share the call log with the unbound model
        })

    def _request(self, messages: list[BaseMessage]) -> tuple[ScriptedRequest, list[str]]:
        names = [t["function"]["name"] for t in self.bound_tools]
        request = ScriptedRequest(list(messages), names, self.tool_choice)
        self.calls.append(request)
        return request, names

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **_: Any) -> ChatResult:
        request, names = self._request(messages)
        reply = self.script(request)
        if inspect.isawaitable(reply):
            reply = asyncio.run(reply)  # an async script driven from sync code
        return self._result(messages, reply, names)

    async def _agenerate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                         run_manager: AsyncCallbackManagerForLLMRun | None = None,
                         **_: Any) -> ChatResult:
        """An async script is awaited (cancelling the call cancels it, as with a real client);
        a sync one runs in a thread so a sleeping script does not block the event loop."""
        request, names = self._request(messages)
        if inspect.iscoroutinefunction(self.script) or inspect.iscoroutinefunction(
                type(self.script).__call__):
            reply = await self.script(request)
        else:
            reply = await asyncio.get_running_loop().run_in_executor(None, self.script, request)
            if inspect.isawaitable(reply):
                reply = await reply
        return self._result(messages, reply, names)

    async def _astream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                       run_manager: AsyncCallbackManagerForLLMRun | None = None,
                       **kwargs: Any) -> AsyncIterator[ChatGenerationChunk]:
        """The reply word by word (so ``stream_mode="messages"`` shows tokens), tool calls last."""
        result = await self._agenerate(messages, stop, run_manager, **kwargs)
        message = result.generations[0].message
        words = str(message.content).split(" ") if message.content else []
        for index, word in enumerate(words):
            chunk = ChatGenerationChunk(message=AIMessageChunk(
                content=word if index == 0 else " " + word, id=message.id))
            if run_manager is not None:
                await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk
        yield ChatGenerationChunk(message=AIMessageChunk(
            content="", id=message.id, usage_metadata=message.usage_metadata,
            tool_call_chunks=[{"name": c["name"], "args": json.dumps(c["args"]), "id": c["id"],
                               "index": i, "type": "tool_call_chunk"}
                              for i, c in enumerate(message.tool_calls)]))

    def _result(self, messages: list[BaseMessage], reply: Any, names: list[str]) -> ChatResult:
        message = self._to_message(reply, names)
        if message.usage_metadata is None:  # a reply may state its own usage (budget tests)
            prompt_tokens = sum(len(str(m.content).split()) for m in messages)
            output_tokens = len(str(message.content).split()) + sum(
                len(json.dumps(c["args"]).split()) for c in message.tool_calls)
            message.usage_metadata = {"input_tokens": prompt_tokens, "output_tokens": output_tokens,
                                      "total_tokens": prompt_tokens + output_tokens}
        return ChatResult(generations=[ChatGeneration(message=message)])

    @staticmethod
    def _to_message(reply: Any, tool_names: list[str]) -> AIMessage:
        if isinstance(reply, AIMessage):
            return reply
        if isinstance(reply, BaseModel):
            reply = reply.model_dump(mode="json")
        if isinstance(reply, dict):
            if not tool_names:
                return AIMessage(content=json.dumps(reply))
            return AIMessage(content="", tool_calls=[
                {"name": tool_names[0], "args": reply, "id": f"call_{uuid.uuid4().hex[:8]}"}])
        return AIMessage(content=str(reply))
