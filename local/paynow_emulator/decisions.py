"""The emulator's house decisions: how it behaves where PayNow documents nothing.

Each decision is named, has the value the project builds on (the default, as in PAYNOW.md) and
alternatives the emulator can switch to. ``make probe-paynow`` runs one probe per decision against
a target and reports where the target disagrees.

When a probe against the real API disagrees, change the decision here (the default below), then
PAYNOW.md's "House decisions" section, then run the tests: every test that relied on the old
behaviour fails and shows what the client, the functions and the importer must handle. In detail:

- ``uniqueness_conflict`` ("409" | "allow"): a create/update/bulk item whose steam_id,
  minecraft_uuid or xbox_xuid belongs to another customer answers 409 ``conflict``; "allow" creates
  the duplicate (lookup then finds the oldest). If PayNow allows duplicates, signup's
  lookup-then-create stays correct but the importer's "already exists" report rows need a lookup.
- ``bulk_atomic`` (true | false): one invalid or colliding item fails the whole bulk call and
  nothing is created; false creates the valid items and still answers the error for the others
  (a partial commit). If PayNow is partial, the importer must reconcile every failed batch by lookup.
- ``bulk_max`` (int, 200): items per bulk call; more answers 400.
- ``patch_absent`` ("keep" | "clear"): a field absent from a PATCH body is left alone; "clear"
  treats PATCH like PUT.
- ``patch_null`` ("clears" | "ignored"): an explicit null clears the field, or is ignored.
- ``patch_metadata`` ("replace" | "merge"): PATCH ``metadata`` replaces the whole map, or merges keys.
- ``unknown_fields`` ("reject" | "ignore"): an unknown body field answers 400, or is dropped.
- ``non_json_body`` (415 | 400): a body that is not ``application/json`` answers 415 or 400.
- ``rate_limit_headers`` ("none" | "x-ratelimit"): successful answers carry no rate-limit headers,
  or ``X-RateLimit-Limit/Remaining/Reset`` (only meaningful with a rate-limit fault configured).

Two probes check facts rather than decisions (not switchable): a lookup miss is a 404 error
(PayNow's own headless template relies on it) and error bodies carry status, code and message.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

_CHOICES: dict[str, tuple[Any, ...]] = {
    "uniqueness_conflict": ("409", "allow"),
    "bulk_atomic": (True, False),
    "patch_absent": ("keep", "clear"),
    "patch_null": ("clears", "ignored"),
    "patch_metadata": ("replace", "merge"),
    "unknown_fields": ("reject", "ignore"),
    "non_json_body": (415, 400),
    "rate_limit_headers": ("none", "x-ratelimit"),
}


@dataclass(frozen=True)
class HouseDecisions:
    uniqueness_conflict: str = "409"
    bulk_atomic: bool = True
    bulk_max: int = 200
    patch_absent: str = "keep"
    patch_null: str = "clears"
    patch_metadata: str = "replace"
    unknown_fields: str = "reject"
    non_json_body: int = 415
    rate_limit_headers: str = "none"

    def __post_init__(self) -> None:
        for name, choices in _CHOICES.items():
            value = getattr(self, name)
            if value not in choices or type(value) is not type(choices[0]):
                raise ValueError(f"decision {name} must be one of {list(choices)}, got {value!r}")
        if isinstance(self.bulk_max, bool) or not isinstance(self.bulk_max, int) or self.bulk_max < 1:
            raise ValueError(f"decision bulk_max must be a positive integer, got {self.bulk_max!r}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def with_values(self, values: dict[str, Any]) -> HouseDecisions:
        """A copy with ``values`` applied; unknown names raise ValueError."""
        known = {f.name for f in fields(self)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown decisions {sorted(unknown)}; known: {sorted(known)}")
        return replace(self, **values)

    def with_assignment(self, assignment: str) -> HouseDecisions:
        """``NAME=VALUE`` as typed on a command line (values parsed to the decision's type)."""
        name, sep, raw = assignment.partition("=")
        if not sep:
            raise ValueError(f"a decision is NAME=VALUE, got {assignment!r}")
        return self.with_values({name.strip(): parse_value(name.strip(), raw.strip())})


def parse_value(name: str, raw: str) -> Any:
    if name == "bulk_max":
        if not raw.isdigit():
            raise ValueError(f"decision bulk_max must be a positive integer, got {raw!r}")
        return int(raw)
    choices = _CHOICES.get(name)
    if choices is None:
        raise ValueError(f"unknown decision {name!r}; known: {sorted([*_CHOICES, 'bulk_max'])}")
    for choice in choices:
        if str(choice).lower() == raw.lower():
            return choice
    raise ValueError(f"decision {name} must be one of {[str(c) for c in choices]}, got {raw!r}")


DEFAULT_DECISIONS = HouseDecisions()
