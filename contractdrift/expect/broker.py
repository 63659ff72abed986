"""A small Pact Broker client: the pacts a provider must honour, by consumer version selectors.

It follows the broker's HAL links from the index (``GET /``): with selectors (``tag``, ``branch``,
``latest``) it asks ``pb:provider-pacts-for-verification``; without, or when the broker lacks that
relation, ``pb:latest-provider-pacts`` (``…-with-tag`` per tag). Credentials come from the
environment, as in the Pact tools: ``PACT_BROKER_TOKEN`` (bearer), else ``PACT_BROKER_USERNAME`` and
``PACT_BROKER_PASSWORD`` (basic).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urljoin

from ..errors import InputError


@dataclass(frozen=True, slots=True, kw_only=True)
class BrokerSelection:
    provider: str
    tags: tuple[str, ...] = ()
    branch: str | None = None
    latest: bool = False

    def selectors(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = [{"tag": t, "latest": True} for t in self.tags]
        if self.branch:
            out.append({"branch": self.branch, **({"latest": True} if self.latest else {})})
        if self.latest and not self.tags and not self.branch:
            out.append({"latest": True})
        return out


@dataclass(frozen=True, slots=True)
class FetchedPact:
    url: str
    text: str


def _auth(env: Mapping[str, str]) -> tuple[dict[str, str], Any]:
    token = env.get("PACT_BROKER_TOKEN")
    if token:
        return {"Authorization": f"Bearer {token}"}, None
    user, password = env.get("PACT_BROKER_USERNAME"), env.get("PACT_BROKER_PASSWORD")
    if user:
        return {}, (user, password or "")
    return {}, None


def _expand(href: str, values: Mapping[str, str]) -> str:
    for k, v in values.items():
        href = href.replace("{" + k + "}", quote(v, safe=""))
    return href


def fetch_pacts(url: str, selection: BrokerSelection, *, env: Mapping[str, str] | None = None,
                timeout: float = 30.0) -> list[FetchedPact]:
    """The pacts of ``selection.provider`` on the broker at ``url`` (may be empty)."""
    import httpx

    headers, auth = _auth(os.environ if env is None else env)
    headers["Accept"] = "application/hal+json, application/json"
    base = url.rstrip("/") + "/"
    try:
        with httpx.Client(headers=headers, auth=auth, timeout=timeout, follow_redirects=True) as client:
            def get(u: str) -> Any:
                r = client.get(u)
                return _json(r, u)

            index = get(base)
            links = index.get("_links", {}) if isinstance(index, dict) else {}
            hrefs: list[str] = []
            selectors = selection.selectors()
            verification = _href(links, "pb:provider-pacts-for-verification")
            if selectors and verification:
                target = urljoin(base, _expand(verification, {"provider": selection.provider}))
                r = client.post(target, json={"consumerVersionSelectors": selectors})
                body = _json(r, target)
                for p in (body.get("_embedded") or {}).get("pacts") or ():
                    href = _href(p.get("_links") or {}, "self")
                    if href:
                        hrefs.append(urljoin(base, href))
            else:
                if selection.branch and not verification:
                    raise InputError(f"{url}: this broker cannot select by branch "
                                     "(no pb:provider-pacts-for-verification)")
                lists: list[str] = []
                if selection.tags:
                    tmpl = _href(links, "pb:latest-provider-pacts-with-tag")
                    if not tmpl:
                        raise InputError(f"{url}: the broker index has no pb:latest-provider-pacts-with-tag link")
                    lists = [_expand(tmpl, {"provider": selection.provider, "tag": t}) for t in selection.tags]
                else:
                    tmpl = _href(links, "pb:latest-provider-pacts")
                    if not tmpl:
                        raise InputError(f"{url}: the broker index has no pb:latest-provider-pacts link")
                    lists = [_expand(tmpl, {"provider": selection.provider})]
                for lst in lists:
                    target = urljoin(base, lst)
                    body = get(target)
                    blinks = body.get("_links") or {}
                    for p in blinks.get("pb:pacts") or blinks.get("pacts") or ():
                        if isinstance(p, dict) and isinstance(p.get("href"), str):
                            hrefs.append(urljoin(base, p["href"]))
            out: list[FetchedPact] = []
            for href in dict.fromkeys(hrefs):
                r = client.get(href)
                if r.status_code >= 400:
                    raise InputError(f"{href}: the broker answered {r.status_code}")
                out.append(FetchedPact(url=href, text=r.text))
            return out
    except httpx.HTTPError as e:
        raise InputError(f"{url}: cannot reach the Pact Broker ({type(e).__name__}: {e})") from None


def _href(links: Mapping[str, Any], rel: str) -> str | None:
    v = links.get(rel)
    if isinstance(v, list) and v:
        v = v[0]
    if isinstance(v, dict) and isinstance(v.get("href"), str):
        return str(v["href"])
    return None


def _json(r: Any, url: str) -> Any:
    if r.status_code in (401, 403):
        raise InputError(f"{url}: the broker refused the credentials ({r.status_code}); set PACT_BROKER_TOKEN "
                         "or PACT_BROKER_USERNAME/PACT_BROKER_PASSWORD")
    if r.status_code == 404:
        raise InputError(f"{url}: not found on the broker (404)")
    if r.status_code >= 400:
        raise InputError(f"{url}: the broker answered {r.status_code}")
    try:
        body = r.json()
    except ValueError:
        raise InputError(f"{url}: the broker's answer is not JSON") from None
    if not isinstance(body, dict):
        raise InputError(f"{url}: the broker's answer is not a JSON object")
    return body


def selection(provider: str, tags: Sequence[str] = (), branch: str | None = None, latest: bool = False
              ) -> BrokerSelection:
    return BrokerSelection(provider=provider, tags=tuple(tags), branch=branch, latest=latest)
