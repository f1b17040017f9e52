"""Operator tools run from the dev venv: the import CLI and its file/memory stores (never in the layer)."""
