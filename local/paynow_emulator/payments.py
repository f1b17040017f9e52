"""Payments, just enough for chargeback webhooks: ``GET /v1/stores/{storeId}/payments/{paymentId}``.

A payment exists only when a test or the local stack fires a payment event (``/_emulator/webhooks/
trigger``); its ``PaymentDto`` always names the payer (``customer_id`` and ``customer``), while the
webhook body may carry ``customer: null`` (PayNow's docs: resolve the payer from the payment).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

CHARGEBACK_STATUSES = ("none", "pending", "won", "lost")


@dataclass
class PaymentRecord:
    id: int
    order_id: int
    method_id: int
    customer_id: int
    created_at: str
    amount: int = 1000
    currency: str = "usd"
    status: str = "completed"
    chargeback_status: str = "none"
    chargeback_at: str | None = None

    def dto(self, store_id: str, customer: dict[str, Any]) -> dict[str, Any]:
        """``PaymentDto``: a card payment through Stripe, fees in cents."""
        gateway_fee, platform_fee, tax = 59, 50, 0
        return {
            "id": str(self.id),
            "store_id": store_id,
            "order_id": str(self.order_id),
            "customer_id": str(self.customer_id),
            "customer": customer,
            "gateway": "stripe",
            "gateway_entity_identifier": "acct_emulator",
            "gateway_id": f"pi_emulator_{self.id}",
            "method": {
                "id": str(self.method_id),
                "customer_id": str(self.customer_id),
                "gateway": "stripe",
                "gateway_id": f"pm_emulator_{self.method_id}",
                "gateway_customer_id": f"cus_emulator_{self.customer_id}",
                "gateway_type": "card",
                "method_type": "card",
                "method_details": {},
                "created_at": self.created_at,
                "gateway_entity_identifier": "acct_emulator",
            },
            "method_id": str(self.method_id),
            "status": self.status,
            "currency": self.currency,
            "amount": self.amount,
            "gateway_fee_amount": gateway_fee,
            "tax_amount": tax,
            "platform_fee_amount": platform_fee,
            "store_net_amount": self.amount - gateway_fee - platform_fee - tax,
            "presentment_currency": self.currency,
            "presentment_amount": self.amount,
            "platform_fee_rate": 500,
            "chargeback_status": self.chargeback_status,
            "chargeback_status_updated_at": self.chargeback_at,
            "created_at": self.created_at,
            "completed_at": self.created_at,
            "chargeback_at": self.chargeback_at,
        }

    def webhook_body(self, store_id: str, customer: dict[str, Any] | None) -> dict[str, Any]:
        """The body of OnChargeback / OnChargebackClosed / OnPaymentCompleted (webhook-definitions.json)."""
        return {
            "id": str(self.id),
            "store_id": store_id,
            "order_id": str(self.order_id),
            "customer": customer,
            "gateway": "stripe",
            "currency": self.currency,
            "tax_inclusive": False,
            "amount": self.amount,
            "gateway_fee_amount": 59,
            "tax_amount": 0,
            "platform_fee_amount": 50,
            "store_net_amount": self.amount - 109,
            "status": self.status,
            "chargeback_status": self.chargeback_status,
            "chargeback_at": self.chargeback_at,
        }


def webhook_customer(dto: dict[str, Any]) -> dict[str, Any]:
    """A webhook's ``CustomerDTO`` (id, name, steam, minecraft, profile) from a ``CustomerDto``."""
    return {
        key: dto[key] for key in ("id", "name", "steam", "minecraft", "profile") if dto.get(key) is not None
    }
