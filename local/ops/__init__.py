"""Operator tools for a deployed (or the local) stack: deploy, secrets, smoke test, sample events.

Run as ``PYTHONPATH=local .venv/bin/python -m ops …`` or through ``make deploy``, ``make secrets``,
``make smoke``. Nothing in the Lambda layer imports from here.
"""
