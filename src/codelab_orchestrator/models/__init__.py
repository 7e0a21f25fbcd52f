"""Chat models by name: ``provider:model`` through ``init_chat_model``, or a
model registered in-process (``scripted:...`` for tests and the demo)."""

from .registry import ModelConfigurationError, get_chat_model, register_model, unregister_model
from .scripted import ScriptedChatModel, ScriptedRequest

__all__ = [
    "ModelConfigurationError",
    "ScriptedChatModel",
    "ScriptedRequest",
    "get_chat_model",
    "register_model",
    "unregister_model",
]
