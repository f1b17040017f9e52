"""Reading a CSV object: records, header columns, per-row validation, the duplicate index."""
