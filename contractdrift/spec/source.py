"""Where spec text comes from: the filesystem, a git revision (``REF:path``), or (opt-in) http(s).

A :class:`Location` names one document: its canonical ``uri`` (absolute path, ``git:REF:path`` or URL),
what users see (``display``), and how to read it and to resolve a relative reference against it.
"""

from __future__ import annotations

import os
import posixpath
import subprocess
from dataclasses import dataclass
from urllib.parse import unquote, urljoin, urlsplit

from ..errors import InputError

#: Largest remote document accepted (bytes).
MAX_REMOTE_BYTES = 50 * 1024 * 1024
REMOTE_TIMEOUT_S = 10.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Location:
    """One readable document. ``kind`` is ``"file"``, ``"git"``, ``"url"`` or ``"memory"``."""

    kind: str
    uri: str
    display: str
    path: str = ""  # file: absolute path; git: repository-relative posix path; url: the URL
    rev: str = ""  # git: the commit id the REF resolved to
    ref_name: str = ""  # git: the REF as the user wrote it
    cwd: str = ""  # git: where to run git; file/memory: base for relative displays
    display_dir: str = ""  # directory part of ``display`` for files (keeps relative displays relative)

    def join(self, target: str) -> Location:
        """Resolve a relative reference (the part of a ``$ref`` before ``#``) against this document."""
        if is_url(target):
            return url_location(target)
        if self.kind == "url":
            return url_location(urljoin(self.path, target))
        target = unquote(target)
        if self.kind == "git":
            joined = posixpath.normpath(posixpath.join(posixpath.dirname(self.path), target))
            if joined.startswith("../") or joined == "..":
                raise InputError(f"$ref {target!r} points outside the repository", file=self.display)
            return Location(kind="git", uri=f"git:{self.ref_name}:{joined}", display=f"{self.ref_name}:{joined}",
                            path=joined, rev=self.rev, ref_name=self.ref_name, cwd=self.cwd)
        base_dir = os.path.dirname(self.path) if self.kind == "file" else (self.cwd or os.getcwd())
        absolute = os.path.normpath(os.path.join(base_dir, target))
        display = os.path.normpath(os.path.join(self.display_dir, target)) if self.kind == "file" else target
        return file_location(absolute, display=display)

    def read(self) -> str:
        """The document text. Unreadable -> InputError."""
        if self.kind == "file":
            try:
                with open(self.path, "rb") as handle:
                    raw = handle.read()
            except FileNotFoundError:
                raise InputError("file not found", file=self.display) from None
            except IsADirectoryError:
                raise InputError("is a directory, not a spec file", file=self.display) from None
            except OSError as exc:
                raise InputError(f"cannot read: {exc.strerror or exc}", file=self.display) from None
            return decode(raw, self.display)
        if self.kind == "git":
            return decode(git_show(self.cwd, self.rev, self.path, self.display), self.display)
        if self.kind == "url":
            return decode(fetch(self.path), self.display)
        raise InputError("in-memory document has no text", file=self.display)


def decode(raw: bytes, display: str) -> str:
    """UTF-8 (with or without BOM), UTF-16/32 with BOM. Anything else -> InputError."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    elif raw.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    else:
        encoding = "utf-8"
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputError(f"not valid {encoding} text (byte offset {exc.start})", file=display) from None


def is_url(text: str) -> bool:
    return text.startswith(("http://", "https://"))


def file_location(path: str, *, display: str | None = None) -> Location:
    absolute = os.path.normpath(os.path.abspath(path))
    shown = display if display is not None else path
    return Location(kind="file", uri=absolute, display=shown, path=absolute,
                    display_dir=os.path.dirname(shown))


def url_location(url: str) -> Location:
    clean = url.split("#", 1)[0]
    return Location(kind="url", uri=clean, display=clean, path=clean)


def memory_location(name: str, cwd: str | None = None) -> Location:
    return Location(kind="memory", uri=name, display=name, cwd=cwd or os.getcwd())


def _git(cwd: str, *args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=60, check=False)
    except FileNotFoundError:
        raise InputError("git is not installed") from None
    except subprocess.TimeoutExpired:
        raise InputError(f"git {' '.join(args)} timed out") from None


def git_commit(cwd: str, ref: str) -> str | None:
    """The commit id ``ref`` names in the repository at ``cwd``, or None when it is not a revision."""
    if not ref or ref.startswith("-"):
        return None
    try:
        result = _git(cwd, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except InputError:
        return None
    if result.returncode != 0:
        return None
    return result.stdout.decode().strip() or None


def git_show(cwd: str, rev: str, path: str, display: str) -> bytes:
    result = _git(cwd, "show", f"{rev}:{path}")
    if result.returncode != 0:
        message = result.stderr.decode(errors="replace").strip().splitlines()
        detail = message[-1] if message else "git show failed"
        raise InputError(f"cannot read from git: {detail}", file=display)
    return result.stdout


def source_location(source: str | os.PathLike[str], cwd: str | None = None) -> Location:
    """Interpret a user-given source: URL, existing path, or ``REF:path`` naming a git revision."""
    text = os.fspath(source)
    base = cwd or os.getcwd()
    if is_url(text):
        return url_location(text)
    as_path = text if os.path.isabs(text) else os.path.join(base, text)
    if ":" in text and not os.path.exists(as_path):
        ref, _, path = text.partition(":")
        commit = git_commit(base, ref)
        if commit is not None:
            if not path:
                raise InputError(f"git source {text!r} names no file after ':'")
            repo_path = path
            if path.startswith(("./", "../")) or path in (".", ".."):
                prefix = _git(base, "rev-parse", "--show-prefix").stdout.decode().strip()
                repo_path = posixpath.normpath(posixpath.join(prefix, path))
            repo_path = posixpath.normpath(repo_path.lstrip("/"))
            if repo_path.startswith(".."):
                raise InputError(f"git source {text!r} points outside the repository")
            return Location(kind="git", uri=f"git:{ref}:{repo_path}", display=f"{ref}:{repo_path}",
                            path=repo_path, rev=commit, ref_name=ref, cwd=base)
    location = file_location(as_path, display=text)
    return location


def fetch(url: str) -> bytes:
    """GET ``url`` with a timeout and a size cap (used only when remote refs are allowed)."""
    import httpx

    scheme = urlsplit(url).scheme
    if scheme not in ("http", "https"):
        raise InputError(f"unsupported URL scheme {scheme!r}", file=url)
    try:
        with httpx.stream("GET", url, timeout=REMOTE_TIMEOUT_S, follow_redirects=True) as response:
            if response.status_code >= 400:
                raise InputError(f"HTTP {response.status_code} fetching remote document", file=url)
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > MAX_REMOTE_BYTES:
                    raise InputError(f"remote document larger than {MAX_REMOTE_BYTES} bytes", file=url)
                chunks.append(chunk)
            return b"".join(chunks)
    except httpx.HTTPError as exc:
        raise InputError(f"cannot fetch remote document: {exc}", file=url) from None
