"""One module per graph node. ``graph.py`` wires them; the logic lives here."""
