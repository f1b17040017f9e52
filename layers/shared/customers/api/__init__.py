"""The HTTP API edge signup and trusted share: error bodies, exception mapping, failure logs, JSON parsing."""
