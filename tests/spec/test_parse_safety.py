"""Malformed input, unsafe YAML (custom tags, alias bombs), YAML 1.1 quirks, document checks."""

from __future__ import annotations

import time

import pytest

from contractdrift.errors import InputError
from contractdrift.spec.load import load_spec, load_spec_text

BILLION_LAUGHS = """\
openapi: 3.0.0
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def test_malformed_json_names_line_and_column(write) -> None:  # type: ignore[no-untyped-def]
    path = write("bad.json", '{\n  "openapi": "3.0.0",\n  "paths": {,}\n}\n')
    with pytest.raises(InputError) as err:
        load_spec(path)
    assert str(err.value) == f"{path}:3:13: invalid JSON: Expecting property name enclosed in double quotes"
    assert (err.value.line, err.value.col) == (3, 13)


def test_malformed_yaml_names_line_and_column() -> None:
    with pytest.raises(InputError) as err:
        load_spec_text("openapi: 3.0.0\npaths:\n  /a: [1, 2\n  /b: {}\n", "bad.yaml")
    assert str(err.value).startswith("bad.yaml:4:")
    assert "invalid YAML" in str(err.value)
    with pytest.raises(InputError, match=r"^bad.yaml:2:5: invalid YAML: .*mapping values are not allowed"):
        load_spec_text("openapi: 3.0.0\nx: a: b\n", "bad.yaml")


def test_json_is_detected_by_content_and_yaml_flow_still_works(write) -> None:  # type: ignore[no-untyped-def]
    assert load_spec(write("spec.txt", '{"openapi": "3.1.0"}')).version == "3.1.0"
    assert load_spec(write("spec.json.bak", "openapi: 3.0.1\n")).version == "3.0.1"
    # a .yaml file in YAML flow style that is not JSON
    assert load_spec(write("flow.yaml", "{openapi: 3.0.2, paths: {}}")).version == "3.0.2"
    assert load_spec(write("bom.json", '\ufeff{"openapi": "3.0.0"}')).version == "3.0.0"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty file"),
        ("   \n\n", "empty file"),
        ("# only a comment\n", "empty document"),
        ("- a\n- b\n", "root is a list, not a mapping"),
        ("just a string\n", "root is str, not a mapping"),
        ("info: {title: t}\n", "no 'openapi' or 'swagger' key"),
        ("swagger: '1.2'\n", "unsupported Swagger version '1.2'"),
        ("openapi: 4.0.0\n", "unsupported OpenAPI version '4.0.0'"),
        ("openapi: [3]\n", "'openapi' must be a version string"),
    ],
)
def test_documents_that_are_not_specs(text: str, message: str) -> None:
    with pytest.raises(InputError, match="^x.yaml: .*" + message.replace("(", r"\(").replace(")", r"\)")):
        load_spec_text(text, "x.yaml")


def test_unreadable_sources(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError, match="file not found"):
        load_spec(tmp_path / "nope.yaml")
    with pytest.raises(InputError, match="is a directory"):
        load_spec(tmp_path)
    (tmp_path / "latin1.yaml").write_bytes(b"openapi: 3.0.0\ninfo: {title: caf\xe9}\n")
    with pytest.raises(InputError, match="not valid utf-8"):
        load_spec(tmp_path / "latin1.yaml")


@pytest.mark.parametrize(
    ("snippet", "tag"),
    [
        ("x: !!python/object/apply:os.system ['echo pwned']", "python/object/apply:os.system"),
        ("x: !!python/name:os.system ''", "python/name:os.system"),
        ("x: !custom {a: 1}", "!custom"),
        ("x: [1, !!set {a}]", "tag:yaml.org,2002:set"),
    ],
)
def test_custom_tags_are_rejected_with_their_place(snippet: str, tag: str) -> None:
    with pytest.raises(InputError) as err:
        load_spec_text("openapi: 3.0.0\n" + snippet + "\n", "t.yaml")
    assert str(err.value).startswith("t.yaml:2:")
    assert "unsupported YAML tag" in str(err.value) and tag in str(err.value)


def test_billion_laughs_is_refused_quickly() -> None:
    started = time.process_time()  # CPU time: the expansion it refuses is CPU work (a stall of the VM is not)
    with pytest.raises(InputError, match="alias bomb") as err:
        load_spec_text(BILLION_LAUGHS, "bomb.yaml")
    assert time.process_time() - started < 0.5
    assert str(err.value).startswith("bomb.yaml:")


def test_recursive_alias_is_refused() -> None:
    with pytest.raises(InputError, match="recursive YAML alias"):
        load_spec_text("openapi: 3.0.0\na: &a {b: *a}\n", "r.yaml")


def test_moderate_alias_use_is_fine_and_shared() -> None:
    spec = load_spec_text(
        "openapi: 3.0.0\nx-defs:\n  err: &err {type: object, properties: {code: {type: integer}}}\n"
        "paths:\n  /a:\n    get:\n      responses:\n        '400': {description: bad, x-schema: *err}\n"
        "        '500': {description: worse, x-schema: *err}\n", "a.yaml")
    responses = spec.root.data["paths"]["/a"]["get"]["responses"]
    assert responses["400"]["x-schema"] == {"type": "object", "properties": {"code": {"type": "integer"}}}
    # positions through an alias point at the anchored node
    assert str(spec.root.position(("paths", "/a", "get", "responses", "500", "x-schema", "type"))) == "a.yaml:3:14"


def test_yaml_11_keys_become_strings_and_values_keep_types() -> None:
    spec = load_spec_text(
        "openapi: 3.0.0\npaths:\n  /a:\n    get:\n      responses:\n"
        "        200: {description: ok}\n        2XX: {description: any}\n        default: {description: d}\n"
        "x-keys:\n  on: yes\n  off: no\n  1.5: 0x1F\n  ~: null\n  2024-01-02: 2024-01-02T03:04:05Z\n"
        "  '007': 007\n  quoted: '200'\n  float: 1e3\n  real: 1.0e+3\n  inf: .inf\n  big: 1_000\n",
        "k.yaml")
    data = spec.root.data
    assert list(data["paths"]["/a"]["get"]["responses"]) == ["200", "2XX", "default"]
    keys = data["x-keys"]
    assert keys == {
        "on": True, "off": False, "1.5": 31, "~": None, "2024-01-02": "2024-01-02T03:04:05Z",
        "007": 7, "quoted": "200", "float": "1e3", "real": 1000.0, "inf": float("inf"), "big": 1000,
    }
    assert all(isinstance(k, str) for k in keys)


def test_merge_keys() -> None:
    spec = load_spec_text(
        "openapi: 3.0.0\nbase: &base {type: object, title: base}\n"
        "child:\n  <<: *base\n  title: child\n", "m.yaml")
    assert spec.root.data["child"] == {"type": "object", "title": "child"}
    assert str(spec.root.position(("child", "type"))) == "m.yaml:2:14"
    assert str(spec.root.position(("child", "title"))) == "m.yaml:5:3"


def test_non_string_version_is_read_with_a_warning() -> None:
    spec = load_spec_text("swagger: 2.0\ninfo: {title: t, version: '1'}\npaths: {}\n", "v.yaml")
    assert spec.version == "2.0"
    assert any("not a string" in w for w in spec.warnings)


def test_large_yaml_loads_in_reasonable_time() -> None:
    parts = ["openapi: 3.0.0\npaths:\n"]
    for i in range(2000):
        parts.append(
            f"  /r{i}/{{id}}:\n    get:\n      parameters:\n        - {{name: id, in: path, required: true, "
            f"schema: {{type: string}}}}\n      responses:\n        200:\n          description: ok {i}\n"
            "          content:\n            application/json:\n              schema:\n"
            "                type: object\n                properties:\n"
            "                  a: {type: integer, format: int64}\n                  b: {type: string, enum: [x, y]}\n")
    text = "".join(parts)
    assert len(text) > 700_000
    started = time.perf_counter()
    spec = load_spec_text(text, "big.yaml")
    elapsed = time.perf_counter() - started
    assert elapsed < 4.0, elapsed  # ~0.4 s on an idle 2-core machine; generous for a loaded one
    pos = spec.root.position(("paths", "/r1999/{id}", "get", "responses", "200", "description"))
    assert pos is not None and pos.line == 1999 * 14 + 2 + 7
