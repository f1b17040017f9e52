"""Which PayNow events are already on the bus: ``webhook#<event_id>`` items in the state table.

A claim is a conditional put (state ``publishing``, a short lease); the claimant marks it
``published`` with an expiry well past PayNow's retry window (TTL ``expiration``). DynamoDB deletes
expired items lazily, so every condition also compares ``expiration``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from customers.webhooks.ports import ClaimOutcome

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

PREFIX = "webhook#"
_FREE = "attribute_not_exists(pk) OR expiration < :now"


def _conditional_failure(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


class DynamoDeliveryLedger:
    def __init__(
        self,
        table_name: str,
        client: DynamoDBClient,
        *,
        keep_seconds: float,
        lease_seconds: float = 60,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._table = table_name
        self._client = client
        self._keep = int(keep_seconds)
        self._lease = int(lease_seconds)
        self._clock = clock

    def claim(self, event_id: str, owner: str) -> ClaimOutcome:
        now = int(self._clock())
        try:
            self._client.put_item(
                TableName=self._table,
                Item={
                    "pk": {"S": PREFIX + event_id},
                    "state": {"S": "publishing"},
                    "owner": {"S": owner},
                    "expiration": {"N": str(now + self._lease)},
                },
                ConditionExpression=_FREE,
                ExpressionAttributeValues={":now": {"N": str(now)}},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if not _conditional_failure(error):
                raise
            item: dict[str, Any] = error.response.get("Item") or {}  # type: ignore[assignment]
            state = item.get("state", {}).get("S")
            if state == "published":
                return ClaimOutcome.PUBLISHED
            if item.get("owner", {}).get("S") == owner:
                # botocore retried a put that had landed (its response was lost): the claim is ours.
                return ClaimOutcome.CLAIMED
            return ClaimOutcome.IN_PROGRESS
        return ClaimOutcome.CLAIMED

    def mark_published(self, event_id: str, owner: str) -> None:
        self._client.put_item(
            TableName=self._table,
            Item={
                "pk": {"S": PREFIX + event_id},
                "state": {"S": "published"},
                "owner": {"S": owner},
                "expiration": {"N": str(int(self._clock()) + self._keep)},
            },
        )

    def release(self, event_id: str, owner: str) -> None:
        try:
            self._client.delete_item(
                TableName=self._table,
                Key={"pk": {"S": PREFIX + event_id}},
                ConditionExpression="#owner = :owner AND #state = :publishing",
                ExpressionAttributeNames={"#owner": "owner", "#state": "state"},
                ExpressionAttributeValues={":owner": {"S": owner}, ":publishing": {"S": "publishing"}},
            )
        except ClientError as error:
            if not _conditional_failure(error):
                raise
