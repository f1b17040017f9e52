"""Helpers for the PayNow client integration tests (a unique module name, so imports never clash)."""

from __future__ import annotations

API_KEY = "pnapi_v1_integration_5e1f0a"
