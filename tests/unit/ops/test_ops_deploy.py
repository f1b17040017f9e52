"""`make deploy`'s logic: guided until samconfig.toml holds the parameters, never against moto."""

from __future__ import annotations

from pathlib import Path

import pytest
from ops.__main__ import main

REPO = Path(__file__).resolve().parents[3]
FAKE_SAM = """#!/bin/sh
printf '%s\\n' "$*" >> "{log}"
printf 'PYTHON=%s\\n' "$PYTHON" >> "{log}"
exit {code}
"""


def fake_sam(tmp_path: Path, code: int = 0) -> tuple[Path, Path]:
    log = tmp_path / "sam-calls.log"
    sam = tmp_path / "sam"
    sam.write_text(FAKE_SAM.format(log=log, code=code))
    sam.chmod(0o755)
    return sam, log


def samconfig(tmp_path: Path, deploy_parameters: str = "") -> Path:
    path = tmp_path / "samconfig.toml"
    path.write_text(
        'version = 0.1\n[default.global.parameters]\nstack_name = "paynow-customers"\n'
        '[default.deploy.parameters]\ncapabilities = "CAPABILITY_IAM"\n' + deploy_parameters
    )
    return path


def calls(log: Path) -> list[str]:
    return [line for line in log.read_text().splitlines() if not line.startswith("PYTHON=")]


def test_the_first_deploy_is_guided_and_builds_first(
    clean_aws_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sam, log = fake_sam(clean_aws_env)
    config = samconfig(clean_aws_env)
    assert main(["deploy", "--sam", str(sam), "--samconfig", str(config)]) == 0
    build, deploy = calls(log)
    assert build.startswith("build --config-file")
    assert deploy == f"deploy --config-file {config} --config-env default --guided"
    assert "make smoke STACK=paynow-customers" in capsys.readouterr().err


def test_saved_parameters_deploy_without_questions(clean_aws_env: Path) -> None:
    sam, log = fake_sam(clean_aws_env)
    config = samconfig(clean_aws_env, 'parameter_overrides = "PayNowStoreId=\\"411486491630370816\\""\n')
    assert main(["deploy", "--sam", str(sam), "--samconfig", str(config), "--no-build"]) == 0
    assert calls(log) == [f"deploy --config-file {config} --config-env default"]


def test_another_config_env_without_parameters_is_guided(clean_aws_env: Path) -> None:
    sam, log = fake_sam(clean_aws_env)
    config = samconfig(clean_aws_env, 'parameter_overrides = "PayNowStoreId=1"\n')
    args = ["deploy", "--sam", str(sam), "--samconfig", str(config), "--no-build", "--config-env", "prod"]
    assert main([*args, "--", "--no-confirm-changeset"]) == 0
    assert calls(log) == [f"deploy --config-file {config} --config-env prod --guided --no-confirm-changeset"]


def test_a_failed_build_stops_before_deploying(clean_aws_env: Path) -> None:
    sam, log = fake_sam(clean_aws_env, code=3)
    assert main(["deploy", "--sam", str(sam), "--samconfig", str(samconfig(clean_aws_env))]) == 3
    assert [c.split()[0] for c in calls(log)] == ["build"]


def test_the_layer_is_built_with_this_projects_python(
    clean_aws_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sam, log = fake_sam(clean_aws_env)
    monkeypatch.delenv("PYTHON", raising=False)
    main(["deploy", "--sam", str(sam), "--samconfig", str(samconfig(clean_aws_env))])
    pythons = {line for line in log.read_text().splitlines() if line.startswith("PYTHON=")}
    assert len(pythons) == 1
    assert pythons.pop() != "PYTHON="


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("AWS_ENDPOINT_URL", "http://127.0.0.1:5050"),
        ("AWS_ENDPOINT_URL_CLOUDFORMATION", "http://localhost:5050"),
        ("DEVSTACK_ENV", "/home/dev/shop/.devstack/env.sh"),
    ],
)
def test_a_shell_pointing_at_the_local_stack_cannot_deploy(
    clean_aws_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    variable: str,
    value: str,
) -> None:
    sam, log = fake_sam(clean_aws_env)
    monkeypatch.setenv(variable, value)
    assert main(["deploy", "--sam", str(sam), "--samconfig", str(samconfig(clean_aws_env))]) == 2
    assert not log.exists(), "sam must not run at all"
    err = capsys.readouterr().err
    assert "refusing to deploy" in err
    assert "devstack_deactivate" in err


def test_a_broken_samconfig_is_named(clean_aws_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sam, _ = fake_sam(clean_aws_env)
    config = clean_aws_env / "samconfig.toml"
    config.write_text("[default.deploy.parameters\n")
    assert main(["deploy", "--sam", str(sam), "--samconfig", str(config), "--no-build"]) == 2
    assert "is not valid TOML" in capsys.readouterr().err


def test_the_repository_samconfig_starts_guided() -> None:
    # A fresh clone holds no store's parameters: the first `make deploy` must ask for them.
    from ops.deploy import saved_parameters

    assert saved_parameters(REPO / "samconfig.toml", "default") is None
