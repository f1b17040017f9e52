"""The trusted function's environment: exactly what every PayNow-calling function needs."""

from __future__ import annotations

from customers.common.settings import PayNowFunctionSettings


class TrustedSettings(PayNowFunctionSettings):
    pass
