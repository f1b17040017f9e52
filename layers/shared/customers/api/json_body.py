"""The resolver's JSON body parser."""

from __future__ import annotations

import json
from typing import Any


def parse_json_body(text: str) -> Any:
    """The resolver's body parser: JSON that ``json`` cannot hold (nesting past the recursion
    limit, an integer over 4300 digits) is invalid JSON to the caller, not an internal error."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise
    except (ValueError, RecursionError):
        raise json.JSONDecodeError("nested too deeply or a number too long", text, 0) from None
