"""A small Starlette file store behind CORS whose HEAD, OPTIONS and multipart traffic drifts from
tests/traffic_check/data/files.yaml in known ways (see tests/traffic_check/test_e2e_methods.py).

GET /v1/files/{fileId}: the file's metadata with a required X-Checksum header; Starlette answers
HEAD on the same route (its app sends the body, uvicorn drops it); for fileId 13 a HEAD leaves the
header out. POST /v1/files: a multipart upload, accepted without parsing it (201). CORS allows GET,
POST and DELETE from https://app.example (DELETE is documented nowhere; PUT /files/{fileId} is
documented but not allowed).
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


async def files(request: Request) -> Response:
    if request.method == "POST":
        await request.body()
        return JSONResponse({"id": 99, "name": "upload"}, status_code=201)
    return JSONResponse([{"id": 1, "name": "a.pdf"}])


async def get_file(request: Request) -> Response:
    file_id = int(request.path_params["fileId"])
    headers = {"X-Checksum": f"sha256-{file_id:04d}"}
    if request.method == "HEAD" and file_id == 13:
        headers = {}
    return JSONResponse({"id": file_id, "name": f"{file_id}.pdf"}, headers=headers)


async def put_file(request: Request) -> Response:
    return Response(status_code=204)


app = Starlette(
    routes=[
        Route("/v1/files", files, methods=["GET", "POST"]),  # one route: its 405 lists both in Allow
        Route("/v1/files/{fileId:int}", get_file, methods=["GET"]),
        Route("/v1/files/{fileId:int}", put_file, methods=["PUT"]),
    ],
    middleware=[Middleware(CORSMiddleware, allow_origins=["https://app.example"],
                           allow_methods=["GET", "POST", "DELETE"])],
)
