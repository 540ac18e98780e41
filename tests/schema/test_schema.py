from __future__ import annotations

from pathlib import Path

import pytest

from voiden_lsp.errors import SchemaError
from voiden_lsp.schema import (
    BIDI_STREAMING,
    CLIENT_STREAMING,
    SERVER_STREAMING,
    UNARY,
    compile_protos,
    load_protoset,
)

ROOT = Path(__file__).resolve().parents[2]
PROTOSET = ROOT / "voiden_lsp" / "demo" / "routeguide.protoset"
PROTO = ROOT / "examples" / "proto" / "routeguide.proto"


def test_lookups() -> None:
    schema = load_protoset(PROTOSET)
    assert schema.services() == ["routeguide.RouteGuide"]
    kinds = {m.name: m.kind for m in schema.methods("routeguide.RouteGuide")}
    assert kinds == {
        "GetFeature": UNARY,
        "ListFeatures": SERVER_STREAMING,
        "RecordRoute": CLIENT_STREAMING,
        "RouteChat": BIDI_STREAMING,
        "Ticker": SERVER_STREAMING,
        "Fail": UNARY,
    }
    method = schema.method("routeguide.RouteGuide.GetFeature")
    assert method == schema.method("/routeguide.RouteGuide/GetFeature")
    assert (method.input.full_name, method.output.full_name, method.path) == (
        "routeguide.Point",
        "routeguide.Feature",
        "/routeguide.RouteGuide/GetFeature",
    )
    feature = schema.message("routeguide.Feature")
    by_json = schema.field(feature, "createdAt")
    assert by_json is not None and by_json == schema.field(feature, "created_at")
    assert by_json.type_name == "google.protobuf.Timestamp"
    attributes = schema.field(feature, "attributes")
    assert attributes is not None and attributes.map and attributes.repeated
    description = schema.field(feature, "description")
    assert description is not None and description.oneof == "detail"
    reviews = schema.field(feature, "reviews")
    assert reviews is not None and reviews.repeated and reviews.type_name == "routeguide.Feature.Review"
    kind = schema.enum("routeguide.FeatureKind")
    assert [v.name for v in kind.values] == ["FEATURE_KIND_UNSPECIFIED", "LANDMARK", "SHOP", "PARK"]


def test_unknown_names_suggest_close_ones() -> None:
    schema = load_protoset(PROTOSET)
    with pytest.raises(
        SchemaError,
        match=r"unknown service `routeguide.RouteGide` in protoset routeguide.protoset; "
        r"did you mean `routeguide.RouteGuide`",
    ):
        schema.method("routeguide.RouteGide/GetFeature")
    with pytest.raises(SchemaError, match=r"unknown method `ListFeature`.*did you mean `ListFeatures`"):
        schema.method("routeguide.RouteGuide/ListFeature")


def test_json_mapping_and_errors_with_field_paths() -> None:
    schema = load_protoset(PROTOSET)
    feature = schema.message("routeguide.Feature")
    message = schema.parse_json(
        feature,
        '{"created_at": "2024-01-01T00:00:00Z", "kind": "SHOP", "extra": {"a": [1]},'
        ' "nickname": "n", "attributes": {"k": "v"}, "elevationMeters": 3}',
    )
    assert schema.to_dict(message) == {
        "createdAt": "2024-01-01T00:00:00Z",
        "kind": "SHOP",
        "extra": {"a": [1.0]},
        "nickname": "n",
        "attributes": {"k": "v"},
        "elevationMeters": 3,
    }
    with pytest.raises(SchemaError, match=r"at `location.latitude`: invalid literal"):
        schema.parse_json(feature, '{"location": {"latitude": "north"}}')
    with pytest.raises(SchemaError, match=r"no field named \"starz\".*Feature.reviews\[0\]"):
        schema.parse_json(feature, '{"reviews": [{"starz": 1}]}')


def test_proto_files_compile_to_the_shipped_protoset() -> None:
    compiled = compile_protos([PROTO], [], ROOT)
    shipped = load_protoset(PROTOSET)
    for name in ("routeguide.Feature", "routeguide.Tick", "routeguide.RouteNote"):
        assert compiled.message(name).fields_by_name.keys() == shipped.message(name).fields_by_name.keys()
    assert [m.kind for m in compiled.methods("routeguide.RouteGuide")] == [
        m.kind for m in shipped.methods("routeguide.RouteGuide")
    ]


def test_missing_imports_name_the_import_path(tmp_path: Path) -> None:
    (tmp_path / "svc.proto").write_text(
        'syntax = "proto3";\nimport "lib/types.proto";\nmessage A { lib.T t = 1; }\n', encoding="utf-8"
    )
    with pytest.raises(SchemaError, match=r"lib/types.proto.*@import-path"):
        compile_protos([tmp_path / "svc.proto"], [], tmp_path)
    with pytest.raises(SchemaError, match="does not exist"):
        compile_protos([tmp_path / "nope.proto"], [], tmp_path)
    (tmp_path / "bad.pb").write_bytes(b"\xff\xff not a descriptor set")
    with pytest.raises(SchemaError, match="is not a protoset"):
        load_protoset(tmp_path / "bad.pb")
