"""A small Steam OpenID 2.0 provider stand-in for local development and tests.

``SteamOpenIdStandIn`` serves ``GET /openid/login`` (checkid_setup: auto-approves and redirects to
``return_to`` with a signed positive assertion) and ``POST /openid/login`` (check_authentication:
``is_valid:true`` once per genuine assertion). ``mint`` creates an assertion in-process and
``transport()`` serves a sync ``httpx.Client`` without a socket.
"""

from steam_openid.provider import DEFAULT_STEAM_ID, SteamOpenIdStandIn, sign_fields

__all__ = ["DEFAULT_STEAM_ID", "SteamOpenIdStandIn", "sign_fields"]
