"""What the features share: deadline, provisioning, identity, ports, errors, settings base, redaction."""
