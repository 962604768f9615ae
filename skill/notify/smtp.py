"""Email over SMTP, for self-hosting: `DOSEKEEPER_SMTP_URL=smtp://[user:pass@]host:port[?starttls=...]`.

STARTTLS is used whenever the server offers it (`starttls=auto`, the default), demanded with
`starttls=require` (the attempt fails rather than send in clear), or turned off with `starttls=off` for
a relay on the same host. Login happens only when the URL carries a user name.

Waiting for the end of DATA: RFC 5321 (4.5.3.2.6) asks clients to wait 10 minutes, since servers scan
content before they answer, and a client that gives up early while the server goes on to deliver is how
a carer got two copies. Ten minutes would outlive the outbox's 5-minute claim (another sweep would then
send again) and the AWS sweep's 120 s timeout, so the end of DATA gets `DATA_TIMEOUT_SECONDS` (6x the
command timeout) and a timeout or dropped connection after the message went out is an unknown outcome,
retried at most once by the outbox. Every copy of one alert carries the same Message-ID (from its dedupe
key), so mail clients show one message.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

from skill.domain.alerts import Message
from skill.domain.errors import ValidationError
from skill.notify.channel import DEFAULT_TIMEOUT_SECONDS, DeliveryError, delivery_id, message_id

STARTTLS_MODES = ("auto", "require", "off")
DATA_TIMEOUT_SECONDS = 60.0


@dataclass(frozen=True)
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
                 data_timeout: float = DATA_TIMEOUT_SECONDS, tls_context: ssl.SSLContext | None = None) -> None:
        self.settings = settings
        self.sender = sender
        self.timeout = timeout
        self.data_timeout = max(data_timeout, timeout)
        self.tls_context = tls_context or ssl.create_default_context()

    def _email(self, message: Message) -> EmailMessage:
        email = EmailMessage()
        email["From"] = self.sender
        email["To"] = message.address
        email["Subject"] = message.subject
        email["Message-ID"] = message_id(message.key)
        email["X-DoseKeeper-Delivery"] = delivery_id(message.key)
        email.set_content(message.text)
        return email

    def _open(self) -> smtplib.SMTP:
        s = self.settings
        smtp = smtplib.SMTP(s.host, s.port, timeout=self.timeout)
        try:
            smtp.ehlo()
            if s.starttls != "off" and smtp.has_extn("starttls"):
                smtp.starttls(context=self.tls_context)
                smtp.ehlo()
            elif s.starttls == "require":
                raise DeliveryError("smtp server does not offer STARTTLS", transient=False)
            if s.user:
                smtp.login(s.user, s.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _envelope(self, smtp: smtplib.SMTP, message: Message) -> None:
        code, reply = smtp.mail(self.sender)
        if code != 250:
            raise smtplib.SMTPSenderRefused(code, reply, self.sender)
        code, reply = smtp.rcpt(message.address)
        if code not in (250, 251):
            raise smtplib.SMTPRecipientsRefused({message.address: (code, reply)})

    def send(self, message: Message) -> None:
        in_flight = False  # DATA has begun: from here a silence may hide a delivery
        try:
            smtp = self._open()
            try:
                self._envelope(smtp, message)
                content = self._email(message).as_bytes(policy=policy.SMTP)
                if smtp.sock is not None:
                    smtp.sock.settimeout(self.data_timeout)
                in_flight = True
                smtp.data(content)
            except BaseException:
                smtp.close()  # no QUIT: after a timeout it would wait out the server's late answer
                raise
            _quit_quietly(smtp)
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
            if in_flight:
                raise DeliveryError(f"smtp no answer after DATA: {type(exc).__name__}", transient=True,
                                    outcome_unknown=True) from exc
            raise DeliveryError(f"smtp unreachable: {type(exc).__name__}", transient=True) from exc


def _quit_quietly(smtp: smtplib.SMTP) -> None:
    """QUIT after the message is accepted is a courtesy: its failure must not turn a delivery into an error."""
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()
