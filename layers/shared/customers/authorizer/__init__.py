"""The caller-key authorizer of the trusted routes: the key check and its settings."""
