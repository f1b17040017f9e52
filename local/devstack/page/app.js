// The example store page: Steam sign-in (OpenID 2.0) and Minecraft-name signup against POST /signup.
"use strict";

const config = window.DEVSTACK_CONFIG;
const OPENID_NS = "http://specs.openid.net/auth/2.0";
const IDENTIFIER_SELECT = "http://specs.openid.net/auth/2.0/identifier_select";

function $(id) {
  return document.getElementById(id);
}

const STATE_KEY = "steam-signin-state";

function realm() {
  return `${window.location.origin}/`;
}

// Login CSRF: a per-visitor secret travels through Steam in return_to and must come back to the
// same browser, so a link carrying someone else's Steam assertion signs nobody in.
function newState() {
  const bytes = new Uint8Array(16);
  window.crypto.getRandomValues(bytes);
  const state = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  window.sessionStorage.setItem(STATE_KEY, state);
  return state;
}

function steamLoginUrl() {
  const url = new URL(config.steamLoginUrl);
  const returnTo = new URL(realm());
  returnTo.searchParams.set("state", newState());
  url.searchParams.set("openid.ns", OPENID_NS);
  url.searchParams.set("openid.mode", "checkid_setup");
  url.searchParams.set("openid.return_to", returnTo.toString());
  url.searchParams.set("openid.realm", realm());
  url.searchParams.set("openid.identity", IDENTIFIER_SELECT);
  url.searchParams.set("openid.claimed_id", IDENTIFIER_SELECT);
  const chosen = $("steam-id").value.trim();
  if (chosen) {
    // Only the local stand-in reads this: it picks which account "signs in".
    url.searchParams.set("steamid", chosen);
  }
  return url.toString();
}

function showError(message) {
  $("status").textContent = "Sign-up failed.";
  $("result").hidden = true;
  $("error").textContent = message;
  $("error").hidden = false;
}

const PLATFORMS = { steam: "Steam", minecraft_java: "Minecraft java", minecraft_bedrock: "Minecraft bedrock" };

function identityOf(result) {
  const platform = PLATFORMS[result.platform] || result.platform;
  return `${platform} ${result.customer.display_name || ""}`.trim();
}

function showResult(result) {
  const customer = result.customer;
  $("status").textContent = result.created ? "Welcome! Your account was created." : "Welcome back!";
  $("customer-id").textContent = customer.id;
  $("customer-identity").textContent = identityOf(result);
  $("customer-created").textContent = result.created ? "new customer" : "existing customer";
  $("token").textContent = result.token;
  $("error").hidden = true;
  $("result").hidden = false;
}

// The API's errors are {status, code, message, errors?: [{field, message}]}: a field's own message
// ("a Java Edition name is 3-16 letters, ...") says what to fix, the summary only names the field.
function errorText(payload) {
  if (payload && Array.isArray(payload.errors)) {
    const messages = payload.errors
      .map((error) => error && error.message)
      .filter((message) => typeof message === "string" && message);
    if (messages.length) {
      return messages.join("; ");
    }
  }
  if (payload && typeof payload.message === "string") {
    return payload.message;
  }
  return "the store API sent an unexpected answer";
}

async function signup(body) {
  $("status").textContent = "Signing you up...";
  $("error").hidden = true;
  let response;
  try {
    response = await fetch(`${config.apiUrl}/signup`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  } catch (error) {
    showError(`The store API is unreachable (${error.message}).`);
    return;
  }
  let payload = null;
  try {
    payload = await response.json();
  } catch (error) {
    payload = null;
  }
  if (!response.ok) {
    showError(`${response.status}: ${errorText(payload)}`);
    return;
  }
  showResult(payload);
}

function steamAssertion() {
  const params = new URLSearchParams(window.location.search);
  if (!params.has("openid.mode")) {
    return null;
  }
  const expected = window.sessionStorage.getItem(STATE_KEY);
  window.sessionStorage.removeItem(STATE_KEY);
  if (!expected || params.get("state") !== expected) {
    window.history.replaceState(null, "", window.location.pathname);
    return { forged: true };
  }
  const fields = {};
  for (const [key, value] of params) {
    if (key.startsWith("openid.")) {
      fields[key] = value;
    }
  }
  // The assertion is single-use: drop it from the address bar so a reload does not replay it.
  window.history.replaceState(null, "", window.location.pathname);
  return fields;
}

function start() {
  $("steam-signin").addEventListener("click", (event) => {
    event.preventDefault();
    window.location.assign(steamLoginUrl());
  });
  $("minecraft-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    signup({ minecraft: { name: String(form.get("name")).trim(), edition: String(form.get("edition")) } });
  });
  const assertion = steamAssertion();
  if (assertion === null) {
    return;
  }
  if (assertion.forged) {
    showError("This Steam sign-in was not started in this browser; sign in through Steam again.");
    return;
  }
  if (assertion["openid.mode"] !== "id_res") {
    showError("Steam sign-in was cancelled.");
    return;
  }
  signup({ steam: assertion });
}

start();
