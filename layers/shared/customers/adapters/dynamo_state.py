"""Creation locks and single-use nonces as conditional writes in the state table (pk, TTL ``expiration``)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import ClientError
from paynow.models import Customer

from customers.common.ports import Claim

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

_FREE = "attribute_not_exists(pk) OR expiration < :now"


def _conditional_failure(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


class DynamoCreationLock:
    """``lock#<identity>`` items: held by one owner until done, released or expired.

    DynamoDB deletes expired items lazily, so every condition also compares ``expiration``.
    """

    def __init__(
        self, table_name: str, client: DynamoDBClient | None = None, clock: Callable[[], float] = time.time
    ) -> None:
        self._table = table_name
        self._client = client or boto3.client("dynamodb")
        self._clock = clock

    def claim(self, key: str, owner: str, *, hold_seconds: float) -> Claim:
        now = int(self._clock())
        try:
            self._client.put_item(
                TableName=self._table,
                Item={
                    "pk": {"S": f"lock#{key}"},
                    "owner": {"S": owner},
                    "state": {"S": "held"},
                    "expiration": {"N": str(now + max(1, round(hold_seconds)))},
                },
                ConditionExpression=_FREE,
                ExpressionAttributeValues={":now": {"N": str(now)}},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if not _conditional_failure(error):
                raise
            item: dict[str, Any] | None = error.response.get("Item")  # type: ignore[assignment]
            if item is None:
                item = self._client.get_item(
                    TableName=self._table, Key={"pk": {"S": f"lock#{key}"}}, ConsistentRead=True
                ).get("Item")
            if item and item.get("state", {}).get("S") == "held" and item.get("owner", {}).get("S") == owner:
                # botocore retried a put that had landed (its response was lost): the hold is ours.
                return Claim(acquired=True)
            if item and item.get("state", {}).get("S") == "done" and "customer" in item:
                customer: dict[str, Any] = json.loads(item["customer"]["S"])
                return Claim(acquired=False, customer=customer)
            return Claim(acquired=False)
        return Claim(acquired=True)

    def complete(self, key: str, owner: str, customer: Customer, *, keep_seconds: float) -> None:
        try:
            self._client.update_item(
                TableName=self._table,
                Key={"pk": {"S": f"lock#{key}"}},
                UpdateExpression="SET #state = :done, customer = :customer, expiration = :exp",
                ConditionExpression="#owner = :owner",
                ExpressionAttributeNames={"#state": "state", "#owner": "owner"},
                ExpressionAttributeValues={
                    ":done": {"S": "done"},
                    ":customer": {"S": customer.model_dump_json(exclude_none=True)},
                    ":exp": {"N": str(int(self._clock() + keep_seconds))},
                    ":owner": {"S": owner},
                },
            )
        except ClientError as error:
            # Our hold lapsed and someone else took over: they re-look-up, so nothing is lost.
            if not _conditional_failure(error):
                raise

    def release(self, key: str, owner: str) -> None:
        try:
            self._client.delete_item(
                TableName=self._table,
                Key={"pk": {"S": f"lock#{key}"}},
                ConditionExpression="#owner = :owner",
                ExpressionAttributeNames={"#owner": "owner"},
                ExpressionAttributeValues={":owner": {"S": owner}},
            )
        except ClientError as error:
            if not _conditional_failure(error):
                raise


class DynamoNonceStore:
    def __init__(
        self, table_name: str, client: DynamoDBClient | None = None, clock: Callable[[], float] = time.time
    ) -> None:
        self._table = table_name
        self._client = client or boto3.client("dynamodb")
        self._clock = clock

    def use_once(self, key: str, *, keep_seconds: float) -> bool:
        now = int(self._clock())
        try:
            self._client.put_item(
                TableName=self._table,
                Item={"pk": {"S": key}, "expiration": {"N": str(now + max(1, round(keep_seconds)))}},
                ConditionExpression=_FREE,
                ExpressionAttributeValues={":now": {"N": str(now)}},
            )
        except ClientError as error:
            if _conditional_failure(error):
                return False
            raise
        return True
