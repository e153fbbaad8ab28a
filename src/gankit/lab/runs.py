"""Image runs, live: follow run folders as `gankit train` writes them, and start one.

The lab reads only a run folder's files (`gankit.runs`): stats.jsonl, metrics.jsonl,
alarms.jsonl and samples/step-*.png. So it follows a run on another machine through a shared
folder, or a torchrun run (rank 0 writes the folder), as well as the one it started. A line
being written (no newline yet) is left for the next read.

    GET  /api/runs                 the followed runs: [{index, path, name, process}]
    POST /api/runs                 {"path": RUN}: follow that folder
    POST /api/runs/start           start `gankit train --config PRESET` into the runs folder
    GET  /api/runs/{i}?stats_from=N&metrics_from=M&alarms_from=A   new records and the latest grid
    GET  /api/runs/{i}/grid?step=S the fixed-noise grid written at step S (PNG)

A relative PRESET not found in the current folder is read from the checkout this gankit runs
from (`configs/` beside `src/`), so the default `configs/fast.toml` starts from any folder.
"""

import asyncio
import json
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse
from starlette.routing import Route

from gankit.errors import GankitError

from .bodies import error, read_body

GRID_NAME = re.compile(r"^step-(\d+)\.png$")
MAX_FOLLOWED = 16  # runs one lab follows at most
MAX_FOLLOW_BYTES = 4096  # a {"path": RUN} request
CHECKOUT = Path(__file__).resolve().parents[3]  # src/gankit/lab/runs.py -> the checkout, with configs/ beside src/


def read_jsonl(path: Path, start: int = 0) -> list[dict]:
    """The complete JSON lines of `path` from line `start` on ([] if it does not exist yet)."""
    try:
        text = path.read_text()
    except (FileNotFoundError, UnicodeDecodeError):
        return []
    lines = text.split("\n")[:-1]  # the last piece has no newline yet: still being written
    records = []
    for line in lines[start:]:
        try:
            records.append(json.loads(line))
        except ValueError:
            records.append({})  # keep the count of lines, so `start` stays right
    return records


def grid_files(run_dir: Path) -> dict[int, Path]:
    """step -> the run's fixed-noise grid written at that step."""
    return {int(m.group(1)): p for p in (run_dir / "samples").glob("step-*.png") if (m := GRID_NAME.match(p.name))}


@dataclass
class FollowedRun:
    path: Path
    process: subprocess.Popen | None = None  # the `gankit train` this lab started, if it did
    log: Path | None = None  # that process's output

    def process_state(self) -> dict | None:
        if self.process is None:
            return None
        code = self.process.poll()
        tail = self.log.read_text(errors="replace")[-2000:] if self.log and self.log.exists() else ""
        return {"running": code is None, "exit_code": code, "output": tail}

    def read(self, *, stats_from: int, metrics_from: int, alarms_from: int) -> dict:
        steps = sorted(grid_files(self.path))
        return {"path": str(self.path), "name": self.path.name,
                "stats": read_jsonl(self.path / "stats.jsonl", stats_from),
                "metrics": read_jsonl(self.path / "metrics.jsonl", metrics_from),
                "alarms": read_jsonl(self.path / "alarms.jsonl", alarms_from),
                "grid_step": steps[-1] if steps else None, "process": self.process_state()}


@dataclass
class RunRoom:
    """The runs one lab follows, and how it starts a new one."""

    runs_dir: Path = Path("runs")
    preset: Path = Path("configs/fast.toml")
    overrides: list[str] = field(default_factory=list)  # extra `section.key=value` for started runs
    runs: list[FollowedRun] = field(default_factory=list)

    def follow(self, path: str | Path) -> int:
        run_dir = Path(path).expanduser()
        if not run_dir.is_dir():
            raise GankitError(f"{path}: no such folder; give a run folder such as runs/00001-fast")
        if not any((run_dir / name).exists() for name in ("stats.jsonl", "config.toml", "samples")):
            raise GankitError(f"{path}: not a run folder (no config.toml, stats.jsonl or samples/)")
        for index, run in enumerate(self.runs):
            if run.path.resolve() == run_dir.resolve():
                return index
        if len(self.runs) >= MAX_FOLLOWED:
            raise GankitError(f"this lab follows at most {MAX_FOLLOWED} runs")
        self.runs.append(FollowedRun(run_dir))
        return len(self.runs) - 1

    def start(self) -> int:
        """Start `gankit train --config PRESET` (a real process writing a real run folder);
        returns the index of its run, followed from now on."""
        preset = find_preset(self.preset)
        self.runs_dir.mkdir(parents=True, exist_ok=True)
        before = set(self.runs_dir.iterdir())
        log = self.runs_dir / f".lab-train-{len(self.runs)}.log"
        command = [sys.executable, "-m", "gankit", "train", "--config", str(preset),
                   f"--train.runs_dir={self.runs_dir}", *(f"--{o}" for o in self.overrides)]
        with open(log, "w") as out:
            process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        run_dir = self._wait_for_new_folder(before, process)
        self.runs.append(FollowedRun(run_dir, process, log))
        return len(self.runs) - 1

    def _wait_for_new_folder(self, before: set, process: subprocess.Popen, seconds: float = 60.0) -> Path:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            new = [p for p in set(self.runs_dir.iterdir()) - before if p.is_dir()]
            if new:
                return sorted(new)[-1]
            if process.poll() is not None:
                raise GankitError(f"gankit train exited with code {process.returncode} before making a run folder")
            time.sleep(0.2)
        raise GankitError("gankit train made no run folder within a minute")

    def stop(self) -> None:
        """End the training processes this lab started."""
        for run in self.runs:
            if run.process is not None and run.process.poll() is None:
                run.process.terminate()


def find_preset(preset: Path) -> Path:
    """The config file `preset` names: the path itself, or a relative one in the checkout
    (`CHECKOUT / preset`); GankitError naming the places looked in when neither is a file."""
    places = [preset] if preset.is_absolute() else [preset, CHECKOUT / preset]
    for place in places:
        if place.is_file():
            return place.resolve()
    looked = " nor ".join(str(p.resolve()) for p in places)
    raise GankitError(f"{preset}: the preset config is not there (not {looked}); start the lab with --preset PATH")


def run_routes(room: RunRoom) -> list[Route]:
    def find(request: Request) -> FollowedRun | None:
        index = request.path_params["index"]
        return room.runs[index] if index < len(room.runs) else None

    async def list_runs(request: Request):
        return JSONResponse([{"index": i, "path": str(r.path), "name": r.path.name} for i, r in enumerate(room.runs)])

    async def follow(request: Request):
        try:
            body = json.loads(await read_body(request, MAX_FOLLOW_BYTES) or b"{}")
            index = room.follow(str(body.get("path", "")))
        except (ValueError, AttributeError):
            return error('expected JSON {"path": RUN}')
        except GankitError as err:
            return error(str(err))
        return JSONResponse({"index": index})

    async def start(request: Request):
        try:
            index = await asyncio.to_thread(room.start)
        except GankitError as err:
            return error(str(err))
        return JSONResponse({"index": index, "path": str(room.runs[index].path)})

    async def read(request: Request):
        run = find(request)
        if run is None:
            return error("no such run", 404)
        try:
            start = {k: max(0, int(request.query_params.get(k, 0))) for k in ("stats_from", "metrics_from", "alarms_from")}
        except ValueError:
            return error("stats_from, metrics_from and alarms_from are line counts")
        return JSONResponse(run.read(**start))

    async def grid(request: Request):
        run = find(request)
        step = request.query_params.get("step", "")
        if run is None or not step.isdigit():
            return error("no such run or step", 404)
        path = grid_files(run.path).get(int(step))
        if path is None:
            return error("no such grid", 404)
        return FileResponse(path, headers={"Cache-Control": "max-age=3600"})

    return [Route("/api/runs", list_runs), Route("/api/runs", follow, methods=["POST"]),
            Route("/api/runs/start", start, methods=["POST"]),
            Route("/api/runs/{index:int}", read), Route("/api/runs/{index:int}/grid", grid)]
