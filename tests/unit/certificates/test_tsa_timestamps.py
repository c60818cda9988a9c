"""PAdES B-T: with a TSA configured the signature carries an RFC 3161 token, fetched over real HTTP from a
local time-stamping authority (pyHanko's DummyTimeStamper behind an aiohttp server), never the internet."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.sign.signers.pdf_cms import SimpleSigner
from pyhanko.sign.timestamps import DummyTimeStamper

from certificates.document import CertificateDocument
from certificates.errors import CertificateError
from certificates.keys import KeyMaterial
from certificates.producer import CertificateProducer
from certificates.render import render_pdf, seal_box
from certificates.signing import TimestampError, load_timestamper, sign_pdf_bytes
from certificates.verify import verify_pdf


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


@pytest.fixture(scope="module")
def tsa(tmp_path_factory: pytest.TempPathFactory) -> tuple[DummyTimeStamper, Path]:
    """A TSA certificate (critical timeStamping EKU) under its own root; returns the stamper and root file."""
    now = dt.datetime.now(dt.UTC)
    root_key = ec.generate_private_key(ec.SECP256R1())
    tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # DummyTimeStamper signs RSA
    root = (
        x509.CertificateBuilder()
        .subject_name(_name("test TSA root"))
        .issuer_name(_name("test TSA root"))
        .public_key(root_key.public_key())
        .serial_number(1)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(root_key, hashes.SHA256())
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("test time-stamping authority"))
        .issuer_name(root.subject)
        .public_key(tsa_key.public_key())
        .serial_number(2)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(root_key, hashes.SHA256())
    )
    root_file = tmp_path_factory.mktemp("tsa") / "tsa-root.pem"
    root_file.write_bytes(root.public_bytes(serialization.Encoding.PEM))
    key_der = tsa_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    stamper = DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        tsa_key=asn1_keys.PrivateKeyInfo.load(key_der),
    )
    return stamper, root_file


@pytest.fixture
async def tsa_url(tsa: tuple[DummyTimeStamper, Path]) -> AsyncIterator[str]:
    """An RFC 3161 endpoint over real HTTP on a loopback port."""
    stamper, _root = tsa
    requests: list[bytes] = []

    async def answer(request: web.Request) -> web.Response:
        assert request.content_type == "application/timestamp-query"
        body = await request.read()
        requests.append(body)
        reply = stamper.request_tsa_response(tsp.TimeStampReq.load(body))
        return web.Response(body=reply.dump(), content_type="application/timestamp-reply")

    app = web.Application()
    app.router.add_post("/tsa", answer)
    server = TestServer(app)
    await server.start_server()
    try:
        yield str(server.make_url("/tsa"))
    finally:
        assert requests, "the TSA was never asked"
        await server.close()


async def test_signature_carries_a_verifiable_timestamp(
    tsa_url: str,
    tsa: tuple[DummyTimeStamper, Path],
    document: CertificateDocument,
    font_path: Path,
    signer: SimpleSigner,
    dev_keys: KeyMaterial,
) -> None:
    timestamper = load_timestamper(tsa_url)
    pdf = render_pdf(document, font_path)
    signed = await asyncio.to_thread(
        sign_pdf_bytes, pdf, signer, field_box=seal_box(document.type), timestamper=timestamper
    )
    roots = (*dev_keys.trust_roots, tsa[1])
    result = await asyncio.to_thread(verify_pdf, signed, roots)
    assert result.ok, result.problems
    assert result.timestamp is not None
    assert abs((result.timestamp - dt.datetime.now(dt.UTC)).total_seconds()) < 120
    assert result.timestamp_authority == "test time-stamping authority"
    assert result.timestamp_trusted
    # without the TSA's root the signature itself still verifies, the timestamp is reported as untrusted
    plain = await asyncio.to_thread(verify_pdf, signed, dev_keys.trust_roots)
    assert plain.timestamp is not None
    assert not plain.timestamp_trusted


async def test_producer_stamps_in_its_workers(
    tsa_url: str,
    tsa: tuple[DummyTimeStamper, Path],
    document: CertificateDocument,
    font_path: Path,
    dev_keys: KeyMaterial,
) -> None:
    async with CertificateProducer(dev_keys, font_path, tsa_url=tsa_url) as producer:
        signed = await producer.produce(document)
    result = await asyncio.to_thread(verify_pdf, signed, (*dev_keys.trust_roots, tsa[1]))
    assert result.ok
    assert result.timestamp_trusted


async def test_unreachable_tsa_is_a_clear_error(
    document: CertificateDocument, font_path: Path, signer: SimpleSigner, unused_tcp_port: int
) -> None:
    timestamper = load_timestamper(f"http://127.0.0.1:{unused_tcp_port}/tsa")
    pdf = render_pdf(document, font_path)
    with pytest.raises(TimestampError, match="time-stamping authority"):
        await asyncio.to_thread(sign_pdf_bytes, pdf, signer, timestamper=timestamper)


def test_tsa_url_must_be_http() -> None:
    assert load_timestamper("") is None
    assert load_timestamper(None) is None
    with pytest.raises(CertificateError, match="tsa_url"):
        load_timestamper("ftp://tsa.example")
