"""The import function's environment, parsed once by a pydantic model."""

from __future__ import annotations

from typing import Self

from pydantic import Field, field_validator, model_validator

from customers.common.settings import NonEmpty, PayNowFunctionSettings
from customers.importer.config import ExistingMode, ImportConfig


class ImporterSettings(PayNowFunctionSettings):
    import_bucket: NonEmpty = Field(alias="IMPORT_BUCKET")
    incoming_prefix: str = Field(default="incoming/", alias="INCOMING_PREFIX")
    reports_prefix: NonEmpty = Field(default="reports/", alias="REPORTS_PREFIX")
    existing_mode: ExistingMode = Field(default=ExistingMode.SKIP, alias="IMPORT_EXISTING_MODE")
    concurrency: int = Field(default=4, ge=1, le=32, alias="IMPORT_CONCURRENCY")
    max_hops: int = Field(default=50, ge=1, le=1000, alias="IMPORT_MAX_HOPS")
    function_name: str | None = Field(default=None, alias="IMPORT_FUNCTION_NAME")
    lambda_function_name: str | None = Field(default=None, alias="AWS_LAMBDA_FUNCTION_NAME")

    @field_validator("existing_mode", mode="before")
    @classmethod
    def _mode_case(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _prefixes_apart(self) -> Self:
        # Reports written under the incoming prefix would trigger the import of the report itself.
        if self.reports_prefix.startswith(self.incoming_prefix) or self.incoming_prefix.startswith(
            self.reports_prefix
        ):
            raise ValueError("REPORTS_PREFIX and INCOMING_PREFIX must not contain one another")
        return self

    @property
    def continuation_function(self) -> str | None:
        return self.function_name or self.lambda_function_name

    def import_config(self) -> ImportConfig:
        return ImportConfig(
            bucket=self.import_bucket,
            reports_prefix=self.reports_prefix,
            incoming_prefix=self.incoming_prefix,
            existing_mode=self.existing_mode,
            concurrency=self.concurrency,
            max_hops=self.max_hops,
        )
