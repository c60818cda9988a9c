"""Certificate types are data: built-in TOML templates, extra directories, and precise template errors."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from pathlib import Path

import pytest

from certificates.errors import TemplateError
from certificates.types import CertificateType, FieldSpec, load_types

VALID = """
code = "fire_safety_permit"
name = "公众聚集场所投入使用、营业前消防安全检查合格证"
title = "消防安全检查合格证"
catalog_code = "11100000MB0000003Y001"

[layout]
style = "permit"
orientation = "portrait"

[[fields]]
key = "address"
label = "场所地址"

[[fields]]
key = "area"
label = "使用面积"
required = false
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_builtin_types_have_different_layouts(types: dict[str, CertificateType]) -> None:
    licence, notice = types["food_business_licence"], types["approval_notice"]
    assert licence.name == "食品经营许可证"
    assert notice.name == "准予行政许可决定书"
    assert (licence.layout.style, notice.layout.style) == ("permit", "notice")
    assert licence.layout.orientation != notice.layout.orientation
    for kind in types.values():
        assert len(kind.catalog_code) == 21
        assert kind.fields
        assert kind.source.endswith(f"{kind.code}.toml")


def test_field_specs_keep_page_order_and_flags(types: dict[str, CertificateType]) -> None:
    licence = types["food_business_licence"]
    assert licence.fields[0] == FieldSpec("legal_representative", "法定代表人（负责人）", True, False)
    assert licence.field("business_scope").multiline
    assert not licence.field("supervisor").required
    with pytest.raises(KeyError):
        licence.field("nope")


def test_types_are_picklable(types: dict[str, CertificateType]) -> None:
    for kind in types.values():
        assert pickle.loads(pickle.dumps(kind)) == kind


def test_extra_directory_adds_types(tmp_path: Path) -> None:
    write(tmp_path, "fire.toml", VALID)
    loaded = load_types(tmp_path)
    assert {"food_business_licence", "approval_notice", "fire_safety_permit"} <= set(loaded)
    fire = loaded["fire_safety_permit"]
    assert fire.layout.orientation == "portrait"
    assert fire.keys == ("address", "area")
    assert fire.source == str(tmp_path / "fire.toml")


def test_extra_directory_may_replace_a_builtin(tmp_path: Path) -> None:
    text = VALID.replace('code = "fire_safety_permit"', 'code = "approval_notice"')
    write(tmp_path, "notice.toml", text)
    assert load_types(tmp_path)["approval_notice"].catalog_code == "11100000MB0000003Y001"


def test_duplicate_code_in_one_directory_names_both_files(tmp_path: Path) -> None:
    write(tmp_path, "a.toml", VALID)
    write(tmp_path, "b.toml", VALID)
    with pytest.raises(TemplateError) as caught:
        load_types(tmp_path)
    assert "a.toml" in str(caught.value)
    assert "b.toml" in str(caught.value)


def test_missing_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="does not exist"):
        load_types(tmp_path / "absent")


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda t: t.replace('label = "场所地址"', 'label = "场所地址'), "not valid TOML"),
        (lambda t: t.replace('code = "fire_safety_permit"\n', ""), "missing 'code'"),
        (lambda t: t.replace('"fire_safety_permit"', '"Fire Permit"'), "slug"),
        (lambda t: t.replace('"11100000MB0000003Y001"', '"123"'), "catalog_code"),
        (lambda t: t.replace('style = "permit"', 'style = "poster"'), "style"),
        (lambda t: t.replace('orientation = "portrait"', 'orientation = "sideways"'), "orientation"),
        (lambda t: t + "\ncolour = 'red'\n", "unknown keys colour"),
        (lambda t: t.replace('key = "area"', 'key = "address"'), "duplicate field keys: address"),
        (lambda t: t.replace('key = "area"', 'key = "holder_name"'), "reserved"),
        (lambda t: t.replace("required = false", 'required = "no"'), "true or false"),
        (lambda t: t.replace('orientation = "portrait"', 'preamble = "{holder_name}于{when}"'), "when"),
        (lambda t: t.replace('orientation = "portrait"', "title_size = 500"), "title_size"),
        (lambda t: t.split("[[fields]]")[0], "fields"),
    ],
)
def test_broken_template_error_names_file_and_problem(
    tmp_path: Path, change: Callable[[str], str], problem: str
) -> None:
    path = write(tmp_path, "broken.toml", change(VALID))
    with pytest.raises(TemplateError) as caught:
        load_types(tmp_path)
    message = str(caught.value)
    assert str(path) in message
    assert problem in message


def test_unknown_placeholder_check_covers_closing(tmp_path: Path) -> None:
    text = VALID.replace('orientation = "portrait"', 'closing = "向{court}起诉"')
    write(tmp_path, "closing.toml", text)
    with pytest.raises(TemplateError, match="court"):
        load_types(tmp_path)
