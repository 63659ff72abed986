"""Exact 1-based line:col for JSON and YAML pointers, including keys with '/' and '~'."""

from __future__ import annotations

import json

import pytest

from contractdrift.spec.load import load_spec, load_spec_data, load_spec_text

JSON_TEXT = """{
  "openapi": "3.0.3",
  "info": {"title": "t", "version": "1"},
  "paths": {
    "/pets/{id}": {
      "get": {
        "responses": {
          "200": {
            "description": "ok",
            "content": {
              "application/json": {
                "schema": {"$ref": "#/components/schemas/a~b"}
              }
            }
          }
        }
      }
    }
  },
  "components": {
    "schemas": {
      "a~b": {"type": "object", "properties": {"x/y": {"type": "string"}, "list": {"enum": [1, "two", [3]]}}},
      "esc\\"aped": {"type": "integer"}
    }
  }
}
"""

YAML_TEXT = """\
openapi: 3.0.3
info:
  title: t
  version: "1"
paths:
  /pets/{id}:
    get:
      responses:
        200:
          description: ok
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/a~b'
components:
  schemas:
    a~b:
      type: object
      properties:
        x/y: {type: string}
        list:
          enum:
            - 1
            - two
            - [3]
"""


@pytest.mark.parametrize(
    ("pointer", "line", "col"),
    [
        ((), 1, 1),
        (("openapi",), 2, 3),
        (("info", "title"), 3, 12),
        (("paths", "/pets/{id}"), 5, 5),
        (("paths", "/pets/{id}", "get", "responses", "200"), 8, 11),
        (("paths", "/pets/{id}", "get", "responses", "200", "content", "application/json", "schema", "$ref"), 12, 28),
        (("components", "schemas", "a~b"), 22, 7),
        (("components", "schemas", "a~b", "properties", "x/y", "type"), 22, 56),
        (("components", "schemas", "a~b", "properties", "list", "enum", 1), 22, 96),
        (("components", "schemas", "a~b", "properties", "list", "enum", "2", 0), 22, 104),
        (("components", "schemas", 'esc"aped'), 23, 7),
    ],
)
def test_json_positions(pointer: tuple[str | int, ...], line: int, col: int) -> None:
    spec = load_spec_text(JSON_TEXT, "api.json")
    pos = spec.root.position(pointer)
    assert pos is not None
    assert (pos.file, pos.line, pos.col) == ("api.json", line, col)


def test_json_positions_match_a_brute_force_index() -> None:
    """Every member key position equals the offset of its quoted key text in the line."""
    spec = load_spec_text(JSON_TEXT, "api.json")
    lines = JSON_TEXT.splitlines()

    def walk(value: object, pointer: tuple[str | int, ...]) -> None:
        if isinstance(value, dict):
            for key, child in value.items():
                pos = spec.root.position((*pointer, key))
                assert pos is not None
                assert lines[pos.line - 1][pos.col - 1 :].startswith(json.dumps(key)), (pointer, key)
                walk(child, (*pointer, key))
        elif isinstance(value, list):
            for index, child in enumerate(value):
                pos = spec.root.position((*pointer, index))
                assert pos is not None
                assert lines[pos.line - 1][pos.col - 1 :].startswith(json.dumps(child)[:1])
                walk(child, (*pointer, index))

    walk(spec.root.data, ())


@pytest.mark.parametrize(
    ("pointer", "line", "col"),
    [
        ((), 1, 1),
        (("info", "version"), 4, 3),
        (("paths", "/pets/{id}"), 6, 3),
        (("paths", "/pets/{id}", "get", "responses", "200"), 9, 9),
        (("paths", "/pets/{id}", "get", "responses", "200", "content", "application/json", "schema", "$ref"), 14, 17),
        (("components", "schemas", "a~b"), 17, 5),
        (("components", "schemas", "a~b", "properties", "x/y"), 20, 9),
        (("components", "schemas", "a~b", "properties", "x/y", "type"), 20, 15),
        (("components", "schemas", "a~b", "properties", "list", "enum", 1), 24, 15),
        (("components", "schemas", "a~b", "properties", "list", "enum", "2", 0), 25, 16),
    ],
)
def test_yaml_positions(pointer: tuple[str | int, ...], line: int, col: int) -> None:
    spec = load_spec_text(YAML_TEXT, "api.yaml")
    pos = spec.root.position(pointer)
    assert pos is not None
    assert (pos.file, pos.line, pos.col) == ("api.yaml", line, col)


@pytest.mark.parametrize("text", [JSON_TEXT, YAML_TEXT])
def test_missing_pointer_has_no_position_but_nearest_does(text: str) -> None:
    spec = load_spec_text(text, "api")
    assert spec.root.position(("components", "schemas", "nope")) is None
    assert spec.root.position(("paths", "/pets/{id}", "get", "responses", 7)) is None
    nearest = spec.root.position(("components", "schemas", "nope", "x"), nearest=True)
    assert nearest == spec.root.position(("components", "schemas"))


def test_locate_gives_rfc6901_pointer_and_position(write) -> None:  # type: ignore[no-untyped-def]
    path = write("api.json", JSON_TEXT)
    spec = load_spec(path)
    loc = spec.locate(spec.root, ("components", "schemas", "a~b", "properties", "x/y"))
    assert loc.pointer == "/components/schemas/a~0b/properties/x~1y"
    assert loc.position is not None and (loc.position.line, loc.position.col) == (22, 48)
    assert loc.position.file == str(path)


def test_relative_display_is_kept(write, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    path = write("specs/api.yaml", YAML_TEXT)
    monkeypatch.chdir(path.parent.parent)
    spec = load_spec("specs/api.yaml")
    assert spec.root.display == "specs/api.yaml"
    assert spec.root.uri == str(path)
    assert str(spec.root.position(("info",))) == "specs/api.yaml:2:1"


def test_in_memory_data_has_no_positions() -> None:
    spec = load_spec_data({"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {}})
    assert spec.version == "3.1.0"
    assert spec.root.position(("info",)) is None
    assert spec.locate(spec.root, ("info",)).pointer == "/info"


def test_crlf_line_endings() -> None:
    text = JSON_TEXT.replace("\n", "\r\n")
    spec = load_spec_text(text, "api.json")
    pos = spec.root.position(("components", "schemas", "a~b"))
    assert pos is not None and (pos.line, pos.col) == (22, 7)
