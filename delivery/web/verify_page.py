"""The public verification page a citizen reaches by scanning the QR code: small, fast, readable on a phone.

Plain strings with every value passed through :func:`html.escape`; the page has no scripts and no external
resources, so it loads on a weak connection and leaks nothing to third parties.
"""

from __future__ import annotations

from html import escape

from certificates import CHINA_TIME
from delivery.domain.masking import mask_name
from delivery.domain.verdict import Record

__all__ = ["not_found_page", "record_page"]

_STYLE = """
body{margin:0;font:16px/1.55 system-ui,-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;
background:#f4f5f7;color:#1d1d1f}
main{max-width:34rem;margin:0 auto;padding:1.25rem}
.card{background:#fff;border-radius:12px;padding:1.25rem;box-shadow:0 1px 3px rgba(0,0,0,.08)}
.badge{display:inline-block;padding:.3rem .8rem;border-radius:999px;font-weight:600;color:#fff}
.ok{background:#1a7f37}.bad{background:#c62828}.unknown{background:#6e6e73}
dl{margin:1rem 0 0}dt{color:#6e6e73;font-size:.875rem;margin-top:.75rem}dd{margin:0;word-break:break-all}
footer{color:#6e6e73;font-size:.8rem;margin-top:1rem}
"""


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        '<meta name="robots" content="noindex">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f'<body><main><div class="card">{body}</div>'
        "<footer>证照核验 · Certificate verification</footer></main></body></html>"
    )


def _row(label: str, value: str) -> str:
    return f"<dt>{escape(label)}</dt><dd>{escape(value)}</dd>"


def record_page(identifier: str, record: Record) -> str:
    """The page for a certificate this service issued: valid, or revoked with its date and reason."""
    if record.revoked_at is not None:
        badge = '<span class="badge bad">已撤销 · Revoked</span>'
        revoked = record.revoked_at.astimezone(CHINA_TIME)
        extra = _row("撤销时间 Revoked on", f"{revoked:%Y-%m-%d %H:%M}") + _row(
            "撤销原因 Reason", record.revocation_reason or ""
        )
        lead = "此证照已被发证机关撤销，不再有效。This certificate has been revoked and is no longer valid."
    else:
        badge = '<span class="badge ok">有效 · Valid</span>'
        extra = ""
        lead = (
            "此证照由发证机关签发，当前有效。This certificate was issued by the authority below and is valid."
        )
    issued = f"{record.issued_at.astimezone(CHINA_TIME):%Y-%m-%d}" if record.issued_at else "-"
    body = (
        f"<h1>{escape(record.type_name)}</h1>{badge}<p>{escape(lead)}</p><dl>"
        + _row("持证人 Holder", mask_name(record.holder_name))
        + _row("发证机关 Issuer", record.issuer_name)
        + _row("签发日期 Issued", issued)
        + extra
        + _row("电子证照标识 Identifier", identifier)
        + "</dl><p><small>核对纸质或电子证照上的内容是否与此页一致。"
        "Check that the printed or PDF certificate matches this page.</small></p>"
    )
    return _page(f"{record.type_name} · 证照核验", body)


def not_found_page(identifier: str) -> str:
    """An unknown identifier: say so plainly, and what the citizen can do next."""
    body = (
        '<h1>未找到该证照</h1><span class="badge unknown">未知 · Not found</span>'
        "<p>本系统没有签发过此标识的证照。请核对二维码或标识是否完整，或联系发证窗口。</p>"
        "<p>No certificate with this identifier was issued here. Check the code, or ask the issuing "
        "office.</p><dl>" + _row("电子证照标识 Identifier", identifier[:200]) + "</dl>"
    )
    return _page("未找到该证照 · Certificate not found", body)
