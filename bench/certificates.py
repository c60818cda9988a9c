"""Signed certificates per second, against a naive baseline measured in the same run.

Run: ``.venv/bin/python bench/certificates.py [--n 200] [--batch 500]``. Prints one JSON object per figure.

* baseline: the same page drawn on a stock reportlab canvas (``render_pdf_reportlab``: the same layout code,
  reportlab's own subsetting and PDF writer; fonts registered once per process, as any first version does)
  and stock pyHanko ``signers.sign_pdf`` with a freshly loaded signer each time (no tuning).
* ours: the producer's worker path in one process (``produce_in_process``'s two steps, ``render_pdf`` and
  ``sign_pdf_bytes``, timed apart; signer and fonts loaded once per worker; the PDF written directly, with
  each template's head, seal and fixed font subsets built once; our single-pass incremental update with
  pyHanko's CMS).
* also printed: where our time goes (render and sign medians), and the ratio against stock pyHanko signing
  of *our* rendering, i.e. what the signing work alone buys.
* Documents differ in holder name and identifier, so every certificate builds its own font subset; ours and
  each baseline get documents of their own (other identifiers), so none is timed on a document another
  measurement has laid out already (text widths and line breaks are cached).
* /healthz p99 latency while a batch is signed through the service's producer (real aiohttp app, in-process).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_cms import SimpleSigner

from certificates import (
    CertificateDocument,
    ensure_dev_keys,
    find_cjk_font,
    load_types,
    make_identifier,
    render_pdf,
    sample_document,
    seal_box,
)
from certificates.keys import KeyMaterial
from certificates.render import render_pdf_reportlab
from certificates.signing import load_signer, sign_pdf_bytes

ISSUER = "杭州市西湖区行政审批局"
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹"
_GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红文辉玉珍春梅鹏飞宇浩然欣怡"


def _holder(i: int, company: bool) -> str:
    name = _SURNAMES[i % len(_SURNAMES)] + _GIVEN[(i * 7) % len(_GIVEN)] + _GIVEN[(i * 13 + 5) % len(_GIVEN)]
    return f"杭州{name}餐饮管理有限公司" if company else name


def emit(
    name: str, value: float, unit: str, baseline: float | None = None, higher_is_better: bool = True
) -> None:
    figure: dict[str, object] = {"name": name, "value": round(value, 3), "unit": unit}
    if baseline is not None:
        figure["baseline"] = round(baseline, 3)
        figure["ratio"] = round(value / baseline if higher_is_better else baseline / value, 2)
    print(json.dumps(figure, ensure_ascii=False), flush=True)


def documents(n: int, first: int = 0) -> list[CertificateDocument]:
    types = load_types()
    out = []
    for i in range(first, first + n):
        kind = types["food_business_licence" if i % 2 else "approval_notice"]
        doc = sample_document(kind, issuer_name=ISSUER)
        identifier = make_identifier(kind.catalog_code, "11330100MB0000001R", i + 1)
        out.append(
            replace(
                doc,
                holder_name=_holder(i, company=i % 2 == 1),
                identifier=identifier,
                verify_url=f"http://localhost:8080/verify/{identifier}",
            )
        )
    return out


def naive(
    doc: CertificateDocument,
    material: KeyMaterial,
    font: Path,
    render: Callable[..., bytes] = render_pdf_reportlab,
) -> bytes:
    pdf = render(doc, font)
    signer = SimpleSigner.load(str(material.key_path), str(material.cert_path))
    meta = signers.PdfSignatureMetadata(field_name="IssuerSignature", subfilter=fields.SigSeedSubFilter.PADES)
    out = io.BytesIO()
    signers.sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(pdf)),
        meta,
        signer=signer,
        new_field_spec=fields.SigFieldSpec("IssuerSignature", box=seal_box(doc.type)),
        output=out,
    )
    return out.getvalue()


def timed(fn, docs: list[CertificateDocument]) -> list[float]:  # type: ignore[no-untyped-def]
    times = []
    for doc in docs:
        start = time.perf_counter()
        fn(doc)
        times.append(time.perf_counter() - start)
    return times


async def health_under_load(data_dir: Path, docs: list[CertificateDocument]) -> tuple[float, float, int]:
    import aiohttp
    from aiohttp import web

    from delivery.app import create_app
    from delivery.config import DEFAULTS, Settings
    from delivery.web.keys import SERVICES

    raw = {key: dict(value) for key, value in DEFAULTS.items()}
    raw["storage"] = {"data_dir": str(data_dir)}
    raw["couriers"] = {"sandbox": {"push": False}}
    app = create_app(Settings(raw=raw), run_jobs=False)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    producer = app[SERVICES].producer
    await producer.produce(docs[0])  # start the worker before measuring
    latencies: list[float] = []
    done = asyncio.Event()

    async def hammer() -> None:
        async with aiohttp.ClientSession() as session:
            while not done.is_set():
                start = time.perf_counter()
                async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                    await response.read()
                    assert response.status == 200
                latencies.append(time.perf_counter() - start)
                await asyncio.sleep(0.005)

    pingers = [asyncio.create_task(hammer()) for _ in range(4)]
    start = time.perf_counter()
    await asyncio.gather(*(producer.produce(doc) for doc in docs))
    elapsed = time.perf_counter() - start
    done.set()
    await asyncio.gather(*pingers)
    await runner.cleanup()
    latencies.sort()
    return latencies[int(len(latencies) * 0.99) - 1], len(docs) / elapsed, len(latencies)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200, help="certificates per measured run")
    parser.add_argument("--batch", type=int, default=500, help="batch signed while /healthz is measured")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="certpost-bench-"))
    material = ensure_dev_keys(work / "data" / "keys", ISSUER)
    font = find_cjk_font(None)
    # one document list per measurement (see the module docstring)
    docs, base_docs, base_sign_docs = (documents(args.n, k * args.n) for k in range(3))

    naive(base_docs[-1], material, font)  # warm imports
    # what a producer worker holds from its start: the fonts registered and the signer loaded
    signer = load_signer(material)
    render_pdf(docs[-1], font)
    # interleaved, so that a shared machine changing speed moves all figures alike
    base: list[float] = []
    base_sign: list[float] = []
    ours: list[float] = []
    render: list[float] = []
    sign: list[float] = []
    for i, doc in enumerate(docs[:-1]):
        # produce_in_process's two steps, timed apart
        start = time.perf_counter()
        pdf = render_pdf(doc, font)
        middle = time.perf_counter()
        sign_pdf_bytes(pdf, signer, field_box=seal_box(doc.type))
        end = time.perf_counter()
        ours.append(end - start)
        render.append(middle - start)
        sign.append(end - middle)
        if i % 5 == 0:
            base += timed(lambda d: naive(d, material, font), [base_docs[i]])
            base_sign += timed(lambda d: naive(d, material, font, render_pdf), [base_sign_docs[i]])

    base_rate, our_rate = len(base) / sum(base), len(ours) / sum(ours)
    emit("signed certificates per second (one process)", our_rate, "certificates/s", base_rate)
    emit(
        "median render+sign time",
        statistics.median(ours) * 1000,
        "ms",
        statistics.median(base) * 1000,
        higher_is_better=False,
    )
    emit("median render time (ours)", statistics.median(render) * 1000, "ms")
    emit("median sign time (ours)", statistics.median(sign) * 1000, "ms")
    emit(
        "median render+sign time against stock pyHanko signing of our own rendering",
        statistics.median(ours) * 1000,
        "ms",
        statistics.median(base_sign) * 1000,
        higher_is_better=False,
    )
    p99, batch_rate, samples = asyncio.run(health_under_load(work / "data", documents(args.batch)))
    emit(f"/healthz p99 latency while signing a batch of {args.batch} ({samples} requests)", p99 * 1000, "ms")
    emit(f"batch of {args.batch} through the producer", batch_rate, "certificates/s")


if __name__ == "__main__":
    main()
