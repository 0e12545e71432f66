"""Writes of the messaging pipeline, one module per stage (see docs/architecture.md)."""
