"""Real Chinese cities the sandbox routes parcels through, numbered so a tracking number can carry them.

The position of a city in `CITIES` is written into every tracking number (two digits, 00 = unknown), so the
order of this table is part of the number format: append new cities at the end, never reorder or remove.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CITIES", "HUBS", "City", "city_at", "city_index"]


@dataclass(frozen=True, slots=True)
class City:
    """A city with a sort centre; `hub` cities also serve as the middle leg of long routes."""

    name: str
    province: str
    hub: bool = False

    @property
    def sort_centre(self) -> str:
        return f"{self.name}转运中心"

    @property
    def display(self) -> str:
        """The location string of events in this city, as carriers print it (杭州市)."""
        return f"{self.name}市"


CITIES: tuple[City, ...] = (
    City("杭州", "浙江省", hub=True),
    City("宁波", "浙江省"),
    City("温州", "浙江省"),
    City("上海", "上海市", hub=True),
    City("南京", "江苏省", hub=True),
    City("苏州", "江苏省"),
    City("合肥", "安徽省"),
    City("福州", "福建省"),
    City("厦门", "福建省"),
    City("南昌", "江西省"),
    City("济南", "山东省"),
    City("青岛", "山东省"),
    City("郑州", "河南省", hub=True),
    City("武汉", "湖北省", hub=True),
    City("长沙", "湖南省"),
    City("广州", "广东省", hub=True),
    City("深圳", "广东省"),
    City("南宁", "广西壮族自治区"),
    City("成都", "四川省", hub=True),
    City("重庆", "重庆市"),
    City("贵阳", "贵州省"),
    City("昆明", "云南省"),
    City("西安", "陕西省", hub=True),
    City("兰州", "甘肃省"),
    City("北京", "北京市", hub=True),
    City("天津", "天津市"),
    City("石家庄", "河北省"),
    City("太原", "山西省"),
    City("沈阳", "辽宁省", hub=True),
    City("长春", "吉林省"),
    City("哈尔滨", "黑龙江省"),
)

HUBS: tuple[City, ...] = tuple(c for c in CITIES if c.hub)


def city_index(name: str) -> int:
    """1-based position of the city `name` ("杭州" or "杭州市") in `CITIES`; 0 when it is not there."""
    stem = name.strip().removesuffix("市")
    for i, city in enumerate(CITIES, start=1):
        if city.name == stem:
            return i
    return 0


def city_at(index: int) -> City | None:
    """Inverse of `city_index`: None for 0 (unknown); `IndexError` outside the table."""
    if index == 0:
        return None
    if not 1 <= index <= len(CITIES):
        raise IndexError(f"no sandbox city number {index}")
    return CITIES[index - 1]
