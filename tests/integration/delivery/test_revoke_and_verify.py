"""Revocation and public verification through the HTTP API: what a clerk does and what a citizen then sees."""

from __future__ import annotations

import aiohttp

from delivery.domain.roles import Role
from delivery.services.tokens import create_token
from delivery.storage.models import Certificate

from .conftest import Api, certificate_body


async def ready_pdf(api: Api) -> tuple[dict, bytes]:
    ready = await api.ready((await api.create(certificate_body()))["id"])
    response = await api.client.get(f"/api/certificates/{ready['id']}/pdf", headers=api.clerk)
    return ready, await response.read()


async def test_revoke_requires_reason_and_clerk(api: Api) -> None:
    ready, _pdf = await ready_pdf(api)
    url = f"/api/certificates/{ready['id']}/revoke"
    for body in ({}, {"reason": "  "}, {"reason": 7}):
        response = await api.client.post(url, json=body, headers=api.clerk)
        assert response.status == 422, body
        assert (await response.json())["error"]["code"] in ("missing_field", "invalid_field")
    integrator = {"Authorization": f"Bearer {await create_token(Role.INTEGRATOR)}"}
    forbidden = await api.client.post(url, json={"reason": "x"}, headers=integrator)
    assert forbidden.status == 403
    assert (await api.client.post(url, json={"reason": "x"})).status == 401
    cert = await Certificate.get(id=ready["id"])
    assert cert.revoked_at is None
    assert cert.status == "ready"


async def test_revoke_twice_keeps_the_first(api: Api) -> None:
    ready, _pdf = await ready_pdf(api)
    url = f"/api/certificates/{ready['id']}/revoke"
    first = await api.client.post(url, json={"reason": "申请人主动注销"}, headers=api.clerk)
    assert first.status == 200
    body = await first.json()
    assert body["status"] == "revoked"
    assert body["already_revoked"] is False
    assert body["revocation"]["reason"] == "申请人主动注销"
    again = await api.client.post(url, json={"reason": "other"}, headers=api.clerk)
    assert again.status == 200
    body2 = await again.json()
    assert body2["already_revoked"] is True
    assert body2["revocation"] == body["revocation"]
    unknown = await api.client.post(
        "/api/certificates/999999/revoke", json={"reason": "x"}, headers=api.clerk
    )
    assert unknown.status == 404
    # a revoked draft can never be issued afterwards
    draft = await api.create(certificate_body())
    await api.client.post(f"/api/certificates/{draft['id']}/revoke", json={"reason": "x"}, headers=api.clerk)
    refused = await api.client.post(f"/api/certificates/{draft['id']}/ready", headers=api.clerk)
    assert refused.status == 409


async def test_verify_upload_genuine_then_revoked(api: Api) -> None:
    ready, pdf = await ready_pdf(api)
    response = await api.client.post("/api/verify", data=pdf, headers={"Content-Type": "application/pdf"})
    assert response.status == 200
    facts = await response.json()
    assert facts["genuine"] is True
    assert (facts["signed"], facts["intact"], facts["valid"], facts["trusted"]) == (True, True, True, True)
    assert facts["revoked"] is False
    assert facts["identifier"] == ready["identifier"]
    assert facts["holder"] == "张*"
    assert facts["issuer"] == ready["issuer"]["name"]
    assert facts["signed_at"]
    assert facts["timestamp"] is None
    await api.client.post(
        f"/api/certificates/{ready['id']}/revoke", json={"reason": "许可证已注销"}, headers=api.clerk
    )
    form = aiohttp.FormData()
    form.add_field("file", pdf, filename="licence.pdf", content_type="application/pdf")
    facts = await (await api.client.post("/api/verify", data=form)).json()
    assert facts["genuine"] is False
    assert facts["intact"] is True
    assert facts["revoked"] is True
    assert facts["revocation"]["reason"] == "许可证已注销"
    assert facts["revocation"]["revoked_at"]


async def test_verify_tampered_and_bad_uploads(api: Api) -> None:
    _ready, pdf = await ready_pdf(api)
    data = bytearray(pdf)
    data[data.index(b"stream", data.index(b"/Contents")) + 30] ^= 1
    facts = await (
        await api.client.post("/api/verify", data=bytes(data), headers={"Content-Type": "application/pdf"})
    ).json()
    assert facts["genuine"] is False
    assert facts["intact"] is False
    not_pdf = await api.client.post("/api/verify", data=b"hello", headers={"Content-Type": "application/pdf"})
    assert not_pdf.status == 422
    assert (await not_pdf.json())["error"]["code"] == "not_a_pdf"
    wrong_type = await api.client.post("/api/verify", json={"pdf": "x"})
    assert wrong_type.status == 415
    huge = await api.client.post(
        "/api/verify", data=b"%PDF-" + b"0" * 2_000_000, headers={"Content-Type": "application/pdf"}
    )
    assert huge.status == 413
    assert (await huge.json())["error"]["code"] == "payload_too_large"


async def test_verification_page(api: Api) -> None:
    ready, _pdf = await ready_pdf(api)
    page = await api.client.get(f"/verify/{ready['identifier']}")
    assert page.status == 200
    assert page.content_type == "text/html"
    html = await page.text()
    assert "有效" in html
    assert "张*" in html
    assert "张三" not in html
    assert 'name="viewport"' in html
    await api.client.post(
        f"/api/certificates/{ready['id']}/revoke", json={"reason": "<b>伪造</b> 材料"}, headers=api.clerk
    )
    html = await (await api.client.get(f"/verify/{ready['identifier']}")).text()
    assert "已撤销" in html
    assert "&lt;b&gt;伪造&lt;/b&gt;" in html
    assert "<b>伪造" not in html
    missing = await api.client.get("/verify/1.2.156.3005.2.nope<script>")
    assert missing.status == 404
    text = await missing.text()
    assert "未找到" in text
    assert "<script>" not in text


async def test_qr_code_points_at_the_verification_page(api: Api) -> None:
    ready, _pdf = await ready_pdf(api)
    # the document handed to the producer carries the URL the QR code encodes
    service = api.services.certificates
    assert service._verify_url(ready["identifier"]) == f"http://127.0.0.1:9/verify/{ready['identifier']}"
