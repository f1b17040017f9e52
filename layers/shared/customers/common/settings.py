"""The environment every function shares, parsed by pydantic; each function's model extends it."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Annotated, Self

from paynow.ids import InvalidIdError, validate_flake_id
from pydantic import BaseModel, ConfigDict, Field, field_validator

NonEmpty = Annotated[str, Field(min_length=1)]


class EnvSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Self:
        return cls.model_validate(dict(os.environ if environ is None else environ))


class TracingSettings(EnvSettings):
    """Whether Powertools' Tracer would trace: in Lambda (not SAM local) and not disabled by
    ``POWERTOOLS_TRACE_DISABLED`` (the template sets it unless ``Tracing`` is ``Active``). Mirrors
    Powertools' own, private, ``Tracer._is_tracer_disabled``."""

    trace_disabled: str = Field(default="false", alias="POWERTOOLS_TRACE_DISABLED")
    lambda_task_root: str = Field(default="", alias="LAMBDA_TASK_ROOT")
    sam_local: str = Field(default="", alias="AWS_SAM_LOCAL")

    @property
    def enabled(self) -> bool:
        # Powertools' strtobool truthy set; common/ imports no Powertools (layering contract).
        if self.trace_disabled.strip().lower() in {"1", "y", "yes", "t", "true", "on"}:
            return False
        return bool(self.lambda_task_root) and not self.sam_local


class PayNowFunctionSettings(EnvSettings):
    """The configuration contract of every function that calls PayNow."""

    paynow_api_url: str = Field(default="https://api.paynow.gg", alias="PAYNOW_API_URL")
    paynow_store_id: str = Field(alias="PAYNOW_STORE_ID")
    paynow_api_key_secret: NonEmpty = Field(alias="PAYNOW_API_KEY_SECRET")
    event_bus_name: NonEmpty = Field(alias="EVENT_BUS_NAME")
    state_table: NonEmpty = Field(alias="STATE_TABLE")

    @field_validator("paynow_store_id")
    @classmethod
    def _store_id(cls, value: str) -> str:
        try:
            return validate_flake_id(value)
        except InvalidIdError as error:
            raise ValueError(str(error)) from None
