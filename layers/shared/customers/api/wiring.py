"""Routes get their service through Powertools' ``Depends``. A provider names what a route needs;
each function's wiring (``customers.bootstrap``) supplies it in ``app.dependency_overrides`` when it
builds the resolver, so the feature modules never construct adapters themselves."""

from __future__ import annotations


class NotWiredError(RuntimeError):
    """A route ran in a resolver that its function's wiring did not build: a bug, never user input."""


def not_wired(dependency: str, wiring: str) -> NotWiredError:
    return NotWiredError(
        f"{dependency} is provided by {wiring} through app.dependency_overrides; "
        "this resolver was built without it"
    )
