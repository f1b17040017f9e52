"""SignupFunction's wiring: settings parsed and the signup service built at init (so no request pays
for it, and a SnapStart snapshot holds it), built again after a SnapStart restore."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
from aws_lambda_powertools.event_handler import CORSConfig
from aws_lambda_powertools.logging import correlation_paths

from customers.adapters.dynamo_state import DynamoClientRateLimiter, DynamoNonceStore
from customers.adapters.paynow_client import paynow_client
from customers.adapters.steam_openid import HttpSteamAuthenticator
from customers.api.resolver import http_resolver
from customers.bootstrap import snapstart
from customers.bootstrap.aws_clients import aws_client
from customers.bootstrap.provisioning import build_provisioner
from customers.common.ports import CustomersApi
from customers.signup import routes
from customers.signup.service import SignupService
from customers.signup.settings import SignupSettings
from customers.signup.steam import SteamAssertionVerifier


def build_signup_service(
    settings: SignupSettings,
    *,
    api: CustomersApi | None = None,
    paynow_transport: httpx.BaseTransport | None = None,
    steam_transport: httpx.BaseTransport | None = None,
) -> SignupService:
    """``api``/``*_transport`` replace the network (tests, benchmarks); production passes none."""
    # One TLS context for both HTTP clients: loading the CA bundle is most of a client's cost.
    tls = httpx.create_ssl_context()
    api = api if api is not None else paynow_client(settings, paynow_transport, verify=tls)
    steam_http = httpx.Client(
        transport=steam_transport, verify=tls, headers={"User-Agent": "paynow-customers-signup"}
    )
    dynamodb = aws_client("dynamodb")
    verifier = SteamAssertionVerifier(
        op_endpoint=settings.steam_openid_url,
        allowed_origins=settings.allowed_origins,
        return_paths=settings.steam_return_paths,
        authenticator=HttpSteamAuthenticator(settings.steam_openid_url, steam_http),
        nonces=DynamoNonceStore(settings.state_table, dynamodb),
    )
    limiter = (
        DynamoClientRateLimiter(
            settings.state_table,
            dynamodb,
            limit=settings.signup_client_limit,
            window_seconds=settings.signup_client_window_seconds,
        )
        if settings.signup_client_limit > 0
        else None
    )
    return SignupService(
        provisioner=build_provisioner(settings, api, via="signup", dynamodb=dynamodb),
        steam=verifier,
        minecraft_policy=settings.minecraft_signup,
        limiter=limiter,
    )


class SignupFunction:
    """One sandbox of the function. Tests replace the service with ``app.dependency_overrides``."""

    correlation_id_path = correlation_paths.API_GATEWAY_HTTP

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self.settings = SignupSettings.from_environment(environ)
        origins = self.settings.allowed_origins
        self.app = http_resolver(
            cors=CORSConfig(allow_origin=origins[0], extra_origins=list(origins[1:]), max_age=600)
        )
        self.app.include_router(routes.router)
        self.app.dependency_overrides[routes.signup_service] = lambda: self.service
        snapstart.warm_secrets_provider()
        self.service = build_signup_service(self.settings)
        snapstart.install(self)

    def after_restore(self) -> None:
        """SnapStart restore hook: nothing built at init is shared with the other restored sandboxes."""
        snapstart.refresh_process_state()
        self.service = build_signup_service(self.settings)

    def handle(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        return self.app.resolve(event, context)
