"""Import checkpoints and the per-version lease in the DynamoDB state table (pk = import#...)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from customers.importer.model.state import ImportState, ImportStatus
from customers.importer.ports import BusyError, LeaseLostError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

RETENTION_SECONDS = 30 * 24 * 3600


def _conditional_failed(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


class DynamoCheckpointStore:
    def __init__(self, client: DynamoDBClient, table: str, clock: Callable[[], float] = time.time) -> None:
        self._client = client
        self._table = table
        self._clock = clock

    def _item(self, state: ImportState, owner: str, lease_until: float) -> dict[str, Any]:
        return {
            "pk": {"S": state.import_id},
            "status": {"S": state.status.value},
            "owner": {"S": owner},
            "lease_until": {"N": f"{lease_until:.3f}"},
            "state": {"S": state.model_dump_json()},
            # Long enough to absorb any S3 redelivery; the reports stay in S3 regardless.
            "expiration": {"N": str(int(self._clock()) + RETENTION_SECONDS)},
        }

    def acquire(self, state: ImportState, *, owner: str, lease_seconds: float) -> ImportState:
        now = self._clock()
        try:
            self._client.put_item(
                TableName=self._table,
                Item=self._item(state, owner, now + lease_seconds),
                ConditionExpression="attribute_not_exists(pk)",
            )
            return state.model_copy(deep=True)
        except ClientError as error:
            if not _conditional_failed(error):
                raise
        item = self._client.get_item(
            TableName=self._table, Key={"pk": {"S": state.import_id}}, ConsistentRead=True
        )["Item"]
        stored = ImportState.model_validate_json(item["state"]["S"])
        if stored.status is not ImportStatus.RUNNING:
            return stored
        holder = item["owner"]["S"]
        lease_until = float(item["lease_until"]["N"])
        if holder != owner and lease_until > now:
            raise BusyError(lease_until, stored)
        try:
            self._client.update_item(
                TableName=self._table,
                Key={"pk": {"S": state.import_id}},
                UpdateExpression="SET #o = :me, lease_until = :until",
                ConditionExpression="#o = :holder AND lease_until = :seen",
                ExpressionAttributeNames={"#o": "owner"},
                ExpressionAttributeValues={
                    ":me": {"S": owner},
                    ":until": {"N": f"{now + lease_seconds:.3f}"},
                    ":holder": {"S": holder},
                    ":seen": item["lease_until"],
                },
            )
        except ClientError as error:
            if _conditional_failed(error):
                raise BusyError(now + lease_seconds, stored) from None
            raise
        return stored

    def save(self, state: ImportState, *, owner: str, lease_seconds: float) -> None:
        try:
            self._client.put_item(
                TableName=self._table,
                Item=self._item(state, owner, self._clock() + lease_seconds),
                ConditionExpression="#o = :me",
                ExpressionAttributeNames={"#o": "owner"},
                ExpressionAttributeValues={":me": {"S": owner}},
            )
        except ClientError as error:
            if _conditional_failed(error):
                raise LeaseLostError(state.import_id) from None
            raise

    def load(self, import_id: str) -> ImportState | None:
        item = self._client.get_item(
            TableName=self._table, Key={"pk": {"S": import_id}}, ConsistentRead=True
        ).get("Item")
        return None if item is None else ImportState.model_validate_json(item["state"]["S"])
