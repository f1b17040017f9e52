"""Fixtures of the importer integration tests: fake AWS credentials and the moto + emulator stack."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws
from paynow_emulator import PayNowEmulator

from tests.support.fake_aws import use_fake_credentials
from tests.support.import_stack import REGION, ImportStack, emulator_client, provision


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    use_fake_credentials(monkeypatch, REGION)


@pytest.fixture
def import_stack(aws_env: None) -> Iterator[ImportStack]:
    emu = PayNowEmulator()
    client = emulator_client(emu)
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        yield ImportStack(emu=emu, s3=s3, tap=provision(s3), client=client)
    client.close()
