"""The inspection API (emu.inspect) and its HTTP surface under /_emulator/."""

from __future__ import annotations

from paynow_emulator import Faults, PayNowEmulator, RateLimit

from tests.support.emulator_clients import NOTCH_UUID, STEAM_A, Api


def test_inspect_lists_counts_and_records_requests(api: Api) -> None:
    created = api.create(steam_id=STEAM_A, metadata={"a": "b"})
    api.lookup(steam_id=STEAM_A)

    assert api.emu.inspect.count() == 1
    assert api.emu.inspect.customers() == [created]
    seen = api.emu.inspect.requests
    assert [(r.method, r.operation, r.status) for r in seen] == [
        ("POST", "create", 200),
        ("GET", "lookup", 200),
    ]
    assert seen[0].body == {"steam_id": STEAM_A, "metadata": {"a": "b"}}
    assert seen[1].query == {"steam_id": [STEAM_A]}
    assert "authorization" not in seen[0].headers
    assert api.emu.inspect.requests_for("create") == [seen[0]]


def test_reset_forgets_data_but_keeps_faults_and_accounts(api: Api) -> None:
    api.emu.add_minecraft_account("Notch", NOTCH_UUID, "java")
    customer = api.create(name="Notch", minecraft_platform="java")
    token = api.http.post(api.tokens(customer["id"])).json()["token"]
    api.emu.faults.latency_s = 0.0
    api.emu.faults.error_status = 503

    api.emu.inspect.reset()

    assert api.emu.inspect.count() == 0
    assert api.emu.inspect.requests == []
    assert api.storefront(token).status_code == 401
    assert api.emu.faults.error_status == 503
    assert api.create(name="Notch", minecraft_platform="java")["minecraft_uuid"] == NOTCH_UUID


def test_http_customers_requests_and_reset(api: Api) -> None:
    api.create(name="a")

    customers = api.http.get("/_emulator/customers").json()
    assert customers["count"] == 1
    assert customers["customers"][0]["name"] == "a"
    requests = api.http.get("/_emulator/requests").json()
    assert [(r["method"], r["operation"], r["body"]) for r in requests] == [("POST", "create", {"name": "a"})]
    assert api.http.delete("/_emulator/requests").status_code == 204
    assert api.http.get("/_emulator/requests").json() == []
    assert api.http.post("/_emulator/reset").status_code == 204
    assert api.http.get("/_emulator/customers").json() == {"count": 0, "customers": []}


def test_http_faults_get_put_patch_delete(api: Api) -> None:
    body = {"error_count": 1, "rate_limit": {"per_second": 10, "burst": 20}, "retry_after_header": False}

    put = api.http.put("/_emulator/faults", json=body)

    assert put.status_code == 200
    assert api.emu.faults.rate_limit == RateLimit(10.0, 20)
    assert api.emu.faults.retry_after_header is False
    patched = api.http.patch("/_emulator/faults", json={"latency_s": 0.0, "operations": ["create"]}).json()
    assert patched["error_count"] == 1
    assert patched["operations"] == ["create"]
    assert api.http.post(api.customers, json={}).status_code == 500
    assert api.http.get("/_emulator/faults").json()["error_count"] == 0
    assert api.http.delete("/_emulator/faults").status_code == 204
    assert api.emu.faults == Faults()


def test_http_faults_reject_nonsense_with_400(api: Api) -> None:
    for body in [{"error_rate": 2}, {"nope": 1}, {"rate_limit": {"burst": 1}}, {"error_rate": "x"}]:
        response = api.http.put("/_emulator/faults", json=body)
        assert response.status_code == 400, body
        assert set(response.json()) >= {"status", "code", "message"}
    assert api.http.put("/_emulator/faults", content=b"{").status_code == 400
    assert api.http.put("/_emulator/faults", json=[1]).status_code == 400


def test_http_minecraft_accounts_and_steam_profiles(api: Api) -> None:
    added = api.http.post("/_emulator/minecraft-accounts", json={"name": "Notch", "uuid": NOTCH_UUID.upper()})
    assert added.status_code == 201
    assert added.json() == {"name": "Notch", "uuid": NOTCH_UUID, "platform": "java"}
    assert api.http.get("/_emulator/minecraft-accounts").json() == [added.json()]
    assert (
        api.http.post("/_emulator/minecraft-accounts", json={"name": "x", "uuid": "bad"}).status_code == 400
    )
    assert api.http.post("/_emulator/minecraft-accounts", json={"name": "x"}).status_code == 400

    profile = {"steam_id": STEAM_A, "name": "Gabe", "avatar_url": "https://example.test/g.png"}
    assert api.http.post("/_emulator/steam-profiles", json=profile).status_code == 204
    assert api.create(steam_id=STEAM_A)["steam"] == {
        "id": STEAM_A,
        "name": "Gabe",
        "avatar_url": "https://example.test/g.png",
    }


def test_http_unknown_resource_and_method(api: Api) -> None:
    assert api.http.get("/_emulator/nothing").status_code == 404
    assert api.http.get("/_emulator/reset").status_code == 405
    assert api.http.get("/_emulator/health").json() == {"status": "ok", "store_id": api.emu.store_id}


def test_request_log_is_bounded() -> None:
    emu = PayNowEmulator(max_recorded_requests=3)
    for index in range(5):
        emu.dispatch("GET", f"/v1/stores/{emu.store_id}/customers", query={"limit": [str(index + 1)]})
    assert [r.query["limit"] for r in emu.inspect.requests] == [["3"], ["4"], ["5"]]
