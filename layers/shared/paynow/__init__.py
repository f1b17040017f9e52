"""A typed, retrying client for PayNow's Management API (Customers resource)."""
