"""Certificate types as data: each type is one TOML template file.

A hall adds or adjusts a licence type by dropping a ``*.toml`` file into its template directory rather than
by changing code, so everything that differs between types — the title, the fields and their labels, the
licence catalog code and the page layout — lives in the template. Loading checks a template completely and
fails with a :class:`TemplateError` that names the file, because a broken template found while a clerk marks
a certificate ready is far more expensive than one refused at start-up.
"""

from __future__ import annotations

import re
import string
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal, cast

from .errors import TemplateError

__all__ = [
    "PLACEHOLDERS",
    "CertificateType",
    "FieldSpec",
    "Layout",
    "load_types",
    "parse_type",
]

LayoutStyle = Literal["permit", "notice"]
Orientation = Literal["portrait", "landscape"]

PLACEHOLDERS: frozenset[str] = frozenset({"holder_name", "holder_id_number", "issuer_name", "issued_date"})
"""Names every paragraph template may use besides the type's own field keys."""

_CODE = re.compile(r"[a-z][a-z0-9_]{1,39}")
_KEY = re.compile(r"[a-z][a-z0-9_]{0,39}")
_CATALOG = re.compile(r"[0-9A-Z]{21}")
_TOP_KEYS = frozenset({"code", "name", "title", "catalog_code", "layout", "fields"})
_LAYOUT_KEYS = frozenset(
    {
        "style",
        "orientation",
        "title_size",
        "body_size",
        "holder_label",
        "holder_id_label",
        "seal_caption",
        "reference_field",
        "preamble",
        "closing",
    }
)
_FIELD_KEYS = frozenset({"key", "label", "required", "multiline"})


@dataclass(frozen=True)
class FieldSpec:
    """One data field of a certificate type: ``key`` is what the API sends, ``label`` what the page prints."""

    key: str
    label: str
    required: bool = True
    multiline: bool = False


@dataclass(frozen=True)
class Layout:
    """How a type's page looks.

    ``permit`` is a framed landscape-or-portrait licence with a label/value grid (营业执照, 许可证);
    ``notice`` is an official letter (决定书) with a reference number, running paragraphs and the issuer's
    signature block. ``preamble`` and ``closing`` are ``str.format`` templates over the field keys and
    :data:`PLACEHOLDERS`; fields they use are not listed again.
    """

    style: LayoutStyle = "permit"
    orientation: Orientation = "landscape"
    title_size: float = 30.0
    body_size: float = 13.0
    holder_label: str = "名称"
    holder_id_label: str = "统一社会信用代码"
    seal_caption: str = "行政审批专用章"
    reference_field: str | None = None
    preamble: str = ""
    closing: str = ""

    def placeholders(self) -> frozenset[str]:
        """Names used by the preamble and closing templates."""
        return _placeholders(self.preamble) | _placeholders(self.closing)


@dataclass(frozen=True)
class CertificateType:
    """A kind of licence the hall issues; immutable and picklable so it can travel to render workers."""

    code: str
    name: str
    title: str
    catalog_code: str
    fields: tuple[FieldSpec, ...]
    layout: Layout = Layout()
    source: str = ""

    def field(self, key: str) -> FieldSpec:
        """Return the field with ``key``; ``KeyError`` when the type has none."""
        for spec in self.fields:
            if spec.key == key:
                return spec
        raise KeyError(key)

    @property
    def keys(self) -> tuple[str, ...]:
        """Field keys in page order."""
        return tuple(spec.key for spec in self.fields)


def _placeholders(template: str) -> frozenset[str]:
    try:
        return frozenset(name for _, name, _, _ in string.Formatter().parse(template) if name)
    except ValueError as e:
        raise ValueError(f"bad placeholder syntax in {template!r}: {e}") from e


def _text(table: Mapping[str, Any], key: str, *, where: str, required: bool = True, default: str = "") -> str:
    value = table.get(key)
    if value is None:
        if required:
            raise ValueError(f"{where}: missing '{key}'")
        return default
    if not isinstance(value, str) or (required and not value.strip()):
        raise ValueError(f"{where}: '{key}' must be a non-empty string")
    return value


def _number(table: Mapping[str, Any], key: str, default: float, *, where: str) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 4 <= value <= 96:
        raise ValueError(f"{where}: '{key}' must be a number between 4 and 96")
    return float(value)


def _unknown(table: Mapping[str, Any], allowed: Iterable[str], *, where: str) -> None:
    extra = sorted(set(table) - set(allowed))
    if extra:
        raise ValueError(f"{where}: unknown keys {', '.join(extra)}")


def _parse_field(raw: Any, index: int) -> FieldSpec:
    where = f"fields[{index}]"
    if not isinstance(raw, dict):
        raise ValueError(f"{where} must be a table ([[fields]])")
    _unknown(raw, _FIELD_KEYS, where=where)
    key = _text(raw, "key", where=where)
    if not _KEY.fullmatch(key):
        raise ValueError(f"{where}: key {key!r} must be lower-case letters, digits and underscores")
    if key in PLACEHOLDERS:
        raise ValueError(f"{where}: key {key!r} is reserved")
    flags = {name: raw.get(name, default) for name, default in (("required", True), ("multiline", False))}
    for name, flag in flags.items():
        if not isinstance(flag, bool):
            raise ValueError(f"{where}: '{name}' must be true or false")
    return FieldSpec(key, _text(raw, "label", where=where), flags["required"], flags["multiline"])


def _parse_layout(raw: Any, keys: frozenset[str]) -> Layout:
    where = "layout"
    if not isinstance(raw, dict):
        raise ValueError("[layout] must be a table")
    _unknown(raw, _LAYOUT_KEYS, where=where)
    default = Layout()
    style = raw.get("style", default.style)
    if style not in ("permit", "notice"):
        raise ValueError(f"layout: style must be 'permit' or 'notice', got {style!r}")
    orientation = raw.get("orientation", default.orientation)
    if orientation not in ("portrait", "landscape"):
        raise ValueError(f"layout: orientation must be 'portrait' or 'landscape', got {orientation!r}")
    reference = raw.get("reference_field")
    if reference is not None and reference not in keys:
        raise ValueError(f"layout: reference_field {reference!r} is not one of the fields")
    layout = Layout(
        style=cast(LayoutStyle, style),
        orientation=cast(Orientation, orientation),
        title_size=_number(raw, "title_size", default.title_size, where=where),
        body_size=_number(raw, "body_size", default.body_size, where=where),
        holder_label=_text(raw, "holder_label", where=where, required=False, default=default.holder_label),
        holder_id_label=_text(
            raw, "holder_id_label", where=where, required=False, default=default.holder_id_label
        ),
        seal_caption=_text(raw, "seal_caption", where=where, required=False, default=default.seal_caption),
        reference_field=reference,
        preamble=_text(raw, "preamble", where=where, required=False),
        closing=_text(raw, "closing", where=where, required=False),
    )
    unknown = sorted(layout.placeholders() - keys - PLACEHOLDERS)
    if unknown:
        raise ValueError(
            f"layout: placeholders {', '.join(unknown)} are neither fields nor {sorted(PLACEHOLDERS)}"
        )
    return layout


def parse_type(data: Mapping[str, Any], source: str = "<memory>") -> CertificateType:
    """Build a :class:`CertificateType` from an already parsed TOML table; errors name ``source``."""
    try:
        _unknown(data, _TOP_KEYS, where="top level")
        code = _text(data, "code", where="top level")
        if not _CODE.fullmatch(code):
            raise ValueError(f"code {code!r} must be a lower-case slug (letters, digits, underscores)")
        catalog_code = _text(data, "catalog_code", where="top level")
        if not _CATALOG.fullmatch(catalog_code):
            raise ValueError(f"catalog_code {catalog_code!r} must be 21 upper-case letters or digits")
        raw_fields = data.get("fields")
        if not isinstance(raw_fields, list) or not raw_fields:
            raise ValueError("at least one [[fields]] entry is required")
        fields = tuple(_parse_field(raw, i) for i, raw in enumerate(raw_fields))
        keys = [spec.key for spec in fields]
        duplicates = sorted({key for key in keys if keys.count(key) > 1})
        if duplicates:
            raise ValueError(f"duplicate field keys: {', '.join(duplicates)}")
        layout = _parse_layout(data.get("layout", {}), frozenset(keys))
        return CertificateType(
            code=code,
            name=_text(data, "name", where="top level"),
            title=_text(data, "title", where="top level"),
            catalog_code=catalog_code,
            fields=fields,
            layout=layout,
            source=source,
        )
    except ValueError as e:
        raise TemplateError(f"certificate template {source}: {e}") from e


def _load_file(name: str, text: str) -> CertificateType:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise TemplateError(f"certificate template {name}: not valid TOML: {e}") from e
    return parse_type(data, name)


def _builtin_types() -> list[CertificateType]:
    folder = resources.files("certificates.templates")
    entries = sorted(
        (entry for entry in folder.iterdir() if entry.name.endswith(".toml")), key=lambda e: e.name
    )
    return [_load_file(f"certificates/templates/{entry.name}", entry.read_text("utf-8")) for entry in entries]


def _directory_types(directory: Path) -> list[CertificateType]:
    if not directory.is_dir():
        raise TemplateError(f"certificate template directory {directory} does not exist")
    loaded = []
    for path in sorted(directory.glob("*.toml")):
        try:
            text = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise TemplateError(f"certificate template {path}: cannot read: {e}") from e
        loaded.append(_load_file(str(path), text))
    return loaded


def _index(types: Iterable[CertificateType]) -> dict[str, CertificateType]:
    found: dict[str, CertificateType] = {}
    for kind in types:
        if kind.code in found:
            raise TemplateError(
                f"certificate template {kind.source}: code {kind.code!r} "
                f"is also defined in {found[kind.code].source}"
            )
        found[kind.code] = kind
    return found


def load_types(extra_dir: Path | None = None) -> dict[str, CertificateType]:
    """Load the built-in types plus every ``*.toml`` in ``extra_dir``, keyed by ``code``.

    A template in ``extra_dir`` may reuse a built-in's code on purpose — that is how a hall replaces the
    development catalog code with its real one — but two files in the same place may not share a code.
    """
    types = _index(_builtin_types())
    if extra_dir is not None:
        types.update(_index(_directory_types(Path(extra_dir))))
    return types
