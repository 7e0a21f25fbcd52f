"""LangSmith's bookkeeping, inline when nothing is traced.

``create_agent`` wraps every middleware ``wrap_*`` hook in ``langsmith.traceable``,
whose async wrapper sets up and closes its span in a worker thread: two thread
hops per hook per model or tool call, traced or not. With seven wrapping
middlewares that was most of a task attempt's overhead. When tracing is off the
set-up does no I/O, so it runs inline (LangSmith's own hook for runtimes that
cannot hop threads, ``set_runtime_overrides``); when tracing is on, LangSmith's
default is kept.
"""

from __future__ import annotations

import contextvars
from typing import Any

_installed = False


async def _inline_when_untraced(default: Any, ctx: contextvars.Context, func: Any, /,
                                *args: Any, **kwargs: Any) -> Any:
    from langsmith.utils import tracing_is_enabled  # noqa: PLC0415

    if ctx.run(tracing_is_enabled):
        return await default(ctx, func, *args, **kwargs)
    return ctx.run(func, *args, **kwargs)


def install() -> None:
    """Install the override once per process (leaving any other override alone)."""
    global _installed
    if _installed:
        return
    import langsmith  # noqa: PLC0415
    from langsmith._runtime_overrides import _runtime_overrides  # noqa: PLC0415

    if _runtime_overrides.aio_to_thread is None:
        langsmith.set_runtime_overrides(aio_to_thread=_inline_when_untraced)
    _installed = True
