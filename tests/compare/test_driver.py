"""End to end: the spec-vs-spec driver keeps the normalization promises of issue 2.

Each test writes two small specs, runs :func:`contractdrift.api.diff_specs` and checks the findings.
Equivalent forms must report nothing; every "nothing" test has a sibling that changes something
real and must report it, so the equivalences cannot pass by the engine seeing nothing at all.
"""

from __future__ import annotations

import copy
import itertools
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from contractdrift.api import diff_specs
from contractdrift.model import Finding, Report, Severity, Side

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"

Doc = dict[str, Any]


# -- helpers ----------------------------------------------------------------------------------------------
def write(tmp_path: Path, name: str, doc: Doc | str) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(doc if isinstance(doc, str) else yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def diff(tmp_path: Path, base: Doc | str, revision: Doc | str, **options: Any) -> Report:
    return diff_specs(write(tmp_path, "base", base), write(tmp_path, "revision", revision), **options)


def ids(report: Report) -> list[str]:
    return [f.rule_id for f in report.findings]


def only(report: Report, rule_id: str) -> Finding:
    found = [f for f in report.findings if f.rule_id == rule_id]
    assert len(found) == 1, f"expected one {rule_id}, got {ids(report)}"
    return found[0]


def api(*, response: Any = None, request: Any = None, parameters: list[Any] | None = None,
        schemas: dict[str, Any] | None = None, version: str = "3.0.3", path: str = "/pets") -> Doc:
    """One operation ``POST path`` with an optional JSON request body, parameters and a JSON 200."""
    operation: Doc = {"operationId": "op"}
    if parameters is not None:
        operation["parameters"] = parameters
    if request is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": request}}}
    ok: Doc = {"description": "OK"}
    if response is not None:
        ok["content"] = {"application/json": {"schema": response}}
    operation["responses"] = {"200": ok}
    doc: Doc = {"openapi": version, "info": {"title": "t", "version": "1"}, "paths": {path: {"post": operation}}}
    if schemas is not None:
        doc["components"] = {"schemas": schemas}
    return doc


def both(schema: Any, **kw: Any) -> Doc:
    """The same schema as request and response body (both directions checked at once)."""
    return api(request=schema, response=copy.deepcopy(schema), **kw)


def obj(required: list[str] | None = None, **props: Any) -> Doc:
    out: Doc = {"type": "object"}
    if required:
        out["required"] = required
    out["properties"] = props
    return out


S = {"type": "string"}
I = {"type": "integer"}  # noqa: E741


# -- nullable ---------------------------------------------------------------------------------------------
NULLABLE_FORMS = {
    "3.0 nullable": ("3.0.3", {"type": "string", "nullable": True}),
    "3.1 type list": ("3.1.0", {"type": ["string", "null"]}),
    "3.1 null first": ("3.1.0", {"type": ["null", "string"]}),
    "oneOf null": ("3.1.0", {"oneOf": [{"type": "string"}, {"type": "null"}]}),
    "anyOf null": ("3.1.0", {"anyOf": [{"type": "null"}, {"type": "string"}]}),
    "3.0 oneOf nullable member": ("3.0.3", {"oneOf": [{"type": "string", "nullable": True}]}),
}


@pytest.mark.parametrize(("a", "b"), list(itertools.permutations(NULLABLE_FORMS, 2)))
def test_nullable_forms_are_equivalent(tmp_path: Path, a: str, b: str) -> None:
    (va, sa), (vb, sb) = NULLABLE_FORMS[a], NULLABLE_FORMS[b]
    base = both(obj(["name"], name=sa), version=va, parameters=[{"name": "q", "in": "query", "schema": sa}])
    rev = both(obj(["name"], name=sb), version=vb, parameters=[{"name": "q", "in": "query", "schema": sb}])
    assert ids(diff(tmp_path, base, rev)) == []


@pytest.mark.parametrize("form", list(NULLABLE_FORMS))
def test_nullable_form_versus_not_nullable_is_a_change(tmp_path: Path, form: str) -> None:
    version, schema = NULLABLE_FORMS[form]
    report = diff(tmp_path, api(response=obj(["name"], name=S), version=version),
                  api(response=obj(["name"], name=schema), version=version))
    assert ids(report) == ["response-property-became-nullable"]
    assert report.findings[0].severity is Severity.ERROR


# -- allOf ------------------------------------------------------------------------------------------------
def test_splitting_into_allof_parts_is_no_change(tmp_path: Path) -> None:
    whole = obj(["id", "name"], id=I, name=S, tag=S)
    split = {"allOf": [obj(["id"], id=I), obj(["name"], name=S), {"properties": {"tag": S}}]}
    assert ids(diff(tmp_path, both(whole), both(split))) == []
    assert ids(diff(tmp_path, both(split), both(whole))) == []


def test_allof_parts_through_refs_are_no_change(tmp_path: Path) -> None:
    whole = obj(["id", "name"], id=I, name=S)
    schemas = {"Id": obj(["id"], id=I), "Named": obj(["name"], name=S)}
    split = {"allOf": [{"$ref": "#/components/schemas/Id"}, {"$ref": "#/components/schemas/Named"}]}
    assert ids(diff(tmp_path, both(whole), both(split, schemas=schemas))) == []


def test_allof_change_inside_a_part_is_reported(tmp_path: Path) -> None:
    split = {"allOf": [obj(["id"], id=I), obj(["name"], name=S)]}
    changed = {"allOf": [obj(["id"], id=I), obj(["name"], name=I)]}
    report = diff(tmp_path, api(response=split), api(response=changed))
    f = only(report, "response-property-type-changed")
    assert f.location.payload_pointer == "/name"


def test_allof_with_additional_properties_false_does_not_false_positive(tmp_path: Path) -> None:
    # additionalProperties: false next to allOf closes over the union of the members' properties
    plain = {**obj(["id"], id=I, name=S), "additionalProperties": False}
    composed = {"allOf": [obj(["id"], id=I), obj(name=S)], "additionalProperties": False}
    assert ids(diff(tmp_path, both(plain), both(composed))) == []
    assert ids(diff(tmp_path, both(composed), both(plain))) == []
    # adding a property to one member of a closed allOf is an added property, nothing else
    grown = {"allOf": [obj(["id"], id=I), obj(name=S, tag=S)], "additionalProperties": False}
    assert sorted(ids(diff(tmp_path, both(composed), both(grown)))) == [
        "new-optional-request-property", "response-optional-property-added"]


def test_closing_an_allof_is_reported(tmp_path: Path) -> None:
    open_ = {"allOf": [obj(["id"], id=I), obj(name=S)]}
    closed = {**open_, "additionalProperties": False}
    assert ids(diff(tmp_path, api(request=open_), api(request=closed))) == ["request-body-additional-properties-closed"]


# -- oneOf / anyOf pairing -----------------------------------------------------------------------------------
CAT = obj(["kind", "meows"], kind={"type": "string", "enum": ["cat"]}, meows={"type": "boolean"})
DOG = obj(["kind", "barks"], kind={"type": "string", "enum": ["dog"]}, barks={"type": "boolean"})
FISH = obj(["kind", "fins"], kind={"type": "string", "enum": ["fish"]}, fins=I)


@pytest.mark.parametrize("keyword", ["oneOf", "anyOf"])
def test_reordering_members_is_no_change(tmp_path: Path, keyword: str) -> None:
    base = both({keyword: [CAT, DOG, FISH]})
    rev = both({keyword: [FISH, CAT, DOG]})
    assert ids(diff(tmp_path, base, rev)) == []


def test_reordering_ref_members_is_no_change(tmp_path: Path) -> None:
    schemas = {"Cat": CAT, "Dog": DOG}
    refs = [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}]
    base = both({"oneOf": refs}, schemas=schemas)
    rev = both({"oneOf": refs[::-1]}, schemas=schemas)
    assert ids(diff(tmp_path, base, rev)) == []


def test_member_change_is_paired_with_its_counterpart_not_its_position(tmp_path: Path) -> None:
    dog2 = copy.deepcopy(DOG)
    dog2["properties"]["barks"] = I
    report = diff(tmp_path, api(response={"oneOf": [CAT, DOG]}), api(response={"oneOf": [dog2, CAT]}))
    f = only(report, "response-property-type-changed")
    assert f.args["old"] == "boolean" and f.args["new"] == "integer"
    assert f.location.payload_pointer == "/barks"
    assert ids(report) == ["response-property-type-changed"]


def test_member_removed_is_reported(tmp_path: Path) -> None:
    report = diff(tmp_path, api(request={"oneOf": [CAT, DOG, FISH]}), api(request={"oneOf": [FISH, CAT]}))
    assert ids(report) == ["request-body-one-of-removed"]


# -- $ref ---------------------------------------------------------------------------------------------------
PET = obj(["id", "name"], id=I, name=S, owner=obj(name=S))


def test_pure_ref_rename_is_no_schema_change(tmp_path: Path) -> None:
    base = both({"$ref": "#/components/schemas/Pet"}, schemas={"Pet": PET})
    rev = both({"$ref": "#/components/schemas/Animal"}, schemas={"Animal": PET})
    report = diff(tmp_path, base, rev)
    # only the changelog note that the component name is gone; no comparison finding
    assert ids(report) == ["api-schema-removed"]
    assert report.findings[0].args == {"name": "Pet"}


def test_ref_rename_with_a_changed_target_is_reported(tmp_path: Path) -> None:
    animal = copy.deepcopy(PET)
    animal["properties"]["name"] = I
    base = api(response={"$ref": "#/components/schemas/Pet"}, schemas={"Pet": PET})
    rev = api(response={"$ref": "#/components/schemas/Animal"}, schemas={"Animal": animal})
    assert ids(diff(tmp_path, base, rev)) == ["response-property-type-changed", "api-schema-removed"]


def test_inline_schema_equals_ref_to_identical_component(tmp_path: Path) -> None:
    inline = both(copy.deepcopy(PET))
    ref = both({"$ref": "#/components/schemas/Pet"}, schemas={"Pet": PET})
    assert ids(diff(tmp_path, inline, ref)) == []
    assert ids(diff(tmp_path, ref, inline)) == ["api-schema-removed"]
    # nested: a property inline in one version, a $ref in the other
    nested_ref = copy.deepcopy(PET)
    nested_ref["properties"]["owner"] = {"$ref": "#/components/schemas/Owner"}
    assert ids(diff(tmp_path, inline, both(nested_ref, schemas={"Owner": obj(name=S)}))) == []


def _components_api(names: tuple[str, str, str], header_required: bool = True,
                    media: str = "application/json") -> Doc:
    body, response, param = names
    return {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"/pets": {"post": {
        "parameters": [{"$ref": f"#/components/parameters/{param}"}],
        "requestBody": {"$ref": f"#/components/requestBodies/{body}"},
        "responses": {"200": {"$ref": f"#/components/responses/{response}"}}}}},
        "components": {
            "parameters": {param: {"name": "limit", "in": "query", "schema": I}},
            "requestBodies": {body: {"required": True, "content": {"application/json": {"schema": obj(["a"], a=I)}}}},
            "responses": {response: {"description": "ok", "headers": {"X-A": {"$ref": "#/components/headers/XA"}},
                                     "content": {media: {"schema": obj(["a"], a=I)}}}},
            "headers": {"XA": {"required": header_required, "schema": I}}}}


def test_renamed_parameter_body_and_response_components_are_no_change(tmp_path: Path) -> None:
    # (media type names compare case-insensitively too: Application/JSON == application/json)
    base = _components_api(("Body", "Resp", "Param"))
    renamed = _components_api(("NewBody", "NewResp", "NewParam"), media="Application/JSON")
    assert ids(diff(tmp_path, base, renamed)) == []
    report = diff(tmp_path, base, _components_api(("Body", "Resp", "Param"), header_required=False))
    assert ids(report) == ["response-header-became-optional"]


# -- paths and parameters -------------------------------------------------------------------------------------
def item(param: str, schema: Any = I, *, level: str = "operation") -> Doc:
    p = {"name": param, "in": "path", "required": True, "schema": schema}
    op: Doc = {"responses": {"200": {"description": "OK"}}}
    if level == "operation":
        return {"get": {"parameters": [p], **op}}
    return {"parameters": [p], "get": op}


def paths(**items: Doc) -> Doc:
    return {"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {k.replace("_", "/").replace("(", "{").replace(")", "}"): v for k, v in items.items()}}


def test_path_parameter_names_do_not_matter(tmp_path: Path) -> None:
    base = paths(**{"_pets_(id)": item("id")})
    rev = paths(**{"_pets_(petId)": item("petId")})
    assert ids(diff(tmp_path, base, rev)) == []
    # a real change of the renamed parameter is still found, under the revision's template
    changed = paths(**{"_pets_(petId)": item("petId", S)})
    f = only(diff(tmp_path, base, changed), "request-parameter-type-changed")
    assert f.location.operation == "GET /pets/{petId}"


def test_trailing_slash_and_literal_segments(tmp_path: Path) -> None:
    # /v2 is a literal, not a parameter: /v1/pets and /v2/pets are different endpoints
    base = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {"/v1/pets": {"get": {"responses": {"200": {"description": "OK"}}}}}}
    rev = copy.deepcopy(base)
    rev["paths"] = {"/v2/pets": base["paths"]["/v1/pets"]}
    assert sorted(ids(diff(tmp_path, base, rev))) == ["api-path-removed-without-deprecation", "endpoint-added"]


def test_path_level_parameters_are_merged_into_operations(tmp_path: Path) -> None:
    base = paths(**{"_pets_(id)": item("id")})
    rev = paths(**{"_pets_(id)": item("id", level="path")})
    assert ids(diff(tmp_path, base, rev)) == []
    assert ids(diff(tmp_path, rev, base)) == []
    # an operation-level parameter overrides the path-level one of the same name and location
    q = {"name": "limit", "in": "query", "schema": I}
    merged = paths(**{"_pets": {"parameters": [q], "get": {"responses": {"200": {"description": "OK"}}}}})
    override = copy.deepcopy(merged)
    override["paths"]["/pets"]["get"]["parameters"] = [{**q, "required": True}]
    assert ids(diff(tmp_path, merged, override)) == ["request-parameter-became-required"]


def test_header_names_are_case_insensitive(tmp_path: Path) -> None:
    def doc(param: str, header: str, header_schema: Any = I) -> Doc:
        return {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"/pets": {"get": {
            "parameters": [{"name": param, "in": "header", "required": True, "schema": S}],
            "responses": {"200": {"description": "OK", "headers": {header: {"schema": header_schema}}}}}}}}

    assert ids(diff(tmp_path, doc("X-Request-Id", "X-Rate-Limit"), doc("x-request-id", "x-rate-limit"))) == []
    report = diff(tmp_path, doc("X-Request-Id", "X-Rate-Limit"), doc("x-request-id", "X-RATE-LIMIT", S))
    assert ids(report) == ["response-header-type-changed"]
    # query parameter names stay case-sensitive
    lower = {"name": "limit", "in": "query", "schema": I}
    upper = {**lower, "name": "LIMIT"}
    report = diff(tmp_path, api(parameters=[lower]), api(parameters=[upper]))
    assert sorted(ids(report)) == ["new-optional-request-parameter", "request-parameter-removed"]


# -- status code ranges ----------------------------------------------------------------------------------------
def _statuses(**codes: str) -> Doc:
    """Responses keyed by status; each value names the type of property ``a`` in its body."""
    doc = api()
    doc["paths"]["/pets"]["post"]["responses"] = {
        code.lstrip("_"): {"description": "OK", "content": {"application/json": {"schema": obj(["a"], a={"type": t})}}}
        for code, t in codes.items()}
    return doc


@pytest.mark.parametrize(("base", "rev"), [({"_200": "integer"}, {"_2XX": "integer"}),
                                           ({"_2XX": "integer"}, {"_200": "integer"}),
                                           ({"_2XX": "integer"}, {"_200": "integer", "_201": "integer"}),
                                           ({"_200": "integer", "_2XX": "integer"}, {"_2XX": "integer"})])
def test_status_range_and_the_codes_inside_it_are_paired(tmp_path: Path, base: dict[str, str],
                                                         rev: dict[str, str]) -> None:
    assert ids(diff(tmp_path, _statuses(**base), _statuses(**rev))) == []
    changed = {k: "string" for k in rev}
    report = diff(tmp_path, _statuses(**base), _statuses(**changed))
    assert ids(report) and set(ids(report)) == {"response-property-type-changed"}


# -- readOnly / writeOnly -----------------------------------------------------------------------------------
def test_read_only_properties_never_break_requests(tmp_path: Path) -> None:
    base = obj(["id", "name"], id={"type": "integer", "readOnly": True}, name=S)
    variants = {
        "removed": obj(["name"], name=S),
        "retyped": obj(["id", "name"], id={"type": "string", "readOnly": True}, name=S),
        "narrowed": obj(["id", "name"], id={"type": "integer", "readOnly": True, "maximum": 10}, name=S),
        "new required read-only": obj(["id", "name", "created"], id={"type": "integer", "readOnly": True},
                                      name=S, created={"type": "string", "readOnly": True}),
    }
    for label, rev in variants.items():
        report = diff(tmp_path, api(request=base), api(request=rev))
        assert not [f for f in report.findings if f.location.side is Side.REQUEST], (label, ids(report))
    # the same changes do break responses, where readOnly properties are sent
    report = diff(tmp_path, api(response=base), api(response=variants["retyped"]))
    assert ids(report) == ["response-property-type-changed"]


def test_write_only_properties_never_break_responses(tmp_path: Path) -> None:
    base = obj(["name", "password"], name=S, password={"type": "string", "writeOnly": True})
    variants = {
        "removed": obj(["name"], name=S),
        "retyped": obj(["name", "password"], name=S, password={"type": "integer", "writeOnly": True}),
        "new required write-only": obj(["name", "password", "pin"], name=S,
                                       password={"type": "string", "writeOnly": True},
                                       pin={"type": "string", "writeOnly": True}),
    }
    for label, rev in variants.items():
        report = diff(tmp_path, api(response=base), api(response=rev))
        assert not [f for f in report.findings if f.severity > Severity.INFO], (label, ids(report))
        assert not [f for f in report.findings if f.rule_id.startswith("response-property")], (label, ids(report))
    report = diff(tmp_path, api(request=base), api(request=variants["retyped"]))
    assert ids(report) == ["request-property-type-changed"]


def test_required_read_only_request_property_that_becomes_writable_is_newly_required(tmp_path: Path) -> None:
    # `required` on a readOnly property applies to responses only: clients never sent `id`
    base = obj(["id", "name"], id={"type": "integer", "readOnly": True}, name=S)
    rev = obj(["id", "name"], id=I, name=S)
    report = diff(tmp_path, api(request=base), api(request=rev))
    assert sorted(ids(report)) == ["request-property-became-required", "request-required-property-became-not-read-only"]
    assert report.findings[0].severity is Severity.ERROR
    # optional in the revision: nothing newly required
    report = diff(tmp_path, api(request=base), api(request=obj(["name"], id=I, name=S)))
    assert ids(report) == ["request-optional-property-became-not-read-only"]


def test_required_response_property_that_becomes_write_only_is_no_longer_sent(tmp_path: Path) -> None:
    base = obj(["id", "name"], id=I, name=S)
    rev = obj(["id", "name"], id=I, name={"type": "string", "writeOnly": True})
    report = diff(tmp_path, api(response=base), api(response=rev))
    assert sorted(ids(report)) == ["response-property-became-optional", "response-required-property-became-write-only"]
    assert report.findings[0].severity is Severity.ERROR
    # the other way round (a write-only property now sent) breaks nobody
    back = diff(tmp_path, api(response=rev), api(response=base))
    assert all(f.severity < Severity.ERROR for f in back.findings), ids(back)


# -- parameter serialization ---------------------------------------------------------------------------------
def test_a_new_style_does_not_also_report_its_explode_default(tmp_path: Path) -> None:
    arr = {"type": "array", "items": S}
    base = api(parameters=[{"name": "tags", "in": "query", "schema": arr}])
    piped = api(parameters=[{"name": "tags", "in": "query", "style": "pipeDelimited", "schema": arr}])
    assert ids(diff(tmp_path, base, piped)) == ["request-parameter-style-changed"]
    explicit = api(parameters=[{"name": "tags", "in": "query", "style": "form", "explode": True, "schema": arr}])
    assert ids(diff(tmp_path, base, explicit)) == []
    not_exploded = api(parameters=[{"name": "tags", "in": "query", "explode": False, "schema": arr}])
    assert ids(diff(tmp_path, base, not_exploded)) == ["request-parameter-explode-changed"]


# -- Swagger 2.0 ----------------------------------------------------------------------------------------------
SWAGGER = """\
swagger: "2.0"
info: {title: Pets, version: "1"}
host: api.example.com
basePath: /v1
schemes: [https]
consumes: [application/json]
produces: [application/json]
paths:
  /pets:
    get:
      operationId: listPets
      parameters:
        - {name: limit, in: query, type: integer, maximum: 100}
        - {name: X-Request-Id, in: header, type: string, required: true}
      responses:
        200:
          description: ok
          headers:
            X-Rate-Limit: {type: integer}
          schema:
            type: array
            items: {$ref: '#/definitions/Pet'}
    post:
      operationId: addPet
      parameters:
        - in: body
          name: pet
          required: true
          schema: {$ref: '#/definitions/NewPet'}
      responses:
        201:
          description: created
          schema: {$ref: '#/definitions/Pet'}
  /pets/{petId}:
    get:
      parameters:
        - {name: petId, in: path, required: true, type: integer, format: int64}
      responses:
        200: {description: ok, schema: {$ref: '#/definitions/Pet'}}
        default: {description: error, schema: {$ref: '#/definitions/Error'}}
definitions:
  NewPet:
    type: object
    required: [name]
    properties:
      name: {type: string}
      tag: {type: string}
  Pet:
    allOf:
      - $ref: '#/definitions/NewPet'
      - type: object
        required: [id]
        properties:
          id: {type: integer, format: int64}
  Error:
    type: object
    properties:
      message: {type: string}
"""

OPENAPI3 = """\
openapi: 3.0.3
info: {title: Pets, version: "1"}
servers:
  - url: https://api.example.com/v1
paths:
  /pets:
    get:
      operationId: listPets
      parameters:
        - {name: limit, in: query, schema: {type: integer, maximum: 100}}
        - {name: x-request-id, in: header, required: true, schema: {type: string}}
      responses:
        '200':
          description: ok
          headers:
            X-Rate-Limit: {schema: {type: integer}}
          content:
            application/json:
              schema:
                type: array
                items: {$ref: '#/components/schemas/Pet'}
    post:
      operationId: addPet
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/NewPet'}
      responses:
        '201':
          description: created
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Pet'}
  /pets/{id}:
    get:
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer, format: int64}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Pet'}
        default:
          description: error
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Error'}
components:
  schemas:
    NewPet:
      type: object
      required: [name]
      properties:
        name: {type: string}
        tag: {type: string}
    Pet:
      allOf:
        - $ref: '#/components/schemas/NewPet'
        - type: object
          required: [id]
          properties:
            id: {type: integer, format: int64}
    Error:
      type: object
      properties:
        message: {type: string}
"""


def test_swagger2_and_the_equivalent_openapi3_have_no_differences(tmp_path: Path) -> None:
    assert ids(diff(tmp_path, SWAGGER, OPENAPI3)) == []
    assert ids(diff(tmp_path, OPENAPI3, SWAGGER)) == []


def test_swagger2_change_is_found_against_openapi3(tmp_path: Path) -> None:
    changed = OPENAPI3.replace("maximum: 100", "maximum: 50")
    f = only(diff(tmp_path, SWAGGER, changed), "request-parameter-max-decreased")
    assert f.location.base is not None and f.location.base.position is not None
    assert f.location.base.position.file.endswith("base.yaml")
    assert SWAGGER.splitlines()[f.location.base.position.line - 1].lstrip().startswith("- {name: limit")


# -- cycles ---------------------------------------------------------------------------------------------------
def tree(value_type: str, label_type: str = "string") -> Doc:
    return api(response={"$ref": "#/components/schemas/Tree"}, request={"$ref": "#/components/schemas/Tree"}, schemas={
        "Tree": obj(["root"], root={"$ref": "#/components/schemas/Node"}),
        "Node": obj(["value"], value={"type": value_type},
                    children={"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
                    meta={"$ref": "#/components/schemas/Meta"}),
        "Meta": obj(label={"type": label_type}, parent={"$ref": "#/components/schemas/Node"}),
    })


@pytest.mark.timeout(20)
def test_recursive_schema_terminates_and_finds_a_deep_change(tmp_path: Path) -> None:
    assert ids(diff(tmp_path, tree("integer"), tree("integer"))) == []
    report = diff(tmp_path, tree("integer"), tree("integer", label_type="integer"))
    pointers = sorted((f.rule_id, f.location.payload_pointer) for f in report.findings)
    # reported once per direction, at the shortest payload path into the cycle
    assert pointers == [("request-property-type-changed", "/root/meta/label"),
                        ("response-property-type-changed", "/root/meta/label")]


@pytest.mark.timeout(20)
def test_mutual_recursion_terminates_and_finds_a_change(tmp_path: Path) -> None:
    def doc(name_type: str) -> Doc:
        return api(response={"$ref": "#/components/schemas/A"}, schemas={
            "A": obj(id=I, b={"$ref": "#/components/schemas/B"}),
            "B": obj(name={"type": name_type}, a={"$ref": "#/components/schemas/A"},
                     many={"type": "array", "items": {"$ref": "#/components/schemas/A"}}),
        })

    assert ids(diff(tmp_path, doc("string"), doc("string"))) == []
    f = only(diff(tmp_path, doc("string"), doc("boolean")), "response-property-type-changed")
    assert f.location.payload_pointer == "/b/name"
    assert f.location.revision is not None and f.location.revision.pointer == "/components/schemas/B/properties/name"


# -- locations -------------------------------------------------------------------------------------------------
NESTED = """\
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /orders/{id}:
    get:
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  data:
                    type: object
                    properties:
                      items:
                        type: array
                        items:
                          $ref: '#/components/schemas/Line'
components:
  schemas:
    Line:
      type: object
      properties:
        owner:
          type: object
          properties:
            email:
              type: string
              format: email
"""


def _line_of(text: str, needle: str) -> int:
    for i, line in enumerate(text.splitlines(), 1):
        if re.match(rf"^\s*{re.escape(needle)}", line):
            return i
    raise AssertionError(needle)


def test_payload_pointer_and_spec_locations_of_a_nested_change(tmp_path: Path) -> None:
    revision = NESTED.replace("format: email", "format: uri").replace("    Line:", "\n    Line:")
    report = diff(tmp_path, NESTED, revision)
    f = only(report, "response-property-format-changed")
    loc = f.location
    assert loc.operation == "GET /orders/{id}" and loc.status == "200" and loc.media_type == "application/json"
    assert loc.side is Side.RESPONSE
    assert loc.payload_pointer == "/data/items/*/owner/email"
    assert loc.base is not None and loc.revision is not None
    assert loc.base.pointer == loc.revision.pointer == "/components/schemas/Line/properties/owner/properties/email"
    assert loc.base.position is not None and loc.revision.position is not None
    assert loc.base.position.file.endswith("base.yaml") and loc.revision.position.file.endswith("revision.yaml")
    assert loc.base.position.line == _line_of(NESTED, "email:")
    assert loc.revision.position.line == _line_of(revision, "email:") == loc.base.position.line + 1
    assert f.message == ("Response 200 (application/json), property 'data.items[*].owner.email': "
                         "format changed from 'email' to 'uri'")


def test_location_of_a_parameter_change_points_at_the_parameter(tmp_path: Path) -> None:
    revision = NESTED.replace("schema: {type: string}}", "schema: {type: integer}}")
    f = only(diff(tmp_path, NESTED, revision), "request-parameter-type-changed")
    assert f.location.side is Side.REQUEST and f.location.payload_pointer == ""  # the parameter's value itself
    assert f.location.revision is not None and f.location.revision.position is not None
    assert f.location.revision.pointer == "/paths/~1orders~1{id}/get/parameters/0/schema"
    assert f.location.revision.position.line == _line_of(revision, "- {name: id")


# -- determinism ------------------------------------------------------------------------------------------------
def _many_changes(reverse: bool) -> tuple[Doc, Doc]:
    base_paths: Doc = {}
    rev_paths: Doc = {}
    for i in range(6):
        schema = obj(["a"], a=I, b=S, c={"type": "string", "enum": ["x", "y"]})
        changed = obj(["a", "b"], a=S, c={"type": "string", "enum": ["x"]}, d=I)
        base_paths[f"/r{i}"] = {"post": {"requestBody": {"content": {"application/json": {"schema": schema}}},
                                         "responses": {"200": {"description": "OK", "content": {
                                             "application/json": {"schema": copy.deepcopy(schema)}}}}}}
        rev_paths[f"/r{i}"] = {"post": {"requestBody": {"content": {"application/json": {"schema": changed}}},
                                        "responses": {"200": {"description": "OK", "content": {
                                            "application/json": {"schema": copy.deepcopy(changed)}}}}}}
    if reverse:
        base_paths = dict(reversed(base_paths.items()))
        rev_paths = dict(reversed(rev_paths.items()))
    head = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}}
    return {**head, "paths": base_paths}, {**head, "paths": rev_paths}


def test_findings_order_is_deterministic(tmp_path: Path) -> None:
    base, rev = _many_changes(False)
    first = diff(tmp_path, base, rev)
    again = diff(tmp_path, base, rev)
    assert len(first.findings) > 20
    assert first.findings == again.findings
    # the input's key order does not change the output order (or the fingerprints)
    rbase, rrev = _many_changes(True)
    other = diff(tmp_path, rbase, rrev)
    key = [(f.rule_id, f.location.operation, f.location.payload_pointer, f.fingerprint) for f in first.findings]
    assert key == [(f.rule_id, f.location.operation, f.location.payload_pointer, f.fingerprint)
                   for f in other.findings]
    assert list(first.findings) == sorted(first.findings, key=lambda f: f.sort_key())
    assert len({f.fingerprint for f in first.findings}) == len(first.findings)


# -- corpus -------------------------------------------------------------------------------------------------------
def test_petstore_corpus_pair_has_no_error() -> None:
    pair = CORPUS / "oai-petstore-expanded" / "2"
    if not (pair / "base.yaml").exists():
        pytest.skip("corpus not present")
    report = diff_specs(pair / "base.yaml", pair / "revision.yaml")
    assert not report.at_least(Severity.ERROR), [f.message for f in report.findings]
    # the revision only adds `type: object` to schemas that already had properties: nothing at all
    assert ids(report) == []
