"""Logger, Tracer and Metrics of a function, the redaction filter on every log handler, and the one
decorator stack every ``functions/*/app.py`` wraps its handler in."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar, cast

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

from customers.common import redaction
from customers.common.settings import TracingSettings

Handler = TypeVar("Handler", bound=Callable[..., Any])


def tracing_enabled(environ: Mapping[str, str] | None = None) -> bool:
    """Checked before building a Tracer because any Tracer, even a disabled one, imports the X-Ray SDK."""
    return TracingSettings.from_environment(environ).enabled


def observed(*, correlation_id_path: str | None = None) -> Callable[[Handler], Handler]:
    """Logger (outermost), Tracer (when tracing), Metrics (with the cold-start metric) around ``handler``.

    Called once per sandbox, when app.py is imported: it creates the function's Logger, masks
    secrets on its handler and on the runtime's root handlers, and routes the ``customers`` and
    ``paynow`` standard-library loggers through the same handler.
    """
    logger = Logger()
    metrics = Metrics()
    redaction.install_everywhere(logger.registered_handler)
    copy_config_to_registered_loggers(source_logger=logger, include={"customers", "paynow"})

    def decorate(handler: Handler) -> Handler:
        measured = metrics.log_metrics(capture_cold_start_metric=True)(handler)
        traced = measured
        if tracing_enabled():
            # Built only when tracing: any Tracer, even a disabled one, imports the X-Ray SDK.
            traced = Tracer().capture_lambda_handler(measured)
        wrapped = logger.inject_lambda_context(correlation_id_path=correlation_id_path, clear_state=True)(
            traced
        )
        return cast(Handler, wrapped)

    return decorate
