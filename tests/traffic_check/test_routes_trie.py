"""The route trie picks what a brute-force scan of every template picks: the most specific template,
segment by segment (literal > partial segment > parameter), ties broken by the template text."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from contractdrift.spec.routes import RouteTable, _segment_rank, _segments, normalize_path, template_params

_SEG = st.sampled_from(["a", "b", "v1", "{x}", "{y}", "{n}.json", "{n}.{ext}", "f{id}", "json"])
_templates = st.lists(st.lists(_SEG, min_size=1, max_size=4).map(lambda s: "/" + "/".join(s)), min_size=1,
                      max_size=12)
_paths = st.lists(st.sampled_from(["a", "b", "v1", "x.json", "f7", "json", "q.tar.gz", "a.json"]), min_size=1,
                  max_size=4).map(lambda s: "/" + "/".join(s))


def _regex(template: str) -> re.Pattern[str]:
    out = []
    for seg in _segments(template):
        rx, pos = "", 0
        for m in re.finditer(r"\{([^{}/]+)\}", seg):
            rx += re.escape(seg[pos:m.start()]) + ("([^/]+?)" if m.end() < len(seg) else "([^/]+)")
            pos = m.end()
        out.append(rx + re.escape(seg[pos:]))
    return re.compile("/" + "/".join(out) + r"\Z")


def brute(templates: list[str], path: str) -> tuple[str, dict[str, str]] | None:
    candidates = sorted({normalize_path(t) for t in templates},
                        key=lambda t: ([_segment_rank(s) for s in _segments(t)], t))
    for t in candidates:
        m = _regex(t).match(normalize_path(path))
        if m and len(_segments(t)) == len(_segments(path)):
            return t, dict(zip(template_params(t), m.groups()))
    return None


@settings(max_examples=300, deadline=None)
@given(_templates, _paths)
def test_trie_agrees_with_brute_force(templates: list[str], path: str) -> None:
    hit = RouteTable(templates).match(path)
    want = brute(templates, path)
    got = (hit.template, dict(hit.params)) if hit is not None else None
    if want is None or got is None:
        assert got == want
    else:  # the same specificity; equal-rank templates of one shape may differ only in parameter names
        assert [_segment_rank(s) for s in _segments(got[0])] == [_segment_rank(s) for s in _segments(want[0])]
        assert re.sub(r"\{[^}]*\}", "{}", got[0]) == re.sub(r"\{[^}]*\}", "{}", want[0])
        assert sorted(got[1].values()) == sorted(want[1].values())


_bases = st.lists(st.sampled_from(["/", "/v1", "/a", "/a/b", "v1/", "/v1/a", "/ab"]), max_size=3)
_messy_paths = st.tuples(_paths, st.sampled_from(["", "/", "?q=1/2", "//", "/?x"])).map(
    lambda t: t[0] + t[1] if not t[1].startswith("//") else t[1] + t[0].lstrip("/"))


def brute_with_bases(templates: list[str], bases: list[str], path: str) -> tuple[str, dict[str, str]] | None:
    """Base paths stripped as strings (the longest first), the rest matched by brute force."""
    norm = normalize_path(path.split("?", 1)[0])
    for base in sorted({normalize_path(b) for b in bases if normalize_path(b) != "/"}, key=len, reverse=True):
        if norm == base or norm.startswith(base + "/"):
            hit = brute(templates, normalize_path(norm[len(base):]))
            if hit is not None:
                return hit
    return brute(templates, norm)


@settings(max_examples=300, deadline=None)
@given(_templates, _bases, _messy_paths)
def test_base_paths_are_stripped_by_whole_segments(templates: list[str], bases: list[str], path: str) -> None:
    table = RouteTable(templates, bases)
    pair = table.match_pair(path)
    hit = table.match(path)
    assert pair == ((hit.template, dict(hit.params)) if hit is not None else None)
    want = brute_with_bases(templates, bases, path)
    if want is None or pair is None:
        assert pair == want
    else:
        assert re.sub(r"\{[^}]*\}", "{}", pair[0]) == re.sub(r"\{[^}]*\}", "{}", want[0])
        assert sorted(pair[1].values()) == sorted(want[1].values())
