"""Carrier code → adapter class, resolved lazily so `import couriers` never imports a carrier's dependencies.

Built-in adapters are registered by dotted path and imported on first `get`; third-party adapters come from
the `certpost.couriers` entry-point group, but only when the composition root calls `load_entry_points()`, so
a broken plug-in cannot break a plain `import couriers`. A code belongs to exactly one adapter: registering a
second, different target under a taken code is refused, because the code is also the webhook path
(`/webhooks/<code>`) and the key of `[couriers.<code>]` — silently replacing one would route another carrier's
pushes and secrets to the wrong adapter.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from importlib import metadata
from typing import Any

from couriers.contract import Courier
from couriers.errors import ConfigurationError, DuplicateCarrierError, UnknownCarrierError

__all__ = [
    "BUILTIN_COURIERS",
    "ENTRY_POINT_GROUP",
    "CourierRegistry",
    "available",
    "create",
    "default_registry",
    "get",
    "load_entry_points",
    "register",
]

#: Adapters shipped with certpost, by dotted path `module:attribute` (imported on first use).
BUILTIN_COURIERS: Mapping[str, str] = {
    "sandbox": "couriers.sandbox:SandboxCourier",
    "sf_express": "couriers.sf_express:SFExpressCourier",
    "ems": "couriers.ems:EMSCourier",
    "kuaidi100": "couriers.kuaidi100:Kuaidi100Courier",
}

#: Entry-point group third-party packages use to add adapters: `code = "package.module:AdapterClass"`.
ENTRY_POINT_GROUP = "certpost.couriers"

# What a registration points at before it is resolved: a dotted path, an entry point, or the class itself.
_Target = str | metadata.EntryPoint | type[Courier]


def _describe(target: _Target) -> str:
    if isinstance(target, str):
        return target
    if isinstance(target, metadata.EntryPoint):
        return target.value
    return f"{target.__module__}:{target.__qualname__}"


class CourierRegistry:
    """Maps carrier codes to adapter classes; one per application (tests build their own)."""

    def __init__(self, builtins: Mapping[str, str] | None = None) -> None:
        self._targets: dict[str, _Target] = {}
        self._loaded: dict[str, type[Courier]] = {}
        for code, path in (BUILTIN_COURIERS if builtins is None else builtins).items():
            self.register(code, path)

    def register(self, code: str, target: str | type[Courier]) -> None:
        """Register `target` (a class or a `module:Class` path) under `code`.

        Registering the very same target again is a no-op (a module imported twice, an entry point listed by
        two path entries); a different target under a taken code raises `DuplicateCarrierError`.
        """
        self._add(code, target, origin="register()")

    def load_entry_points(self, group: str = ENTRY_POINT_GROUP) -> list[str]:
        """Register every adapter advertised in `group`; returns the newly added codes. Idempotent."""
        added: list[str] = []
        for entry in metadata.entry_points(group=group):
            dist = getattr(entry, "dist", None)
            origin = f"entry point {entry.name!r} of {dist.name if dist else 'an unknown distribution'}"
            if self._add(entry.name, entry, origin=origin):
                added.append(entry.name)
        return added

    def available(self) -> list[str]:
        """Known carrier codes, sorted; listing does not import any adapter."""
        return sorted(self._targets)

    def get(self, code: str) -> type[Courier]:
        """The adapter class for `code`, importing it on first use."""
        if code in self._loaded:
            return self._loaded[code]
        try:
            target = self._targets[code]
        except KeyError:
            known = ", ".join(self.available()) or "none"
            raise UnknownCarrierError(
                f"unknown carrier {code!r}; known carriers: {known}", carrier=code
            ) from None
        cls = self._resolve(code, target)
        self._loaded[code] = cls
        return cls

    def create(self, code: str, config: Mapping[str, Any]) -> Courier:
        """Build the adapter for `code` from its `[couriers.<code>]` section via `from_config`."""
        return self.get(code).from_config(config)

    def __contains__(self, code: object) -> bool:
        return code in self._targets

    def _add(self, code: str, target: _Target, *, origin: str) -> bool:
        if not code or not isinstance(code, str):
            raise ConfigurationError(f"{origin}: a carrier code must be a non-empty string, got {code!r}")
        existing = self._targets.get(code)
        if existing is None:
            self._targets[code] = target
            return True
        if existing is target or _describe(existing) == _describe(target):
            return False
        raise DuplicateCarrierError(
            f"carrier code {code!r} is already registered to {_describe(existing)}; "
            f"{origin} tries to register {_describe(target)} under the same code",
            carrier=code,
        )

    @staticmethod
    def _resolve(code: str, target: _Target) -> type[Courier]:
        try:
            if isinstance(target, str):
                module_name, _, attr = target.partition(":")
                obj: Any = importlib.import_module(module_name)
                for part in attr.split(".") if attr else []:
                    obj = getattr(obj, part)
            elif isinstance(target, metadata.EntryPoint):
                obj = target.load()
            else:
                obj = target
        except (ImportError, AttributeError) as e:
            raise ConfigurationError(
                f"carrier {code!r}: cannot load adapter {_describe(target)}: {e}", carrier=code
            ) from e
        if not (isinstance(obj, type) and issubclass(obj, Courier)):
            raise ConfigurationError(
                f"carrier {code!r}: {_describe(target)} is not a Courier subclass", carrier=code
            )
        if getattr(obj, "code", None) != code:
            raise ConfigurationError(
                f"carrier {code!r}: adapter {_describe(target)} declares code {getattr(obj, 'code', None)!r}",
                carrier=code,
            )
        return obj


#: The process-wide registry of adapter *classes* (never instances), like fsspec's; apps may build their own.
#: (Not named `registry`, which would shadow this module as an attribute of the `couriers` package.)
default_registry = CourierRegistry()


def register(code: str, target: str | type[Courier]) -> None:
    """`CourierRegistry.register` on the default registry."""
    default_registry.register(code, target)


def load_entry_points(group: str = ENTRY_POINT_GROUP) -> list[str]:
    """`CourierRegistry.load_entry_points` on the default registry."""
    return default_registry.load_entry_points(group)


def available() -> list[str]:
    """`CourierRegistry.available` on the default registry."""
    return default_registry.available()


def get(code: str) -> type[Courier]:
    """`CourierRegistry.get` on the default registry."""
    return default_registry.get(code)


def create(code: str, config: Mapping[str, Any]) -> Courier:
    """`CourierRegistry.create` on the default registry."""
    return default_registry.create(code, config)
