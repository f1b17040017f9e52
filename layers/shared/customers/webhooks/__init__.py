"""PayNow webhooks in: signature verification, the delivery ledger, publishing onto the event bus."""
