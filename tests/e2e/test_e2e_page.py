"""The example store page in headless Chromium: Steam sign-in through the stand-in, and Minecraft."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from devstack_e2e import Stack

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# CI installs Debian's chromium (.ci/run); elsewhere a machine without it skips the browser tests.
pytestmark = pytest.mark.skipif(
    shutil.which(CHROMIUM) is None and not os.environ.get("CI"),
    reason="Debian's chromium is not installed (apt-get install chromium)",
)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context()  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()


def test_sign_in_through_steam_shows_the_customer_and_a_working_token(stack: Stack, page: object) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    steam_id = "76561197961000001"
    page.goto(stack.page_url)
    expect(page.locator("#status")).to_have_text("Not signed in.")
    page.fill("#steam-id", steam_id)
    page.click("#steam-signin")
    # The stand-in sends the browser back to the page with the assertion; the page posts it to /signup.
    expect(page.locator("#result")).to_be_visible()
    expect(page.locator("#status")).to_have_text("Welcome! Your account was created.")
    expect(page.locator("#customer-created")).to_have_text("new customer")
    expect(page.locator("#customer-identity")).to_contain_text("Steam")
    assert "openid." not in page.url, "the single-use assertion must leave the address bar"
    customer_id = page.locator("#customer-id").inner_text()
    token = page.locator("#token").inner_text()
    status, customer = stack.storefront_status(token)
    assert status == 200
    assert customer is not None
    assert customer["id"] == customer_id

    # Signing in again finds the same customer.
    page.fill("#steam-id", steam_id)
    page.click("#steam-signin")
    expect(page.locator("#customer-created")).to_have_text("existing customer")
    expect(page.locator("#status")).to_have_text("Welcome back!")
    expect(page.locator("#customer-id")).to_have_text(customer_id)


def test_minecraft_form_signs_up_by_name(stack: Stack, page: object) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    page.goto(stack.page_url)
    page.fill("#minecraft-name", "jeb_")
    page.check("input[name=edition][value=java]")
    page.click("#minecraft-submit")
    expect(page.locator("#result")).to_be_visible()
    expect(page.locator("#customer-identity")).to_contain_text("Minecraft java jeb_")
    expect(page.locator("#customer-created")).to_have_text("new customer")
    assert page.locator("#token").inner_text()

    page.fill("#minecraft-name", "NobodyHasThis1")
    page.click("#minecraft-submit")
    expect(page.locator("#error")).to_be_visible()
    expect(page.locator("#error")).to_contain_text("404")
    expect(page.locator("#result")).to_be_hidden()


def test_a_link_carrying_someone_elses_steam_assertion_signs_nobody_in(stack: Stack, page: object) -> None:
    """Login CSRF: the attacker signs in at Steam and sends the victim the return link, unused."""
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    steam_id = "76561197961000099"
    attackers = stack.steam_assertion(steam_id)
    page.goto(stack.page_url + "?" + urlencode(attackers))
    expect(page.locator("#error")).to_be_visible()
    expect(page.locator("#error")).to_contain_text("not started in this browser")
    expect(page.locator("#result")).to_be_hidden()
    customers = stack.emulator("/_emulator/customers")["customers"]
    assert [c for c in customers if c.get("steam_id") == steam_id] == []


def test_a_rejected_name_shows_the_apis_field_message(stack: Stack, page: object) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    page.goto(stack.page_url)
    page.fill("#minecraft-name", "x")
    page.check("input[name=edition][value=java]")
    page.click("#minecraft-submit")
    expect(page.locator("#error")).to_be_visible()
    expect(page.locator("#error")).to_have_text(
        "422: a Java Edition name is 3-16 letters, digits or underscores"
    )
    expect(page.locator("#result")).to_be_hidden()

    page.fill("#minecraft-name", "bad name!")
    page.check("input[name=edition][value=bedrock]")
    page.click("#minecraft-submit")
    expect(page.locator("#error")).to_contain_text("422: ")
    expect(page.locator("#error")).not_to_contain_text("invalid request")
