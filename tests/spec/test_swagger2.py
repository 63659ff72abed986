"""Swagger 2.0 -> OpenAPI 3.0 shape, and positions that map back to the 2.0 file."""

from __future__ import annotations

from pathlib import Path

import pytest

from contractdrift.spec.load import LoadedSpec, load_spec, load_spec_data

SWAGGER = """\
swagger: "2.0"
info:
  title: Pets
  version: "1"
host: api.example.com
basePath: /v1
schemes: [https, http]
consumes: [application/json]
produces: [application/json, application/xml]
x-top: 1
paths:
  /pets:
    parameters:
      - name: trace
        in: header
        type: string
    post:
      operationId: addPet
      x-op: yes
      parameters:
        - name: limit
          in: query
          type: array
          items: {type: integer}
          collectionFormat: multi
        - in: body
          name: pet
          description: the pet
          required: true
          schema:
            $ref: '#/definitions/Pet'
      responses:
        200:
          description: ok
          headers:
            X-Rate: {type: integer, description: rate}
          schema:
            type: array
            items: {$ref: '#/definitions/Pet'}
          examples:
            application/json: [{name: rex}]
        default:
          $ref: '#/responses/Err'
  /pets/{id}/photo:
    put:
      consumes: [multipart/form-data]
      produces: [text/plain]
      parameters:
        - {name: id, in: path, required: true, type: string}
        - {name: file, in: formData, type: file, required: true}
        - {name: note, in: formData, type: string, description: a note}
      responses:
        204: {description: done}
  /pets/{id}/tags:
    put:
      parameters:
        - $ref: '#/parameters/TagBody'
        - {name: id, in: path, required: true, type: string}
      responses:
        204: {description: done}
  /login:
    post:
      parameters:
        - {name: user, in: formData, type: string, required: true}
        - {name: pass, in: formData, type: string, format: password}
      responses:
        200: {description: ok, schema: {type: file}}
definitions:
  Pet:
    type: object
    required: [name]
    discriminator: kind
    properties:
      name: {type: string, x-nullable: true}
      kind: {type: string}
      tag: {$ref: '#/definitions/Tag'}
      example: {type: object, example: {$ref: '#/definitions/NotAThing'}}
  Tag: {type: string}
parameters:
  TagBody:
    in: body
    name: tags
    schema: {type: array, items: {$ref: '#/definitions/Tag'}}
  Limit: {in: query, name: limit, type: integer, maximum: 100}
responses:
  Err:
    description: error
    schema: {$ref: '#/definitions/Tag'}
securityDefinitions:
  key: {type: apiKey, name: X-Key, in: header}
  basic: {type: basic}
  oauth: {type: oauth2, flow: accessCode, authorizationUrl: 'https://a/auth', tokenUrl: 'https://a/token', scopes: {read: r}}
"""


@pytest.fixture
def spec(write) -> LoadedSpec:  # type: ignore[no-untyped-def]
    path: Path = write("swagger.yaml", SWAGGER)
    return load_spec(path)


def test_document_shape(spec: LoadedSpec) -> None:
    data = spec.root.data
    assert spec.version == "2.0" and data["openapi"].startswith("3.0")
    assert "swagger" not in data and "definitions" not in data
    assert data["x-top"] == 1
    assert data["servers"] == [{"url": "https://api.example.com/v1"}, {"url": "http://api.example.com/v1"}]
    schemas = data["components"]["schemas"]
    assert schemas["Pet"]["properties"]["tag"] == {"$ref": "#/components/schemas/Tag"}
    assert schemas["Pet"]["properties"]["name"] == {"type": "string", "nullable": True}
    assert schemas["Pet"]["discriminator"] == {"propertyName": "kind"}
    # example values are data: their $ref is left alone
    assert schemas["Pet"]["properties"]["example"]["example"] == {"$ref": "#/definitions/NotAThing"}
    components = data["components"]
    assert components["parameters"] == {"Limit": {"in": "query", "name": "limit",
                                                  "schema": {"type": "integer", "maximum": 100}}}
    assert components["requestBodies"]["TagBody"]["content"]["application/json"]["schema"] == {
        "type": "array", "items": {"$ref": "#/components/schemas/Tag"}}
    assert components["responses"]["Err"]["content"]["application/xml"]["schema"] == {
        "$ref": "#/components/schemas/Tag"}
    assert components["securitySchemes"] == {
        "key": {"type": "apiKey", "name": "X-Key", "in": "header"},
        "basic": {"type": "http", "scheme": "basic"},
        "oauth": {"type": "oauth2", "flows": {"authorizationCode": {
            "scopes": {"read": "r"}, "authorizationUrl": "https://a/auth", "tokenUrl": "https://a/token"}}},
    }


def test_body_parameter_becomes_request_body(spec: LoadedSpec) -> None:
    op = spec.root.data["paths"]["/pets"]["post"]
    assert op["x-op"] is True and "consumes" not in op
    assert op["parameters"] == [{"name": "limit", "in": "query",
                                 "schema": {"type": "array", "items": {"type": "integer"}},
                                 "style": "form", "explode": True}]
    assert op["requestBody"] == {"description": "the pet", "required": True, "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}}
    assert spec.root.data["paths"]["/pets"]["parameters"] == [
        {"name": "trace", "in": "header", "schema": {"type": "string"}}]
    tags = spec.root.data["paths"]["/pets/{id}/tags"]["put"]
    assert tags["requestBody"] == {"$ref": "#/components/requestBodies/TagBody"}
    assert [p["name"] for p in tags["parameters"]] == ["id"]
    _, pointer, body = spec.resolve(tags["requestBody"]["$ref"], base=spec.root)
    assert pointer == ("components", "requestBodies", "TagBody") and "content" in body


def test_responses_get_content_per_produces_type_and_header_schemas(spec: LoadedSpec) -> None:
    responses = spec.root.data["paths"]["/pets"]["post"]["responses"]
    ok = responses["200"]
    assert set(ok["content"]) == {"application/json", "application/xml"}
    assert ok["content"]["application/json"]["schema"]["items"] == {"$ref": "#/components/schemas/Pet"}
    assert ok["content"]["application/json"]["example"] == [{"name": "rex"}]
    assert "example" not in ok["content"]["application/xml"]
    assert ok["headers"] == {"X-Rate": {"description": "rate", "schema": {"type": "integer"}}}
    assert responses["default"] == {"$ref": "#/components/responses/Err"}
    assert spec.root.data["paths"]["/pets/{id}/photo"]["put"]["responses"]["204"] == {"description": "done"}
    login = spec.root.data["paths"]["/login"]["post"]["responses"]["200"]
    assert login["content"]["application/json"]["schema"] == {"type": "string", "format": "binary"}


def test_form_data_becomes_an_object_schema(spec: LoadedSpec) -> None:
    photo = spec.root.data["paths"]["/pets/{id}/photo"]["put"]
    assert [p["name"] for p in photo["parameters"]] == ["id"]
    assert photo["requestBody"] == {"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object",
        "properties": {"file": {"type": "string", "format": "binary"},
                       "note": {"type": "string", "description": "a note"}},
        "required": ["file"]}}}}
    login = spec.root.data["paths"]["/login"]["post"]["requestBody"]
    assert list(login["content"]) == ["application/x-www-form-urlencoded"]
    schema = login["content"]["application/x-www-form-urlencoded"]["schema"]
    assert schema["properties"]["pass"] == {"type": "string", "format": "password"}
    assert schema["required"] == ["user"]


@pytest.mark.parametrize(
    ("converted", "pointer", "text_at_position"),
    [
        (("components", "schemas", "Pet", "properties", "name"), "/definitions/Pet/properties/name",
         "name: {type: string, x-nullable"),
        (("paths", "/pets", "post", "requestBody"), "/paths/~1pets/post/parameters/1", "in: body\n          name: pet"),
        (("paths", "/pets", "post", "requestBody", "content", "application/json", "schema"),
         "/paths/~1pets/post/parameters/1/schema", "schema:\n            $ref: '#/definitions/Pet'"),
        (("paths", "/pets", "post", "responses", "200", "content", "application/xml", "schema", "items"),
         "/paths/~1pets/post/responses/200/schema/items", "items: {$ref: '#/definitions/Pet'}\n          examples"),
        (("paths", "/pets", "post", "parameters", 0, "schema"), "/paths/~1pets/post/parameters/0",
         "name: limit\n          in: query"),
        (("paths", "/pets", "post", "responses", "200", "headers", "X-Rate", "schema"),
         "/paths/~1pets/post/responses/200/headers/X-Rate", "X-Rate: {type: integer"),
        (("paths", "/pets/{id}/photo", "put", "requestBody", "content", "multipart/form-data", "schema",
          "properties", "note"), "/paths/~1pets~1{id}~1photo/put/parameters/2", "{name: note, in: formData"),
        (("paths", "/pets/{id}/tags", "put", "parameters", 0), "/paths/~1pets~1{id}~1tags/put/parameters/1",
         "{name: id, in: path, required: true, type: string}\n      responses:\n        204: {description: done}\n  /login"),
        (("components", "requestBodies", "TagBody", "content", "application/json", "schema", "items"),
         "/parameters/TagBody/schema/items", "items: {$ref: '#/definitions/Tag'}}\n  Limit"),
        (("components", "securitySchemes", "basic"), "/securityDefinitions/basic", "basic: {type: basic}"),
        (("servers",), "/host", "host: api.example.com"),
        (("openapi",), "/swagger", 'swagger: "2.0"'),
    ],
)
def test_positions_map_back_to_the_20_file(spec: LoadedSpec, converted: tuple[str | int, ...],
                                           pointer: str, text_at_position: str) -> None:
    location = spec.locate(spec.root, converted)
    assert location.pointer == pointer
    assert location.position is not None
    assert location.position.file == spec.root.display
    lines = SWAGGER.splitlines(keepends=True)
    offset = sum(len(line) for line in lines[: location.position.line - 1]) + location.position.col - 1
    assert SWAGGER[offset:].startswith(text_at_position)
    assert SWAGGER.count(text_at_position) == 1  # the marker is unambiguous


def test_external_20_documents_are_converted_and_their_fragments_translated(write) -> None:  # type: ignore[no-untyped-def]
    write("shared.yaml", "swagger: '2.0'\ninfo: {title: s, version: '1'}\npaths: {}\n"
                         "definitions:\n  Money:\n    type: object\n    properties:\n      cur: {$ref: '#/definitions/Cur'}\n"
                         "  Cur: {type: string, x-nullable: true}\n")
    root = write("api.yaml", "swagger: '2.0'\ninfo: {title: s, version: '1'}\npaths: {}\n"
                             "definitions:\n  Price: {$ref: 'shared.yaml#/definitions/Money'}\n")
    spec = load_spec(root)
    ref = spec.root.data["components"]["schemas"]["Price"]["$ref"]
    assert ref == "shared.yaml#/definitions/Money"  # external fragments are translated on resolution
    file, pointer, money = spec.resolve(ref, base=spec.root)
    assert pointer == ("components", "schemas", "Money")
    _, _, cur = spec.resolve(money["properties"]["cur"]["$ref"], base=file)
    assert cur == {"type": "string", "nullable": True}
    assert spec.locate(file, pointer).pointer == "/definitions/Money"
    assert str(spec.locate(file, pointer).position) == f"{file.display}:5:3"


def test_host_without_schemes_and_base_path_only() -> None:
    def servers(extra: dict[str, object]) -> object:
        doc = {"swagger": "2.0", "info": {"title": "t", "version": "1"}, "paths": {}, **extra}
        return load_spec_data(doc).root.data.get("servers")

    assert servers({"host": "h.example"}) == [{"url": "https://h.example"}]
    assert servers({"basePath": "/api"}) == [{"url": "/api"}]
    assert servers({}) is None


def test_path_level_form_and_body_parameters_apply_to_operations() -> None:
    doc = {"swagger": "2.0", "info": {"title": "t", "version": "1"}, "paths": {"/a": {
        "parameters": [{"in": "body", "name": "b", "schema": {"type": "string"}}],
        "post": {"responses": {"200": {"description": "ok"}}},
        "put": {"parameters": [{"in": "body", "name": "own", "schema": {"type": "integer"}}],
                "responses": {"200": {"description": "ok"}}}}}}
    data = load_spec_data(doc).root.data
    assert data["paths"]["/a"]["post"]["requestBody"]["content"]["application/json"]["schema"] == {"type": "string"}
    assert data["paths"]["/a"]["put"]["requestBody"]["content"]["application/json"]["schema"] == {"type": "integer"}
    assert "parameters" not in data["paths"]["/a"]
