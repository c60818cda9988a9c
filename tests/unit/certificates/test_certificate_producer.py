"""CertificateProducer renders and signs in worker processes, awaited from async code."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import pytest

import certificates.producer as producer_module
from certificates.errors import CertificateError, DocumentError
from certificates.keys import KeyMaterial
from certificates.producer import CertificateProducer
from certificates.samples import sample_document
from certificates.types import CertificateType
from certificates.verify import verify_pdf


async def test_produce_returns_signed_pdfs_for_every_type(
    types: dict[str, CertificateType], dev_keys: KeyMaterial, font_path: Path
) -> None:
    docs = [sample_document(kind, serial=i) for i, kind in enumerate(types.values(), start=1)]
    async with CertificateProducer(dev_keys, font_path, workers=2) as producer:
        pdfs = await asyncio.gather(*(producer.produce(doc) for doc in docs))
    for doc, pdf in zip(docs, pdfs, strict=True):
        result = await asyncio.to_thread(verify_pdf, pdf, dev_keys.trust_roots)
        assert result.ok, result.problems
        assert result.identifier == doc.identifier
    # the signer was loaded in the workers, never in this (event loop) process
    assert producer_module._worker is None


async def test_document_errors_come_back_unchanged(
    types: dict[str, CertificateType], dev_keys: KeyMaterial, font_path: Path
) -> None:
    base = sample_document(types["approval_notice"])
    too_long = dataclasses.replace(base, fields={**base.fields, "content": "准予。" * 5000})
    async with CertificateProducer(dev_keys, font_path, workers=1) as producer:
        with pytest.raises(DocumentError, match="one page"):
            await producer.produce(too_long)
        assert (await producer.produce(base)).startswith(b"%PDF-")  # the worker survives


async def test_broken_key_material_is_reported_with_its_cause(
    types: dict[str, CertificateType], tmp_path: Path, font_path: Path
) -> None:
    missing = KeyMaterial(key_path=tmp_path / "absent.key.pem", cert_path=tmp_path / "absent.cert.pem")
    async with CertificateProducer(missing, font_path, workers=1) as producer:
        with pytest.raises(CertificateError, match=r"could not start.*absent\.key\.pem does not exist"):
            await producer.produce(sample_document(types["approval_notice"]))


async def test_closed_producer_refuses_work(
    types: dict[str, CertificateType], dev_keys: KeyMaterial, font_path: Path
) -> None:
    producer = CertificateProducer(dev_keys, font_path, workers=1)
    await producer.close()
    with pytest.raises(CertificateError, match="closed"):
        await producer.produce(sample_document(types["approval_notice"]))


def test_worker_count_must_be_positive(dev_keys: KeyMaterial, font_path: Path) -> None:
    with pytest.raises(ValueError, match="workers"):
        CertificateProducer(dev_keys, font_path, workers=0)
