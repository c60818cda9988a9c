"""The carrier registry: lazy built-ins, entry points, refused duplicates, helpful unknown-code errors."""

from __future__ import annotations

import importlib.metadata
from collections.abc import Mapping, Sequence
from typing import Any, Self

import pytest

import couriers
from couriers.contract import (
    Booking,
    Capabilities,
    Courier,
    InboundPush,
    PushOutcome,
    TrackQuery,
    TrackResult,
)
from couriers.errors import ConfigurationError, DuplicateCarrierError, UnknownCarrierError
from couriers.registry import ENTRY_POINT_GROUP, CourierRegistry


class FakeCourier(Courier):
    """A minimal third-party adapter that records the config it was built from."""

    code = "fake"
    name = "假快递"
    capabilities = Capabilities(push=False, cancel=False, track_batch_size=1, rate_limit_per_second=1)

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config = dict(config)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Self:
        return cls(config)

    async def book(self, request: Any) -> Booking:
        raise NotImplementedError

    async def cancel(self, booking: Booking) -> None:
        raise NotImplementedError

    async def track(self, queries: Sequence[TrackQuery]) -> list[TrackResult]:
        return []

    def parse_push(self, push: InboundPush) -> PushOutcome:
        raise NotImplementedError


class OtherFake(FakeCourier):
    code = "other"


NOT_A_COURIER = object()
BUILTINS = ["ems", "kuaidi100", "sandbox", "sf_express"]


def entry_point(name: str, attr: str, module: str = __name__) -> importlib.metadata.EntryPoint:
    return importlib.metadata.EntryPoint(name=name, value=f"{module}:{attr}", group=ENTRY_POINT_GROUP)


@pytest.fixture
def installed(monkeypatch: pytest.MonkeyPatch) -> list[importlib.metadata.EntryPoint]:
    """Entry points the fake environment advertises; tests append to it."""
    eps: list[importlib.metadata.EntryPoint] = []
    groups: list[str] = []

    def fake_entry_points(*, group: str) -> list[importlib.metadata.EntryPoint]:
        groups.append(group)
        return [ep for ep in eps if ep.group == group]

    monkeypatch.setattr(importlib.metadata, "entry_points", fake_entry_points)
    return eps


def test_builtins_are_listed_without_importing_them() -> None:
    reg = CourierRegistry({"ghost": "no_such_module_for_certpost:Ghost"})
    assert reg.available() == ["ghost"]  # listing did not import the missing module
    with pytest.raises(ConfigurationError, match=r"ghost.*no_such_module_for_certpost"):
        reg.get("ghost")


def test_default_registry_knows_the_sandbox() -> None:
    from couriers.sandbox import SandboxCourier

    assert "sandbox" in couriers.available()
    assert couriers.get("sandbox") is SandboxCourier
    assert CourierRegistry().available() == BUILTINS


def test_create_builds_from_config() -> None:
    from couriers.sandbox import SandboxCourier

    courier = CourierRegistry().create("sandbox", {"time_scale": 120, "seed": 4})
    assert isinstance(courier, SandboxCourier)
    assert courier.config.time_scale == 120.0
    assert courier.config.seed == 4


def test_create_passes_config_errors_through() -> None:
    with pytest.raises(ConfigurationError, match="bogus"):
        CourierRegistry().create("sandbox", {"bogus": 1})


def test_unknown_code_names_the_known_ones() -> None:
    reg = CourierRegistry({"sandbox": "couriers.sandbox:SandboxCourier", "fake": f"{__name__}:FakeCourier"})
    with pytest.raises(UnknownCarrierError, match=r"'sf'.*known carriers: fake, sandbox") as info:
        reg.get("sf")
    assert info.value.carrier == "sf"
    with pytest.raises(UnknownCarrierError):
        reg.create("sf", {})


def test_register_class_and_dotted_path() -> None:
    reg = CourierRegistry({})
    reg.register("fake", FakeCourier)
    reg.register("other", f"{__name__}:OtherFake")
    assert reg.available() == ["fake", "other"]
    assert reg.get("fake") is FakeCourier
    assert reg.get("other") is OtherFake
    assert "fake" in reg
    assert "nope" not in reg


def test_duplicate_code_is_refused_with_both_targets_named() -> None:
    reg = CourierRegistry({"fake": f"{__name__}:FakeCourier"})
    with pytest.raises(DuplicateCarrierError, match=r"'fake'.*FakeCourier.*OtherFake"):
        reg.register("fake", f"{__name__}:OtherFake")
    assert reg.get("fake") is FakeCourier  # the first registration stands


def test_registering_the_same_target_again_is_harmless() -> None:
    reg = CourierRegistry({"fake": f"{__name__}:FakeCourier"})
    reg.register("fake", f"{__name__}:FakeCourier")
    reg.register("fake", FakeCourier)
    assert reg.get("fake") is FakeCourier


def test_adapter_must_be_a_courier_with_the_same_code() -> None:
    reg = CourierRegistry({"odd": f"{__name__}:NOT_A_COURIER", "mismatch": f"{__name__}:OtherFake"})
    with pytest.raises(ConfigurationError, match="not a Courier"):
        reg.get("odd")
    with pytest.raises(ConfigurationError, match="declares code 'other'"):
        reg.get("mismatch")


def test_entry_points_are_discovered_only_when_asked(installed: list[importlib.metadata.EntryPoint]) -> None:
    installed.append(entry_point("fake", "FakeCourier"))
    reg = CourierRegistry()
    assert reg.available() == BUILTINS
    assert reg.load_entry_points() == ["fake"]
    assert reg.available() == sorted([*BUILTINS, "fake"])
    fake = reg.create("fake", {"key": "value"})
    assert isinstance(fake, FakeCourier)
    assert fake.config == {"key": "value"}


def test_loading_entry_points_twice_is_idempotent(installed: list[importlib.metadata.EntryPoint]) -> None:
    installed.extend([entry_point("fake", "FakeCourier"), entry_point("fake", "FakeCourier")])
    reg = CourierRegistry()
    assert reg.load_entry_points() == ["fake"]
    assert reg.load_entry_points() == []


def test_entry_point_clashing_with_a_builtin_is_refused(
    installed: list[importlib.metadata.EntryPoint],
) -> None:
    installed.append(entry_point("sandbox", "FakeCourier"))
    with pytest.raises(DuplicateCarrierError, match=r"'sandbox'.*couriers\.sandbox:SandboxCourier"):
        CourierRegistry().load_entry_points()


def test_broken_entry_point_fails_on_use_not_on_discovery(
    installed: list[importlib.metadata.EntryPoint],
) -> None:
    installed.append(entry_point("broken", "Missing", module="no_such_plugin_for_certpost"))
    reg = CourierRegistry()
    assert reg.load_entry_points() == ["broken"]
    with pytest.raises(ConfigurationError, match="broken") as info:
        reg.get("broken")
    assert isinstance(info.value.__cause__, ImportError)


def test_other_groups_are_ignored(installed: list[importlib.metadata.EntryPoint]) -> None:
    installed.append(
        importlib.metadata.EntryPoint(name="fake", value=f"{__name__}:FakeCourier", group="other")
    )
    assert CourierRegistry().load_entry_points() == []


def test_facade_exports_resolve() -> None:
    for name in couriers.__all__:
        assert getattr(couriers, name) is not None
