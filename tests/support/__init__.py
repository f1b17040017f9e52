"""Fakes and helpers every test folder shares: import them as ``from tests.support.<module> import ...``."""
