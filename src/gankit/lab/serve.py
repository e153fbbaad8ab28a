"""Start the lab: a token, a socket, the URL printed, uvicorn serving until Ctrl-C."""

import secrets
import socket
import webbrowser
from pathlib import Path

import torch
import uvicorn

from gankit.errors import GankitError

from .live import LiveToy
from .runs import RunRoom
from .server import make_app
from .session import ToySession

MAX_SOCKET_MESSAGE_BYTES = 1024 * 1024  # uvicorn closes a socket that sends a larger message


def serve_lab(*, host: str = "127.0.0.1", port: int = 8765, open_browser: bool = False, runs: list[str] = (),
              runs_dir: str = "runs", preset: str = "configs/fast.toml", train_overrides: list[str] = ()) -> int:
    """Serve the lab at host:port (0: a free port) until interrupted; prints its URL with the token."""
    torch.set_num_threads(1)  # a toy step is tiny: one core, and the server stays responsive
    room = RunRoom(Path(runs_dir), Path(preset), list(train_overrides))
    for run in runs:
        room.follow(run)
    token = secrets.token_urlsafe(24)
    app = make_app(LiveToy(ToySession()), token=token, room=room)
    listener = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
        listener.listen(128)  # connections wait in the queue from now on, before uvicorn has started
    except OSError as err:
        raise GankitError(f"cannot listen on {host}:{port} ({err.strerror}); try --port 0") from None
    shown_host = f"[{host}]" if ":" in host else host
    url = f"http://{shown_host}:{listener.getsockname()[1]}/?token={token}"
    print(f"gankit lab: {url}", flush=True)
    if open_browser:
        webbrowser.open(url)
    config = uvicorn.Config(app, log_level="warning", ws_max_size=MAX_SOCKET_MESSAGE_BYTES, lifespan="on")
    uvicorn.Server(config).run(sockets=[listener])
    return 0
