"""Email through Amazon SES (the `sesv2` API), for deployments on AWS. The client is passed in."""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from skill.domain.alerts import Message
from skill.notify.aws_errors import delivery_error

if TYPE_CHECKING:
    from mypy_boto3_sesv2 import SESV2Client


class SesChannel:
    name = "email"

    def __init__(self, client: SESV2Client, sender: str) -> None:
        self.client = client
        self.sender = sender

    def send(self, message: Message) -> None:
        try:
            self.client.send_email(
                FromEmailAddress=self.sender,
                Destination={"ToAddresses": [message.address]},
                Content={"Simple": {
                    "Subject": {"Data": message.subject, "Charset": "UTF-8"},
                    "Body": {"Text": {"Data": message.text, "Charset": "UTF-8"}},
                }},
                EmailTags=[{"Name": "kind", "Value": str(message.data.get("kind", "alert"))}],
            )
        except (ClientError, BotoCoreError) as exc:
            raise delivery_error("ses", exc) from exc
