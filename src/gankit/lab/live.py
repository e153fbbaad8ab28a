"""The toy in the server: one `ToySession` trained on a worker thread, its frames sent to every
open page, and the page's messages (a `COMMANDS` table) applied to it.

Only one piece of work touches the session at a time (`LiveToy.lock`): a "one D step" pressed
while it plays waits for the current chunk of iterations to finish. While playing, the toy
trains for `chunk_seconds` of wall time, then a frame is made and sent; the page redraws on each
frame, so chunk_seconds sets the frame rate (1 / (chunk + frame time)).

A message is JSON `{"type": NAME, ...}`; anything malformed or refused is answered with
`{"type": "error", "message": ...}` to that page alone, and the toy keeps training.
"""

import asyncio
import json
import logging
import traceback
from collections.abc import Callable

import torch

from gankit.errors import GankitError

from .data import check_points
from .frames import FrameMaker
from .point_links import MAX_LINK_POINTS, points_from_link, points_link
from .session import ToySession
from .slowmo import record_iteration
from .settings import parse_settings, settings_query

log = logging.getLogger("gankit.lab")
MAX_MESSAGE_CHARS = 512 * 1024  # a drawing of MAX_POINTS points fits easily


class LiveToy:
    """The session, the pages that watch it, and whether it plays."""

    def __init__(self, session: ToySession, *, chunk_seconds: float = 0.05):
        self.session = session
        self.frames = FrameMaker()
        self.chunk_seconds = chunk_seconds
        self.playing = False
        self.sockets: set = set()
        self.lock = asyncio.Lock()
        self._task: asyncio.Task | None = None
        self.notice = ""  # what the last change did ("new networks: ...")
        self.slow: dict | None = None  # slow motion: {"steps": [SubStep], "index": i, "after": frame}

    async def work(self, job: Callable[[ToySession], object]) -> dict:
        """Run `job(session)` on a worker thread, alone; return the frame after it."""
        def job_then_frame() -> dict:
            job(self.session)
            return self.frames.frame(self.session)

        async with self.lock:
            return await asyncio.to_thread(job_then_frame)

    def status(self) -> dict:
        """Whether it plays, the settings (URL fields), the last change's notice, and the user's
        points: how many, and as the URL's `points` value (None when there are none or too many
        for a link)."""
        s = self.session
        return {"type": "status", "playing": self.playing, "settings": settings_query(s.settings),
                "notice": self.notice, "custom_points": 0 if s.custom is None else len(s.custom),
                "points_link": None if s.custom is None else points_link(s.custom),
                "max_link_points": MAX_LINK_POINTS}

    async def broadcast(self, message: dict) -> None:
        text = json.dumps(message)
        for socket in list(self.sockets):
            try:
                await socket.send_text(text)
            except Exception:  # a closed page: forget it
                self.sockets.discard(socket)

    async def _play(self) -> None:
        try:
            while self.playing:
                frame = await self.work(lambda s: s.run_for(self.chunk_seconds))
                await self.broadcast(frame)
                await asyncio.sleep(0)
        except Exception as err:  # training itself failed (e.g. a diverged toy): say so, stop playing
            log.error("lab: training stopped: %s", traceback.format_exc())
            self.playing = False
            await self.broadcast({"type": "error", "message": f"training stopped: {err}"})
            await self.broadcast(self.status())

    def play(self) -> None:
        if not self.playing:
            self.playing = True
            self._task = asyncio.get_running_loop().create_task(self._play())

    async def pause(self) -> None:
        self.playing = False
        if self._task is not None:
            await self._task
            self._task = None

    async def handle(self, text: str) -> list[dict]:
        """The replies to one message from a page (to it alone); frames and status for every
        page are broadcast. Never raises."""
        try:
            if len(text) > MAX_MESSAGE_CHARS:
                raise GankitError(f"message larger than {MAX_MESSAGE_CHARS // 1024} KB")
            try:
                message = json.loads(text)
            except ValueError:
                raise GankitError("a message must be JSON like {\"type\": \"play\"}") from None
            if not isinstance(message, dict) or message.get("type") not in COMMANDS:
                raise GankitError(f"unknown message; its type must be one of {', '.join(COMMANDS)}")
            if self.slow is not None and not message["type"].startswith("slow_"):
                await cmd_slow_stop(self, message)  # the iteration already ran: show its result first
            await COMMANDS[message["type"]](self, message)
            return []
        except GankitError as err:
            return [{"type": "error", "message": str(err)}]
        except Exception as err:  # a bug: reported, the server and the training go on
            log.error("lab: message %r failed: %s", text[:200], traceback.format_exc())
            return [{"type": "error", "message": f"internal error: {type(err).__name__}: {err}"}]

    async def step_and_show(self, job: Callable[[ToySession], object]) -> None:
        """Pause, run `job` once, show its frame."""
        await self.pause()
        await self.broadcast(await self.work(job))
        await self.broadcast(self.status())

    async def change(self, settings: dict, points: torch.Tensor | None = None) -> None:
        """Apply new settings (URL fields) and points, while playing or not."""
        new = parse_settings(settings)
        if new.data == "custom" and points is None and self.session.custom is None:
            raise GankitError("data=custom needs points: draw some or upload a CSV")
        reset = await self.work_result(lambda s: s.apply(new, points))
        self.notice = ("these settings change the networks' shape or optimiser: new networks, training restarts"
                       if reset else "")
        await self.broadcast(self.status())
        if not self.playing:
            await self.broadcast(await self.work(lambda s: None))

    async def work_result(self, job: Callable[[ToySession], object]):
        """Run `job(session)` on a worker thread, alone; return what it returns."""
        async with self.lock:
            return await asyncio.to_thread(job, self.session)


async def cmd_hello(toy: LiveToy, message: dict) -> None:
    await toy.broadcast(toy.status())
    await toy.broadcast(await toy.work(lambda s: None))


async def cmd_play(toy: LiveToy, message: dict) -> None:
    toy.play()
    await toy.broadcast(toy.status())


async def cmd_pause(toy: LiveToy, message: dict) -> None:
    await toy.pause()
    await toy.broadcast(toy.status())


async def cmd_reset(toy: LiveToy, message: dict) -> None:
    toy.notice = ""
    await toy.step_and_show(lambda s: s.reset())


async def cmd_d_step(toy: LiveToy, message: dict) -> None:
    await toy.step_and_show(lambda s: s.d_step())


async def cmd_g_step(toy: LiveToy, message: dict) -> None:
    await toy.step_and_show(lambda s: s.g_step())


async def cmd_iteration(toy: LiveToy, message: dict) -> None:
    await toy.step_and_show(lambda s: s.iteration())


async def cmd_settings(toy: LiveToy, message: dict) -> None:
    """New settings (URL fields); with "points_link" (a link's `points` value), the user's points too."""
    settings, link = message.get("settings"), message.get("points_link")
    if not isinstance(settings, dict):
        raise GankitError('a settings message needs "settings": {field: value}')
    await toy.change({k: str(v) for k, v in settings.items()}, None if link is None else points_from_link(link))


async def cmd_points(toy: LiveToy, message: dict) -> None:
    """Points drawn on the page: train on them (data=custom)."""
    points = message.get("points")
    try:
        tensor = torch.tensor(points, dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError):
        raise GankitError('a points message needs "points": [[x, y], ...]') from None
    settings = {**settings_query(toy.session.settings), "data": "custom"}
    await toy.change(settings, check_points(tensor))


async def cmd_slow_start(toy: LiveToy, message: dict) -> None:
    """Run one iteration traced (gankit.lab.slowmo) and show its first sub-step; each sub-step
    carries the picture as it stands when that sub-step ends."""
    await toy.pause()
    async with toy.lock:
        steps = await asyncio.to_thread(record_iteration, toy.session, toy.frames)
        after = await asyncio.to_thread(toy.frames.frame, toy.session)
    toy.slow = {"steps": steps, "index": 0, "after": after}
    await toy.broadcast(steps[0].to_message(0, len(steps)))


async def cmd_slow_next(toy: LiveToy, message: dict) -> None:
    if toy.slow is None:
        raise GankitError("not in slow motion: press \"slow motion\" first")
    toy.slow["index"] += 1
    steps, index = toy.slow["steps"], toy.slow["index"]
    if index < len(steps):
        return await toy.broadcast(steps[index].to_message(index, len(steps)))
    await cmd_slow_stop(toy, message)


async def cmd_slow_stop(toy: LiveToy, message: dict) -> None:
    """Leave slow motion, showing the frame after the iteration."""
    if toy.slow is not None:
        after, toy.slow = toy.slow["after"], None
        await toy.broadcast({"type": "slow_done"})
        await toy.broadcast(after)


# message type -> handler(toy, message)
COMMANDS = {
    "hello": cmd_hello,
    "play": cmd_play,
    "pause": cmd_pause,
    "reset": cmd_reset,
    "d_step": cmd_d_step,
    "g_step": cmd_g_step,
    "iteration": cmd_iteration,
    "settings": cmd_settings,
    "points": cmd_points,
    "slow_start": cmd_slow_start,
    "slow_next": cmd_slow_next,
    "slow_stop": cmd_slow_stop,
}
