"""HTTP API surface (Powertools event handler): routes, error responses, authorizer, direct invoke."""
