"""codelab-orchestrator: a multi-agent orchestrator for AI coding assistants.

The graph lives in :mod:`codelab_orchestrator.graph`; import it from there
(importing it here would make every CLI start pay for LangGraph's import).
"""

__version__ = "0.1.0"
