"""The importer's data: import state, counts, summary, rejected rows, valid rows."""
