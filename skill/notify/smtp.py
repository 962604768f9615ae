"""Email over SMTP, for self-hosting: `DOSEKEEPER_SMTP_URL=smtp://[user:pass@]host:port[?starttls=...]`.

STARTTLS is used whenever the server offers it (`starttls=auto`, the default), demanded with
`starttls=require` (the attempt fails rather than send in clear), or turned off with `starttls=off` for
a relay on the same host. Login happens only when the URL carries a user name.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

from skill.domain.alerts import Message
from skill.domain.errors import ValidationError
from skill.notify.channel import DEFAULT_TIMEOUT_SECONDS, DeliveryError

STARTTLS_MODES = ("auto", "require", "off")


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str
    port: int = 25
    user: str | None = None
    password: str | None = None
    starttls: str = "auto"

    @classmethod
    def from_url(cls, url: str) -> SmtpSettings:
        parts = urlsplit(url)
        if parts.scheme != "smtp" or not parts.hostname:
            raise ValidationError("the SMTP URL must look like smtp://[user:pass@]host:port")
        mode = (parse_qs(parts.query).get("starttls") or ["auto"])[0]
        if mode not in STARTTLS_MODES:
            raise ValidationError("starttls must be auto, require or off")
        try:
            port = parts.port or 25
        except ValueError as exc:
            raise ValidationError("the SMTP port must be a number") from exc
        return cls(
            host=parts.hostname,
            port=port,
            user=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            starttls=mode,
        )


class SmtpChannel:
    name = "email"

    def __init__(self, settings: SmtpSettings, sender: str, *, timeout: float = DEFAULT_TIMEOUT_SECONDS,
                 tls_context: ssl.SSLContext | None = None) -> None:
        self.settings = settings
        self.sender = sender
        self.timeout = timeout
        self.tls_context = tls_context or ssl.create_default_context()

    def _email(self, message: Message) -> EmailMessage:
        email = EmailMessage()
        email["From"] = self.sender
        email["To"] = message.address
        email["Subject"] = message.subject
        email["Message-ID"] = make_msgid(domain="dosekeeper.invalid")
        email["X-DoseKeeper-Delivery"] = message.key
        email.set_content(message.text)
        return email

    def send(self, message: Message) -> None:
        s = self.settings
        try:
            with smtplib.SMTP(s.host, s.port, timeout=self.timeout) as smtp:
                smtp.ehlo()
                if s.starttls != "off" and smtp.has_extn("starttls"):
                    smtp.starttls(context=self.tls_context)
                    smtp.ehlo()
                elif s.starttls == "require":
                    raise DeliveryError("smtp server does not offer STARTTLS", transient=False)
                if s.user:
                    smtp.login(s.user, s.password or "")
                smtp.send_message(self._email(message))
        except DeliveryError:
            raise
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            transient = all(c < 500 for c in codes)
            raise DeliveryError(f"smtp recipient refused {codes}", transient=transient) from exc
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(f"smtp login refused {exc.smtp_code}", transient=False) from exc
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError(f"smtp error {exc.smtp_code}", transient=exc.smtp_code < 500) from exc
        except (smtplib.SMTPException, OSError) as exc:  # refused, timed out, TLS failure, dropped
            raise DeliveryError(f"smtp unreachable: {type(exc).__name__}", transient=True) from exc
