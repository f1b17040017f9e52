"""CSV customer import: stream, validate, send in bulk chunks exactly once, checkpoint, report."""
