"""`gankit lab`'s web app (Starlette, served by uvicorn): the page, its assets, one WebSocket for
the toy, and a small JSON API for uploads, save/load and run folders.

Safety, as Jupyter does it:
- a random token, printed in the URL, is required on every request and socket: in the `token`
  query parameter, the `X-Lab-Token` header, or the cookie the page's first load sets
  (HttpOnly, SameSite=Strict); without it, 403;
- a WebSocket or a POST whose Origin is not this server's own is refused (403), so a web page
  from elsewhere in the same browser cannot drive the lab;
- static files are served from the package's `static/` folder only (`../` gets 404);
- request bodies are size-limited (`MAX_BODY_BYTES`) and every parse error is a 400 with a message.
"""

import contextlib
import secrets
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import HTTPConnection, Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect

from gankit.errors import GankitError

from .bodies import error, read_body
from .data import MAX_CSV_BYTES, parse_points
from .live import LiveToy
from .runs import RunRoom, run_routes
from .session import MAX_SAVE_BYTES, load_toy, save_toy
from .settings import choices, settings_query

STATIC = Path(__file__).parent / "static"
COOKIE = "gankit_lab_token"


def presented_token(scope: dict) -> str:
    """The token a request or socket carries: query, header or cookie ("" if none)."""
    connection = HTTPConnection(scope)
    return (connection.query_params.get("token") or connection.headers.get("x-lab-token")
            or connection.cookies.get(COOKIE) or "")


def same_origin(scope: dict) -> bool:
    """True when the Origin header is absent (not a browser page) or names this server."""
    headers = dict(scope.get("headers") or [])
    origin = headers.get(b"origin")
    if origin is None:
        return True
    host = headers.get(b"host", b"").decode("latin-1")
    return origin.decode("latin-1") in (f"http://{host}", f"https://{host}")


class Guard:
    """ASGI middleware: the token on everything; the Origin on sockets and POSTs."""

    def __init__(self, app, *, token: str):
        self.app, self.token = app, token

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        allowed = secrets.compare_digest(presented_token(scope).encode(), self.token.encode())
        if scope["type"] == "websocket" or scope.get("method") not in ("GET", "HEAD"):
            allowed = allowed and same_origin(scope)
        if allowed:
            return await self.app(scope, receive, send)
        if scope["type"] == "websocket":
            await receive()  # websocket.connect
            return await send({"type": "websocket.close", "code": 1008})  # the handshake gets 403
        response = PlainTextResponse("403: this lab needs the token from the URL `gankit lab` printed, "
                                     "from this server's own page", status_code=403)
        return await response(scope, receive, send)


def make_app(toy: LiveToy, *, token: str, room: RunRoom | None = None) -> Starlette:
    """The lab's app around `toy`; `room` holds the run folders the page follows."""
    room = room or RunRoom()

    async def index(request: Request) -> Response:
        response = FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})
        response.set_cookie(COOKIE, token, httponly=True, samesite="strict")
        return response

    async def api_choices(request: Request) -> Response:
        return JSONResponse({"settings": choices(), "current": settings_query(toy.session.settings)})

    async def api_weights(request: Request) -> Response:
        s = toy.session
        return JSONResponse({**s.fingerprints(), "iterations": s.iterations, "d_steps": s.d_steps,
                             "g_steps": s.g_steps, "settings": settings_query(s.settings)})

    async def api_points(request: Request) -> Response:
        try:
            text = (await read_body(request, MAX_CSV_BYTES)).decode("utf-8")
            points = parse_points(text)
            await toy.change({**settings_query(toy.session.settings), "data": "custom"}, points)
        except UnicodeDecodeError:
            return error("the CSV is not UTF-8 text")
        except GankitError as err:
            return error(str(err))
        return JSONResponse({"points": len(points)})

    async def api_save(request: Request) -> Response:
        blob = await toy.work_result(save_toy)
        return Response(blob, media_type="application/octet-stream",
                        headers={"Content-Disposition": 'attachment; filename="gankit-lab-toy.safetensors"'})

    async def api_load(request: Request) -> Response:
        try:
            blob = await read_body(request, MAX_SAVE_BYTES)
            session = load_toy(blob)
        except GankitError as err:
            return error(str(err))
        await toy.pause()
        async with toy.lock:
            toy.session, toy.slow = session, None
        toy.notice = f"loaded a toy trained for {session.iterations:,} iterations"
        await toy.broadcast(toy.status())
        await toy.broadcast(await toy.work(lambda s: None))
        return JSONResponse({"settings": settings_query(session.settings)})

    async def socket(websocket: WebSocket) -> None:
        await websocket.accept()
        toy.sockets.add(websocket)
        try:
            while True:
                for reply in await toy.handle(await websocket.receive_text()):
                    await websocket.send_json(reply)
        except (WebSocketDisconnect, RuntimeError, KeyError):  # closed, or a binary frame
            pass
        finally:
            toy.sockets.discard(websocket)

    routes = [
        Route("/", index),
        Route("/api/choices", api_choices),
        Route("/api/weights", api_weights),
        Route("/api/points", api_points, methods=["POST"]),
        Route("/api/save", api_save),
        Route("/api/load", api_load, methods=["POST"]),
        *run_routes(room),
        WebSocketRoute("/ws", socket),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield
        await toy.pause()
        room.stop()

    app = Starlette(routes=routes, lifespan=lifespan)
    app.add_middleware(Guard, token=token)
    return app
