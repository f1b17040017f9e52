"""Steam's OpenID 2.0 ``check_authentication`` over httpx."""

from __future__ import annotations

import httpx

from customers.common.deadline import Deadline
from customers.common.errors import SteamUnavailableError

# Steam answers within a second; never let it eat the whole API Gateway window.
_MAX_TIMEOUT = 5.0


class HttpSteamAuthenticator:
    def __init__(self, endpoint: str, client: httpx.Client) -> None:
        self._endpoint = endpoint
        self._client = client

    def check_authentication(self, params: dict[str, str], *, deadline: Deadline) -> bool:
        form = {**params, "openid.mode": "check_authentication"}
        timeout = min(_MAX_TIMEOUT, deadline.remaining())
        if timeout <= 0:
            raise SteamUnavailableError("no time left to verify the Steam sign-in")
        try:
            response = self._client.post(self._endpoint, data=form, timeout=timeout)
        except httpx.HTTPError as error:
            raise SteamUnavailableError(f"Steam did not answer: {type(error).__name__}") from None
        if response.status_code != 200:
            raise SteamUnavailableError(f"Steam answered HTTP {response.status_code}")
        # Key-Value Form Encoding (OpenID 2.0 section 4.1.1): "key:value" lines.
        fields = dict(line.split(":", 1) for line in response.text.splitlines() if ":" in line)
        return fields.get("is_valid", "").strip() == "true"
