"""Composition root: observability and one cached wiring factory per function. Imports everything."""
