"""Per-sandbox wiring: services are built once, lazily, from the function's settings; tests swap them."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, Literal, TypeVar

import boto3
import httpx
from botocore.config import Config
from paynow.deadline import Deadline

from customers.adapters.dynamo_state import DynamoCreationLock, DynamoNonceStore
from customers.adapters.eventbridge import EventBridgePublisher
from customers.adapters.paynow_api import paynow_client
from customers.adapters.steam_openid import HttpSteamAuthenticator
from customers.function_settings import PayNowFunctionSettings
from customers.ports import CustomersApi
from customers.signup import CustomerProvisioner, SignupService
from customers.signup_settings import SignupSettings, TrustedSettings
from customers.steam import SteamAssertionVerifier
from customers.trusted import TrustedService

T = TypeVar("T")

# API Gateway gives up on an integration after 29 s; leave room to answer.
API_GATEWAY_BUDGET_SECONDS = 25.0


class Lazy(Generic[T]):
    """Created on first use and kept for the sandbox's life; ``set`` replaces it (tests, benchmarks)."""

    def __init__(self, factory: Callable[[], T]) -> None:
        self._factory = factory
        self._value: T | None = None
        self._lock = threading.Lock()

    def get(self) -> T:
        value = self._value
        if value is None:
            with self._lock:
                if self._value is None:
                    self._value = self._factory()
                value = self._value
        return value

    def set(self, value: T | None) -> None:
        with self._lock:
            self._value = value


def api_deadline(context: Any) -> Deadline:
    """The earlier of Lambda's end and API Gateway's integration timeout."""
    cap = Deadline.after(API_GATEWAY_BUDGET_SECONDS)
    if context is None or not hasattr(context, "get_remaining_time_in_millis"):
        return cap
    return Deadline.from_lambda_context(context).earliest(cap)


def invoke_deadline(context: Any) -> Deadline:
    if context is None or not hasattr(context, "get_remaining_time_in_millis"):
        return Deadline.after(API_GATEWAY_BUDGET_SECONDS)
    return Deadline.from_lambda_context(context)


# botocore's defaults (60 s timeouts, DynamoDB's 10 legacy attempts) could outlive API Gateway's
# 29 s window on one stalled call; these bound each AWS call to well inside it.
_AWS_CONFIG = Config(connect_timeout=2, read_timeout=5, retries={"mode": "standard", "total_max_attempts": 3})


def aws_client(service: Literal["dynamodb", "events"]) -> Any:
    return boto3.client(service, config=_AWS_CONFIG)


def provisioner(settings: PayNowFunctionSettings, api: CustomersApi, *, via: str) -> CustomerProvisioner:
    dynamodb = aws_client("dynamodb")
    return CustomerProvisioner(
        api=api,
        lock=DynamoCreationLock(settings.state_table, dynamodb),
        events=EventBridgePublisher(settings.event_bus_name, aws_client("events")),
        via=via,
    )


def build_signup_service(
    settings: SignupSettings,
    *,
    api: CustomersApi | None = None,
    paynow_transport: httpx.BaseTransport | None = None,
    steam_transport: httpx.BaseTransport | None = None,
) -> SignupService:
    """``api``/``*_transport`` replace the network (tests, benchmarks); production passes none."""
    api = api if api is not None else paynow_client(settings, paynow_transport)
    prov = provisioner(settings, api, via="signup")
    steam_http = httpx.Client(transport=steam_transport, headers={"User-Agent": "paynow-customers-signup"})
    verifier = SteamAssertionVerifier(
        op_endpoint=settings.steam_openid_url,
        allowed_origins=settings.allowed_origins,
        authenticator=HttpSteamAuthenticator(settings.steam_openid_url, steam_http),
        nonces=DynamoNonceStore(settings.state_table, aws_client("dynamodb")),
    )
    return SignupService(provisioner=prov, steam=verifier)


def build_trusted_service(
    settings: TrustedSettings,
    *,
    api: CustomersApi | None = None,
    paynow_transport: httpx.BaseTransport | None = None,
) -> TrustedService:
    api = api if api is not None else paynow_client(settings, paynow_transport)
    return TrustedService(provisioner=provisioner(settings, api, via="trusted"))
