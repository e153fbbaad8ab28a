"""The lab's speed: toy iterations per second and frames per second, through the real server.

    .venv/bin/python bench/lab_throughput.py [--seconds 10] [--batch-size 128] [--core 0]

Two measurements, both on one core (torch.set_num_threads(1); the server sets the same):
1. training alone: `ToySession.run_for` (gankit.step.train_step, k = 1) for --seconds, in this
   process: iterations per second with nothing drawn;
2. the lab as a page sees it: `gankit lab --port 0` in a subprocess, a WebSocket client that
   presses play and reads frames for --seconds: frames per second, iterations per second while
   frames are made and sent (from the frames' iteration counters), and each frame's size.
The machine's fp32 matmul rate on one thread is measured in the same run. Each rate is also
given per CPU second (this process's, or the server's from /proc): on a loaded machine
wall-clock rates fall with the load, rates per CPU second much less. `--core N` holds the
training and the server to core N (the client that reads the frames runs on the other cores).
Prints one JSON object; the README of the numbers is BENCHMARKS.md ("The lab").
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import torch

REPO = Path(__file__).resolve().parents[1]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process `pid` so far (Linux /proc), all its threads."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def matmul_gflops(size: int = 1024, repeats: int = 5) -> float:
    """This machine's fp32 matmul rate on one thread right now, in GFLOP/s (median of `repeats`)."""
    torch.set_num_threads(1)
    a, b = torch.rand(size, size), torch.rand(size, size)
    a @ b  # warm up
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        rates.append(2 * size**3 / (time.perf_counter() - start) / 1e9)
    return statistics.median(rates)


def training_alone(seconds: float, batch_size: int, core: int | None) -> tuple[float, float]:
    from gankit.lab.session import ToySession
    from gankit.lab.settings import parse_settings

    if core is not None:
        os.sched_setaffinity(0, {core})
    torch.set_num_threads(1)
    toy = ToySession(parse_settings({"batch_size": str(batch_size)}))
    toy.run_for(0.5)  # warm up
    start, cpu, before = time.perf_counter(), time.process_time(), toy.iterations
    toy.run_for(seconds, at_most=10**9)
    done = toy.iterations - before
    return done / (time.perf_counter() - start), done / (time.process_time() - cpu)


def through_the_server(seconds: float, batch_size: int, core: int | None) -> dict:
    from websockets.sync.client import connect

    env = {**os.environ, "PYTHONPATH": str(REPO / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    pin = None if core is None else (lambda: os.sched_setaffinity(0, {core}))
    process = subprocess.Popen([sys.executable, "-m", "gankit", "lab", "--port", "0"], stdout=subprocess.PIPE,
                               text=True, env=env, preexec_fn=pin)
    try:
        url = urlsplit(process.stdout.readline().split(": ", 1)[1].strip())
        with connect(f"ws://{url.netloc}/ws?{url.query}", open_timeout=60, max_size=2**22) as socket:
            socket.send(json.dumps({"type": "settings", "settings": {"batch_size": batch_size}}))
            socket.send(json.dumps({"type": "play"}))
            frames = []  # (arrival time, iterations, bytes)
            deadline = None
            while deadline is None or time.perf_counter() < deadline:
                text = socket.recv(timeout=60)
                message = json.loads(text)
                if message["type"] != "frame" or message["iterations"] == 0:
                    continue
                frames.append((time.perf_counter(), message["iterations"], len(text.encode())))
                if deadline is None and len(frames) == 5:  # measure from the fifth frame: warm
                    frames, deadline = frames[-1:], time.perf_counter() + seconds
                    cpu_start = cpu_seconds(process.pid)
            cpu = cpu_seconds(process.pid) - cpu_start
            socket.send(json.dumps({"type": "pause"}))
    finally:
        process.terminate()
        process.wait(30)
    span = frames[-1][0] - frames[0][0]
    sizes = [size for _, _, size in frames]
    return {"frames_per_s": round((len(frames) - 1) / span, 1),
            "iterations_per_s_while_drawing": round((frames[-1][1] - frames[0][1]) / span, 1),
            "iterations_per_server_cpu_s_while_drawing": round((frames[-1][1] - frames[0][1]) / cpu, 1),
            "frames_per_server_cpu_s": round((len(frames) - 1) / cpu, 1),
            "frame_bytes_median": int(statistics.median(sizes)), "frame_bytes_max": max(sizes)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each measurement")
    parser.add_argument("--batch-size", type=int, default=128, help="the toy's batch (the lab's default 128)")
    parser.add_argument("--core", type=int, default=None, help="the one core the training and the server run on")
    args = parser.parse_args()
    others = os.sched_getaffinity(0) - {args.core}
    sys.path.insert(0, str(REPO / "src"))
    result = {"torch": torch.__version__, "cpu": platform.processor() or platform.machine(),
              "cores": os.cpu_count(), "load_average": [round(x, 2) for x in os.getloadavg()],
              "batch_size": args.batch_size, "seconds": args.seconds,
              "matmul_gflops_one_thread": round(matmul_gflops(), 1), "core": args.core}
    alone = training_alone(args.seconds, args.batch_size, args.core)
    result["training_alone_iterations_per_s"], result["training_alone_iterations_per_cpu_s"] = (round(x, 1) for x in alone)
    if args.core is not None and others:
        os.sched_setaffinity(0, others)  # the client off the server's core
    result.update(through_the_server(args.seconds, args.batch_size, args.core))
    result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(result))


if __name__ == "__main__":
    main()
