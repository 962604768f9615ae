"""Checks that a request to a self-hosted skill endpoint really comes from Alexa.

Amazon requires every web-service skill to reject requests whose signature, timestamp or skill id do not
check out ("Host a custom skill as a web service"). The ASK SDK's own verifier cannot be imported here, so
this module keeps its shape (pluggable verifiers behind one ``verify(headers, body, envelope)`` interface)
and does the checks with ``cryptography``.

Rejection must be cheap: anything a forger controls for free (headers, URL, timestamp, skill id) is checked
before the certificate chain is fetched, so junk traffic never makes us call out to the network.
"""

from __future__ import annotations

import base64
import binascii
import http.client
import json
import posixpath
import ssl
import threading
import urllib.error
import urllib.request
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509 import verification as x509_verification

SIGNATURE_CERT_CHAIN_URL_HEADER = "SignatureCertChainUrl"
SIGNATURE_256_HEADER = "Signature-256"
ALEXA_CERT_DOMAIN = "echo-api.amazon.com"
CERT_CHAIN_URL_SCHEME = "https"
CERT_CHAIN_URL_HOST = "s3.amazonaws.com"
CERT_CHAIN_URL_PATH_PREFIX = "/echo.api/"
CERT_CHAIN_URL_PORT = 443
MAX_TIMESTAMP_TOLERANCE = timedelta(seconds=150)

Clock = Callable[[], datetime]
ChainFetcher = Callable[[str], bytes]
"""Returns the PEM bytes at a certificate chain URL; raises OSError when they cannot be had."""


def utc_now() -> datetime:
    return datetime.now(UTC)


class VerificationError(Exception):
    """A request that must be answered with HTTP 400 and never reach the skill.

    ``reason`` is short and free of request content, so it can be logged without leaking health data.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RequestVerifier(Protocol):
    def verify(self, headers: Mapping[str, str], body: bytes, envelope: Mapping[str, Any]) -> None:
        """Return quietly if the request passes this check; raise VerificationError if not."""
        ...


def header_value(headers: Mapping[str, str], name: str) -> str | None:
    """Look a header up ignoring case, because proxies and test clients do not keep Amazon's spelling."""
    value = headers.get(name)
    if value is not None:
        return value
    wanted = name.lower()
    for key, candidate in headers.items():
        if key.lower() == wanted:
            return candidate
    return None


class _CaseInsensitiveHeaders(Mapping[str, str]):
    def __init__(self, headers: Mapping[str, str]) -> None:
        self._by_lower = {key.lower(): value for key, value in headers.items()}

    def __getitem__(self, key: str) -> str:
        return self._by_lower[key.lower()]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_lower)

    def __len__(self) -> int:
        return len(self._by_lower)


def verify_request(
    verifiers: Iterable[RequestVerifier], headers: Mapping[str, str], body: bytes
) -> dict[str, Any]:
    """Parse the raw body and run every verifier in order; return the envelope only if all pass.

    Verifiers run in the order given, so put the cheap ones first (``standard_verifiers`` does).
    """
    try:
        envelope = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise VerificationError("request body is not JSON") from exc
    if not isinstance(envelope, dict):
        raise VerificationError("request body is not a JSON object")
    lookup = _CaseInsensitiveHeaders(headers)
    for verifier in verifiers:
        verifier.verify(lookup, body, envelope)
    return envelope


def validate_cert_chain_url(url: str) -> None:
    """Apply Amazon's rules for ``SignatureCertChainUrl`` without touching the network."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() != CERT_CHAIN_URL_SCHEME:
        raise VerificationError("certificate chain URL is not https")
    if (parts.hostname or "").lower() != CERT_CHAIN_URL_HOST:
        raise VerificationError("certificate chain URL has the wrong host")
    try:
        port = parts.port
    except ValueError as exc:
        raise VerificationError("certificate chain URL has an invalid port") from exc
    if port is not None and port != CERT_CHAIN_URL_PORT:
        raise VerificationError("certificate chain URL has the wrong port")
    # Decode before normalising so "%2e%2e" cannot climb out of /echo.api/ either.
    path = posixpath.normpath(unquote(parts.path)) if parts.path else ""
    if not path.startswith(CERT_CHAIN_URL_PATH_PREFIX):
        raise VerificationError("certificate chain URL has the wrong path")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        # A redirect could lead to plain http or another host; Amazon never needs one.
        return None


class HttpsChainFetcher:
    """Downloads a certificate chain over https with a short timeout and a size cap.

    Alexa waits only a few seconds for the skill's answer, and an endless or huge response must not tie up
    a worker, hence the timeout and the cap. Redirects are refused.
    """

    def __init__(
        self, *, timeout: float = 3.0, max_bytes: int = 65_536, ssl_context: ssl.SSLContext | None = None
    ) -> None:
        self._timeout = timeout
        self._max_bytes = max_bytes
        context = ssl_context if ssl_context is not None else _default_tls_context()
        self._opener = urllib.request.build_opener(
            _NoRedirects(), urllib.request.HTTPSHandler(context=context)
        )

    def __call__(self, url: str) -> bytes:
        if urlsplit(url).scheme.lower() != "https":
            raise OSError("certificate chains are only fetched over https")
        try:
            with self._opener.open(url, timeout=self._timeout) as response:
                if response.status != 200:
                    raise OSError(f"certificate chain fetch answered HTTP {response.status}")
                data: bytes = response.read(self._max_bytes + 1)
        except urllib.error.HTTPError as exc:
            raise OSError(f"certificate chain fetch answered HTTP {exc.code}") from exc
        except (http.client.HTTPException, ValueError) as exc:
            raise OSError("certificate chain fetch failed") from exc
        if len(data) > self._max_bytes:
            raise OSError("certificate chain is too large")
        return data


def _default_tls_context() -> ssl.SSLContext:
    bundle = _certifi_bundle()
    return ssl.create_default_context(cafile=bundle) if bundle else ssl.create_default_context()


def _certifi_bundle() -> str | None:
    try:
        import certifi
    except ImportError:
        return None
    return certifi.where()


def load_default_trusted_roots() -> list[x509.Certificate]:
    """Public web roots: certifi's bundle when installed (same on every host), else the system bundle."""
    bundle = (
        _certifi_bundle() or ssl.get_default_verify_paths().cafile or "/etc/ssl/certs/ca-certificates.crt"
    )
    with open(bundle, "rb") as handle:
        return _load_pem_leniently(handle.read())


def _load_pem_leniently(data: bytes) -> list[x509.Certificate]:
    with warnings.catch_warnings():
        # Bundles still carry a few old roots with non-positive serials; cryptography warns (and will later
        # refuse, which the fallback below handles). Neither concerns the Alexa chain.
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        try:
            return x509.load_pem_x509_certificates(data)
        except ValueError:
            return _load_each_pem(data)


def _load_each_pem(data: bytes) -> list[x509.Certificate]:
    # Some system bundles hold a certificate that cryptography's strict parser refuses; skip just that one.
    roots: list[x509.Certificate] = []
    marker = b"-----END CERTIFICATE-----"
    for block in data.split(marker):
        if b"-----BEGIN CERTIFICATE-----" not in block:
            continue
        try:
            roots.append(x509.load_pem_x509_certificate(block + marker))
        except ValueError:
            continue
    return roots


@dataclass(frozen=True)
class _VerifiedChain:
    leaf: x509.Certificate
    good_until: datetime


class SignatureVerifier:
    """Checks ``Signature-256`` against the Alexa signing certificate named by ``SignatureCertChainUrl``.

    A verified chain is cached per URL until the first of its certificates expires, because Alexa uses
    the same chain for every request and fetching it each time would add a network round trip per turn.
    """

    def __init__(
        self,
        *,
        fetcher: ChainFetcher | None = None,
        trusted_roots: Sequence[x509.Certificate] | None = None,
        clock: Clock = utc_now,
        cache_size: int = 16,
    ) -> None:
        self._fetcher: ChainFetcher = fetcher if fetcher is not None else HttpsChainFetcher()
        self._trusted_roots = list(trusted_roots) if trusted_roots is not None else None
        self._store: x509_verification.Store | None = None
        self._clock = clock
        self._cache_size = max(1, cache_size)
        self._cache: OrderedDict[str, _VerifiedChain] = OrderedDict()
        self._lock = threading.Lock()

    def verify(self, headers: Mapping[str, str], body: bytes, envelope: Mapping[str, Any]) -> None:
        url = header_value(headers, SIGNATURE_CERT_CHAIN_URL_HEADER)
        if not url:
            raise VerificationError("missing SignatureCertChainUrl header")
        encoded_signature = header_value(headers, SIGNATURE_256_HEADER)
        if not encoded_signature:
            raise VerificationError("missing Signature-256 header")
        validate_cert_chain_url(url)
        try:
            signature = base64.b64decode(encoded_signature.strip(), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise VerificationError("Signature-256 header is not base64") from exc
        if not signature:
            raise VerificationError("Signature-256 header is empty")

        leaf = self._signing_certificate(url)
        public_key = leaf.public_key()
        if not isinstance(public_key, rsa.RSAPublicKey):
            raise VerificationError("signing certificate key is not RSA")
        try:
            public_key.verify(signature, body, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature as exc:
            raise VerificationError("signature does not match request body") from exc

    def _signing_certificate(self, url: str) -> x509.Certificate:
        now = self._clock()
        with self._lock:
            cached = self._cache.get(url)
            if cached is not None:
                if now < cached.good_until:
                    self._cache.move_to_end(url)
                    return cached.leaf
                del self._cache[url]
        # Fetch outside the lock: a slow download must not hold up requests served from the cache.
        verified = self._fetch_and_verify(url, now)
        with self._lock:
            self._cache[url] = verified
            self._cache.move_to_end(url)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return verified.leaf

    def _fetch_and_verify(self, url: str, now: datetime) -> _VerifiedChain:
        try:
            pem = self._fetcher(url)
        except OSError as exc:
            raise VerificationError("certificate chain could not be fetched") from exc
        try:
            certificates = x509.load_pem_x509_certificates(pem)
        except ValueError as exc:
            raise VerificationError("certificate chain is not PEM") from exc
        leaf, intermediates = certificates[0], certificates[1:]

        if now < leaf.not_valid_before_utc:
            raise VerificationError("signing certificate is not yet valid")
        if now > leaf.not_valid_after_utc:
            raise VerificationError("signing certificate has expired")
        if not _names_alexa_domain(leaf):
            raise VerificationError("signing certificate is not for echo-api.amazon.com")

        verifier = (
            x509_verification.PolicyBuilder()
            .store(self._trust_store())
            .time(now)
            .build_server_verifier(x509.DNSName(ALEXA_CERT_DOMAIN))
        )
        try:
            chain = verifier.verify(leaf, intermediates)
        except x509_verification.VerificationError as exc:
            raise VerificationError("certificate chain is not trusted") from exc
        good_until = min(certificate.not_valid_after_utc for certificate in chain)
        return _VerifiedChain(leaf=leaf, good_until=good_until)

    def _trust_store(self) -> x509_verification.Store:
        # Loaded on first use so that constructing the verifier (at app start) stays cheap.
        with self._lock:
            if self._store is None:
                roots = (
                    self._trusted_roots if self._trusted_roots is not None else load_default_trusted_roots()
                )
                self._store = x509_verification.Store(roots)
            return self._store


def _names_alexa_domain(certificate: x509.Certificate) -> bool:
    try:
        names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False
    return any(name.lower() == ALEXA_CERT_DOMAIN for name in names.get_values_for_type(x509.DNSName))


class TimestampVerifier:
    """Rejects requests older or newer than the tolerance, so a captured request cannot be replayed later."""

    def __init__(self, *, tolerance: timedelta = MAX_TIMESTAMP_TOLERANCE, clock: Clock = utc_now) -> None:
        if tolerance <= timedelta(0) or tolerance > MAX_TIMESTAMP_TOLERANCE:
            raise ValueError("timestamp tolerance must be between 0 and 150 seconds")
        self._tolerance = tolerance
        self._clock = clock

    def verify(self, headers: Mapping[str, str], body: bytes, envelope: Mapping[str, Any]) -> None:
        request = envelope.get("request")
        raw = request.get("timestamp") if isinstance(request, Mapping) else None
        if raw is None:
            raise VerificationError("request timestamp is missing")
        if not isinstance(raw, str):
            raise VerificationError("request timestamp is malformed")
        try:
            timestamp = datetime.fromisoformat(raw)
        except ValueError as exc:
            raise VerificationError("request timestamp is malformed") from exc
        if timestamp.tzinfo is None:
            timestamp = timestamp.replace(tzinfo=UTC)  # Alexa's timestamps are UTC.
        if abs(self._clock() - timestamp) > self._tolerance:
            raise VerificationError("request timestamp is outside the allowed window")


class SkillIdVerifier:
    """Rejects requests meant for another skill, so nobody can point their own skill at our endpoint."""

    def __init__(self, skill_id: str) -> None:
        if not skill_id:
            raise ValueError("skill id must not be empty")
        self._skill_id = skill_id

    def verify(self, headers: Mapping[str, str], body: bytes, envelope: Mapping[str, Any]) -> None:
        application_id = _dig(envelope, "context", "System", "application", "applicationId")
        if application_id is None:
            application_id = _dig(envelope, "session", "application", "applicationId")
        if application_id is None:
            raise VerificationError("skill id is missing")
        if application_id != self._skill_id:
            raise VerificationError("skill id does not match")


def _dig(data: Mapping[str, Any], *keys: str) -> Any:
    current: Any = data
    for key in keys:
        if not isinstance(current, Mapping):
            return None
        current = current.get(key)
    return current


def standard_verifiers(
    skill_id: str,
    *,
    fetcher: ChainFetcher | None = None,
    trusted_roots: Sequence[x509.Certificate] | None = None,
    clock: Clock = utc_now,
) -> list[RequestVerifier]:
    """Amazon's three required checks, cheapest first so forged requests are dropped before any fetch."""
    return [
        TimestampVerifier(clock=clock),
        SkillIdVerifier(skill_id),
        SignatureVerifier(fetcher=fetcher, trusted_roots=trusted_roots, clock=clock),
    ]
