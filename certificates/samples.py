"""Realistic sample certificates for the built-in types, for ``certpost demo`` and for tests.

Kept in the library rather than in the test suite so the demo and the tests exercise the same data, and so
the samples change together with the templates they fill. All people, companies and numbers are invented
(the ID numbers carry valid check characters so validators accept them).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from .document import CHINA_TIME, CertificateDocument
from .identifier import DEV_ISSUER_CODE, make_identifier
from .types import CertificateType

__all__ = ["SAMPLE_FIELDS", "sample_document"]

SAMPLE_FIELDS: Mapping[str, tuple[str, str, dict[str, str]]] = {
    "food_business_licence": (
        "杭州西湖味道餐饮管理有限公司",
        "91330106MA2H0KQX5A",
        {
            "legal_representative": "张晓明",
            "domicile": "浙江省杭州市西湖区文三路123号",
            "premises": "浙江省杭州市西湖区文三路123号1层101室",
            "business_form": "餐饮服务经营者（中型餐馆）",
            "business_scope": "热食类食品制售；冷食类食品制售；自制饮品制售（不含自酿酒）；"
            "预包装食品销售（含冷藏冷冻食品）",
            "licence_number": "JY23301060123456",
            "valid_until": "2031年11月27日",
            "supervisor": "西湖区市场监督管理局文新所",
            "complaint_phone": "12315",
        },
    ),
    "approval_notice": (
        "李华",
        "330106199001011233",
        {
            "document_number": "西审批许〔2026〕123号",
            "matter": "公共场所卫生许可",
            "applied_on": "2026年11月20日",
            "accepted_on": "2026年11月21日",
            "content": "准予在杭州市西湖区文三路456号从事美容美发场所经营，经营面积120平方米。",
            "valid_period": "2026年11月28日至2030年11月27日",
            "review_body": "杭州市西湖区人民政府",
        },
    ),
}
"""Holder name, holder ID number and field values per built-in type code."""


def sample_document(
    kind: CertificateType,
    *,
    serial: int = 1,
    issuer_name: str = "杭州市西湖区行政审批局",
    issuer_code: str = DEV_ISSUER_CODE,
    verify_base_url: str = "http://localhost:8080/verify/",
    issued_at: datetime | None = None,
) -> CertificateDocument:
    """A filled-in document of a built-in type (``KeyError`` for a type without sample data)."""
    holder_name, holder_id, fields = SAMPLE_FIELDS[kind.code]
    identifier = make_identifier(kind.catalog_code, issuer_code, serial)
    return CertificateDocument(
        identifier=identifier,
        type=kind,
        holder_name=holder_name,
        holder_id_number=holder_id,
        fields=fields,
        issuer_name=issuer_name,
        issued_at=issued_at or datetime(2026, 11, 28, 10, 30, tzinfo=CHINA_TIME),
        verify_url=verify_base_url + identifier,
    )
