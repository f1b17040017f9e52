"""TrustedFunction's wiring: settings parsed and the trusted service built at init (so no request pays
for it, and a SnapStart snapshot holds it), built again after a SnapStart restore."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
from aws_lambda_powertools.logging import correlation_paths

from customers.adapters.paynow_client import paynow_client
from customers.api.resolver import http_resolver, provided
from customers.bootstrap import snapstart
from customers.bootstrap.provisioning import build_provisioner
from customers.common.ports import CustomersApi
from customers.trusted import routes
from customers.trusted.actions import handle_direct, is_http_api_event
from customers.trusted.service import TrustedService
from customers.trusted.settings import TrustedSettings


def build_trusted_service(
    settings: TrustedSettings,
    *,
    api: CustomersApi | None = None,
    paynow_transport: httpx.BaseTransport | None = None,
) -> TrustedService:
    """``api``/``paynow_transport`` replace the network (tests, benchmarks); production passes none."""
    api = api if api is not None else paynow_client(settings, paynow_transport)
    return TrustedService(provisioner=build_provisioner(settings, api, via="trusted"))


class TrustedFunction:
    """One sandbox of the function. Tests replace the service with ``app.dependency_overrides``;
    direct invocations get the same service the routes get."""

    correlation_id_path = correlation_paths.API_GATEWAY_HTTP

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self.settings = TrustedSettings.from_environment(environ)
        self.app = http_resolver()
        self.app.include_router(routes.router)
        self.app.dependency_overrides[routes.trusted_service] = lambda: self.service
        snapstart.warm_secrets_provider()
        self.service = build_trusted_service(self.settings)
        snapstart.install(self)

    def after_restore(self) -> None:
        """SnapStart restore hook: nothing built at init is shared with the other restored sandboxes."""
        snapstart.refresh_process_state()
        self.service = build_trusted_service(self.settings)

    def handle(self, event: Any, context: Any) -> Any:
        """HTTP API events go to the resolver; anything else is a direct invocation."""
        if is_http_api_event(event):
            return self.app.resolve(event, context)
        return handle_direct(event, provided(self.app, routes.trusted_service), context)
