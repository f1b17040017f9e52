"""Domain logic (signup, tokens, import) on typed models, talking to ports. No boto3/httpx here."""
