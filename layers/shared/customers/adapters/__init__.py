"""boto3/httpx implementations of the domain ports."""
