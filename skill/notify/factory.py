"""Building the channels a deployment has, from its settings and the AWS clients its entry point made.

Self-hosted: email over SMTP (`DOSEKEEPER_SMTP_URL`), webhooks when `DOSEKEEPER_WEBHOOK_SECRET` is set.
On AWS: email through SES when an `sesv2` client and `DOSEKEEPER_SES_FROM` are given, SMS through SNS when
an `sns` client is given. A contact whose channel is missing here is not lost: its alerts wait in the
outbox (with a recorded attempt) until the channel is configured, or until they run out of attempts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from skill import settings
from skill.notify.channel import DEFAULT_TIMEOUT_SECONDS, Channel
from skill.notify.ses import SesChannel
from skill.notify.smtp import SmtpChannel, SmtpSettings
from skill.notify.sns import SnsSmsChannel
from skill.notify.webhook import WebhookChannel

if TYPE_CHECKING:
    from mypy_boto3_sesv2 import SESV2Client
    from mypy_boto3_sns import SNSClient

DEFAULT_SENDER = "DoseKeeper <dosekeeper@localhost>"


@dataclass(frozen=True)
class ChannelSettings:
    smtp_url: str | None = None
    smtp_from: str | None = None
    ses_from: str | None = None
    webhook_secret: str | None = None

    @classmethod
    def from_env(cls, webhook_secret: str | None = None) -> ChannelSettings:
        """From the environment; on AWS the entry point passes the webhook key read from Secrets Manager."""
        return cls(
            smtp_url=settings.env(settings.SMTP_URL),
            smtp_from=settings.env(settings.SMTP_FROM),
            ses_from=settings.env(settings.SES_FROM),
            webhook_secret=webhook_secret or settings.env(settings.WEBHOOK_SECRET),
        )


def build_channels(config: ChannelSettings, *, ses_client: SESV2Client | None = None,
                   sns_client: SNSClient | None = None, timeout: float | None = None) -> dict[str, Channel]:
    channels: dict[str, Channel] = {}
    wait = DEFAULT_TIMEOUT_SECONDS if timeout is None else timeout
    if ses_client is not None and config.ses_from:
        channels["email"] = SesChannel(ses_client, config.ses_from)
    elif config.smtp_url:
        channels["email"] = SmtpChannel(SmtpSettings.from_url(config.smtp_url),
                                        config.smtp_from or DEFAULT_SENDER, timeout=wait)
    if sns_client is not None:
        channels["sms"] = SnsSmsChannel(sns_client)
    if config.webhook_secret:
        channels["webhook"] = WebhookChannel(config.webhook_secret.encode(), timeout=wait)
    return channels
