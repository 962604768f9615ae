"""Email through Amazon SES (the `sesv2` API), for deployments on AWS. The client is passed in.

SES replaces any Message-ID we give with its own, so the alert's stable id travels in the headers SES
keeps: `X-DoseKeeper-Delivery`, and `References`, which mail clients use to thread (and so merge) copies.
The client must not retry sends itself (see `skill.aws_clients.send_client_config`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from skill.domain.alerts import Message
from skill.notify.aws_errors import delivery_error
from skill.notify.channel import delivery_id, message_id

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
                    "Headers": [
                        {"Name": "X-DoseKeeper-Delivery", "Value": delivery_id(message.key)},
                        {"Name": "References", "Value": message_id(message.key)},
                    ],
                }},
                EmailTags=[{"Name": "kind", "Value": str(message.data.get("kind", "alert"))}],
            )
        except (ClientError, BotoCoreError) as exc:
            raise delivery_error("ses", exc) from exc
