"""Telling a shell that reaches the local stack from one that reaches AWS, the way botocore would."""

from __future__ import annotations

from pathlib import Path

import pytest
from devstack.shellenv import aws_config, aws_credentials
from ops.awsenv import LocalEnvironmentError, is_loopback_url, local_reasons, refuse_local, require_local


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:5050",
        "http://localhost:3001/",
        "https://127.8.9.10",
        "http://[::1]:5050",
        "http://0.0.0.0:5050",
        "http://moto.localhost:5050",
    ],
)
def test_loopback_urls_are_recognised(url: str) -> None:
    assert is_loopback_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://secretsmanager.us-east-1.amazonaws.com",
        "https://vpce-0a1b.example.com",
        "http://10.0.0.5:5050",
    ],
)
def test_other_urls_are_not_loopback(url: str) -> None:
    assert not is_loopback_url(url)


def test_a_clean_environment_reaches_aws(clean_aws_env: Path) -> None:
    assert local_reasons() == []
    refuse_local("deploy")


def test_an_exported_endpoint_is_the_local_stack(
    clean_aws_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5050")
    reasons = local_reasons()
    assert "cloudformation calls go to http://127.0.0.1:5050" in reasons
    with pytest.raises(LocalEnvironmentError, match="refusing to deploy"):
        refuse_local("deploy")


def test_a_service_specific_endpoint_alone_is_enough_to_refuse(
    clean_aws_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", "http://localhost:5050")
    assert local_reasons() == ["secretsmanager calls go to http://localhost:5050"]


def test_the_devstack_profile_is_recognised_through_its_config_file(
    clean_aws_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The files env.sh points at, but under another folder name: the endpoints alone must tell.
    folder = clean_aws_env / "elsewhere"
    folder.mkdir()
    (folder / "config").write_text(aws_config("http://127.0.0.1:5050", "http://127.0.0.1:3001", "us-east-1"))
    (folder / "credentials").write_text(
        aws_credentials({"AWS_ACCESS_KEY_ID": "t", "AWS_SECRET_ACCESS_KEY": "t", "AWS_SESSION_TOKEN": "t"})
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(folder / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(folder / "credentials"))
    monkeypatch.setenv("AWS_PROFILE", "devstack")
    reasons = local_reasons()
    assert "lambda calls go to http://127.0.0.1:3001" in reasons
    assert "s3 calls go to http://127.0.0.1:5050" in reasons
    require_local("write secrets", ["secretsmanager", "lambda"])


def test_the_env_sh_marker_and_devstack_files_are_reasons(
    clean_aws_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEVSTACK_ENV", "/repo/.devstack/env.sh")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/repo/.devstack/aws/credentials")
    reasons = local_reasons()
    assert any("sourced the local stack's environment" in r for r in reasons)
    assert any("AWS_SHARED_CREDENTIALS_FILE" in r for r in reasons)


def test_local_is_refused_when_calls_would_reach_aws(clean_aws_env: Path) -> None:
    with pytest.raises(LocalEnvironmentError, match="secretsmanager calls would go to AWS"):
        require_local("write secrets", ["secretsmanager"])


def test_a_missing_profile_is_a_clear_error(clean_aws_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_PROFILE", "no-such-profile")
    with pytest.raises(LocalEnvironmentError, match="no-such-profile"):
        local_reasons()
