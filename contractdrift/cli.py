"""Command line: parse, call :mod:`contractdrift.api`, render, exit. Nothing else.

Exit codes: 0 nothing at/above ``--fail-on``; 1 findings at/above it; 2 bad input or usage.
Each sub-command registers itself in :func:`build_parser` and has one ``_cmd_*`` handler.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeAlias

from . import __version__
from .errors import ContractDriftError

Handler = Callable[[argparse.Namespace], int]
Subparsers: TypeAlias = "argparse._SubParsersAction[Any]"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="contractdrift", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--version", action="version", version=f"contractdrift {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    sub: Subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for register in _REGISTRY:
        register(sub)
    return parser


# --- sub-commands: each `_add_*` registers a parser and sets `handler` -------------------------

_REGISTRY: list[Callable[[Subparsers], None]] = []


def _add_validate(sub: Subparsers) -> None:
    p = sub.add_parser(
        "validate",
        help="validate an OpenAPI/Swagger spec with openapi-spec-validator",
        description="Validate SPEC (a file, or a git REF:path such as origin/main:openapi.yaml) with "
        "openapi-spec-validator and print one 'file:line:col: message' line per problem. Remote $refs "
        "are never fetched. Exit 0 when valid, 1 when invalid, 2 when the file cannot be read.",
    )
    p.add_argument("spec", metavar="SPEC", help="spec file or git REF:path")
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format (default text)")
    p.set_defaults(handler=_cmd_validate)


def _cmd_validate(args: argparse.Namespace) -> int:
    import json

    from . import api

    problems = api.validate(args.spec)
    if args.format == "json":
        out = {
            "spec": args.spec,
            "valid": not problems,
            "problems": [
                {
                    "message": p.message,
                    "pointer": p.location.pointer,
                    "file": p.location.position.file if p.location.position else p.file,
                    "line": p.location.position.line if p.location.position else None,
                    "col": p.location.position.col if p.location.position else None,
                }
                for p in problems
            ],
        }
        print(json.dumps(out, indent=2, ensure_ascii=False))
    else:
        for problem in problems:
            print(problem)
        if not problems:
            print(f"{args.spec}: valid")
    return 1 if problems else 0


_REGISTRY.append(_add_validate)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return handler(args)
    except ContractDriftError as exc:
        if args.debug:
            raise
        print(f"contractdrift: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
