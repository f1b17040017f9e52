"""The webhook function's environment. It never calls PayNow, so it holds no PayNow API key."""

from __future__ import annotations

from pydantic import Field

from customers.common.settings import EnvSettings, NonEmpty

DAY_S = 86_400


class WebhookSettings(EnvSettings):
    signing_secrets_secret: NonEmpty = Field(alias="WEBHOOK_SECRETS_SECRET")
    event_bus_name: NonEmpty = Field(alias="EVENT_BUS_NAME")
    state_table: NonEmpty = Field(alias="STATE_TABLE")
    payload_bucket: NonEmpty = Field(alias="WEBHOOK_PAYLOAD_BUCKET")
    payload_prefix: NonEmpty = Field(default="webhooks/", alias="WEBHOOK_PAYLOAD_PREFIX")
    # PayNow's retry schedule is undocumented (the emulator's default gives up after ~4 minutes);
    # a week of event ids is far past any plausible retry and costs one small item per event.
    dedupe_days: int = Field(default=7, ge=1, le=365, alias="WEBHOOK_DEDUPE_DAYS")
    max_age_s: float = Field(default=300, gt=0, le=3600, alias="WEBHOOK_MAX_AGE_SECONDS")
    secrets_max_age: int = Field(default=300, ge=0, alias="WEBHOOK_SECRETS_MAX_AGE")

    @property
    def dedupe_seconds(self) -> int:
        return self.dedupe_days * DAY_S
