"""$ref resolution: multi-file, git REF:path, remote refusal, cycles, broken refs, example data."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from contractdrift.errors import InputError
from contractdrift.spec.load import load_spec, load_spec_text

ROOT = """\
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /pets:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                $ref: 'schemas/pet.yaml#/Pet'
  /other:
    $ref: './paths/other.json'
"""
PET = """\
Pet:
  type: object
  properties:
    owner:
      $ref: '../common.yaml#/Owner'
    name:
      type: string
"""
COMMON = """\
Owner:
  type: object
  properties:
    back:
      $ref: 'schemas/pet.yaml#/Pet'
"""
OTHER = """{
  "get": {
    "responses": {"204": {"description": "none"}}
  }
}
"""


@pytest.fixture
def multi(write) -> Path:  # type: ignore[no-untyped-def]
    write("schemas/pet.yaml", PET)
    write("common.yaml", COMMON)
    write("paths/other.json", OTHER)
    return write("openapi.yaml", ROOT)  # type: ignore[no-any-return]


def test_relative_refs_load_lazily_with_positions_in_the_other_file(multi: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(multi.parent)
    spec = load_spec("openapi.yaml")
    assert list(spec.files) == [str(multi)]  # nothing loaded yet
    file, pointer, value = spec.resolve("schemas/pet.yaml#/Pet", base=spec.root)
    assert pointer == ("Pet",)
    assert value["properties"]["name"] == {"type": "string"}
    assert file.display == "schemas/pet.yaml"
    assert file.uri == str(multi.parent / "schemas" / "pet.yaml")
    loc = spec.locate(file, (*pointer, "properties", "name", "type"))
    assert loc.pointer == "/Pet/properties/name/type"
    assert str(loc.position) == "schemas/pet.yaml:7:7"
    # ../common.yaml relative to schemas/pet.yaml, and back again (a cycle of schemas loads fine)
    owner_file, owner_ptr, owner = spec.resolve(value["properties"]["owner"]["$ref"], base=file)
    assert owner_file.display == "common.yaml" and owner_ptr == ("Owner",)
    back_file, _, back = spec.resolve(owner["properties"]["back"]["$ref"], base=owner_file)
    assert back_file is file and back is value
    other_file, other_ptr, other = spec.resolve("./paths/other.json", base=spec.root)
    assert other_ptr == () and "get" in other
    assert str(other_file.position(("get", "responses", "204"))) == "paths/other.json:3:19"
    assert set(spec.files) == {str(multi), file.uri, owner_file.uri, other_file.uri}


def test_internal_refs_and_pointer_escapes() -> None:
    spec = load_spec_text(
        '{"openapi": "3.0.0", "paths": {"/a/{b}": {"x": 1}}, "components": {"schemas": '
        '{"a~b/c": {"type": "string"}, "Alias": {"$ref": "#/components/schemas/a~0b~1c"}}}}', "s.json")
    file, pointer, value = spec.resolve("#/components/schemas/a~0b~1c", base=spec.root)
    assert file is spec.root and pointer == ("components", "schemas", "a~b/c") and value == {"type": "string"}
    # percent-encoded fragment, and a chain (Alias -> a~b/c) is followed
    _, pointer, value = spec.resolve("#/paths/~1a~1%7Bb%7D/x", base=spec.root)
    assert pointer == ("paths", "/a/{b}", "x") and value == 1
    _, pointer, _ = spec.resolve("#/components/schemas/Alias", base=spec.root)
    assert pointer == ("components", "schemas", "a~b/c")


def test_pointer_through_an_intermediate_ref() -> None:
    spec = load_spec_text(
        '{"openapi": "3.0.0", "components": {"schemas": {"A": {"$ref": "#/components/schemas/B"},'
        ' "B": {"properties": {"p": {"type": "integer"}}}}}}')
    _, pointer, value = spec.resolve("#/components/schemas/A/properties/p", base=spec.root)
    assert pointer == ("components", "schemas", "B", "properties", "p") and value == {"type": "integer"}


def test_broken_ref_names_the_referring_place_and_the_target(multi: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(multi.parent)
    spec = load_spec("openapi.yaml")
    with pytest.raises(InputError) as err:
        spec.resolve("#/components/schemas/Missing", base=spec.root)
    assert "#/components/schemas/Missing" in str(err.value) and "not found" in str(err.value)
    (multi.parent / "schemas" / "pet.yaml").write_text("Dog: {}\n")
    with pytest.raises(InputError) as err:
        spec.resolve("schemas/pet.yaml#/Pet", base=spec.root,
                     at=("paths", "/pets", "get", "responses", "200", "content", "application/json", "schema"))
    assert str(err.value).startswith("openapi.yaml:12:17: broken $ref 'schemas/pet.yaml#/Pet'")
    assert "schemas/pet.yaml#/Pet not found" in str(err.value)
    (multi.parent / "schemas" / "pet.yaml").unlink()
    spec = load_spec("openapi.yaml")
    with pytest.raises(InputError) as err:
        spec.resolve("schemas/pet.yaml#/Pet", base=spec.root)  # position found from the text
    assert str(err.value).startswith("openapi.yaml:12:17: broken $ref")
    assert "file not found" in str(err.value)


def test_cyclic_ref_chain_is_an_error_not_a_hang() -> None:
    spec = load_spec_text(
        "openapi: 3.0.0\ncomponents:\n  schemas:\n    A: {$ref: '#/components/schemas/B'}\n"
        "    B: {$ref: '#/components/schemas/C'}\n    C: {$ref: '#/components/schemas/A'}\n", "c.yaml")
    with pytest.raises(InputError, match="circular \\$ref chain") as err:
        spec.resolve("#/components/schemas/A", base=spec.root)
    assert "c.yaml#/components/schemas/A" in str(err.value)
    with pytest.raises(InputError, match="circular"):
        spec.resolve("#/components/schemas/A/properties/x", base=spec.root)


def test_self_referencing_schema_is_not_a_chain() -> None:
    spec = load_spec_text(
        "openapi: 3.0.0\ncomponents:\n  schemas:\n    Node:\n      type: object\n      properties:\n"
        "        next: {$ref: '#/components/schemas/Node'}\n")
    _, pointer, node = spec.resolve("#/components/schemas/Node", base=spec.root)
    _, pointer2, again = spec.resolve(node["properties"]["next"]["$ref"], base=spec.root)
    assert pointer == pointer2 and node is again
    # a pointer may pass through the same recursive reference more than once
    _, deep, value = spec.resolve("#/components/schemas/Node/properties/next/properties/next/type", base=spec.root)
    assert deep == ("components", "schemas", "Node", "type") and value == "object"


def test_31_ref_with_siblings_is_not_followed() -> None:
    spec = load_spec_text(
        "openapi: 3.1.0\ncomponents:\n  schemas:\n    A: {$ref: '#/components/schemas/B', maxLength: 3}\n"
        "    B: {type: string}\n")
    _, pointer, value = spec.resolve("#/components/schemas/A", base=spec.root)
    assert pointer == ("components", "schemas", "A") and value["maxLength"] == 3


def test_remote_refs_are_refused_by_default(write) -> None:  # type: ignore[no-untyped-def]
    path = write("r.yaml", "openapi: 3.0.0\npaths: {}\nx:\n  $ref: 'https://example.com/pet.yaml#/Pet'\n")
    spec = load_spec(path)
    with pytest.raises(InputError) as err:
        spec.resolve("https://example.com/pet.yaml#/Pet", base=spec.root)
    message = str(err.value)
    assert "remote $ref 'https://example.com/pet.yaml#/Pet' refused; use --allow-remote-refs" in message
    assert ":4:3:" in message


def test_remote_refs_are_fetched_when_allowed(write, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from contractdrift.spec import source

    fetched: list[str] = []

    def fake_fetch(url: str) -> bytes:
        fetched.append(url)
        return b"Pet: {type: object}\nTag: {$ref: 'tag.yaml#/Tag'}\n" if url.endswith("pet.yaml") else b"Tag: {type: string}\n"

    monkeypatch.setattr(source, "fetch", fake_fetch)
    path = write("r.yaml", "openapi: 3.0.0\npaths: {}\n")
    spec = load_spec(path, allow_remote_refs=True)
    file, _, value = spec.resolve("https://example.com/a/pet.yaml#/Pet", base=spec.root)
    assert value == {"type": "object"} and file.display == "https://example.com/a/pet.yaml"
    _, _, tag = spec.resolve("#/Tag", base=file)  # relative ref inside the remote file stays remote
    assert tag == {"type": "string"}
    assert fetched == ["https://example.com/a/pet.yaml", "https://example.com/a/tag.yaml"]


def test_example_values_with_ref_keys_are_never_resolved(write, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from contractdrift.spec import source

    def no_fetch(url: str) -> bytes:
        raise AssertionError(f"fetched {url}")

    monkeypatch.setattr(source, "fetch", no_fetch)
    path = write("e.json", """{
      "openapi": "3.0.0",
      "paths": {"/a": {"get": {"responses": {"200": {"description": "ok", "content": {"application/json": {
        "schema": {"type": "object"},
        "example": {"$ref": "https://example.com/x"},
        "examples": {"one": {"value": {"$ref": "./missing.json"}}}
      }}}}}}}
    }""")
    spec = load_spec(path, allow_remote_refs=True)
    media = spec.root.data["paths"]["/a"]["get"]["responses"]["200"]["content"]["application/json"]
    assert media["example"] == {"$ref": "https://example.com/x"}
    assert media["examples"]["one"]["value"] == {"$ref": "./missing.json"}
    assert list(spec.files) == [spec.root.uri]


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_git_ref_path_sources_resolve_refs_inside_the_same_revision(tmp_path: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=tmp_path,
                       check=True, capture_output=True)

    (tmp_path / "api" / "schemas").mkdir(parents=True)
    (tmp_path / "api" / "spec.yaml").write_text(
        "openapi: 3.0.0\npaths: {}\ncomponents:\n  schemas:\n    Pet: {$ref: 'schemas/pet.yaml#/Pet'}\n")
    (tmp_path / "api" / "schemas" / "pet.yaml").write_text("Pet:\n  type: object\n  title: v1\n")
    git("init", "-q")
    git("add", ".")
    git("commit", "-q", "-m", "v1")
    (tmp_path / "api" / "schemas" / "pet.yaml").write_text("Pet:\n  type: object\n  title: v2\n")
    (tmp_path / "api" / "spec.yaml").write_text("openapi: 3.1.0\npaths: {}\n")
    git("commit", "-q", "-am", "v2")

    spec = load_spec("HEAD~1:api/spec.yaml", cwd=str(tmp_path))
    assert spec.version == "3.0.0"
    assert spec.root.display == "HEAD~1:api/spec.yaml" and spec.root.uri == "git:HEAD~1:api/spec.yaml"
    file, _, pet = spec.resolve("schemas/pet.yaml#/Pet", base=spec.root)
    assert pet["title"] == "v1"  # read from the same revision, not the working tree
    assert file.uri == "git:HEAD~1:api/schemas/pet.yaml"
    assert str(file.position(("Pet", "title"))) == "HEAD~1:api/schemas/pet.yaml:3:3"
    # a path that exists is a file, even with a ':'-free name; the working tree has v2
    assert load_spec(tmp_path / "api" / "spec.yaml").version == "3.1.0"
    with pytest.raises(InputError, match="cannot read from git"):
        load_spec("HEAD:api/nope.yaml", cwd=str(tmp_path))
    with pytest.raises(InputError, match="outside the repository"):
        spec.resolve("../../x.yaml", base=spec.root)
    with pytest.raises(InputError, match="file not found"):
        load_spec("nosuchref:api/spec.yaml", cwd=str(tmp_path))
