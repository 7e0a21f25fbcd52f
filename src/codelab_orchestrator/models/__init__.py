"""Chat models by name: ``provider:model`` through ``init_chat_model``, or a
model registered in-process (``scripted:...`` for tests and the demo)."""

from .errors import endpoint_error
from .registry import (
    ModelConfigurationError,
    get_chat_model,
    model_for,
    register_model,
    unregister_model,
)
from .scripted import ScriptedChatModel, ScriptedRequest

__all__ = [
    "ModelConfigurationError",
    "ScriptedChatModel",
    "ScriptedRequest",
    "endpoint_error",
    "get_chat_model",
    "model_for",
    "register_model",
    "unregister_model",
]
