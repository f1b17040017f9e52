"""Log and count a refused or failed request at a level that says who must act."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from customers.api.error_body import ApiError

logger = Logger(child=True)
metrics = Metrics()


def log_failure(error: BaseException, api_error: ApiError) -> None:
    """Log at a level that matches who must act, and count it (4xx: the caller; 5xx/429: us)."""
    metrics.add_metric(
        name="RequestRefused" if api_error.status < 500 and api_error.status != 429 else "RequestFailed",
        unit=MetricUnit.Count,
        value=1,
    )
    extra = {"status": api_error.status, "code": api_error.code}
    if api_error.status >= 500 and api_error.code in (
        "internal_error",
        "misconfigured",
        "upstream_unauthorized",
    ):
        logger.exception("request failed", extra=extra)
    elif api_error.status >= 500 or api_error.status == 429:
        logger.warning(f"upstream failure: {error}", extra=extra)
    else:
        logger.info(f"request refused: {api_error.message}", extra=extra)
