"""Requests to the self-hosted skill endpoint are accepted only if they really come from Alexa.

Real crypto throughout: a test CA stands in for Amazon's, and forged requests are built the way an
attacker would build them.
"""

from __future__ import annotations

import http.server
import ssl
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from skill.alexa.verification import (
    HttpsChainFetcher,
    RequestVerifier,
    SignatureVerifier,
    SkillIdVerifier,
    TimestampVerifier,
    VerificationError,
    load_default_trusted_roots,
    standard_verifiers,
    verify_request,
)
from tests.support.alexa_certs import (
    CHAIN_URL,
    SKILL_ID,
    AlexaTestPKI,
    InMemoryChainFetcher,
    alexa_envelope,
    alexa_test_pki,
    envelope_bytes,
    to_pem,
)


@dataclass
class FakeClock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(scope="session")
def pki() -> AlexaTestPKI:
    return alexa_test_pki()


@pytest.fixture
def clock(pki: AlexaTestPKI) -> FakeClock:
    return FakeClock(pki.now)


@pytest.fixture
def fetcher(pki: AlexaTestPKI) -> InMemoryChainFetcher:
    return InMemoryChainFetcher({CHAIN_URL: pki.chain_pem()})


@pytest.fixture
def verifiers(pki: AlexaTestPKI, fetcher: InMemoryChainFetcher, clock: FakeClock) -> list[RequestVerifier]:
    return standard_verifiers(SKILL_ID, fetcher=fetcher, trusted_roots=pki.trusted_roots, clock=clock)


def launch_body(clock: FakeClock, **overrides: Any) -> bytes:
    return envelope_bytes(alexa_envelope(timestamp=clock.now, **overrides))


def rejection(verifiers: list[RequestVerifier], headers: dict[str, str], body: bytes) -> str:
    with pytest.raises(VerificationError) as caught:
        verify_request(verifiers, headers, body)
    return caught.value.reason


# --- the genuine request ----------------------------------------------------------------------------------


def test_genuine_alexa_request_is_accepted(
    pki: AlexaTestPKI, verifiers: list[RequestVerifier], clock: FakeClock
) -> None:
    # GIVEN a request signed by the Alexa signing certificate, sent just now to our skill
    body = launch_body(clock)

    # WHEN it is verified
    envelope = verify_request(verifiers, pki.headers(body), body)

    # THEN it passes and the parsed envelope comes back for the skill to handle
    assert envelope["request"]["type"] == "LaunchRequest"


def test_header_names_are_matched_ignoring_case(
    pki: AlexaTestPKI, verifiers: list[RequestVerifier], clock: FakeClock
) -> None:
    # GIVEN a proxy that lower-cased every header name
    body = launch_body(clock)
    headers = {name.lower(): value for name, value in pki.headers(body).items()}

    # WHEN / THEN the request is still accepted
    assert verify_request(verifiers, headers, body)["request"]["type"] == "LaunchRequest"


@pytest.mark.parametrize(
    "url",
    [
        "HTTPS://S3.AMAZONAWS.COM/echo.api/echo-api-cert-12.pem",
        "https://s3.amazonaws.com:443/echo.api/echo-api-cert-12.pem",
        "https://s3.amazonaws.com/echo.api/../echo.api/echo-api-cert-12.pem",
    ],
)
def test_chain_urls_amazon_calls_valid_are_accepted(pki: AlexaTestPKI, clock: FakeClock, url: str) -> None:
    # GIVEN the chain served at a URL spelled in one of the ways Amazon's rules allow
    fetcher = InMemoryChainFetcher({url: pki.chain_pem()})
    verifiers = standard_verifiers(SKILL_ID, fetcher=fetcher, trusted_roots=pki.trusted_roots, clock=clock)
    body = launch_body(clock)

    # WHEN / THEN the request is accepted
    assert verify_request(verifiers, pki.headers(body, url=url), body)
    assert fetcher.calls == [url]


# --- the certificate chain URL: refused before anything is fetched ---------------------------------------


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://s3.amazonaws.com/echo.api/echo-api-cert.pem", "certificate chain URL is not https"),
        ("https://notamazon.com/echo.api/echo-api-cert.pem", "certificate chain URL has the wrong host"),
        (
            "https://s3.amazonaws.com.evil.example/echo.api/cert.pem",
            "certificate chain URL has the wrong host",
        ),
        ("https://s3.amazonaws.com/EcHo.aPi/echo-api-cert.pem", "certificate chain URL has the wrong path"),
        (
            "https://s3.amazonaws.com/invalid.path/echo-api-cert.pem",
            "certificate chain URL has the wrong path",
        ),
        ("https://s3.amazonaws.com/echo.api/../evil", "certificate chain URL has the wrong path"),
        ("https://s3.amazonaws.com/echo.api/%2e%2e/evil", "certificate chain URL has the wrong path"),
        (
            "https://s3.amazonaws.com:563/echo.api/echo-api-cert.pem",
            "certificate chain URL has the wrong port",
        ),
        (
            "https://s3.amazonaws.com:port/echo.api/echo-api-cert.pem",
            "certificate chain URL has an invalid port",
        ),
    ],
)
def test_forged_chain_url_is_refused_without_fetching(
    pki: AlexaTestPKI,
    verifiers: list[RequestVerifier],
    fetcher: InMemoryChainFetcher,
    clock: FakeClock,
    url: str,
    reason: str,
) -> None:
    # GIVEN a validly signed body whose chain URL breaks one of Amazon's rules
    body = launch_body(clock)

    # WHEN it is verified
    got = rejection(verifiers, pki.headers(body, url=url), body)

    # THEN it is refused for that rule, and nothing was downloaded from the attacker's URL
    assert got == reason
    assert fetcher.calls == []


@pytest.mark.parametrize(
    ("missing", "reason"),
    [
        ("SignatureCertChainUrl", "missing SignatureCertChainUrl header"),
        ("Signature-256", "missing Signature-256 header"),
    ],
)
def test_request_without_signature_headers_is_refused(
    pki: AlexaTestPKI,
    verifiers: list[RequestVerifier],
    fetcher: InMemoryChainFetcher,
    clock: FakeClock,
    missing: str,
    reason: str,
) -> None:
    # GIVEN a request lacking one of the two signature headers
    body = launch_body(clock)
    headers = pki.headers(body)
    del headers[missing]

    # WHEN / THEN it is refused, without a fetch
    assert rejection(verifiers, headers, body) == reason
    assert fetcher.calls == []


# --- the certificate chain --------------------------------------------------------------------------------


def _verifiers_serving(pki: AlexaTestPKI, clock: FakeClock, chain: bytes) -> list[RequestVerifier]:
    fetcher = InMemoryChainFetcher({CHAIN_URL: chain})
    return standard_verifiers(SKILL_ID, fetcher=fetcher, trusted_roots=pki.trusted_roots, clock=clock)


def test_chain_from_an_untrusted_ca_is_refused(pki: AlexaTestPKI, clock: FakeClock) -> None:
    # GIVEN an attacker's CA that issued an echo-api.amazon.com certificate on the signing key
    stranger = pki.stranger_ca()
    leaf = pki.issue_leaf(issuer=stranger)
    verifiers = _verifiers_serving(pki, clock, to_pem(leaf, stranger.certificate))
    body = launch_body(clock)

    # WHEN / THEN the request is refused
    assert rejection(verifiers, pki.headers(body), body) == "certificate chain is not trusted"


def test_chain_without_its_intermediate_is_refused(pki: AlexaTestPKI, clock: FakeClock) -> None:
    # GIVEN a chain URL serving only the leaf, so no path leads to the trusted root
    verifiers = _verifiers_serving(pki, clock, to_pem(pki.leaf.certificate))
    body = launch_body(clock)

    # WHEN / THEN the request is refused
    assert rejection(verifiers, pki.headers(body), body) == "certificate chain is not trusted"


def test_self_signed_signing_certificate_is_refused(pki: AlexaTestPKI, clock: FakeClock) -> None:
    # GIVEN a self-signed echo-api.amazon.com certificate on the signing key
    verifiers = _verifiers_serving(pki, clock, to_pem(pki.issue_leaf(self_signed=True)))
    body = launch_body(clock)

    # WHEN / THEN the request is refused
    assert rejection(verifiers, pki.headers(body), body) == "certificate chain is not trusted"


def test_expired_signing_certificate_is_refused(pki: AlexaTestPKI, clock: FakeClock) -> None:
    # GIVEN a signing certificate that expired a minute ago
    leaf = pki.issue_leaf(not_before=pki.now - timedelta(days=30), not_after=pki.now - timedelta(minutes=1))
    verifiers = _verifiers_serving(pki, clock, pki.chain_pem(leaf))
    body = launch_body(clock)

    # WHEN / THEN the request is refused
    assert rejection(verifiers, pki.headers(body), body) == "signing certificate has expired"


def test_not_yet_valid_signing_certificate_is_refused(pki: AlexaTestPKI, clock: FakeClock) -> None:
    # GIVEN a signing certificate that only becomes valid in a minute
    leaf = pki.issue_leaf(not_before=pki.now + timedelta(minutes=1), not_after=pki.now + timedelta(days=30))
    verifiers = _verifiers_serving(pki, clock, pki.chain_pem(leaf))
    body = launch_body(clock)

    # WHEN / THEN the request is refused
    assert rejection(verifiers, pki.headers(body), body) == "signing certificate is not yet valid"


def test_certificate_for_another_name_is_refused(pki: AlexaTestPKI, clock: FakeClock) -> None:
    # GIVEN a trusted certificate issued for some other host
    verifiers = _verifiers_serving(pki, clock, pki.chain_pem(pki.issue_leaf(dns_name="evil.example.com")))
    body = launch_body(clock)

    # WHEN / THEN the request is refused
    assert (
        rejection(verifiers, pki.headers(body), body) == "signing certificate is not for echo-api.amazon.com"
    )


def test_garbage_at_chain_url_is_refused(pki: AlexaTestPKI, clock: FakeClock) -> None:
    # GIVEN the chain URL serves something that is not PEM
    verifiers = _verifiers_serving(pki, clock, b"<html>Access Denied</html>")
    body = launch_body(clock)

    # WHEN / THEN the request is refused
    assert rejection(verifiers, pki.headers(body), body) == "certificate chain is not PEM"


def test_unreachable_chain_url_is_refused(pki: AlexaTestPKI, clock: FakeClock) -> None:
    # GIVEN the chain cannot be downloaded
    verifiers = standard_verifiers(
        SKILL_ID, fetcher=InMemoryChainFetcher({}), trusted_roots=pki.trusted_roots, clock=clock
    )
    body = launch_body(clock)

    # WHEN / THEN the request is refused rather than let through
    assert rejection(verifiers, pki.headers(body), body) == "certificate chain could not be fetched"


def test_test_ca_is_not_trusted_by_the_default_roots(
    pki: AlexaTestPKI, fetcher: InMemoryChainFetcher, clock: FakeClock
) -> None:
    # GIVEN a verifier on the default (public) roots, not our test CA
    verifier = SignatureVerifier(fetcher=fetcher, clock=clock)
    body = launch_body(clock)

    # WHEN / THEN a chain from a private CA is refused
    assert load_default_trusted_roots()
    assert rejection([verifier], pki.headers(body), body) == "certificate chain is not trusted"


# --- the signature ----------------------------------------------------------------------------------------


def test_signature_over_a_different_body_is_refused(
    pki: AlexaTestPKI, verifiers: list[RequestVerifier], clock: FakeClock
) -> None:
    # GIVEN a genuine signature, replayed with a tampered body
    genuine = launch_body(clock)
    tampered = launch_body(clock, request={"type": "IntentRequest"})

    # WHEN / THEN the tampered request is refused
    assert rejection(verifiers, pki.headers(genuine), tampered) == "signature does not match request body"


def test_signature_by_another_key_is_refused(
    pki: AlexaTestPKI, verifiers: list[RequestVerifier], clock: FakeClock
) -> None:
    # GIVEN a body signed with a key that is not the certificate's
    body = launch_body(clock)

    # WHEN / THEN it is refused
    headers = pki.headers(body, key=pki.other_key)
    assert rejection(verifiers, headers, body) == "signature does not match request body"


def test_signature_that_is_not_base64_is_refused(
    pki: AlexaTestPKI, verifiers: list[RequestVerifier], fetcher: InMemoryChainFetcher, clock: FakeClock
) -> None:
    # GIVEN a Signature-256 header that is not base64
    body = launch_body(clock)
    headers = {**pki.headers(body), "Signature-256": "not*base64!"}

    # WHEN / THEN it is refused without fetching the chain
    assert rejection(verifiers, headers, body) == "Signature-256 header is not base64"
    assert fetcher.calls == []


# --- timestamp, skill id and body -------------------------------------------------------------------------


@pytest.mark.parametrize("offset_seconds", [-151, 151])
def test_request_more_than_150_seconds_off_is_refused_without_fetching(
    pki: AlexaTestPKI,
    verifiers: list[RequestVerifier],
    fetcher: InMemoryChainFetcher,
    clock: FakeClock,
    offset_seconds: int,
) -> None:
    # GIVEN a validly signed request stamped 151 s in the past or the future
    body = envelope_bytes(alexa_envelope(timestamp=clock.now + timedelta(seconds=offset_seconds)))

    # WHEN / THEN it is refused (a replay), and cheaply
    assert rejection(verifiers, pki.headers(body), body) == "request timestamp is outside the allowed window"
    assert fetcher.calls == []


@pytest.mark.parametrize("offset_seconds", [-150, 150])
def test_request_150_seconds_off_is_still_accepted(
    pki: AlexaTestPKI, verifiers: list[RequestVerifier], clock: FakeClock, offset_seconds: int
) -> None:
    # GIVEN a request stamped exactly at the edge of Amazon's window
    body = envelope_bytes(alexa_envelope(timestamp=clock.now + timedelta(seconds=offset_seconds)))

    # WHEN / THEN it is accepted
    assert verify_request(verifiers, pki.headers(body), body)


@pytest.mark.parametrize(
    ("timestamp", "reason"),
    [
        (None, "request timestamp is missing"),
        ("yesterday", "request timestamp is malformed"),
        (1700000000, "request timestamp is malformed"),
    ],
)
def test_missing_or_malformed_timestamp_is_refused(clock: FakeClock, timestamp: object, reason: str) -> None:
    # GIVEN an envelope whose timestamp is absent or not ISO 8601
    envelope = alexa_envelope(timestamp=clock.now)
    if timestamp is None:
        del envelope["request"]["timestamp"]
    else:
        envelope["request"]["timestamp"] = timestamp

    # WHEN / THEN it is refused with a clear reason
    with pytest.raises(VerificationError) as caught:
        TimestampVerifier(clock=clock).verify({}, envelope_bytes(envelope), envelope)
    assert caught.value.reason == reason


def test_request_for_another_skill_is_refused_without_fetching(
    pki: AlexaTestPKI, verifiers: list[RequestVerifier], fetcher: InMemoryChainFetcher, clock: FakeClock
) -> None:
    # GIVEN a genuine Alexa request meant for someone else's skill
    body = launch_body(clock, skill_id="amzn1.ask.skill.someone-else")

    # WHEN / THEN it is refused
    assert rejection(verifiers, pki.headers(body), body) == "skill id does not match"
    assert fetcher.calls == []


def test_skill_id_is_read_from_the_session_when_context_lacks_it(clock: FakeClock) -> None:
    # GIVEN an envelope carrying the application id only in its session
    envelope = alexa_envelope(timestamp=clock.now)
    del envelope["context"]
    verifier = SkillIdVerifier(SKILL_ID)

    # WHEN / THEN it is accepted for our skill and refused for another
    verifier.verify({}, b"", envelope)
    with pytest.raises(VerificationError, match="skill id does not match"):
        SkillIdVerifier("amzn1.ask.skill.other").verify({}, b"", envelope)


def test_envelope_without_any_skill_id_is_refused(clock: FakeClock) -> None:
    # GIVEN an envelope with no application id anywhere
    envelope = alexa_envelope(timestamp=clock.now)
    del envelope["context"]
    del envelope["session"]

    # WHEN / THEN it is refused
    with pytest.raises(VerificationError, match="skill id is missing"):
        SkillIdVerifier(SKILL_ID).verify({}, b"", envelope)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"request": ', "request body is not JSON"),
        (b"\xff\xfe not utf-8", "request body is not JSON"),
        (b"[1, 2, 3]", "request body is not a JSON object"),
    ],
)
def test_malformed_body_is_refused(
    pki: AlexaTestPKI,
    verifiers: list[RequestVerifier],
    fetcher: InMemoryChainFetcher,
    body: bytes,
    reason: str,
) -> None:
    # GIVEN a signed body that is not a JSON object
    # WHEN / THEN it is refused before any other check
    assert rejection(verifiers, pki.headers(body), body) == reason
    assert fetcher.calls == []


# --- the chain cache --------------------------------------------------------------------------------------


def test_second_request_reuses_the_verified_chain(
    pki: AlexaTestPKI, verifiers: list[RequestVerifier], fetcher: InMemoryChainFetcher, clock: FakeClock
) -> None:
    # GIVEN one verified request
    first = launch_body(clock)
    verify_request(verifiers, pki.headers(first), first)

    # WHEN a second request names the same chain URL a minute later
    clock.now += timedelta(minutes=1)
    second = launch_body(clock, request={"type": "SessionEndedRequest"})
    verify_request(verifiers, pki.headers(second), second)

    # THEN the chain was downloaded only once
    assert fetcher.calls == [CHAIN_URL]


def test_cached_chain_still_checks_each_signature(
    pki: AlexaTestPKI, verifiers: list[RequestVerifier], clock: FakeClock
) -> None:
    # GIVEN a chain already cached by a genuine request
    genuine = launch_body(clock)
    verify_request(verifiers, pki.headers(genuine), genuine)

    # WHEN a tampered request names the same URL
    tampered = launch_body(clock, request={"type": "IntentRequest"})

    # THEN it is still refused
    assert rejection(verifiers, pki.headers(genuine), tampered) == "signature does not match request body"


def test_cached_chain_expires_with_the_signing_certificate(
    pki: AlexaTestPKI, verifiers: list[RequestVerifier], fetcher: InMemoryChainFetcher, clock: FakeClock
) -> None:
    # GIVEN a chain cached while its leaf was valid
    body = launch_body(clock)
    verify_request(verifiers, pki.headers(body), body)

    # WHEN a request arrives after the leaf's expiry
    clock.now = pki.leaf.certificate.not_valid_after_utc + timedelta(seconds=1)
    later = launch_body(clock)

    # THEN the chain is fetched again and the expired certificate refused
    assert rejection(verifiers, pki.headers(later), later) == "signing certificate has expired"
    assert fetcher.calls == [CHAIN_URL, CHAIN_URL]


def test_cache_holds_a_bounded_number_of_chains(pki: AlexaTestPKI, clock: FakeClock) -> None:
    # GIVEN a cache of one entry and two chain URLs
    other_url = "https://s3.amazonaws.com/echo.api/echo-api-cert-13.pem"
    fetcher = InMemoryChainFetcher({CHAIN_URL: pki.chain_pem(), other_url: pki.chain_pem()})
    verifier = SignatureVerifier(fetcher=fetcher, trusted_roots=pki.trusted_roots, clock=clock, cache_size=1)
    body = launch_body(clock)

    # WHEN requests alternate between the two URLs
    for url in (CHAIN_URL, other_url, CHAIN_URL):
        verify_request([verifier], pki.headers(body, url=url), body)

    # THEN the oldest entry was evicted and fetched again
    assert fetcher.calls == [CHAIN_URL, other_url, CHAIN_URL]


def test_concurrent_requests_are_all_verified(
    pki: AlexaTestPKI, verifiers: list[RequestVerifier], clock: FakeClock
) -> None:
    # GIVEN several genuine requests arriving at once on different threads
    bodies = [launch_body(clock, request={"requestId": f"amzn1.echo-api.request.{n}"}) for n in range(16)]

    # WHEN they are verified concurrently
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda body: verify_request(verifiers, pki.headers(body), body), bodies))

    # THEN every one passes
    assert [r["request"]["requestId"] for r in results] == [f"amzn1.echo-api.request.{n}" for n in range(16)]


# --- the https fetcher, against a real loopback server ------------------------------------------------------


@dataclass
class LoopbackChainServer:
    base_url: str
    chain: bytes


@pytest.fixture(scope="module")
def chain_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoopbackChainServer]:
    pki = alexa_test_pki()
    chain = pki.chain_pem()
    cert_file, key_file = pki.write_loopback_tls_files(Path(tmp_path_factory.mktemp("tls")))

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/echo.api/chain.pem":
                self._send(200, chain)
            elif self.path == "/echo.api/huge.pem":
                self._send(200, b"A" * 200_000)
            elif self.path == "/echo.api/moved.pem":
                self.send_response(302)
                self.send_header("Location", "/echo.api/chain.pem")
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                self._send(404, b"not found")

        def _send(self, status: int, payload: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LoopbackChainServer(f"https://127.0.0.1:{server.server_address[1]}", chain)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def https_fetcher(pki: AlexaTestPKI) -> HttpsChainFetcher:
    return HttpsChainFetcher(timeout=3.0, max_bytes=65_536, ssl_context=pki.client_ssl_context())


def test_https_fetcher_downloads_the_chain(
    chain_server: LoopbackChainServer, https_fetcher: HttpsChainFetcher
) -> None:
    # GIVEN / WHEN the chain is fetched over https
    # THEN the PEM bytes arrive unchanged
    assert https_fetcher(f"{chain_server.base_url}/echo.api/chain.pem") == chain_server.chain


@pytest.mark.parametrize("path", ["/echo.api/huge.pem", "/echo.api/moved.pem", "/echo.api/missing.pem"])
def test_https_fetcher_refuses_oversized_redirected_or_missing_chains(
    chain_server: LoopbackChainServer, https_fetcher: HttpsChainFetcher, path: str
) -> None:
    # GIVEN a chain URL that answers with too much data, a redirect, or a 404
    # WHEN / THEN the fetch fails as OSError, which the verifier turns into a refusal
    with pytest.raises(OSError, match="certificate chain"):
        https_fetcher(f"{chain_server.base_url}{path}")


def test_https_fetcher_refuses_plain_http(https_fetcher: HttpsChainFetcher) -> None:
    # GIVEN / WHEN / THEN a plain-http URL is refused before any connection is made
    with pytest.raises(OSError, match="only fetched over https"):
        https_fetcher("http://127.0.0.1:9/echo.api/chain.pem")


def test_https_fetcher_refuses_a_server_it_does_not_trust(chain_server: LoopbackChainServer) -> None:
    # GIVEN a fetcher on the public roots, facing a server with a private certificate
    fetcher = HttpsChainFetcher(timeout=3.0)

    # WHEN / THEN the TLS handshake fails
    with pytest.raises(OSError, match="CERTIFICATE_VERIFY_FAILED"):
        fetcher(f"{chain_server.base_url}/echo.api/chain.pem")
