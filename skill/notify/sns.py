"""SMS through Amazon SNS. The client is passed in; messages are sent as transactional SMS.

An SMS has no id a phone could merge copies by, which is why the client makes one attempt per call (see
`skill.aws_clients.send_client_config`) and the outbox retries an unknown outcome at most once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from skill.domain.alerts import Message
from skill.notify.aws_errors import delivery_error

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient

SMS_LIMIT = 300  # a few SMS segments at most: alerts are short by design


class SnsSmsChannel:
    name = "sms"

    def __init__(self, client: SNSClient, sender_id: str | None = None) -> None:
        self.client = client
        self.sender_id = sender_id

    def send(self, message: Message) -> None:
        attributes: dict[str, dict[str, str]] = {
            "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"},
        }
        if self.sender_id:
            attributes["AWS.SNS.SMS.SenderID"] = {"DataType": "String", "StringValue": self.sender_id}
        try:
            self.client.publish(PhoneNumber=message.address, Message=message.text[:SMS_LIMIT],
                                MessageAttributes=attributes)  # type: ignore[arg-type]
        except (ClientError, BotoCoreError) as exc:
            raise delivery_error("sns", exc) from exc
