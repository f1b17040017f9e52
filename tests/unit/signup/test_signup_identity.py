"""Request models: exactly one identity, ids normalised, field-naming errors."""

from __future__ import annotations

import pytest
from customers.common.identity import Identifier, MinecraftEdition, SignupRequest, minecraft_identity
from customers.trusted.service import ResolveRequest
from paynow.models import LookupKey, MinecraftPlatform
from pydantic import ValidationError


def _fields(error: ValidationError) -> set[str]:
    return {".".join(str(p) for p in e["loc"]) for e in error.errors()}


def test_signup_needs_exactly_one_identity() -> None:
    with pytest.raises(ValidationError, match="exactly one identity"):
        SignupRequest.model_validate({})
    with pytest.raises(ValidationError, match="exactly one identity"):
        SignupRequest.model_validate(
            {"steam": {"openid.mode": "id_res"}, "minecraft": {"name": "Notch", "edition": "java"}}
        )


def test_signup_accepts_only_openid_fields() -> None:
    with pytest.raises(ValidationError) as caught:
        SignupRequest.model_validate({"steam": {"openid.mode": "id_res", "redirect": "x"}})
    assert _fields(caught.value) == {"steam"}
    assert "only openid.* parameters" in str(caught.value)


@pytest.mark.parametrize(
    ("name", "edition", "ok"),
    [
        ("Notch", "java", True),
        ("jeb_", "java", True),
        ("ab", "java", False),
        ("has space", "java", False),
        ("seventeen_chars__", "java", False),
        ("Steve Bedrock", "bedrock", True),
        (" Steve", "bedrock", False),
        ("x", "bedrock", True),
    ],
)
def test_minecraft_names_follow_their_edition(name: str, edition: str, ok: bool) -> None:
    body = {"minecraft": {"name": name, "edition": edition}}
    if ok:
        assert SignupRequest.model_validate(body).minecraft is not None
    else:
        with pytest.raises(ValidationError) as caught:
            SignupRequest.model_validate(body)
        assert _fields(caught.value) == {"minecraft"}


def test_minecraft_identity_creates_by_name_and_platform() -> None:
    identity = minecraft_identity("Notch", MinecraftEdition.JAVA)
    assert identity.lookup_key is LookupKey.MINECRAFT_JAVA_NAME
    assert identity.create.to_body() == {"name": "Notch", "minecraft_platform": "java"}
    assert identity.lock_key == minecraft_identity("NOTCH", MinecraftEdition.JAVA).lock_key


@pytest.mark.parametrize(
    ("identifier", "key", "value", "body"),
    [
        (
            {"steam_id": 76561198012345678},
            LookupKey.STEAM_ID,
            "76561198012345678",
            {"steam_id": "76561198012345678"},
        ),
        (
            {"minecraft_uuid": "069A79F444E94726A5BEFCA90E38AAF5"},
            LookupKey.MINECRAFT_UUID,
            "069a79f4-44e9-4726-a5be-fca90e38aaf5",
            {"minecraft_uuid": "069a79f4-44e9-4726-a5be-fca90e38aaf5"},
        ),
        ({"xbox_xuid": "2535405290"}, LookupKey.XBOX_XUID, "2535405290", {"xbox_xuid": "2535405290"}),
        (
            {"minecraft_java_name": "Notch"},
            LookupKey.MINECRAFT_JAVA_NAME,
            "Notch",
            {"name": "Notch", "minecraft_platform": "java"},
        ),
        (
            {"minecraft_bedrock_name": "Steve Bedrock"},
            LookupKey.MINECRAFT_BEDROCK_NAME,
            "Steve Bedrock",
            {"name": "Steve Bedrock", "minecraft_platform": "bedrock"},
        ),
        ({"name": "Alice"}, LookupKey.NAME, "Alice", {"name": "Alice"}),
    ],
)
def test_each_identifier_looks_up_and_creates(
    identifier: dict[str, object], key: LookupKey, value: str, body: dict[str, str]
) -> None:
    identity = Identifier.model_validate(identifier).resolved()
    assert (identity.lookup_key, identity.value, identity.create.to_body()) == (key, value, body)


def test_resolve_adds_name_and_metadata_to_a_new_customer() -> None:
    request = ResolveRequest.model_validate(
        {"identifier": {"steam_id": "76561198012345678"}, "name": "Alice", "metadata": {"tier": "gold"}}
    )
    assert request.identity().create.to_body() == {
        "steam_id": "76561198012345678",
        "name": "Alice",
        "metadata": {"tier": "gold"},
    }
    assert MinecraftPlatform.JAVA.value == "java"


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"identifier": {}}, "identifier", "exactly one"),
        ({"identifier": {"steam_id": "76561198012345678", "xbox_xuid": "2"}}, "identifier", "exactly one"),
        ({"identifier": {"steam_id": 7.6561198e16}}, "identifier.steam_id", ""),
        ({"identifier": {"steam_id": "76561198012345678.0"}}, "identifier.steam_id", "decimal point"),
        ({"identifier": {"minecraft_uuid": "nope"}}, "identifier.minecraft_uuid", "hex digits"),
        ({"identifier": {"minecraft_java_name": "Notch"}, "name": "Other"}, "", "named after"),
        ({"identifier": {"steam_id": "76561198012345678"}, "metadata": {"k" * 41: "v"}}, "metadata", ""),
        ({"identifier": {"steam_id": "76561198012345678"}, "extra": 1}, "extra", ""),
    ],
)
def test_resolve_validation_names_the_field(body: dict[str, object], field: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        ResolveRequest.model_validate(body)
    assert any(f.startswith(field) for f in _fields(caught.value)), _fields(caught.value)
    assert message in str(caught.value)
