"""Signed certificates per second, against a naive baseline measured in the same run.

Run: ``.venv/bin/python bench/certificates.py [--n 200] [--batch 500]``. Prints one JSON object per figure.

* baseline: reportlab rendering of the same certificate (fonts registered once per process, as any first
  version does) and stock pyHanko ``signers.sign_pdf`` with a freshly loaded signer each time (no tuning).
  The rendering is our current ``render_pdf``, so the baseline also gets our rendering work: the ratio
  understates the gain rather than flattering it.
* ours: the producer's worker path in one process (signer, timestamper and fonts loaded once per worker,
  our single-pass incremental update with pyHanko's CMS, template font subsets built once).
* Documents differ in holder name and identifier, so every certificate builds its own font subset.
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
from certificates.producer import _init_worker, produce_in_process

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


def documents(n: int) -> list[CertificateDocument]:
    types = load_types()
    out = []
    for i in range(n):
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


def naive(doc: CertificateDocument, material: KeyMaterial, font: Path) -> bytes:
    pdf = render_pdf(doc, font)
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
    docs = documents(args.n)

    naive(docs[0], material, font)  # warm imports
    _init_worker(material, font)
    produce_in_process(docs[0])
    # interleaved, so that a shared machine changing speed moves both figures alike
    base: list[float] = []
    ours: list[float] = []
    for i, doc in enumerate(docs):
        ours += timed(produce_in_process, [doc])
        if i % 5 == 0:
            base += timed(lambda d: naive(d, material, font), [doc])

    base_rate, our_rate = len(base) / sum(base), len(ours) / sum(ours)
    emit("signed certificates per second (one process)", our_rate, "certificates/s", base_rate)
    emit(
        "median render+sign time",
        statistics.median(ours) * 1000,
        "ms",
        statistics.median(base) * 1000,
        higher_is_better=False,
    )
    p99, batch_rate, samples = asyncio.run(health_under_load(work / "data", documents(args.batch)))
    emit(f"/healthz p99 latency while signing a batch of {args.batch} ({samples} requests)", p99 * 1000, "ms")
    emit(f"batch of {args.batch} through the producer", batch_rate, "certificates/s")


if __name__ == "__main__":
    main()
