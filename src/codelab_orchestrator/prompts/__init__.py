"""Prompt templates, one module per purpose. Plain module-level strings so a
change to a prompt shows up as a readable diff."""
