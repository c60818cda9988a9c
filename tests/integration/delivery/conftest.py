from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from delivery.app import create_app
from delivery.config import DEFAULTS, Settings
from delivery.domain.roles import Role
from delivery.services.tokens import create_token
from delivery.web.keys import SERVICES
from delivery.web.services import Services

ClientFactory = Callable[..., Awaitable[TestClient]]


def make_settings(tmp_path: Path, database_url: str, **sections: dict[str, Any]) -> Settings:
    raw: dict[str, Any] = {key: dict(value) for key, value in DEFAULTS.items()}
    raw["storage"] = {"data_dir": str(tmp_path / "data")}
    raw["database"] = {"url": database_url}
    raw["couriers"] = {"sandbox": {"time_scale": 100_000.0, "push": False}}
    raw["server"] |= {"public_url": "http://127.0.0.1:9"}
    for name, values in sections.items():
        raw.setdefault(name, {}).update(values)
    return Settings(raw=raw)


class Api:
    """A clerk's and a citizen's view of one running app."""

    def __init__(self, client: TestClient, clerk_token: str) -> None:
        self.client = client
        self.clerk = {"Authorization": f"Bearer {clerk_token}"}

    @property
    def app(self) -> web.Application:
        return self.client.app  # type: ignore[return-value]

    @property
    def services(self) -> Services:
        return self.app[SERVICES]

    async def create(self, body: dict[str, Any]) -> dict[str, Any]:
        response = await self.client.post("/api/certificates", json=body, headers=self.clerk)
        assert response.status == 201, await response.text()
        return await response.json()  # type: ignore[no-any-return]

    async def ready(self, certificate_id: int) -> dict[str, Any]:
        response = await self.client.post(f"/api/certificates/{certificate_id}/ready", headers=self.clerk)
        assert response.status in (200, 202), await response.text()
        return await response.json()  # type: ignore[no-any-return]


@pytest.fixture
async def api(aiohttp_client: ClientFactory, tmp_path: Path, database_url: str) -> AsyncIterator[Api]:
    app = create_app(make_settings(tmp_path, database_url), run_jobs=False)
    client = await aiohttp_client(app)
    return Api(client, await create_token(Role.CLERK, "test clerk"))


FOOD_FIELDS = {
    "legal_representative": "张三",
    "domicile": "浙江省宁波市鄞州区天童南路588号",
    "premises": "浙江省宁波市鄞州区天童南路588号一楼",
    "business_form": "小餐饮",
    "business_scope": "热食类食品制售",
    "licence_number": "JY23302120001234",
    "valid_until": "2031年11月27日",
}


def certificate_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "food_business_licence",
        "holder": {"name": "张三", "id_number": "330102199003070019"},
        "fields": dict(FOOD_FIELDS),
        "delivery": {
            "method": "courier",
            "carrier": "sandbox",
            "recipient": {
                "name": "张三",
                "phone": "13812341234",
                "province": "浙江省",
                "city": "宁波市",
                "county": "鄞州区",
                "address": "天童南路588号",
            },
        },
    }
    body.update(changes)
    return body
