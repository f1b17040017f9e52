import pytest
from customers.importer.config import ExistingMode
from customers.importer.settings import ImporterSettings
from pydantic import ValidationError

BASE = {
    "PAYNOW_STORE_ID": "411486491630370816",
    "PAYNOW_API_KEY_SECRET": "paynow/api-key",
    "EVENT_BUS_NAME": "bus",
    "STATE_TABLE": "state",
    "IMPORT_BUCKET": "imports",
    "AWS_LAMBDA_FUNCTION_NAME": "ImportFunction",
}


def test_defaults_and_parsing() -> None:
    settings = ImporterSettings.from_environment(
        {**BASE, "IMPORT_EXISTING_MODE": " Update ", "IMPORT_CONCURRENCY": "8"}
    )
    assert settings.existing_mode is ExistingMode.UPDATE
    assert (settings.concurrency, settings.max_hops) == (8, 50)
    assert (settings.incoming_prefix, settings.reports_prefix) == ("incoming/", "reports/")
    assert settings.continuation_function == "ImportFunction"
    assert (
        ImporterSettings.from_environment({**BASE, "IMPORT_FUNCTION_NAME": "Other"}).continuation_function
        == "Other"
    )


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"REPORTS_PREFIX": "incoming/reports/"}, "must not contain one another"),
        ({"IMPORT_EXISTING_MODE": "merge"}, "IMPORT_EXISTING_MODE"),
        ({"IMPORT_CONCURRENCY": "0"}, "IMPORT_CONCURRENCY"),
        ({"PAYNOW_STORE_ID": "store-1"}, "flake id"),
        ({"IMPORT_BUCKET": ""}, "IMPORT_BUCKET"),
    ],
)
def test_misconfiguration_is_refused_with_the_variable_named(override: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        ImporterSettings.from_environment({**BASE, **override})
