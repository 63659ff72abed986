"""Load an OpenAPI/Swagger document: parse, convert 2.0 to the 3.0 shape, resolve ``$ref`` lazily.

Nothing is pre-walked: ``$ref`` values are resolved only when :meth:`LoadedSpec.resolve` is asked, so
``$ref`` keys inside ``example``/``examples`` values stay data, cyclic schemas load, and referenced
files are read on first use. Source positions are computed lazily too (see :mod:`.positions`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, cast
from urllib.parse import unquote, urldefrag, urljoin

from ..errors import InputError
from ..model import Pointer, SourcePosition, SpecLocation, to_rfc6901
from ..model.pointer import unescape_token
from .parse import parse_document
from .positions import NoPositions, PositionIndex, TranslatedPositions
from .refs import exists, is_missing, split_ref, step, typed_token
from .source import Location, is_url, memory_location, source_location

#: Longest chain of ``$ref`` -> ``$ref`` hops followed before giving up.
MAX_REF_HOPS = 256

_SUPPORTED = ("2.0", "3.0", "3.1", "3.2")


@dataclass(frozen=True, slots=True, eq=False)
class SpecFile:
    """One loaded document.

    ``uri`` is the canonical id (absolute path, ``git:REF:path`` or URL); ``display`` is what users see
    (the path as given, ``REF:path``); ``data`` is the parsed value (for a Swagger 2.0 document: the
    converted 3.0-shaped dict). Positions are computed on demand and cached.
    """

    uri: str
    display: str
    data: Any
    index: PositionIndex = field(default_factory=NoPositions, repr=False)
    source: Location | None = field(default=None, repr=False)
    text: str | None = field(default=None, repr=False)
    #: For a converted Swagger 2.0 document: original pointer -> converted pointer (for ``$ref`` fragments).
    from_original: Callable[[Pointer], Pointer] | None = field(default=None, repr=False)
    #: For a converted Swagger 2.0 document: the original parsed 2.0 data (else None: see ``data``).
    raw: Any = field(default=None, repr=False)

    def position(self, pointer: Pointer, *, nearest: bool = False) -> SourcePosition | None:
        """1-based line/col of the value at ``pointer`` (for an object member: where its key is).

        ``None`` when the pointer names nothing in :attr:`data` or the document has no text; with
        ``nearest=True`` the position of the deepest existing ancestor is given instead.
        """
        while not exists(self.data, pointer):
            if not nearest or not pointer:
                return None
            pointer = pointer[:-1]
        found = self.index.locate(pointer)
        if found is None:
            return None
        return SourcePosition(self.display, found[0], found[1])

    @property
    def original_data(self) -> Any:
        """The document as parsed, before any Swagger 2.0 conversion."""
        return self.raw if self.raw is not None else self.data

    def original_position(self, pointer: Pointer, *, nearest: bool = False) -> SourcePosition | None:
        """Like :meth:`position`, for a pointer into :attr:`original_data`."""
        while not exists(self.original_data, pointer):
            if not nearest or not pointer:
                return None
            pointer = pointer[:-1]
        found = self.index.locate_original(pointer)
        return SourcePosition(self.display, found[0], found[1]) if found is not None else None

    def original_pointer(self, pointer: Pointer) -> Pointer:
        """The pointer into the original text (differs from ``pointer`` only for converted 2.0 files)."""
        return self.index.original_pointer(pointer)

    @property
    def converted(self) -> bool:
        """True for a Swagger 2.0 document converted to the OpenAPI 3.0 shape."""
        return self.from_original is not None

    def find_text(self, needle: re.Pattern[str]) -> SourcePosition | None:
        """Position of the first match of ``needle`` in the source text (for messages only)."""
        if self.text is None:
            return None
        match = needle.search(self.text)
        if match is None:
            return None
        line = self.text.count("\n", 0, match.start()) + 1
        col = match.start() - (self.text.rfind("\n", 0, match.start()) + 1) + 1
        return SourcePosition(self.display, line, col)


class LoadedSpec:
    """A loaded spec: the root document, its version, and lazily loaded referenced documents."""

    def __init__(self, root: SpecFile, version: str, *, warnings: list[str] | None = None,
                 allow_remote_refs: bool = False) -> None:
        self.root = root
        self.version = version
        self.warnings: list[str] = warnings if warnings is not None else []
        self.allow_remote_refs = allow_remote_refs
        self._files: dict[str, SpecFile] = {root.uri: root}
        self._cache: dict[tuple[str, ...], tuple[SpecFile, Pointer, Any]] = {}
        self._indexes: dict[str, _SchemaIndex] = {}
        self.files: Mapping[str, SpecFile] = MappingProxyType(self._files)

    def __repr__(self) -> str:
        return f"LoadedSpec({self.root.display!r}, version={self.version!r}, files={len(self._files)})"

    @property
    def data(self) -> Any:
        """The root document's data (shortcut for ``root.data``)."""
        return self.root.data

    # --- $ref resolution -------------------------------------------------------------------------

    def resolve(self, ref: str, *, base: SpecFile, at: Pointer | None = None) -> tuple[SpecFile, Pointer, Any]:
        """Resolve ``ref`` (as written in ``base``) to ``(file, pointer, value)``.

        ``at`` is, optionally, the pointer in ``base`` of the object holding the ``$ref`` (used for the
        position in error messages; without it the first occurrence of the reference text is named).
        Chains (the target is itself a reference object) are followed; a cycle raises InputError.
        Pointer steps through an intermediate ``$ref`` are followed as well.
        """
        scope = self._scope(base, at) if self._anchored else None
        key = (base.uri, ref) if scope is None else (base.uri, ref, scope)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        chain: list[tuple[str, Pointer]] = []
        file, pointer, value = self._resolve_once(ref, base, at, chain)
        hops = 0
        while isinstance(value, Mapping) and isinstance(value.get("$ref"), str) and self._follows(value):
            hops += 1
            if hops > MAX_REF_HOPS:
                raise self._error(f"$ref chain longer than {MAX_REF_HOPS} hops at {ref!r}", base, at, ref)
            file, pointer, value = self._resolve_once(value["$ref"], file, pointer, chain)
        result = (file, pointer, value)
        self._cache[key] = result
        return result

    def _follows(self, target: Mapping[str, Any]) -> bool:
        """Whether a reference object is replaced by its target (3.0: always; 3.1: unless it has siblings
        other than ``summary``/``description``, which in 3.1 are meaningful next to ``$ref``)."""
        if not self.version.startswith(("3.1", "3.2")):
            return True
        return all(k in ("$ref", "summary", "description") for k in target)

    def _resolve_once(self, ref: str, base: SpecFile, at: Pointer | None,
                      chain: list[tuple[str, Pointer]]) -> tuple[SpecFile, Pointer, Any]:
        located = self._locate_anchored(ref, base, at) if self._anchored else None
        if located is not None:
            target_file, pointer = located
        else:
            try:
                document, pointer = split_ref(ref)
            except ValueError as exc:
                raise self._error(f"unsupported $ref {ref!r}: {exc}", base, at, ref) from None
            target_file = base if not document else self._load_ref_target(document, base, at, ref)
            if target_file.from_original is not None and not exists(target_file.data, pointer):
                pointer = target_file.from_original(pointer)
        link = (target_file.uri, pointer)
        if link in chain:
            names = " -> ".join(f"{_short(u)}#{to_rfc6901(p)}" for u, p in [*chain[chain.index(link):], link])
            raise self._error(f"circular $ref chain: {names}", base, at, ref)
        chain.append(link)
        value: Any = target_file.data
        resolved: list[str | int] = []
        for index, token in enumerate(pointer):
            nxt = step(value, token)
            # hops for one token share a chain (a cycle of pure refs never makes progress); once a
            # token is consumed the walk has progressed, so recursive schemas may be passed again
            hops: list[tuple[str, Pointer]] = [(target_file.uri, tuple(resolved))]
            while is_missing(nxt) and isinstance(value, Mapping) and isinstance(value.get("$ref"), str):
                # the pointer passes through another reference: continue in its target
                inner_at = tuple(resolved)
                target_file, inner_pointer, value = self._resolve_once(value["$ref"], target_file, inner_at, hops)
                resolved = list(inner_pointer)
                nxt = step(value, token)
            if is_missing(nxt):
                missing = to_rfc6901(tuple(resolved) + tuple(pointer[index:]))
                raise self._error(
                    f"broken $ref {ref!r}: {target_file.display}#{missing} not found", base, at, ref)
            resolved.append(typed_token(value, token))
            value = nxt
        return target_file, tuple(resolved), value

    # --- OpenAPI 3.1: JSON Schema 2020-12 $id / $anchor ---------------------------------------------

    @property
    def _anchored(self) -> bool:
        """3.1 documents resolve ``$id``/``$anchor`` references (3.0 schemas have neither)."""
        return self.version.startswith(("3.1", "3.2"))

    def has_schema_ids(self, file: SpecFile) -> bool:
        """Does ``file`` (in a 3.1 document) hold schemas with an ``$id`` (their own base URI)?"""
        return self._anchored and bool(self._index(file).bases)

    def _index(self, file: SpecFile) -> _SchemaIndex:
        index = self._indexes.get(file.uri)
        if index is None:
            index = self._indexes[file.uri] = _SchemaIndex.build(file.data)
        return index

    def _scope(self, file: SpecFile, at: Pointer | None) -> str | None:
        """The ``$id`` base URI in effect at ``at`` in ``file`` (``None``: the document's own)."""
        index = self._index(file)
        if not index.bases or at is None:
            return None
        for i in range(len(at), -1, -1):
            uri = index.bases.get(at[:i])
            if uri is not None:
                return uri
        return None

    def _find_resource(self, uri: str) -> tuple[SpecFile, Pointer] | None:
        for file in list(self._files.values()):
            pointer = self._index(file).ids.get(uri)
            if pointer is not None:
                return file, pointer
        return None

    def _locate_anchored(self, ref: str, base: SpecFile, at: Pointer | None) -> tuple[SpecFile, Pointer] | None:
        """Resolve ``ref`` by JSON Schema 2020-12 rules when it involves an ``$id`` or a plain-name
        ``$anchor`` fragment; ``None`` to resolve it as a file path + JSON pointer instead.

        The base URI of a ``$ref`` is the ``$id`` of its nearest enclosing schema resource (else the
        document); ``#name`` names the ``$anchor`` (or ``$dynamicAnchor``) of that resource;
        ``uri#/ptr`` a pointer inside the resource with that ``$id``. A pointer fragment that names
        nothing inside an ``$id`` resource is read against the document, as most tools do.
        """
        document, _, fragment = ref.partition("#")
        fragment = unquote(fragment)
        scope = self._scope(base, at)
        if scope is None and not document:
            if not fragment or fragment.startswith("/"):
                return None  # the common case: a pointer into this document
            file, root, key = base, cast(Pointer, ()), ""
        else:
            key = urldefrag(urljoin(scope, document) if scope is not None else document).url
            resource = self._find_resource(key)
            if resource is None:
                return None  # not an $id: a file path, resolved the usual way
            file, root = resource
        if not fragment:
            return file, root
        if fragment.startswith("/"):
            tokens: Pointer = tuple(unescape_token(part) for part in fragment[1:].split("/"))
            return (file, root + tokens) if exists(file.data, root + tokens) else None
        pointer = self._index(file).anchors.get((key, fragment))
        if pointer is None:
            raise self._error(f"broken $ref {ref!r}: no $anchor {fragment!r} in "
                              f"{key or file.display}", base, at, ref)
        return file, pointer

    def _load_ref_target(self, document: str, base: SpecFile, at: Pointer | None, ref: str) -> SpecFile:
        remote = is_url(document) or (base.source is not None and base.source.kind == "url")
        if remote and not self.allow_remote_refs:
            raise self._error(f"remote $ref {ref!r} refused; use --allow-remote-refs", base, at, ref)
        source = base.source or memory_location(base.uri)
        try:
            location = source.join(document)
        except InputError as exc:
            raise self._error(f"broken $ref {ref!r}: {exc}", base, at, ref) from None
        cached = self._files.get(location.uri)
        if cached is not None:
            return cached
        try:
            loaded = load_file(location, self.warnings)
        except InputError as exc:
            raise self._error(f"broken $ref {ref!r}: {exc}", base, at, ref) from None
        self._files[loaded.uri] = loaded
        return loaded

    def _error(self, message: str, base: SpecFile, at: Pointer | None, ref: str) -> InputError:
        where: SourcePosition | None = None
        if at is not None:
            where = base.position((*at, "$ref")) or base.position(at, nearest=True)
        if where is None:
            where = base.find_text(re.compile(r"""["']?\$ref["']?\s*:\s*["']?""" + re.escape(ref)))
        if where is not None:
            return InputError(message, file=where.file, line=where.line, col=where.col)
        return InputError(message, file=base.display,
                          pointer=to_rfc6901(base.original_pointer(at)) if at is not None else None)

    # --- locations -------------------------------------------------------------------------------

    def locate(self, file: SpecFile, pointer: Pointer) -> SpecLocation:
        """RFC 6901 pointer plus file:line:col. For a converted Swagger 2.0 file the pointer is the
        original 2.0 one (``/definitions/Pet``), since that is what the user's file contains."""
        original = file.original_pointer(pointer)
        return SpecLocation(to_rfc6901(original), file.position(pointer, nearest=True))


_DATA_KEYS = frozenset({"example", "enum", "const"})


@dataclass(frozen=True, slots=True)
class _SchemaIndex:
    """Where a document's JSON Schema resources and anchors are: ``$id`` (absolute, no fragment) ->
    pointer; (resource ``$id`` or ``""`` for the document, anchor name) -> pointer; pointer of each
    ``$id`` holder -> its absolute URI."""

    ids: dict[str, Pointer]
    anchors: dict[tuple[str, str], Pointer]
    bases: dict[Pointer, str]

    @staticmethod
    def build(data: Any) -> _SchemaIndex:
        ids: dict[str, Pointer] = {}
        anchors: dict[tuple[str, str], Pointer] = {}
        bases: dict[Pointer, str] = {}
        # (value, pointer, resource uri or "" for the document, key the parent sits under)
        stack: list[tuple[Any, Pointer, str, Any]] = [(data, (), "", None)]
        while stack:
            value, pointer, resource, parent_key = stack.pop()
            if isinstance(value, dict):
                sid = value.get("$id")
                if isinstance(sid, str) and sid:
                    resource = urldefrag(urljoin(resource, sid) if resource else sid).url
                    ids.setdefault(resource, pointer)
                    bases[pointer] = resource
                for kw in ("$anchor", "$dynamicAnchor"):
                    name = value.get(kw)
                    if isinstance(name, str):
                        anchors.setdefault((resource, name), pointer)
                here = pointer[-1] if pointer else None
                for k, child in value.items():
                    if not isinstance(child, (dict, list)) or not isinstance(k, str):
                        continue
                    if k in _DATA_KEYS or k.startswith("x-") or (k == "default" and here != "responses") or (
                            k == "examples" and isinstance(child, list)) or (k == "value" and parent_key == "examples"):
                        continue
                    stack.append((child, (*pointer, k), resource, here))
            elif isinstance(value, list):
                for i, child in enumerate(value):
                    if isinstance(child, (dict, list)):
                        stack.append((child, (*pointer, i), resource, parent_key))
        return _SchemaIndex(ids, anchors, bases)


def _short(uri: str) -> str:
    return os.path.basename(uri) if os.path.isabs(uri) else uri


def _version_of(data: Mapping[str, Any], display: str, warnings: list[str]) -> str:
    if "openapi" in data:
        key = "openapi"
    elif "swagger" in data:
        key = "swagger"
    else:
        raise InputError("not an OpenAPI document: no 'openapi' or 'swagger' key at the root", file=display)
    raw = data[key]
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
        raise InputError(f"'{key}' must be a version string, got {raw!r}", file=display)
    version = raw if isinstance(raw, str) else str(raw)
    if not isinstance(raw, str):
        warnings.append(f"{display}: '{key}: {raw}' is not a string; read as {version!r} (quote it)")
    if key == "swagger" and version != "2.0":
        raise InputError(f"unsupported Swagger version {version!r} (only 2.0)", file=display)
    if key == "openapi" and not version.startswith(_SUPPORTED[1:]):
        raise InputError(f"unsupported OpenAPI version {version!r} (3.0.x, 3.1.x)", file=display)
    if version.startswith("3.2"):
        warnings.append(f"{display}: OpenAPI {version} is read as 3.1")
    return version


def _file_from_data(location: Location, data: Any, index: PositionIndex, text: str | None,
                    warnings: list[str], *, root: bool) -> tuple[SpecFile, str | None]:
    version: str | None = None
    if root:
        if not isinstance(data, Mapping):
            kind = "a list" if isinstance(data, list) else type(data).__name__ if data is not None else "empty"
            raise InputError(f"not an OpenAPI document: the root is {kind}, not a mapping",
                             file=location.display)
        version = _version_of(data, location.display, warnings)
    is_swagger = isinstance(data, Mapping) and (
        version == "2.0" or (not root and str(data.get("swagger", "")) in ("2.0", "2")))
    if is_swagger:
        from .swagger2 import convert

        converted = convert(data, warnings=warnings, display=location.display)
        return SpecFile(location.uri, location.display, converted.data,
                        index=TranslatedPositions(index, converted.back), source=location, text=text,
                        from_original=converted.forward, raw=data), version
    return SpecFile(location.uri, location.display, data, index=index, source=location, text=text), version


def load_file(location: Location, warnings: list[str]) -> SpecFile:
    """Read and parse one referenced document (any JSON/YAML value; 2.0 documents are converted)."""
    text = location.read()
    data, index = parse_document(text, location.display)
    file, _ = _file_from_data(location, data, index, text, warnings, root=False)
    return file


def _load_root(location: Location, text: str, allow_remote_refs: bool) -> LoadedSpec:
    warnings: list[str] = []
    data, index = parse_document(text, location.display)
    root, version = _file_from_data(location, data, index, text, warnings, root=True)
    assert version is not None
    return LoadedSpec(root, version, warnings=warnings, allow_remote_refs=allow_remote_refs)


def load_spec(source: str | os.PathLike[str], *, allow_remote_refs: bool = False,
              cwd: str | None = None) -> LoadedSpec:
    """Load a spec from a path, a git ``REF:path`` (read with ``git show`` in ``cwd``) or a URL.

    Raises :class:`~contractdrift.errors.InputError` for anything unreadable, malformed or not an
    OpenAPI/Swagger document. Referenced files are loaded later, on first :meth:`LoadedSpec.resolve`.
    """
    location = source_location(source, cwd)
    return _load_root(location, location.read(), allow_remote_refs)


def load_spec_text(text: str, name: str = "<string>", *, allow_remote_refs: bool = False) -> LoadedSpec:
    """Load a spec from text. ``name`` is used in messages; relative refs resolve against the cwd."""
    return _load_root(memory_location(name), text, allow_remote_refs)


def load_spec_data(data: Mapping[str, Any], name: str = "<memory>") -> LoadedSpec:
    """Load a spec from an already parsed mapping (no source positions)."""
    location = memory_location(name)
    warnings: list[str] = []
    root, version = _file_from_data(location, data, NoPositions(), None, warnings, root=True)
    assert version is not None
    return LoadedSpec(root, version, warnings=warnings)
