"""Driver: spec vs spec (``contractdrift diff``). A thin layer over the schema walker.

It pairs what the two versions describe (operations, parameters, bodies, media types, responses,
headers, security, servers, callbacks, webhooks), reports what appeared or vanished with fixed rules,
and hands every pair of schemas to :class:`~.walk.SchemaWalker` with the side that decides direction.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..model import Finding, Pointer, Side
from ..spec.node import Node, SpecLike
from ..spec.normalize import METHODS, Operation, Parameter, normalize_path, operations
from ..spec.shapes import (
    covering_status,
    header_map,
    is_success_status,
    media_covers,
    media_map,
    parameter_serialization,
    parse_media_type,
    responses,
    security_map,
)
from .emit import Emitter
from .equivalence import Equivalence
from .walk import Change, SchemaWalker, WalkOptions, check_lifecycle, parse_date, stability_level


@dataclass(frozen=True, slots=True, kw_only=True)
class DiffOptions:
    walk: WalkOptions = field(default_factory=WalkOptions)
    group: bool = False  # one finding per change (see .group) instead of one per place
    match_path: str | None = None  # only operations whose path matches this regex
    exclude_extensions: tuple[str, ...] = ()  # skip operations/path items carrying any of these


@dataclass(slots=True)
class _Side:
    spec: SpecLike
    file: Any

    @property
    def root(self) -> Node:
        return Node(self.spec, self.file, (), self.file.data)


class SpecDiff:
    """One comparison of two loaded specs. ``run()`` returns unsorted findings."""

    def __init__(self, base: Any, revision: Any, options: DiffOptions | None = None) -> None:
        self.base = _Side(base, base.root)
        self.rev = _Side(revision, revision.root)
        self.options = options or DiffOptions()
        self.equivalence = Equivalence()
        self.walkers = {side: SchemaWalker(side, self.options.walk, self.equivalence)
                        for side in (Side.REQUEST, Side.RESPONSE)}
        self.emitter = Emitter(group=self.options.group)

    # -- emitting (see .emit: shared by every driver) ------------------------------------------
    @property
    def findings(self) -> list[Finding]:
        return self.emitter.findings

    def _add(self, rule_id: str, *, op: str | None, side: Side, base: Node | None, rev: Node | None,
             args: Mapping[str, Any] | None = None, status: str | None = None, media: str | None = None,
             payload: Pointer | None = None, subject: str = "") -> None:
        self.emitter.add(rule_id, op=op, side=side, base=base, rev=rev, args=args, status=status, media=media,
                         payload=payload, subject=subject)

    # -- entry --------------------------------------------------------------------------------------
    def run(self) -> list[Finding]:
        o = self.options
        b_ops = operations(self.base.spec, self.base.file, exclude_extensions=o.exclude_extensions)
        r_ops = operations(self.rev.spec, self.rev.file, exclude_extensions=o.exclude_extensions)
        if o.match_path:
            rx = re.compile(o.match_path)
            b_ops = {k: v for k, v in b_ops.items() if rx.search(v.path)}
            r_ops = {k: v for k, v in r_ops.items() if rx.search(v.path)}
        # the other side's location of an added/removed operation: its path item, else ``paths``
        b_items = {normalize_path(op.path): op.path_item for op in b_ops.values()}
        r_items = {normalize_path(op.path): op.path_item for op in r_ops.values()}
        for key in sorted(b_ops.keys() - r_ops.keys()):
            item = r_items.get(normalize_path(b_ops[key].path))
            self._removed_operation(b_ops[key], item is None, item or _paths_node(self.rev.root))
        for key in sorted(r_ops.keys() - b_ops.keys()):
            op = r_ops[key]
            where = b_items.get(normalize_path(op.path)) or _paths_node(self.base.root)
            self._add("endpoint-added", op=op.label, side=Side.NONE, base=where, rev=op.node)
        for key in sorted(b_ops.keys() & r_ops.keys()):
            self._operation(b_ops[key], r_ops[key])
        if not o.match_path:
            self._global()
        return self.emitter.grouped() if o.group else self.findings

    @property
    def warnings(self) -> list[str]:
        """Limits the comparison ran into (nothing is dropped silently)."""
        from .walk import MAX_DEPTH

        out = list(self.emitter.warnings)
        if any(w.depth_limited for w in self.walkers.values()):
            out.append(f"schemas nested deeper than {MAX_DEPTH} levels were compared down to that depth only")
        return out

    # -- operations -----------------------------------------------------------------------------------
    def _removed_operation(self, op: Operation, whole_path: bool, rev: Node) -> None:
        stem = "api-path-removed" if whole_path else "api-removed"
        level = _ext(op.node.value).get("x-stability-level")
        if stability_level(_ext(op.node.value)) is None:  # oasdiff checks a deleted operation's level too
            self._add("api-invalid-stability-level", op=op.label, side=Side.NONE, base=op.node, rev=rev,
                      args={"value": level})
        sunset = op.node.get("x-sunset")
        if op.deprecated:
            date = parse_date(sunset) if sunset is not None else None
            if date is not None and date > self.options.walk.today:
                self._add(f"{stem}-before-sunset", op=op.label, side=Side.NONE, base=op.node, rev=rev,
                          args={"sunset": date.isoformat()})
            else:
                self._add(f"{stem}-with-deprecation", op=op.label, side=Side.NONE, base=op.node, rev=rev)
        else:
            self._add(f"{stem}-without-deprecation", op=op.label, side=Side.NONE, base=op.node, rev=rev)

    def _operation(self, b: Operation, r: Operation) -> None:
        if self._unchanged(b, r):
            return
        label = r.label
        self._operation_lifecycle(b, r, label)
        bid, rid = b.node.get("operationId"), r.node.get("operationId")
        if bid != rid:
            if bid is not None:
                self._add("api-operation-id-removed", op=label, side=Side.NONE, base=b.node, rev=r.node,
                          args={"old": bid, "new": rid})
            elif rid is not None:
                self._add("api-operation-id-added", op=label, side=Side.NONE, base=b.node, rev=r.node,
                          args={"new": rid})
        btags, rtags = _str_list(b.node.get("tags")), _str_list(r.node.get("tags"))
        for t in sorted(set(btags) - set(rtags)):
            self._add("api-tag-removed", op=label, side=Side.NONE, base=b.node, rev=r.node, args={"value": t})
        for t in sorted(set(rtags) - set(btags)):
            self._add("api-tag-added", op=label, side=Side.NONE, base=b.node, rev=r.node, args={"value": t})
        self._security(b.node.get("security"), r.node.get("security"), b.node, r.node, label, "api-security")
        self._parameters(b, r, label)
        self._request_body(b, r, label)
        self._responses(b, r, label)
        self._callbacks(b, r, label)

    def _unchanged(self, b: Operation, r: Operation) -> bool:
        """The operation object and its path-level parameters are equivalent: nothing to report."""
        if not self.equivalence.same(b.node, r.node):
            return False
        bp, rp = b.path_item.child("parameters"), r.path_item.child("parameters")
        if bp is None or rp is None:
            return bp is None and rp is None
        return self.equivalence.same(bp, rp)

    def _operation_lifecycle(self, b: Operation, r: Operation, label: str) -> None:
        names = {
            "deprecated": "endpoint-deprecated", "deprecated-with-sunset": "endpoint-deprecated-with-sunset",
            "reactivated": "endpoint-reactivated", "deprecated-sunset-missing": "api-deprecated-sunset-missing",
            "deprecated-sunset-invalid": "api-deprecated-sunset-parse",
            "sunset-date-too-small": "api-sunset-date-too-small", "stability-decreased": "api-stability-decreased",
            "stability-increased": "api-stability-increased",
        }

        def emit(name: str, args: Mapping[str, Any] | None = None, **_: Any) -> None:
            self._add(names[name], op=label, side=Side.NONE, base=b.node, rev=r.node, args=args)

        b_ext, r_ext = _ext(b.node.value), _ext(r.node.value)
        check_lifecycle(b.deprecated, r.deprecated, b_ext, r_ext, self.options.walk, emit)
        for ext in (b_ext, r_ext):  # oasdiff checks both sides of a changed operation
            if stability_level(ext) is None:
                self._add("api-invalid-stability-level", op=label, side=Side.NONE, base=b.node, rev=r.node,
                          args={"value": ext.get("x-stability-level")})
        if b.deprecated and r.deprecated:
            self._sunset_moves(b_ext, r_ext, "sunset-deleted", "api-sunset-date-changed-too-small", op=label,
                               side=Side.NONE, base=b.node, rev=r.node, args={"path": r.path},
                               parse="api-path-sunset-parse")

    def _sunset_moves(self, b_ext: Mapping[str, Any], r_ext: Mapping[str, Any], deleted: str, earlier: str, *,
                      op: str, side: Side, base: Node, rev: Node, args: Mapping[str, Any], parse: str) -> None:
        """Something still deprecated lost its x-sunset, or the sunset changed (to or from a non-date: ``parse``)."""
        bs, rs = b_ext.get("x-sunset"), r_ext.get("x-sunset")
        if bs is not None and rs is None:
            self._add(deleted, op=op, side=side, base=base, rev=rev, args={**args, "old": str(bs)})
        elif bs is not None and rs is not None and bs != rs:
            bd, rd = parse_date(bs), parse_date(rs)
            if rd is None or bd is None:  # oasdiff: the revision's value first, then the base's
                self._add(parse, op=op, side=side, base=base, rev=rev,
                          args={**args, "sunset": str(rs if rd is None else bs)})
            elif rd < bd:
                self._add(earlier, op=op, side=side, base=base, rev=rev,
                          args={**args, "old": bd.isoformat(), "new": rd.isoformat()})

    # -- parameters ---------------------------------------------------------------------------------------
    def _parameters(self, b: Operation, r: Operation, label: str) -> None:
        for key in sorted(b.parameters.keys() - r.parameters.keys()):
            p = b.parameters[key]
            args = {"in": p.location, "name": p.name}
            if p.deprecated:
                sunset = parse_date(p.node.get("x-sunset")) if p.node.get("x-sunset") is not None else None
                if sunset is not None and sunset > self.options.walk.today:
                    self._add("request-parameter-removed-before-sunset", op=label, side=Side.REQUEST, base=p.node,
                              rev=r.node, args={**args, "sunset": sunset.isoformat()})
                else:
                    self._add("request-parameter-removed-with-deprecation", op=label, side=Side.REQUEST,
                              base=p.node, rev=r.node, args=args)
            else:
                self._add("request-parameter-removed", op=label, side=Side.REQUEST, base=p.node, rev=r.node,
                          args=args)
        for key in sorted(r.parameters.keys() - b.parameters.keys()):
            p = r.parameters[key]
            args = {"in": p.location, "name": p.name}
            if p.location == "path":
                rid = "new-request-path-parameter"
            elif p.level == "path":
                rid = ("new-required-request-default-parameter-to-existing-path" if p.required
                       else "new-optional-request-default-parameter-to-existing-path")
            else:
                rid = "new-required-request-parameter" if p.required else "new-optional-request-parameter"
            self._add(rid, op=label, side=Side.REQUEST, base=b.node, rev=p.node, args=args)
        for key in sorted(b.parameters.keys() & r.parameters.keys()):
            self._parameter(b.parameters[key], r.parameters[key], label)

    def _parameter(self, bp: Parameter, rp: Parameter, label: str) -> None:
        args = {"in": rp.location, "name": rp.name}
        if bp.required != rp.required:
            self._add("request-parameter-became-required" if rp.required else "request-parameter-became-optional",
                      op=label, side=Side.REQUEST, base=bp.node, rev=rp.node, args=args)
        bser = parameter_serialization(bp.location, bp.node)
        rser = parameter_serialization(rp.location, rp.node)
        style_changed = bser.style != rser.style
        for attr, rid in (("style", "request-parameter-style-changed"), ("explode", "request-parameter-explode-changed")):
            bv, rv = getattr(bser, attr), getattr(rser, attr)
            if bv != rv and (attr == "style" or not style_changed):  # a new style implies its own explode default
                self._add(rid, op=label, side=Side.REQUEST, base=bp.node, rev=rp.node,
                          args={**args, "old": bv, "new": rv})
        subject = f"{rp.location} parameter {rp.name!r}"

        def emit(name: str, extra: Mapping[str, Any] | None = None, **_: Any) -> None:
            fixed = _PARAMETER_LIFECYCLE.get(name)
            self.emitter.emit(fixed or name, Side.REQUEST, None if fixed else "parameter", op=label, base=bp.node,
                              rev=rp.node, args={**args, **(extra or {})}, subject=subject)

        b_ext, r_ext = _ext(bp.node.value), _ext(rp.node.value)
        check_lifecycle(bp.deprecated, rp.deprecated, b_ext, r_ext, self.options.walk, emit)
        if bp.deprecated and rp.deprecated:
            self._sunset_moves(b_ext, r_ext, "request-parameter-sunset-deleted",
                               "request-parameter-sunset-date-changed-too-small", op=label, side=Side.REQUEST,
                               base=bp.node, rev=rp.node, args=args, parse="request-parameter-sunset-parse")
        bs, rs = bp.schema(), rp.schema()
        if bs is not None and rs is not None:
            changes = self.walkers[Side.REQUEST].compare((bs,), (rs,))
            if rp.location == "header":  # properties of an object-valued header have oasdiff ids of their own
                changes = [_header_property(c) for c in changes]
            self.emitter.emit_changes(changes, side=Side.REQUEST, scope="parameter", op=label, status=None,
                                      media=None, subject_root=subject, extra_args=args)

    # -- request bodies -------------------------------------------------------------------------------------
    def _request_body(self, b: Operation, r: Operation, label: str) -> None:
        bb, rb = b.node.child("requestBody"), r.node.child("requestBody")
        bb = bb.deref() if bb is not None else None
        rb = rb.deref() if rb is not None else None
        req = Side.REQUEST
        if bb is None and rb is None:
            return
        if bb is None:
            assert rb is not None
            required = rb.get("required") is True
            self._add("request-body-added-required" if required else "request-body-added-optional", op=label,
                      side=req, base=b.node, rev=rb)
            return
        if rb is None:
            self._add("request-body-removed", op=label, side=req, base=bb, rev=r.node)
            return
        breq, rreq = bb.get("required") is True, rb.get("required") is True
        if breq != rreq:
            self._add("request-body-became-required" if rreq else "request-body-became-optional", op=label,
                      side=req, base=bb, rev=rb)
        self._content(bb, rb, label, req, None, media_rules=("request-body-media-type-added",
                                                             "request-body-media-type-removed",
                                                             "request-body-media-type-schema-added",
                                                             "request-body-media-type-schema-removed"))

    def _content(self, bnode: Node, rnode: Node, label: str, side: Side, status: str | None, *,
                 media_rules: tuple[str, str, str, str]) -> None:
        added, removed, schema_added, schema_removed = media_rules
        bc, rc = media_map(bnode), media_map(rnode)
        args_base: dict[str, Any] = {"status": status} if status is not None else {}
        pairs = [(mt, mt) for mt in sorted(bc.keys() & rc.keys())]
        gone, new = sorted(bc.keys() - rc.keys()), sorted(rc.keys() - bc.keys())
        if side is Side.RESPONSE:  # application/json -> application/* : the server may now send more
            for bmt in list(gone):
                wider = next((rmt for rmt in new if _media_contains(rmt, bmt)), None)
                if wider is not None:
                    gone.remove(bmt)
                    new.remove(wider)
                    pairs.append((bmt, wider))
                    self._add("response-media-type-name-generalized", op=label, side=side, base=bc[bmt],
                              rev=rc[wider], status=status, media=wider, args={**args_base, "old": bmt, "new": wider})
            for rmt in list(new):
                wider = next((b for b in gone if _media_contains(b, rmt)), None)
                if wider is not None:
                    gone.remove(wider)
                    new.remove(rmt)
                    pairs.append((wider, rmt))
                    self._add("response-media-type-name-specialized", op=label, side=side, base=bc[wider],
                              rev=rc[rmt], status=status, media=rmt, args={**args_base, "old": wider, "new": rmt})
        for mt in gone:
            self._add(removed, op=label, side=side, base=bc[mt], rev=rnode, status=status, media=mt,
                      args={**args_base, "media_type": mt})
        for mt in new:
            self._add(added, op=label, side=side, base=bnode, rev=rc[mt], status=status, media=mt,
                      args={**args_base, "media_type": mt})
        where = "request body" if side is Side.REQUEST else f"response {status}"
        for bmt, rmt in pairs:
            if side is Side.RESPONSE and bmt == rmt:  # oasdiff: the same media type, its parameters changed
                bkey, rkey = bc[bmt].pointer[-1], rc[rmt].pointer[-1]
                if (isinstance(bkey, str) and isinstance(rkey, str) and
                        dict(parse_media_type(bkey).parameters) != dict(parse_media_type(rkey).parameters)):
                    self._add("response-media-type-name-changed", op=label, side=side, base=bc[bmt], rev=rc[rmt],
                              status=status, media=rmt, args={**args_base, "old": bkey, "new": rkey})
            bs, rs = bc[bmt].child("schema"), rc[rmt].child("schema")
            if bs is None and rs is not None:
                self._add(schema_added, op=label, side=side, base=bc[bmt], rev=rs, status=status, media=rmt,
                          args={**args_base, "media_type": rmt})
            elif bs is not None and rs is None:
                self._add(schema_removed, op=label, side=side, base=bs, rev=rc[rmt], status=status, media=rmt,
                          args={**args_base, "media_type": rmt})
            elif bs is not None and rs is not None:
                changes = self.walkers[side].compare((bs,), (rs,))
                self.emitter.emit_changes(changes, side=side, scope="body", op=label, status=status, media=rmt,
                                          subject_root=f"{where} ({rmt})")

    # -- responses ----------------------------------------------------------------------------------------------
    def _responses(self, b: Operation, r: Operation, label: str) -> None:
        bmap, rmap = responses(b.node), responses(r.node)
        resp = Side.RESPONSE
        for status in sorted(bmap.keys() - rmap.keys()):
            cover = covering_status(status, rmap)
            if cover is not None:
                self._response(bmap[status], rmap[cover], label, status)
                continue
            narrowed = sorted(s for s in rmap.keys() - bmap.keys() if covering_status(s, {status: bmap[status]}))
            if narrowed:  # a range (2XX) replaced by concrete codes inside it: compare each against it
                for s in narrowed:
                    self._response(bmap[status], rmap[s], label, s)
                continue
            rid = "response-success-status-removed" if is_success_status(status) else "response-non-success-status-removed"
            self._add(rid, op=label, side=resp, base=bmap[status], rev=r.node, status=status, args={"status": status})
        for status in sorted(rmap.keys() - bmap.keys()):
            if covering_status(status, bmap) is not None or any(covering_status(s, {status: rmap[status]}) for s in bmap):
                continue
            rid = "response-success-status-added" if is_success_status(status) else "response-non-success-status-added"
            self._add(rid, op=label, side=resp, base=b.node, rev=rmap[status], status=status, args={"status": status})
        for status in sorted(bmap.keys() & rmap.keys()):
            self._response(bmap[status], rmap[status], label, status)

    def _response(self, bn: Node, rn: Node, label: str, status: str) -> None:
        self._content(bn, rn, label, Side.RESPONSE, status, media_rules=(
            "response-media-type-added", "response-media-type-removed", "response-body-media-type-schema-added",
            "response-body-media-type-schema-removed"))
        self._headers(bn, rn, label, status)

    def _headers(self, bn: Node, rn: Node, label: str, status: str) -> None:
        bh, rh = header_map(bn), header_map(rn)
        resp = Side.RESPONSE
        for key in sorted(bh.keys() - rh.keys()):
            name, node = bh[key]
            rid = "required-response-header-removed" if node.get("required") is True else "optional-response-header-removed"
            self._add(rid, op=label, side=resp, base=node, rev=rn, status=status, args={"status": status, "name": name})
        for key in sorted(rh.keys() - bh.keys()):
            name, node = rh[key]
            self._add("response-header-added", op=label, side=resp, base=bn, rev=node, status=status,
                      args={"status": status, "name": name})
        for key in sorted(bh.keys() & rh.keys()):
            (_, bnode), (name, rnode) = bh[key], rh[key]
            breq, rreq = bnode.get("required") is True, rnode.get("required") is True
            if breq != rreq:
                self._add("response-header-became-required" if rreq else "response-header-became-optional",
                          op=label, side=resp, base=bnode, rev=rnode, status=status, args={"status": status, "name": name})
            bs, rs = bnode.child("schema"), rnode.child("schema")
            if bs is not None and rs is not None:
                changes = self.walkers[resp].compare((bs,), (rs,))
                self.emitter.emit_changes(changes, side=resp, scope="header", op=label, status=status, media=None,
                                          subject_root=f"response {status} header {name!r}",
                                          extra_args={"name": name})

    # -- callbacks ---------------------------------------------------------------------------------------------------
    def _callbacks(self, b: Operation, r: Operation, label: str) -> None:
        bc, rc = b.node.child("callbacks"), r.node.child("callbacks")
        bnames = {k for k, _ in bc.items()} if bc is not None else set()
        rnames = {k for k, _ in rc.items()} if rc is not None else set()
        for name in sorted(bnames - rnames):
            self._add("callback-removed", op=label, side=Side.NONE, base=bc.child(name) if bc else None, rev=r.node,
                      args={"name": name})
        for name in sorted(rnames - bnames):
            self._add("callback-added", op=label, side=Side.NONE, base=b.node, rev=rc.child(name) if rc else None,
                      args={"name": name})
        for name in sorted(bnames & rnames):
            assert bc is not None and rc is not None
            self._callback(name, bc.child(name), rc.child(name), label)

    def _callback(self, name: str, bnode: Node | None, rnode: Node | None, label: str) -> None:
        """Inside a callback the roles swap: the API *sends* the callback request (so it is checked
        like a response: the revision produces, clients built on the base consume) and the client's
        handler *answers* it (checked like a request: handlers built on the base produce, the
        revision's server consumes)."""
        if bnode is None or rnode is None:
            return
        bcb, rcb = bnode.deref(), rnode.deref()
        for expr in sorted(_keys(bcb) | _keys(rcb)):
            self._swapped_path_item(f"{name} ", bcb.child(expr), rcb.child(expr), bcb, rcb, label, expr,
                                    existence=("callback-added", "callback-removed"))

    def _swapped_path_item(self, prefix: str, bitem: Node | None, ritem: Node | None, bparent: Node,
                           rparent: Node, label: str | None, expr: str, *, existence: tuple[str, str]) -> None:
        """A path item whose requests the API sends (callbacks, webhooks): roles swapped."""
        for method in METHODS:
            bop = bitem.deref().child(method) if bitem is not None else None
            rop = ritem.deref().child(method) if ritem is not None else None
            where = f"{prefix}{method.upper()} {expr}"
            if bop is None and rop is None:
                continue
            if bop is None or rop is None:
                rid = existence[0] if bop is None else existence[1]
                self._add(rid, op=label, side=Side.NONE, base=bop or bparent, rev=rop or rparent,
                          args={"name": where})
                continue
            op_label = f"{label} callback {where}" if label else f"webhook {where}"
            breq, rreq = bop.child("requestBody"), rop.child("requestBody")
            if breq is not None and rreq is not None:
                self._content(breq.deref(), rreq.deref(), op_label, Side.RESPONSE, "callback", media_rules=(
                    "response-media-type-added", "response-media-type-removed",
                    "response-body-media-type-schema-added", "response-body-media-type-schema-removed"))
            bresp, rresp = responses(bop), responses(rop)
            for status in sorted(bresp.keys() & rresp.keys()):
                self._content(bresp[status], rresp[status], op_label, Side.REQUEST, None, media_rules=(
                    "request-body-media-type-added", "request-body-media-type-removed",
                    "request-body-media-type-schema-added", "request-body-media-type-schema-removed"))

    # -- whole-document changes -------------------------------------------------------------------------------------------
    def _global(self) -> None:
        broot, rroot = self.base.root, self.rev.root
        self._security(broot.get("security"), rroot.get("security"), broot, rroot, None, "api-global-security")
        self._security_schemes(broot, rroot)
        bsrv = {s.get("url"): s for s in _list(broot.get("servers")) if isinstance(s, dict)}
        rsrv = {s.get("url"): s for s in _list(rroot.get("servers")) if isinstance(s, dict)}
        for url in sorted(set(bsrv) - set(rsrv), key=str):
            self._add("api-server-removed", op=None, side=Side.NONE, base=broot.child("servers"),
                      rev=rroot.child("servers") or rroot, args={"url": url})
        for url in sorted(set(rsrv) - set(bsrv), key=str):
            self._add("api-server-added", op=None, side=Side.NONE, base=broot.child("servers") or broot,
                      rev=rroot.child("servers"), args={"url": url})
        bw, rw = _keys(broot.child("webhooks")), _keys(rroot.child("webhooks"))
        for name in sorted(bw - rw):
            self._add("webhook-removed", op=None, side=Side.NONE, base=broot.child("webhooks", name), rev=rroot,
                      args={"name": name})
        for name in sorted(rw - bw):
            self._add("webhook-added", op=None, side=Side.NONE, base=broot, rev=rroot.child("webhooks", name),
                      args={"name": name})
        for name in sorted(bw & rw):  # the API sends webhook requests: roles swapped, as in callbacks
            bhooks, rhooks = broot.child("webhooks"), rroot.child("webhooks")
            assert bhooks is not None and rhooks is not None
            self._swapped_path_item("", bhooks.child(name), rhooks.child(name), bhooks, rhooks, None, name,
                                    existence=("webhook-added", "webhook-removed"))
        bs, rs = broot.child("components", "schemas"), rroot.child("components", "schemas")
        if bs is not None:
            rnames = {k for k, _ in rs.items()} if rs is not None else set()
            for name, node in bs.items():
                if name not in rnames:
                    self._add("api-schema-removed", op=None, side=Side.NONE, base=node, rev=rs or rroot,
                              args={"name": name})

    def _security(self, bsec: Any, rsec: Any, bnode: Node, rnode: Node, label: str | None, stem: str) -> None:
        if bsec is None and rsec is None:
            return
        bmap, rmap = security_map(bsec), security_map(rsec)
        for name in sorted(bmap.keys() - rmap.keys()):
            self._add(f"{stem}-removed", op=label, side=Side.NONE, base=bnode, rev=rnode, args={"scheme": name})
        for name in sorted(rmap.keys() - bmap.keys()):
            self._add(f"{stem}-added", op=label, side=Side.NONE, base=bnode, rev=rnode, args={"scheme": name})
        for name in sorted(bmap.keys() & rmap.keys()):
            for scope in sorted(bmap[name] - rmap[name]):
                self._add(f"{stem}-scope-removed", op=label, side=Side.NONE, base=bnode, rev=rnode,
                          args={"scheme": name, "scope": scope})
            for scope in sorted(rmap[name] - bmap[name]):
                self._add(f"{stem}-scope-added", op=label, side=Side.NONE, base=bnode, rev=rnode,
                          args={"scheme": name, "scope": scope})

    def _security_schemes(self, broot: Node, rroot: Node) -> None:
        bs, rs = broot.child("components", "securitySchemes"), rroot.child("components", "securitySchemes")
        bmap = {k: v.deref() for k, v in bs.items()} if bs is not None else {}
        rmap = {k: v.deref() for k, v in rs.items()} if rs is not None else {}
        none = Side.NONE
        for name in sorted(bmap.keys() - rmap.keys()):
            self._add("api-security-component-removed", op=None, side=none, base=bmap[name], rev=rs or rroot,
                      args={"scheme": name})
        for name in sorted(rmap.keys() - bmap.keys()):
            self._add("api-security-component-added", op=None, side=none, base=bs or broot, rev=rmap[name],
                      args={"scheme": name})
        for name in sorted(bmap.keys() & rmap.keys()):
            b, r = bmap[name], rmap[name]
            if b.get("type") != r.get("type"):
                self._add("api-security-component-type-changed", op=None, side=none, base=b, rev=r,
                          args={"scheme": name, "old": b.get("type"), "new": r.get("type")})
                continue
            bflows, rflows = b.get("flows") or {}, r.get("flows") or {}
            if not isinstance(bflows, dict) or not isinstance(rflows, dict):
                continue
            for flow in sorted(bflows.keys() & rflows.keys()):
                bf, rf = bflows[flow], rflows[flow]
                if not isinstance(bf, dict) or not isinstance(rf, dict):
                    continue
                for key, rid in (("authorizationUrl", "api-security-component-oauth-url-changed"),
                                 ("tokenUrl", "api-security-component-oauth-token-url-changed")):
                    if bf.get(key) != rf.get(key):
                        self._add(rid, op=None, side=none, base=b, rev=r,
                                  args={"scheme": name, "flow": flow, "old": bf.get(key), "new": rf.get(key)})
                bsc = set(bf.get("scopes") or {}) if isinstance(bf.get("scopes"), dict) else set()
                rsc = set(rf.get("scopes") or {}) if isinstance(rf.get("scopes"), dict) else set()
                for sc in sorted(bsc - rsc):
                    self._add("api-security-component-oauth-scope-removed", op=None, side=none, base=b, rev=r,
                              args={"scheme": name, "scope": sc})
                for sc in sorted(rsc - bsc):
                    self._add("api-security-component-oauth-scope-added", op=None, side=none, base=b, rev=r,
                              args={"scheme": name, "scope": sc})


# -- helpers -----------------------------------------------------------------------------------------------------------
def _media_contains(wide: str, narrow: str) -> bool:
    """oasdiff's media type containment: a wildcard covers what it matches, and a base type covers its
    structured-syntax refinements (``application/json`` covers ``application/problem+json``,
    ``application/xml`` covers ``application/atom+xml``)."""
    if media_covers(wide, narrow):
        return True
    w, n = parse_media_type(wide), parse_media_type(narrow)
    if w.type != n.type or "+" in w.subtype or "*" in (w.type, w.subtype):
        return False
    stem, plus, suffix = n.subtype.rpartition("+")
    return bool(plus and stem and suffix == w.subtype)


# lifecycle concepts whose oasdiff id for parameters is not the composed one
_PARAMETER_LIFECYCLE = {"deprecated-sunset-invalid": "request-parameter-sunset-parse"}
_HEADER_PROPERTY_FIXED = {
    "new-required-request-property": "new-required-request-header-property",
    "new-required-request-property-with-default": "new-required-request-header-property",
    "request-property-removed": "request-header-property-removed",
    "request-property-became-required": "request-header-property-became-required",
    "request-property-became-required-with-default": "request-header-property-became-required",
    "request-property-became-optional": "request-header-property-became-optional",
}
_HEADER_PROPERTY_CONCEPTS = {"became-enum": "request-header-property-became-enum",
                             "became-not-enum": "request-header-property-became-not-enum"}


def _header_property(c: Change) -> Change:
    """Rename a change inside an object-valued header parameter to its header-property rule."""
    if c.fixed and c.name in _HEADER_PROPERTY_FIXED:
        return Change(_HEADER_PROPERTY_FIXED[c.name], True, c.rel, c.args, c.base, c.rev)
    if not c.fixed and c.rel and c.name in _HEADER_PROPERTY_CONCEPTS:
        return Change(_HEADER_PROPERTY_CONCEPTS[c.name], True, c.rel, c.args, c.base, c.rev)
    return c


def _paths_node(root: Node) -> Node:
    return root.child("paths") or root


def _ext(value: Any) -> dict[str, Any]:
    return {k: v for k, v in value.items() if isinstance(k, str) and k.startswith("x-")} if isinstance(value, dict) else {}


def _str_list(v: Any) -> list[str]:
    return [x for x in v if isinstance(x, str)] if isinstance(v, list) else []


def _keys(node: Node | None) -> set[str]:
    return {k for k, _ in node.items()} if node is not None else set()


def _list(v: Any) -> list[Any]:
    return v if isinstance(v, list) else []


