"""The trusted feature: resolve customers and mint/revoke tokens, over HTTP or by direct invoke."""
