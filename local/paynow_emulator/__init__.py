"""A faithful, strict in-memory emulator of PayNow's Management API Customers resource.

``PayNowEmulator`` answers the 8 Customers operations plus the storefront ``GET /v1/store/customer``,
in-process (``emu.transport()``) or over HTTP (``emu.asgi_app`` with uvicorn), with injectable
faults (``emu.faults``), switchable house decisions (``emu.decisions``), webhook subscriptions and
signed deliveries (``emu.webhooks``, ``emu.trigger_payment_event``), ``GET …/payments/{id}``, and an
inspection surface (``emu.inspect``, ``/_emulator/`` lists it).
"""

from paynow_emulator.core import Outcome, PayNowEmulator, RecordedRequest, Response
from paynow_emulator.decisions import HouseDecisions
from paynow_emulator.faults import Faults, RateLimit
from paynow_emulator.flake import PAYNOW_EPOCH_MS, FlakeGenerator, flake_datetime, parse_flake
from paynow_emulator.inspection import banner_lines, inspection_urls
from paynow_emulator.store import MinecraftAccount

__all__ = [
    "PAYNOW_EPOCH_MS",
    "Faults",
    "FlakeGenerator",
    "HouseDecisions",
    "MinecraftAccount",
    "Outcome",
    "PayNowEmulator",
    "RateLimit",
    "RecordedRequest",
    "Response",
    "banner_lines",
    "flake_datetime",
    "inspection_urls",
    "parse_flake",
]
