"""multipart/form-data request bodies: parts parsed (stdlib email parser), mapped to the schema's
properties by the Encoding Object, JSON parts validated, text parts deserialized like form fields,
file parts counted as not validated; malformed bodies counted, never a crash."""

from __future__ import annotations

import base64
import json
import string
from dataclasses import replace
from typing import Any

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st

from contractdrift.compare.multipart import parse_multipart
from contractdrift.model import Body, Exchange, Finding, Request, Response

from .helpers import ok, run, spec

META = {"type": "object", "required": ["title"], "additionalProperties": False,
        "properties": {"title": {"type": "string"}, "pages": {"type": "integer", "minimum": 1}}}
UPLOAD = {"type": "object", "required": ["meta", "file", "owner"], "properties": {
    "meta": META,
    "owner": {"type": "string", "maxLength": 8},
    "count": {"type": "integer"},
    "tags": {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}},
    "file": {"type": "string", "format": "binary"},
}}
ENCODING = {"file": {"contentType": "application/pdf, image/*"}}
FORM = "multipart/form-data"


def upload_spec(schema: dict[str, Any] = UPLOAD, encoding: dict[str, Any] | None = None,
                version: str = "3.0.3") -> dict[str, Any]:
    media: dict[str, Any] = {"schema": schema}
    if encoding is not None:
        media["encoding"] = encoding
    doc = spec({"/files": {"post": {"requestBody": {"required": True, "content": {FORM: media}},
                                    "responses": {"201": ok()}}}})
    doc["openapi"] = version
    return doc


def encode(*parts: tuple[str, bytes | str, dict[str, str]], boundary: str = "XyZ") -> bytes:
    """A multipart body written by hand (RFC 7578): (name, content, extra part headers)."""
    out = b""
    for name, content, headers in parts:
        data = content.encode() if isinstance(content, str) else content
        headers = dict(headers)
        filename = headers.pop("filename", None)
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        head = f"Content-Disposition: {disposition}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        out += f"--{boundary}\r\n{head}\r\n".encode() + data + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()


def upload(raw: bytes, content_type: str = f"{FORM}; boundary=XyZ", ident: str = "u") -> Exchange:
    """An upload as a recorder keeps it: the body under its media type without parameters (binary,
    base64, when not UTF-8), the full Content-Type with the boundary among the request headers."""
    return Exchange(id=ident, started_at=1_700_000_000.0, duration_ms=1.0,
                    request=Request(method="POST", url="http://api.test/files",
                                    headers=(("content-type", content_type),),
                                    body=Body.from_bytes(raw, content_type.split(";")[0])),
                    response=Response(status=201))


def good_parts(**change: tuple[str, bytes | str, dict[str, str]] | None) -> bytes:
    parts: dict[str, tuple[str, bytes | str, dict[str, str]] | None] = {
        "meta": ("meta", json.dumps({"title": "t", "pages": 3}), {"Content-Type": "application/json"}),
        "owner": ("owner", "ann", {}),
        "file": ("file", b"%PDF-1.7\r\n\x00\xff\xfe binary\r\n--XyZ is not at a line start", {
            "filename": "a.pdf", "Content-Type": "application/pdf"}),
    }
    parts.update(change)
    return encode(*(p for p in parts.values() if p is not None))


def keyed(found: list[Finding]) -> list[tuple[str, str | None, str, int]]:
    return sorted((f.rule_id, f.location.payload_pointer, f.severity.label,
                   f.evidence.observed if f.evidence else 0) for f in found)


FILE_UNVALIDATED = ("request-body-unvalidated", "/file", "info", 1)


def test_a_conforming_upload_leaves_only_the_file_part_unvalidated() -> None:
    found = run(upload_spec(encoding=ENCODING), upload(good_parts()))
    assert keyed(found) == [FILE_UNVALIDATED]
    assert found[0].args["reason"] == "contents of a multipart file part"
    assert found[0].message == "Request bodies not validated: contents of a multipart file part"


def test_json_part_drift_missing_required_part_and_text_parts_deserialized() -> None:
    bad_meta = ("meta", json.dumps({"title": 5, "pages": 0, "extra": 1}), {"Content-Type": "application/json"})
    found = run(upload_spec(encoding=ENCODING), upload(encode(
        bad_meta,
        ("count", "seven", {}),  # a text part: deserialized as the integer it should be
        ("tags", "a", {}), ("tags", "c", {}),  # repeated parts: an array, the second not in the enum
        ("file", b"\x89PNG", {"filename": "x.png", "Content-Type": "image/png"}))))  # owner missing
    assert keyed(found) == [
        FILE_UNVALIDATED,
        ("request-property-additional-not-allowed", "/meta/extra", "error", 1),
        ("request-property-constraint-violated", "/meta/pages", "warn", 1),
        ("request-property-enum-mismatch", "/tags/*", "error", 1),
        ("request-property-required-missing", "/owner", "error", 1),
        ("request-property-type-mismatch", "/count", "error", 1),
        ("request-property-type-mismatch", "/meta/title", "error", 1),
    ]
    title = next(f for f in found if f.location.payload_pointer == "/meta/title")
    assert title.evidence is not None and title.evidence.example == 5
    owner = next(f for f in found if f.location.payload_pointer == "/owner")  # the body as read, file described
    assert owner.evidence is not None and owner.evidence.example == {
        "meta": {"title": 5, "pages": 0, "extra": 1}, "file": "<part 'x.png', 4 bytes, not validated>",
        "count": "seven", "tags": ["a", "c"]}


def test_text_parts_coerce_like_form_fields() -> None:
    found = run(upload_spec(), upload(good_parts(count=("count", "12", {}), tags=("tags", "b", {}))))
    assert keyed(found) == [FILE_UNVALIDATED]  # "12" is an integer, one "b" part is a one-item array


def test_part_media_type_against_the_encoding() -> None:
    pdf_as_zip = ("file", b"PK\x03\x04", {"filename": "a.zip", "Content-Type": "application/zip"})
    found = run(upload_spec(encoding=ENCODING), upload(good_parts(file=pdf_as_zip)))
    assert keyed(found) == [FILE_UNVALIDATED, ("request-part-media-type-undocumented", "/file", "warn", 1)]
    mismatch = next(f for f in found if f.rule_id == "request-part-media-type-undocumented")
    assert mismatch.evidence is not None and mismatch.evidence.example == "application/zip"
    assert mismatch.message == ("Multipart part 'file' sent as a media type its encoding does not allow "
                                "(application/pdf, image/*)")
    assert mismatch.location.revision is not None
    assert mismatch.location.revision.pointer.endswith("/encoding/file")
    # a part without a Content-Type is read as its encoding says (lenient): no finding
    plain = ("file", b"%PDF", {"filename": "a.pdf"})
    assert keyed(run(upload_spec(encoding=ENCODING), upload(good_parts(file=plain)))) == [FILE_UNVALIDATED]


def test_json_part_that_does_not_parse_and_default_json_for_objects() -> None:
    broken = ("meta", '{"title": ', {"Content-Type": "application/json"})
    found = run(upload_spec(), upload(good_parts(meta=broken)))
    assert keyed(found) == [("request-body-unparsable", "/meta", "error", 1), FILE_UNVALIDATED]
    # no Content-Type and no encoding: an object property's part is JSON (OpenAPI's default contentType)
    untyped = ("meta", '{"title": "t", "pages": "3"}', {})
    found = run(upload_spec(), upload(good_parts(meta=untyped)))
    assert keyed(found) == [FILE_UNVALIDATED, ("request-property-type-mismatch", "/meta/pages", "error", 1)]


def test_unknown_parts_and_files_in_closed_and_open_schemas() -> None:
    closed = {**UPLOAD, "additionalProperties": False}
    extra_file = ("scan", b"\x00\x01", {"filename": "s.bin", "Content-Type": "application/octet-stream"})
    extra_text = ("note", "hi", {})
    raw = encode(*(p for p in _parts(good_parts()) if p), extra_file, extra_text)
    assert keyed(run(upload_spec(closed), upload(raw))) == [
        FILE_UNVALIDATED,
        ("request-body-unvalidated", "/scan", "info", 1),
        ("request-property-additional-not-allowed", "/note", "error", 1),
        ("request-property-additional-not-allowed", "/scan", "error", 1),
    ]
    assert keyed(run(upload_spec(), upload(raw))) == [
        FILE_UNVALIDATED,
        ("request-body-unvalidated", "/scan", "info", 1),
        ("request-property-undocumented", "/note", "info", 1),
        ("request-property-undocumented", "/scan", "info", 1),
    ]


def _parts(raw: bytes) -> list[tuple[str, bytes, dict[str, str]]]:
    parts, problem = parse_multipart(raw, f"{FORM}; boundary=XyZ")
    assert problem is None
    out = []
    for p in parts:
        headers = {"Content-Type": p.content_type} if p.content_type else {}
        if p.filename:
            headers["filename"] = p.filename
        assert p.data is not None
        out.append((p.name, p.data, headers))
    return out


def test_composed_schemas_and_file_arrays() -> None:
    composed = {"allOf": [{"type": "object", "required": ["owner"], "properties": {"owner": {"type": "string"}}},
                          {"type": "object", "properties": {
                              "files": {"type": "array", "maxItems": 1,
                                        "items": {"type": "string", "format": "binary"}}}}],
                "unevaluatedProperties": False}
    two = encode(("owner", "ann", {}),
                 ("files", b"\x00", {"filename": "1.bin", "Content-Type": "application/octet-stream"}),
                 ("files", b"\x01", {"filename": "2.bin", "Content-Type": "application/octet-stream"}))
    found = run(upload_spec(composed, version="3.1.0"), upload(two))
    assert keyed(found) == [("request-body-unvalidated", "/files", "info", 1),
                            ("request-property-constraint-violated", "/files", "warn", 1)]
    one_missing = encode(("files", b"\x00", {"filename": "1.bin", "Content-Type": "application/octet-stream"}))
    assert keyed(run(upload_spec(composed, version="3.1.0"), upload(one_missing))) == [
        ("request-body-unvalidated", "/files", "info", 1), ("request-property-required-missing", "/owner", "error", 1)]


def test_openapi_31_content_media_type_and_format_byte_is_text() -> None:
    schema = {"type": "object", "properties": {
        "doc": {"type": "string", "contentMediaType": "application/pdf"},
        "sig": {"type": "string", "format": "byte"}}}
    raw = encode(("doc", b"%PDF", {"filename": "d.pdf"}), ("sig", "not base64!", {}))
    found = run(upload_spec(schema, version="3.1.0"), upload(raw))
    assert keyed(found) == [("request-body-unvalidated", "/doc", "info", 1),
                            ("request-property-format-mismatch", "/sig", "warn", 1)]


def test_malformed_bodies_are_counted_never_a_crash() -> None:
    good = good_parts()
    cases = [
        upload(good, f"{FORM}; boundary=Other", "bad-boundary"),
        upload(good[: len(good) // 2], ident="truncated"),
        upload(good, FORM, "no-boundary"),
        upload(good, f'{FORM}; boundary="{"x" * 71}"', "invalid-boundary"),
        upload(b"--XyZ\r\nno blank line after the headers\r\n--XyZ--\r\n", ident="no-separator"),
        upload(b'--XyZ\r\nContent-Disposition: attachment\r\n\r\nx\r\n--XyZ--\r\n', ident="no-name"),
        upload(b"\xff\xfe\x00garbage", ident="garbage"),
    ]
    found = run(upload_spec(), *cases)
    assert keyed(found) == [("request-body-malformed", None, "info", len(cases))]
    assert found[0].evidence is not None and found[0].evidence.total == len(cases)
    reasons = {ex.id: parse_multipart(ex.request.body.raw_bytes(), dict(ex.request.headers)["content-type"])[1]
               for ex in cases}
    assert reasons == {
        "bad-boundary": "the boundary never occurs in the body",
        "truncated": "the body ends before its closing boundary (truncated?)",
        "no-boundary": "no boundary parameter in the Content-Type",
        "invalid-boundary": "the boundary parameter is not a valid boundary",
        "no-separator": "a part without a blank line after its headers",
        "no-name": "a part without a form-data Content-Disposition naming it",
        "garbage": "the boundary never occurs in the body",
    }


def test_bodies_cut_by_the_recorder_and_other_multipart_types_are_unvalidated() -> None:
    cut = upload(good_parts(), ident="cut")
    cut = replace(cut, request=replace(cut.request, body=replace(cut.request.body, truncated=True)))
    mixed = upload(b"--XyZ\r\n\r\nx\r\n--XyZ--\r\n", "multipart/mixed; boundary=XyZ", "mixed")
    doc = upload_spec()
    doc["paths"]["/files"]["post"]["requestBody"]["content"]["multipart/*"] = {"schema": UPLOAD}
    found = run(doc, cut, mixed)
    assert sorted((f.rule_id, f.location.media_type, f.args["reason"]) for f in found) == [
        ("request-body-unvalidated", "multipart/*", "media type multipart/mixed is not validated"),
        ("request-body-unvalidated", FORM, "body truncated by the recorder"),
    ]


def test_a_binary_body_recorded_as_base64_is_read() -> None:
    ex = upload(good_parts())
    assert ex.request.body.kind == "binary"  # the PDF bytes are not UTF-8
    raw = base64.b64decode(ex.request.body.base64 or "")
    assert parse_multipart(raw, f"{FORM}; boundary=XyZ")[1] is None
    # a HAR's postData is text: the same body kept as text reads the same
    raw_text = encode(("owner", "ann", {}), ("meta", '{"title": "t"}', {}),
                      ("file", "plain", {"Content-Type": "application/octet-stream"}))
    text = upload(raw_text)
    assert text.request.body.kind == "binary"  # multipart is not a textual media type for the recorder
    as_text = replace(text, request=replace(text.request, body=Body(kind="text", media_type=FORM, size=len(raw_text),
                                                                    text=raw_text.decode())))
    assert keyed(run(upload_spec(), text)) == keyed(run(upload_spec(), as_text)) == [FILE_UNVALIDATED]


def test_parser_reads_utf8_names_rfc2231_transfer_encodings_and_nested_parts() -> None:
    raw = ('--B\r\nContent-Disposition: form-data; name="naïve"; filename="fé.bin"\r\n'
           'Content-Type: text/plain; charset=utf-8\r\n\r\nvé\r\n'
           "--B\r\nContent-Disposition: form-data; name=\"doc\"; filename*=UTF-8''r%C3%A9sum%C3%A9.txt\r\n\r\nx\r\n"
           "--B\r\nContent-Disposition: form-data; name=b64\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8=\r\n"
           "--B\r\nContent-Disposition: form-data; name=inner\r\nContent-Type: multipart/mixed; boundary=X\r\n\r\n"
           "--X\r\n\r\nz\r\n--X--\r\n"
           "--B--\r\nepilogue").encode() + b"\xff\xfe"
    parts, problem = parse_multipart(raw, "multipart/form-data; boundary=B")
    assert problem is None
    assert [(p.name, p.filename, p.content_type, p.data) for p in parts] == [
        ("naïve", "fé.bin", "text/plain; charset=utf-8", "vé".encode()),
        ("doc", "résumé.txt", None, b"x"),
        ("b64", None, None, b"hello"),
        ("inner", None, "multipart/mixed; boundary=X", None),
    ]
    schema = {"type": "object", "properties": {"inner": {"type": "string"}, "naïve": {"type": "string",
                                                                                       "maxLength": 1}}}
    assert keyed(run(upload_spec(schema), upload(raw, f"{FORM}; boundary=B"))) == [
        ("request-body-unvalidated", "/inner", "info", 1),
        ("request-property-constraint-violated", "/naïve", "warn", 1),
        ("request-property-undocumented", "/b64", "info", 1),
        ("request-property-undocumented", "/doc", "info", 1),
    ]


def test_swagger_2_form_data_files() -> None:
    doc = {"swagger": "2.0", "info": {"title": "t", "version": "1"}, "paths": {"/files": {"post": {
        "consumes": [FORM],
        "parameters": [{"name": "owner", "in": "formData", "type": "string", "required": True},
                       {"name": "file", "in": "formData", "type": "file", "required": True}],
        "responses": {"201": {"description": "ok"}}}}}}
    raw = encode(("file", b"\x00\xff", {"filename": "f.bin", "Content-Type": "application/octet-stream"}))
    assert keyed(run(doc, upload(raw))) == [FILE_UNVALIDATED, ("request-property-required-missing", "/owner",
                                                                "error", 1)]


NAMES = st.text(alphabet=string.ascii_letters + string.digits + "_-. éü中", min_size=1, max_size=12)


@settings(max_examples=60, deadline=None)
@given(fields=st.lists(st.tuples(NAMES, st.text(max_size=40)), max_size=4, unique_by=lambda f: f[0]),
       files=st.lists(st.tuples(NAMES.map("file-".__add__), st.binary(max_size=200)), min_size=1, max_size=3,
                      unique_by=lambda f: f[0]))
def test_parts_written_by_httpx_read_back(fields: list[tuple[str, str]], files: list[tuple[str, bytes]]) -> None:
    """Round trip through an independent writer: httpx's multipart encoder (fields, then files)."""
    request = httpx.Request("POST", "http://api.test/files", data=dict(fields),
                            files=[(n, ("f.bin", data, "application/octet-stream")) for n, data in files])
    raw = request.read()
    parts, problem = parse_multipart(raw, request.headers["content-type"])
    assert problem is None
    assert [(p.name, p.data) for p in parts] == [(n, v.encode()) for n, v in fields] + files
    assert [(p.filename, p.content_type) for p in parts[len(fields):]] == [("f.bin", "application/octet-stream")] * len(
        files)


def test_a_body_cut_anywhere_before_its_closing_delimiter_is_malformed() -> None:
    raw = good_parts()
    end = raw.rindex(b"--XyZ--") + len(b"--XyZ--")
    problems = {parse_multipart(raw[:cut], f"{FORM}; boundary=XyZ")[1] for cut in range(end)}
    assert None not in problems
    assert parse_multipart(raw[:end], f"{FORM}; boundary=XyZ")[1] is None


@settings(max_examples=200, deadline=None)
@given(raw=st.binary(max_size=300) | st.builds(lambda a, b: a + b"--B\r\n" + b, st.binary(max_size=80),
                                                st.binary(max_size=80)),
       boundary=st.text(max_size=80))
def test_any_bytes_under_any_boundary_never_raise(raw: bytes, boundary: str) -> None:
    parts, problem = parse_multipart(raw, f'{FORM}; boundary="{boundary}"')
    assert (problem is None) or parts == []
    assert problem is None or (isinstance(problem, str) and problem)
    found = run(upload_spec(), upload(raw, f'{FORM}; boundary="{boundary}"'))
    assert {f.rule_id for f in found} <= {"request-body-malformed", "request-body-unvalidated", "request-body-missing",
                                          "request-property-required-missing", "request-property-undocumented",
                                          "request-property-type-mismatch", "request-body-unparsable",
                                          "request-property-constraint-violated", "request-property-enum-mismatch"}


def test_a_wildcard_request_media_type_reads_multipart_and_json() -> None:
    doc = upload_spec()
    content = doc["paths"]["/files"]["post"]["requestBody"]["content"]
    content["*/*"] = content.pop(FORM)
    missing_owner = encode(("meta", '{"title": "t"}', {}), ("file", b"%PDF", {"filename": "a.pdf"}))
    as_json = upload(json.dumps({"meta": {"title": "t"}, "owner": 5, "file": "x"}).encode(), "application/json", "j")
    assert keyed(run(doc, upload(missing_owner), as_json)) == [
        FILE_UNVALIDATED, ("request-property-required-missing", "/owner", "error", 1),
        ("request-property-type-mismatch", "/owner", "error", 1)]


def test_encoding_headers_are_counted_as_not_checked_where_the_part_is_sent() -> None:
    encoding = {**ENCODING, "meta": {"headers": {"X-Rev": {"required": True, "schema": {"type": "integer"}}}},
                "count": {"headers": {"X-Unit": {"schema": {"type": "string"}}}}}
    found = run(upload_spec(encoding=encoding), upload(good_parts()))
    assert keyed(found) == [FILE_UNVALIDATED, ("request-body-unvalidated", "/meta/headers", "info", 1)]
    headers = next(f for f in found if f.location.payload_pointer == "/meta/headers")
    assert headers.args["reason"] == "headers of a multipart part (encoding headers)"
    assert headers.location.revision is not None
    assert headers.location.revision.pointer.endswith("/encoding/meta/headers")
