"""Swagger 2.0 -> OpenAPI 3.0 shape, with a pointer translation back to the original document.

What is converted: ``definitions``/``parameters``/``responses``/``securityDefinitions`` -> ``components``
(local ``#/definitions/...`` refs rewritten), body parameters -> ``requestBody`` (media types from the
operation's or the global ``consumes``, default ``application/json``), ``formData`` parameters -> a
``requestBody`` object schema (``multipart/form-data`` with files, else urlencoded, unless ``consumes``
says otherwise), response ``schema``/``examples`` -> ``content`` per ``produces`` type, response header
fields -> header ``schema``, ``host``/``basePath``/``schemes`` -> ``servers``, ``type: file`` ->
``string``/``binary``, ``x-nullable`` -> ``nullable``, ``collectionFormat`` -> ``style``/``explode``.
``x-`` extensions are kept where they were.

``back`` maps converted pointer prefixes to original pointers (``/components/schemas/X`` ->
``/definitions/X``, a ``requestBody`` -> its body parameter, ``.../content/<mt>/schema`` -> ``.../schema``);
the longest matching prefix wins, the rest of the pointer is appended unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..model import Pointer

_P = tuple[str, ...]

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch")
_SCHEMA_FIELDS = (
    "type", "format", "items", "default", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum",
    "maxLength", "minLength", "pattern", "maxItems", "minItems", "uniqueItems", "enum", "multipleOf",
)
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
_FLOWS = {"implicit": "implicit", "password": "password", "application": "clientCredentials",
          "accessCode": "authorizationCode"}
_COMPONENT_KEYS = {"definitions": "schemas", "responses": "responses", "securityDefinitions": "securitySchemes"}


@dataclass(frozen=True, slots=True, kw_only=True)
class Converted:
    """A converted document and its pointer translations."""

    data: dict[str, Any]
    back: dict[Pointer, Pointer]
    forward: Callable[[Pointer], Pointer]


def convert(doc: Mapping[str, Any], *, warnings: list[str] | None = None, display: str = "") -> Converted:
    """Convert a Swagger 2.0 document (not modified) into the OpenAPI 3.0 shape."""
    return _Converter(doc, warnings if warnings is not None else [], display).run()


def _ext(obj: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if isinstance(k, str) and k.startswith("x-")}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def rewrite_ref(ref: str, body_params: set[str] | frozenset[str] = frozenset()) -> str:
    """Local 2.0 ref -> 3.0 ref (``#/definitions/X`` -> ``#/components/schemas/X``); others unchanged."""
    if not ref.startswith("#/"):
        return ref
    head, _, rest = ref[2:].partition("/")
    if head == "definitions":
        return f"#/components/schemas/{rest}"
    if head == "parameters":
        name = rest.split("/", 1)[0]
        return f"#/components/{'requestBodies' if name in body_params else 'parameters'}/{rest}"
    if head == "responses":
        return f"#/components/responses/{rest}"
    if head == "securityDefinitions":
        return f"#/components/securitySchemes/{rest}"
    return ref


def convert_schema(schema: Any, body_params: frozenset[str] = frozenset()) -> Any:
    """A 2.0 schema in the 3.0 dialect: refs rewritten, ``type: file``, ``x-nullable``, discriminator.

    Values of ``example``/``default``/``enum``/``x-*`` are data and are copied untouched.
    """
    if not isinstance(schema, Mapping):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "$ref" and isinstance(value, str):
            out[key] = rewrite_ref(value, body_params)
        elif key in ("properties", "patternProperties") and isinstance(value, Mapping):
            out[key] = {name: convert_schema(sub, body_params) for name, sub in value.items()}
        elif key in ("items", "additionalProperties", "not"):
            if isinstance(value, list):
                out[key] = [convert_schema(sub, body_params) for sub in value]
            else:
                out[key] = convert_schema(value, body_params)
        elif key in ("allOf", "anyOf", "oneOf") and isinstance(value, list):
            out[key] = [convert_schema(sub, body_params) for sub in value]
        elif key == "type" and value == "file":
            out["type"] = "string"
            out["format"] = "binary"
        elif key == "x-nullable":
            if value is True:
                out["nullable"] = True
            else:
                out[key] = value
        elif key == "discriminator" and isinstance(value, str):
            out[key] = {"propertyName": value}
        elif key == "format" and schema.get("type") == "file":
            continue
        else:
            out[key] = value
    return out


class _Converter:
    def __init__(self, doc: Mapping[str, Any], warnings: list[str], display: str) -> None:
        self.doc = doc
        self.warnings = warnings
        self.display = display
        self.back: dict[Pointer, Pointer] = {}
        global_params = _map(doc.get("parameters"))
        self.body_params = frozenset(
            name for name, p in global_params.items() if isinstance(p, Mapping) and p.get("in") == "body")
        self.form_params = frozenset(
            name for name, p in global_params.items() if isinstance(p, Mapping) and p.get("in") == "formData")
        self.consumes = [c for c in _list(doc.get("consumes")) if isinstance(c, str)] or ["application/json"]
        self.produces = [c for c in _list(doc.get("produces")) if isinstance(c, str)] or ["application/json"]

    def map(self, converted: _P, original: _P) -> None:
        self.back[converted] = original

    def warn(self, message: str) -> None:
        self.warnings.append(f"{self.display}: {message}" if self.display else message)

    # --- document ---------------------------------------------------------------------------------

    def run(self) -> Converted:
        doc = self.doc
        out: dict[str, Any] = {}
        for key, value in doc.items():
            if key == "swagger":
                out["openapi"] = "3.0.3"
                self.map(("openapi",), ("swagger",))
            elif key in ("info", "tags", "externalDocs", "security") or (isinstance(key, str) and key.startswith("x-")):
                out[key] = value
        servers = self.servers()
        if servers:
            out["servers"] = servers
        out["paths"] = self.paths(_map(doc.get("paths")))
        components = self.components()
        if components:
            out["components"] = components
        return Converted(data=out, back=self.back, forward=self.forward)

    def forward(self, pointer: Pointer) -> Pointer:
        """Original 2.0 pointer -> pointer in the converted document (for ``$ref`` fragments)."""
        if len(pointer) >= 2:
            head, name = str(pointer[0]), str(pointer[1])
            if head in _COMPONENT_KEYS:
                return ("components", _COMPONENT_KEYS[head], *pointer[1:])
            if head == "parameters":
                kind = "requestBodies" if name in self.body_params else "parameters"
                return ("components", kind, *pointer[1:])
        return pointer

    def servers(self) -> list[dict[str, Any]]:
        host, base_path = self.doc.get("host"), self.doc.get("basePath")
        if not isinstance(host, str) and not isinstance(base_path, str):
            return []
        base = base_path if isinstance(base_path, str) else ""
        source: _P = ("host",) if isinstance(host, str) else ("basePath",)
        self.map(("servers",), source)
        if not isinstance(host, str):
            return [{"url": base or "/"}]
        schemes = [s for s in _list(self.doc.get("schemes")) if isinstance(s, str)] or ["https"]
        return [{"url": f"{scheme}://{host}{base}"} for scheme in schemes]

    def components(self) -> dict[str, Any]:
        doc = self.doc
        out: dict[str, Any] = {}
        definitions = _map(doc.get("definitions"))
        if definitions:
            self.map(("components", "schemas"), ("definitions",))
            out["schemas"] = {name: convert_schema(s, self.body_params) for name, s in definitions.items()}
        params: dict[str, Any] = {}
        bodies: dict[str, Any] = {}
        for name, param in _map(doc.get("parameters")).items():
            if name in self.body_params:
                bodies[name] = self.request_body([param], ("parameters", name), self.consumes,
                                                 ("components", "requestBodies", name))
            elif name in self.form_params:
                continue  # inlined into each operation's requestBody schema
            else:
                self.map(("components", "parameters", name), ("parameters", name))
                params[name] = self.parameter(param, ("components", "parameters", name), ("parameters", name))
        if params:
            out["parameters"] = params
        if bodies:
            out["requestBodies"] = bodies
        responses = _map(doc.get("responses"))
        if responses:
            self.map(("components", "responses"), ("responses",))
            out["responses"] = {
                code: self.response(r, ("components", "responses", code), ("responses", code), self.produces)
                for code, r in responses.items()}
        security = _map(doc.get("securityDefinitions"))
        if security:
            self.map(("components", "securitySchemes"), ("securityDefinitions",))
            out["securitySchemes"] = {name: self.security_scheme(s) for name, s in security.items()}
        return out

    def security_scheme(self, scheme: Any) -> Any:
        if not isinstance(scheme, Mapping):
            return scheme
        kind = scheme.get("type")
        out: dict[str, Any] = {}
        if "description" in scheme:
            out["description"] = scheme["description"]
        if kind == "basic":
            out.update(type="http", scheme="basic")
        elif kind == "apiKey":
            out.update(type="apiKey", name=scheme.get("name"), **{"in": scheme.get("in")})
        elif kind == "oauth2":
            flow_name = _FLOWS.get(str(scheme.get("flow")), str(scheme.get("flow")))
            flow: dict[str, Any] = {"scopes": dict(_map(scheme.get("scopes")))}
            if "authorizationUrl" in scheme:
                flow["authorizationUrl"] = scheme["authorizationUrl"]
            if "tokenUrl" in scheme:
                flow["tokenUrl"] = scheme["tokenUrl"]
            out.update(type="oauth2", flows={flow_name: flow})
        else:
            return dict(scheme)
        out.update(_ext(scheme))
        return out

    # --- paths ------------------------------------------------------------------------------------

    def paths(self, paths: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for path, item in paths.items():
            if not isinstance(item, Mapping):
                out[path] = item
                continue
            prefix: _P = ("paths", path)
            new_item: dict[str, Any] = {}
            shared = _list(item.get("parameters"))
            for key, value in item.items():
                if (key == "$ref" and isinstance(value, str)) or key.startswith("x-"):
                    new_item[key] = value
                elif key == "parameters":
                    plain, _, _ = self.split_parameters(value, (*prefix, "parameters"),
                                                        (*prefix, "parameters"))
                    if plain:
                        new_item["parameters"] = plain
                elif key in HTTP_METHODS and isinstance(value, Mapping):
                    new_item[key] = self.operation(value, (*prefix, key), shared, (*prefix, "parameters"))
            out[path] = new_item
        return out

    def split_parameters(self, params: Any, converted_at: _P, original_at: _P) -> tuple[
            list[Any], list[tuple[Any, _P]], list[tuple[Any, _P]]]:
        """Non-body parameters converted (with pointer mappings), plus body and formData ones with
        their original pointers (``$ref``s to global body/formData parameters are sorted too)."""
        plain: list[Any] = []
        body: list[tuple[Any, _P]] = []
        form: list[tuple[Any, _P]] = []
        for index, param in enumerate(_list(params)):
            original = (*original_at, str(index))
            kind = self.param_kind(param)
            if kind == "body":
                body.append((param, original))
            elif kind == "formData":
                form.append((param, original))
            else:
                converted = (*converted_at, str(len(plain)))
                self.map(converted, original)
                plain.append(self.parameter(param, converted, original))
        return plain, body, form

    def param_kind(self, param: Any) -> str | None:
        if not isinstance(param, Mapping):
            return None
        ref = param.get("$ref")
        if isinstance(ref, str):
            if ref.startswith("#/parameters/"):
                name = ref[len("#/parameters/"):].split("/", 1)[0]
                if name in self.body_params:
                    return "body"
                if name in self.form_params:
                    return "formData"
            return None
        kind = param.get("in")
        return kind if isinstance(kind, str) else None

    def deref_param(self, param: Any) -> tuple[Any, _P | None]:
        """A local ``$ref`` to a global parameter -> that parameter and its original pointer."""
        if isinstance(param, Mapping) and isinstance(param.get("$ref"), str):
            ref: str = param["$ref"]
            if ref.startswith("#/parameters/"):
                name = ref[len("#/parameters/"):]
                target = _map(self.doc.get("parameters")).get(name)
                if target is not None:
                    return target, ("parameters", name)
        return param, None

    def operation(self, op: Mapping[str, Any], prefix: _P, shared: list[Any], shared_at: _P) -> dict[str, Any]:
        out: dict[str, Any] = {}
        consumes = [c for c in _list(op.get("consumes")) if isinstance(c, str)] or self.consumes
        produces = [c for c in _list(op.get("produces")) if isinstance(c, str)] or self.produces
        plain, body, form = self.split_parameters(op.get("parameters"), (*prefix, "parameters"),
                                                  (*prefix, "parameters"))
        # path-level body/formData parameters apply unless the operation overrides them (by name)
        own_names = {str(self.deref_param(p)[0].get("name")) for p, _ in form if isinstance(self.deref_param(p)[0], Mapping)}
        for index, param in enumerate(shared):
            kind = self.param_kind(param)
            if kind == "body" and not body:
                body.append((param, (*shared_at, str(index))))
            elif kind == "formData":
                target = self.deref_param(param)[0]
                if isinstance(target, Mapping) and str(target.get("name")) not in own_names:
                    form.insert(0, (param, (*shared_at, str(index))))
        for key, value in op.items():
            if key in ("consumes", "produces", "schemes"):
                continue
            if key == "parameters":
                if plain:
                    out["parameters"] = plain
                if body or form:
                    out["requestBody"] = self.operation_body(body, form, consumes, (*prefix, "requestBody"))
            elif key == "responses" and isinstance(value, Mapping):
                self.map((*prefix, "responses"), (*prefix, "responses"))
                out["responses"] = {
                    str(code): self.response(r, (*prefix, "responses", str(code)),
                                             (*prefix, "responses", str(code)), produces)
                    for code, r in value.items()}
            else:
                out[key] = value
        if "requestBody" not in out and (body or form):
            out["requestBody"] = self.operation_body(body, form, consumes, (*prefix, "requestBody"))
        return out

    def operation_body(self, body: list[tuple[Any, _P]], form: list[tuple[Any, _P]], consumes: list[str],
                       at: _P) -> dict[str, Any]:
        if body:
            if len(body) > 1:
                self.warn(f"more than one body parameter at {'/'.join(body[1][1])}; using the first")
            param, original = body[0]
            if isinstance(param, Mapping) and isinstance(param.get("$ref"), str):
                self.map(at, original)
                return {"$ref": rewrite_ref(param["$ref"], self.body_params)}
            return self.request_body([param], original, consumes, at)
        return self.form_body(form, consumes, at)

    def request_body(self, params: list[Any], original: _P, consumes: list[str], at: _P) -> dict[str, Any]:
        param = params[0] if isinstance(params[0], Mapping) else {}
        self.map(at, original)
        out: dict[str, Any] = {}
        if "description" in param:
            out["description"] = param["description"]
        schema = convert_schema(param.get("schema", {}), self.body_params)
        media = [c for c in consumes if c not in _FORM_TYPES] or consumes
        out["content"] = {}
        for mt in media:
            self.map((*at, "content", mt), (*original, "schema"))
            self.map((*at, "content", mt, "schema"), (*original, "schema"))
            entry: dict[str, Any] = {"schema": schema}
            examples = _map(param.get("x-examples"))
            if mt in examples:
                entry["example"] = examples[mt]
            out["content"][mt] = entry
        if param.get("required") is True:
            out["required"] = True
        out.update({k: v for k, v in _ext(param).items() if k != "x-examples"})
        return out

    def form_body(self, form: list[tuple[Any, _P]], consumes: list[str], at: _P) -> dict[str, Any]:
        properties: dict[str, Any] = {}
        required: list[str] = []
        has_file = False
        first_original: _P | None = None
        media_at: list[str] = [c for c in consumes if c in _FORM_TYPES]
        resolved: list[tuple[Mapping[str, Any], _P]] = []
        for param, original in form:
            target, target_at = self.deref_param(param)
            if isinstance(target, Mapping):
                resolved.append((target, target_at or original))
                has_file = has_file or target.get("type") == "file"
        if not media_at:
            media_at = ["multipart/form-data" if has_file else "application/x-www-form-urlencoded"]
        self_schema_at = [(*at, "content", mt, "schema") for mt in media_at]
        for param, original in resolved:
            name = str(param.get("name", ""))
            first_original = first_original or original
            prop = convert_schema({k: v for k, v in param.items() if k in _SCHEMA_FIELDS or k.startswith("x-")},
                                  self.body_params)
            if "description" in param:
                prop["description"] = param["description"]
            properties[name] = prop
            if param.get("required") is True:
                required.append(name)
            for schema_at in self_schema_at:
                self.map((*schema_at, "properties", name), original)
        schema: dict[str, Any] = {"type": "object", "properties": properties}
        if required:
            schema["required"] = required
        if first_original is not None:
            self.map(at, first_original)
            for mt in media_at:
                self.map((*at, "content", mt), first_original)
                self.map((*at, "content", mt, "schema"), first_original)
        out: dict[str, Any] = {"content": {mt: {"schema": schema} for mt in media_at}}
        if required:
            out["required"] = True
        return out

    def parameter(self, param: Any, at: _P, original: _P) -> Any:
        if not isinstance(param, Mapping):
            return param
        if isinstance(param.get("$ref"), str):
            return {"$ref": rewrite_ref(param["$ref"], self.body_params)}
        out: dict[str, Any] = {}
        schema: dict[str, Any] = {}
        for key, value in param.items():
            if key in _SCHEMA_FIELDS:
                schema[key] = value
            elif key == "collectionFormat":
                continue
            elif key == "x-nullable":
                schema["nullable"] = value
            elif key in ("name", "in", "description", "required", "allowEmptyValue") or key.startswith("x-"):
                out[key] = value
        if "items" in schema:
            schema["items"] = convert_schema(schema["items"], self.body_params)
        if schema:
            out["schema"] = convert_schema(schema, self.body_params)
            self.map((*at, "schema"), original)
        fmt = param.get("collectionFormat", "csv" if param.get("type") == "array" else None)
        if fmt is not None and param.get("type") == "array":
            where = param.get("in")
            if fmt == "multi":
                out.update(style="form", explode=True)
            elif fmt == "csv":
                out.update(style="form" if where in ("query", "cookie") else "simple", explode=False)
            elif fmt == "ssv":
                out.update(style="spaceDelimited", explode=False)
            elif fmt == "pipes":
                out.update(style="pipeDelimited", explode=False)
            else:
                out["x-collectionFormat"] = fmt
                self.warn(f"collectionFormat {fmt!r} has no OpenAPI 3 equivalent ({'/'.join(original)})")
        return out

    def response(self, response: Any, at: _P, original: _P, produces: list[str]) -> Any:
        if not isinstance(response, Mapping):
            return response
        self.map(at, original)
        if isinstance(response.get("$ref"), str):
            return {"$ref": rewrite_ref(response["$ref"], self.body_params)}
        out: dict[str, Any] = {}
        for key, value in response.items():
            if key == "description" or key.startswith("x-"):
                out[key] = value
            elif key == "headers" and isinstance(value, Mapping):
                out["headers"] = {name: self.header(h, (*at, "headers", name), (*original, "headers", name))
                                  for name, h in value.items()}
        if "description" not in out:
            out["description"] = ""
        examples = _map(response.get("examples"))
        if "schema" in response:
            schema = convert_schema(response["schema"], self.body_params)
            content: dict[str, Any] = {}
            for mt in produces:
                self.map((*at, "content", mt), (*original, "schema"))
                self.map((*at, "content", mt, "schema"), (*original, "schema"))
                entry: dict[str, Any] = {"schema": schema}
                if mt in examples:
                    entry["example"] = examples[mt]
                    self.map((*at, "content", mt, "example"), (*original, "examples", mt))
                content[mt] = entry
            out["content"] = content
        return out

    def header(self, header: Any, at: _P, original: _P) -> Any:
        if not isinstance(header, Mapping):
            return header
        out: dict[str, Any] = {}
        schema: dict[str, Any] = {}
        for key, value in header.items():
            if key in _SCHEMA_FIELDS:
                schema[key] = value
            elif key == "description" or key.startswith("x-"):
                out[key] = value
        if schema:
            out["schema"] = convert_schema(schema, self.body_params)
            self.map((*at, "schema"), original)
        return out
