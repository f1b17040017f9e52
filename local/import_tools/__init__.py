"""Operator tools run from the dev venv: the import CLI and its file/memory stores (not shipped in the layer)."""
