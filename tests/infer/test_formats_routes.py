"""Format detection, id-like segments, spec route matching and heuristic templating."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contractdrift.infer.formats import epoch_format, is_id_like, string_formats
from contractdrift.infer.options import InferOptions
from contractdrift.infer.templating import Templater, collapse_high_cardinality, param_name
from contractdrift.spec.routes import RouteTable, base_paths_from_servers


@pytest.mark.parametrize(
    ("value", "fmt"),
    [
        ("550e8400-e29b-41d4-a716-446655440000", "uuid"),
        ("550E8400-E29B-11D4-A716-446655440000", "uuid"),  # v1, upper case
        ("018f3c5e-8a2b-7c3d-9e4f-0123456789ab", "uuid"),  # v7
        ("01ARZ3NDEKTSV4RRFFQ69G5FAV", "ulid"),
        ("2024-02-29", "date"),
        ("2024-02-29T10:11:12Z", "date-time"),
        ("2024-02-29T10:11:12.123456+02:00", "date-time"),
        ("2024-02-29 10:11:12", "date-time-local"),
        ("2024-02-29T10:11", "date-time-local"),
        ("10:11:12", "time"),
        ("someone@example.com", "email"),
        ("https://example.com/a?b=c", "uri"),
        ("urn:isbn:0451450523", "uri"),
        ("192.168.0.1", "ipv4"),
        ("2001:db8::1", "ipv6"),
        ("12345", "integer"),
        ("-3.25", "decimal"),
    ],
)
def test_string_formats(value: str, fmt: str) -> None:
    assert fmt in string_formats(value)


@pytest.mark.parametrize("value", ["hello", "2024-13-45", "999.1.1.1", "abc@", "v1", "", "a:b"])
def test_no_false_formats(value: str) -> None:
    found = set(string_formats(value)) - {"integer", "decimal"}
    assert not found & {"uuid", "date", "date-time", "email", "ipv4", "uri", "ulid"}


def test_epoch_detection() -> None:
    assert epoch_format(1_700_000_000, 1_750_000_000) == "unix-time"
    assert epoch_format(1_700_000_000_000, 1_750_000_000_000) == "unix-time-ms"
    assert epoch_format(1, 100) is None


@pytest.mark.parametrize(
    "seg",
    ["42", "550e8400-e29b-41d4-a716-446655440000", "01ARZ3NDEKTSV4RRFFQ69G5FAV", "deadbeef12",
     "a8Fk2LmQ9z", "post-123", "2024-01-02"],
)
def test_id_like(seg: str) -> None:
    assert is_id_like(seg)


@pytest.mark.parametrize("seg", ["api", "v1", "v2.1", "V3", "v1beta1", "users", "orders", "oauth2", "me", "line-items"])
def test_not_id_like(seg: str) -> None:
    assert not is_id_like(seg)


def test_route_table_most_specific_first() -> None:
    table = RouteTable(["/users/{id}", "/users/me", "/files/{name}.json", "/files/{path}", "/{any}/x"])
    hit = table.match("/users/me")
    assert hit is not None and hit.template == "/users/me"
    hit = table.match("/users/42")
    assert hit is not None and hit.template == "/users/{id}" and hit.params == {"id": "42"}
    hit = table.match("/files/report.json")
    assert hit is not None and hit.template == "/files/{name}.json" and hit.params == {"name": "report"}
    hit = table.match("/files/report.csv")
    assert hit is not None and hit.template == "/files/{path}"
    assert table.match("/nothing/here/at/all") is None
    hit = table.match("/users/a%20b/")
    assert hit is not None and hit.params == {"id": "a b"}


def test_route_table_strips_server_base_paths() -> None:
    bases = base_paths_from_servers([{"url": "https://api.example.com/v1"},
                                     {"url": "{scheme}://h/{base}", "variables": {"base": {"default": "api/v2"}}}])
    assert bases == ["/v1", "/api/v2"]
    table = RouteTable(["/pets/{petId}"], bases)
    for path in ("/v1/pets/7", "/api/v2/pets/7", "/pets/7"):
        hit = table.match(path)
        assert hit is not None and hit.template == "/pets/{petId}" and hit.params == {"petId": "7"}


def test_templater_ids_versions_and_names() -> None:
    t = Templater(InferOptions())
    assert t.template("/api/v2.1/orders/123/line-items/9") == (
        "/api/v2.1/orders/{orderId}/line-items/{lineItemId}", {"orderId": "123", "lineItemId": "9"})
    assert t.template("/v1/users/550e8400-e29b-41d4-a716-446655440000")[0] == "/v1/users/{userId}"
    assert t.template("/categories/01ARZ3NDEKTSV4RRFFQ69G5FAV")[0] == "/categories/{categoryId}"
    assert t.template("/files/123.json") == ("/files/{fileId}.json", {"fileId": "123"})
    assert t.template("/users/me")[0] == "/users/me"
    assert t.template("/")[0] == "/"


def test_param_name_dedupes() -> None:
    assert param_name("orders") == "orderId"
    assert param_name("addresses") == "addressId"
    assert param_name(None, ["id"]) == "id2"


def test_high_cardinality_literals_collapse_but_frequent_ones_stay() -> None:
    opts = InferOptions(path_cardinality=5)
    counts = {f"/users/{name}/posts": 2 for name in ["alice", "bob", "carol", "dave", "erin", "frank", "gina"]}
    counts["/users/search"] = 100
    mapping = collapse_high_cardinality(counts, opts)
    assert mapping["/users/alice/posts"] == ("/users/{userId}/posts", {"userId": "alice"})
    assert "/users/search" not in mapping
    assert collapse_high_cardinality({"/a": 1, "/b": 1}, opts) == {}


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://h:1/a/b?x=1#f", ("/a/b", "x=1")),
        ("http://h", ("/", "")),
        ("http://h?x=1", ("/", "x=1")),
        ("/a?b", ("/a", "b")),
        ("http://u@h/x;p?q", ("/x;p", "q")),
    ],
)
def test_split_url(url: str, expected: tuple[str, str]) -> None:
    from contractdrift.model import split_url

    assert split_url(url) == expected


def test_templater_collapses_online_past_the_hard_cap() -> None:
    t = Templater(InferOptions(path_cardinality=5))
    for i in range(60):
        t.template(f"/tags/word{chr(97 + i % 26)}{chr(97 + i // 26)}")
    assert t.template("/tags/brandnew")[0] == "/tags/{tagId}"


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["people", "files", "api"]), st.integers(0, 80), st.booleans()),
                max_size=300))
def test_templater_cache_of_plain_paths_changes_nothing(paths: list[tuple[str, int, bool]]) -> None:
    """Plain paths are cached; a prefix collapsing later (past the hard cap of literal children)
    must still re-template them exactly as a templater without the cache does."""
    class NoStore(dict):  # type: ignore[type-arg]
        def __setitem__(self, key: object, value: object) -> None:
            pass

    opts = InferOptions(path_cardinality=5)
    cached, plain = Templater(opts), Templater(opts)
    plain._plain = NoStore()
    for parent, n, deep in [*paths, *(("people", n, False) for n in range(60)), *paths]:
        name = "u" + "".join(chr(97 + int(d)) for d in str(n))  # letters only: literal, not id-like
        path = f"/{parent}/{name}" + ("/posts" if deep else "")
        assert cached.template(path) == plain.template(path)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab=&;%2+ x", max_size=30))
def test_fast_query_parsing_is_parse_qsl(query: str) -> None:
    from urllib.parse import parse_qsl

    from contractdrift.infer.inferred import parse_query

    expected: dict[str, object] = {}
    for k, v in parse_qsl(query, keep_blank_values=True):
        cur = expected.get(k)
        expected[k] = v if cur is None else [*cur, v] if isinstance(cur, list) else [cur, v]
    assert parse_query(query) == expected
