"""A private stand-in for Alexa's signing PKI, so request verification is tested with real crypto offline.

One test CA, one intermediate and one ``echo-api.amazon.com`` leaf are made once per test session (RSA key
generation is the slow part); variant certificates (expired, wrong name, self-signed...) reuse those keys.
"""

from __future__ import annotations

import base64
import functools
import ipaddress
import json
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

ALEXA_DOMAIN = "echo-api.amazon.com"
CHAIN_URL = "https://s3.amazonaws.com/echo.api/echo-api-cert-12.pem"
SKILL_ID = "amzn1.ask.skill.00000000-0000-4000-8000-000000000001"
# OpenSSL checks the loopback https server's chain against the real clock, which a clock-ahead run
# (tests/clock_ahead) leaves behind, so the CAs and the loopback certificate start this long before `now`.
REAL_CLOCK_SLACK = timedelta(days=3650)


@dataclass(frozen=True)
class Issued:
    certificate: x509.Certificate
    key: rsa.RSAPrivateKey


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "DoseKeeper Test PKI"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _ca_certificate(
    common_name: str,
    key: rsa.RSAPrivateKey,
    issuer: Issued | None,
    not_before: datetime,
    not_after: datetime,
) -> x509.Certificate:
    signer_key = issuer.key if issuer else key
    issuer_name = issuer.certificate.subject if issuer else _name(common_name)
    return (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(
            x509.BasicConstraints(ca=True, path_length=None if issuer is None else 0), critical=True
        )
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signer_key.public_key()), critical=False
        )
        .sign(signer_key, hashes.SHA256())
    )


def _end_entity_certificate(
    *,
    subject: str,
    names: Sequence[x509.GeneralName],
    key: rsa.RSAPrivateKey,
    issuer: Issued | None,
    not_before: datetime,
    not_after: datetime,
) -> x509.Certificate:
    signer_key = issuer.key if issuer else key
    issuer_name = issuer.certificate.subject if issuer else _name(subject)
    return (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(list(names)), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signer_key.public_key()), critical=False
        )
        .sign(signer_key, hashes.SHA256())
    )


def to_pem(*certificates: x509.Certificate) -> bytes:
    return b"".join(cert.public_bytes(serialization.Encoding.PEM) for cert in certificates)


@dataclass
class AlexaTestPKI:
    """Root, intermediate and Alexa signing leaf, all valid around ``now`` (the moment they were made)."""

    now: datetime
    root: Issued
    intermediate: Issued
    leaf: Issued
    other_key: rsa.RSAPrivateKey
    """A key no certificate here belongs to: signatures made with it must be refused."""

    @property
    def trusted_roots(self) -> list[x509.Certificate]:
        return [self.root.certificate]

    def chain_pem(self, leaf: x509.Certificate | None = None) -> bytes:
        """What Amazon serves at the chain URL: the leaf first, then the intermediate."""
        return to_pem(leaf or self.leaf.certificate, self.intermediate.certificate)

    def issue_leaf(
        self,
        *,
        dns_name: str = ALEXA_DOMAIN,
        not_before: datetime | None = None,
        not_after: datetime | None = None,
        self_signed: bool = False,
        issuer: Issued | None = None,
    ) -> x509.Certificate:
        """A signing certificate on the leaf's key, with one thing changed (dates, name, issuer)."""
        return _end_entity_certificate(
            subject=dns_name,
            names=[x509.DNSName(dns_name)],
            key=self.leaf.key,
            issuer=None if self_signed else (issuer or self.intermediate),
            not_before=not_before or self.now - timedelta(days=1),
            not_after=not_after or self.now + timedelta(days=30),
        )

    def stranger_ca(self) -> Issued:
        """A CA nobody trusts (on ``other_key``), for chains that must not verify."""
        certificate = _ca_certificate(
            "Stranger CA",
            self.other_key,
            None,
            self.now - timedelta(days=365),
            self.now + timedelta(days=365),
        )
        return Issued(certificate, self.other_key)

    def sign(self, body: bytes, key: rsa.RSAPrivateKey | None = None) -> str:
        """The ``Signature-256`` header value Alexa would send for ``body``."""
        signature = (key or self.leaf.key).sign(body, padding.PKCS1v15(), hashes.SHA256())
        return base64.b64encode(signature).decode("ascii")

    def headers(
        self, body: bytes, *, url: str = CHAIN_URL, key: rsa.RSAPrivateKey | None = None
    ) -> dict[str, str]:
        return {
            "SignatureCertChainUrl": url,
            "Signature-256": self.sign(body, key),
            "Content-Type": "application/json",
        }

    def write_loopback_tls_files(self, directory: Path) -> tuple[Path, Path]:
        """Certificate chain and key for an https server on 127.0.0.1 that ``client_ssl_context`` trusts."""
        server = _end_entity_certificate(
            subject="localhost",
            names=[x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))],
            key=self.leaf.key,
            issuer=self.intermediate,
            not_before=self.now - REAL_CLOCK_SLACK,
            not_after=self.now + timedelta(days=30),
        )
        cert_path = directory / "loopback-cert.pem"
        key_path = directory / "loopback-key.pem"
        cert_path.write_bytes(to_pem(server, self.intermediate.certificate))
        key_path.write_bytes(
            self.leaf.key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        return cert_path, key_path

    def client_ssl_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cadata=to_pem(self.root.certificate).decode("ascii"))
        return context


@functools.cache
def alexa_test_pki() -> AlexaTestPKI:
    """The session-wide test PKI (made on first use; keys are the costly part)."""
    now = datetime.now(UTC).replace(microsecond=0)
    root_key, intermediate_key, leaf_key, other_key = (_new_key() for _ in range(4))
    root = Issued(
        _ca_certificate(
            "Test Root CA", root_key, None, now - REAL_CLOCK_SLACK, now + timedelta(days=3650)
        ),
        root_key,
    )
    intermediate = Issued(
        _ca_certificate(
            "Test Intermediate CA",
            intermediate_key,
            root,
            now - REAL_CLOCK_SLACK,
            now + timedelta(days=1825),
        ),
        intermediate_key,
    )
    leaf = Issued(
        _end_entity_certificate(
            subject=ALEXA_DOMAIN,
            names=[x509.DNSName(ALEXA_DOMAIN)],
            key=leaf_key,
            issuer=intermediate,
            not_before=now - timedelta(days=1),
            not_after=now + timedelta(days=30),
        ),
        leaf_key,
    )
    return AlexaTestPKI(now=now, root=root, intermediate=intermediate, leaf=leaf, other_key=other_key)


@dataclass
class InMemoryChainFetcher:
    """Serves PEM chains from a dict and remembers each URL asked for, to prove what the cache saved."""

    chains: Mapping[str, bytes]
    calls: list[str] = field(default_factory=list)

    def __call__(self, url: str) -> bytes:
        self.calls.append(url)
        try:
            return self.chains[url]
        except KeyError:
            raise OSError(f"no chain at {url}") from None


def alexa_envelope(
    *,
    timestamp: datetime,
    skill_id: str = SKILL_ID,
    request: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A minimal request envelope with the fields verification reads."""
    application = {"applicationId": skill_id}
    return {
        "version": "1.0",
        "session": {
            "new": True,
            "sessionId": "amzn1.echo-api.session.test",
            "application": application,
            "user": {"userId": "amzn1.ask.account.TEST"},
        },
        "context": {
            "System": {
                "application": application,
                "user": {"userId": "amzn1.ask.account.TEST"},
                "device": {"deviceId": "amzn1.ask.device.TEST", "supportedInterfaces": {}},
                "apiEndpoint": "https://api.amazonalexa.com",
            }
        },
        "request": {
            "type": "LaunchRequest",
            "requestId": "amzn1.echo-api.request.test",
            "locale": "en-US",
            "timestamp": timestamp.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            **(request or {}),
        },
    }


def envelope_bytes(envelope: Mapping[str, Any]) -> bytes:
    return json.dumps(envelope, separators=(",", ":")).encode("utf-8")
