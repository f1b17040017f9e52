"""POST /signup over real HTTP against the running stack: Steam and Minecraft, new and existing."""

from __future__ import annotations

from devstack_e2e import Stack, wait_for


def test_steam_signup_creates_then_finds_the_customer(stack: Stack) -> None:
    steam_id = "76561197960400001"
    first = stack.api(
        "POST", "/signup", body={"steam": stack.steam_assertion(steam_id)}, origin=stack.page_origin
    )
    assert first.status_code == 200, first.text
    created = first.json()
    assert created["created"] is True
    # The browser learns the customer id, a display name and the platform; never the identifiers.
    assert set(created) == {"customer", "platform", "created", "token"}
    assert set(created["customer"]) == {"id", "display_name"}
    assert created["platform"] == "steam"
    assert first.headers["access-control-allow-origin"] == stack.page_origin

    again = stack.api("POST", "/signup", body={"steam": stack.steam_assertion(steam_id)})
    assert again.status_code == 200, again.text
    existing = again.json()
    assert existing["created"] is False
    assert existing["customer"]["id"] == created["customer"]["id"]

    # Both tokens are real PayNow customer tokens for that customer.
    for token in (created["token"], existing["token"]):
        status, customer = stack.storefront_status(token)
        assert status == 200
        assert customer is not None
        assert customer["id"] == created["customer"]["id"]
        assert customer["steam_id"] == steam_id

    def announced() -> bool | None:
        for entry in stack.events():
            event = entry["event"]
            if event.get("detail-type") == "Customer Created" and created["customer"]["id"] in str(
                event["detail"]
            ):
                return True
        return None

    assert wait_for(announced, 30, "the Customer Created event")
    assert created["token"] not in stack.events_text()


def test_replayed_or_foreign_steam_assertions_are_refused(stack: Stack) -> None:
    assertion = stack.steam_assertion("76561197960400002")
    assert stack.api("POST", "/signup", body={"steam": assertion}).status_code == 200
    before = len(stack.paynow_requests())
    replay = stack.api("POST", "/signup", body={"steam": assertion})
    assert replay.status_code == 401
    tampered = stack.steam_assertion("76561197960400003")
    tampered["openid.claimed_id"] = tampered["openid.identity"] = (
        "https://steamcommunity.com/openid/id/76561197960400004"
    )
    assert stack.api("POST", "/signup", body={"steam": tampered}).status_code == 401
    assert len(stack.paynow_requests()) == before


def test_minecraft_signups_java_and_bedrock(stack: Stack) -> None:
    for name, edition in (("Dinnerbone", "java"), ("DevBedrock", "bedrock")):
        body = {"minecraft": {"name": name, "edition": edition}}
        first = stack.api("POST", "/signup", body=body)
        assert first.status_code == 200, first.text
        assert first.json()["created"] is True
        assert first.json()["platform"] == f"minecraft_{edition}"
        assert first.json()["customer"]["display_name"] == name
        second = stack.api("POST", "/signup", body=body)
        assert second.json()["created"] is False
        assert second.json()["customer"]["id"] == first.json()["customer"]["id"]


def test_minecraft_name_without_an_account_is_404(stack: Stack) -> None:
    response = stack.api("POST", "/signup", body={"minecraft": {"name": "NoSuchPlayer42", "edition": "java"}})
    assert response.status_code == 404
    assert response.json()["message"]


def test_bad_body_is_a_validation_error(stack: Stack) -> None:
    response = stack.api("POST", "/signup", body={"minecraft": {"name": "x", "edition": "java"}})
    assert response.status_code in (400, 422)


def test_cors_preflight_for_the_page_origin_only(stack: Stack) -> None:
    with stack.http() as client:
        allowed = client.options(
            stack.api_url + "/signup",
            headers={
                "origin": stack.page_origin,
                "access-control-request-method": "POST",
                "access-control-request-headers": "content-type",
            },
        )
        other = client.options(
            stack.api_url + "/signup",
            headers={"origin": "https://elsewhere.example", "access-control-request-method": "POST"},
        )
    assert allowed.status_code == 204
    assert allowed.headers["access-control-allow-origin"] == stack.page_origin
    assert "content-type" in allowed.headers["access-control-allow-headers"]
    assert "access-control-allow-origin" not in other.headers
