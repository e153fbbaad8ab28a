"""Every subcommand, driven through a table of bad inputs in a real process: exit code 2, one line
`gankit: error: ...` naming the problem, no traceback, and no run folder left behind.

Each row is (subcommand arguments, fragments the error line must hold). `{name}` in an argument
is replaced by the path of a prepared input (see `inputs`): a trained run, a damaged checkpoint,
a decompression bomb, ...
"""

import json
import os
import struct
import subprocess
import sys
import zlib

from pathlib import Path

import numpy as np
import pytest
import safetensors.torch
import torch

import gankit
from gankit.checkpoint import FORMAT, FORMAT_VERSION, load_checkpoint, save_checkpoint
from gankit.cli import main
from gankit.data import write_idx

def environment():
    """The test's environment for a subprocess, importing the gankit under test from any folder."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(Path(gankit.__file__).parents[1])}
    env.pop("GANKIT_DATA", None)
    return env


QUICK = ["--train.steps=2", "--train.batch_size=4", "--model.width=0.25", "--train.log_every=1", "--train.threads=1"]

# (arguments, fragments of the one error line); {name} -> inputs[name]
CASES = {
    # train: config files and values
    "config is a folder": (["train", "--config", "{folder}"], ["a folder, not a config file"]),
    "batch cannot fit": (["train", "--train.batch_size=1000000000"], ["train.batch_size = 1000000000", "GiB", "lower it"]),
    "sample grid cannot fit": (["train", "--train.sample_count=10000000000"], ["train.sample_count", "lower it"]),
    "seed over 64 bits": (["train", "--train.seed=99999999999999999999999"], ["train.seed", "64-bit"]),
    "negative seed": (["train", "--train.seed=-1"], ["train.seed", "64-bit"]),
    "lr inf": (["train", "--d_opt.lr=inf"], ["d_opt.lr = inf must be a finite number"]),
    "lr nan": (["train", "--g_opt.lr=nan"], ["g_opt.lr = nan must be a finite number"]),
    "retry factor inf": (["train", "--train.retry_lr_factor=-inf"], ["train.retry_lr_factor", "finite"]),
    "runs_dir is a file": (["train", "--train.runs_dir={file}"], ["is a file, not a folder"]),
    "IDX of 27x28 images": (["train", "--data.dir={idx_27x28}"], ["train-images-idx3-ubyte.gz", "27x28", "28x28"]),
    "folder with a decompression bomb": (["train", "--data.folder={bomb}"], ["bomb.png"]),
    "folder with a huge PNG": (["train", "--data.folder={huge}"], ["huge.png", "pixels, more than gankit decodes"]),
    # train --resume
    "resume a folder without checkpoints": (["train", "--resume", "{folder}"], ["no checkpoint"]),
    "resume with missing metadata fields": (["train", "--resume", "{run_without_rng}"], ["lacks", "rng"]),
    # sample
    "sample --n -3": (["sample", "--run", "{run}", "--n", "-3"], ["--n -3", "must be from 1"]),
    "sample --n 100000000": (["sample", "--run", "{run}", "--n", "100000000"], ["--n 100000000", "50,000"]),
    "sample --seed over 64 bits": (["sample", "--run", "{run}", "--seed", "99999999999999999999999"], ["--seed"]),
    "sample --out a folder": (["sample", "--run", "{run}", "--out", "{folder}"], ["--out", "a folder"]),
    "sample --out unknown extension": (["sample", "--run", "{run}", "--out", "{folder}/grid.jpgx"],
                                       ["unknown extension '.jpgx'", ".png"]),
    "sample --out in a missing folder": (["sample", "--run", "{run}", "--out", "{folder}/missing/grid.png"],
                                         ["does not exist"]),
    "sample --npz unknown extension": (["sample", "--run", "{run}", "--out", "{folder}/g.png", "--npz", "{folder}/x.zip"],
                                       ["--npz", ".npz"]),
    "sample --checkpoint a folder": (["sample", "--checkpoint", "{folder}"], ["a folder, not a checkpoint file"]),
    "checkpoint without state": (["sample", "--checkpoint", "{no_state}"], ["damaged gankit metadata", "KeyError"]),
    "checkpoint without config": (["sample", "--checkpoint", "{no_config}"], ["lacks config"]),
    "checkpoint of another width": (["sample", "--checkpoint", "{wider}"], ["does not fit model", "size mismatch"]),
    # interpolate
    "interpolate --seeds over 64 bits": (["interpolate", "--run", "{run}", "--seeds", "0", str(2**64)], ["--seeds"]),
    "interpolate --out a folder": (["interpolate", "--run", "{run}", "--out", "{folder}"], ["--out", "a folder"]),
    # report
    "report of a folder that is no run": (["report", "{folder}"], ["not a gankit run folder"]),
    # train-judge
    "train-judge of an unknown dataset": (["train-judge", "--dataset", "cifar100"], ["no judge for dataset"]),
    "train-judge --out a folder": (["train-judge", "--out", "{folder}"], ["--out", "a folder"]),
    # eval
    "eval --samples with a decompression bomb": (["eval", "--samples", "{bomb}"], ["bomb.png", "not a readable PNG"]),
    "eval --samples with a huge PNG": (["eval", "--samples", "{huge}"], ["huge.png", "pixels, more than gankit decodes"]),
    "eval --n -1": (["eval", "--run", "{run}", "--n", "-1"], ["--n -1"]),
    "eval --seed over 64 bits": (["eval", "--run", "{run}", "--seed", str(2**64)], ["--seed"]),
}


def png_header_only(path, width, height):
    """A PNG whose header claims width x height 8-bit grayscale pixels, with almost no data: what a
    decompression bomb looks like before it is decoded."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))


@pytest.fixture(scope="module")
def inputs(tmp_path_factory, shared_tiny_mnist):
    """name -> path of each prepared bad (or good) input."""
    root = tmp_path_factory.mktemp("bad_inputs")
    found = {"folder": root / "folder", "file": root / "a_file", "data": shared_tiny_mnist}
    found["folder"].mkdir()
    found["file"].write_text("not a folder")
    assert main(["train", "--data.dir", str(shared_tiny_mnist), f"--train.runs_dir={root / 'trained'}", *QUICK]) == 0
    (found["run"],) = (root / "trained").iterdir()
    (checkpoint,) = (found["run"] / "checkpoints").iterdir()
    state = load_checkpoint(checkpoint)

    found["no_state"] = root / "no_state.safetensors"
    meta = {"format": FORMAT, "format_version": FORMAT_VERSION}  # no "state"
    safetensors.torch.save_file({"x": torch.zeros(1)}, found["no_state"], metadata={"gankit": json.dumps(meta)})
    found["no_config"] = root / "no_config.safetensors"
    save_checkpoint(found["no_config"], {k: v for k, v in state.items() if k != "config"})
    found["wider"] = root / "wider.safetensors"
    save_checkpoint(found["wider"], {**state, "config": {**state["config"],
                                                         "model": {**state["config"]["model"], "width": 0.5}}})
    found["run_without_rng"] = root / "run_without_rng"
    (found["run_without_rng"] / "checkpoints").mkdir(parents=True)
    save_checkpoint(found["run_without_rng"] / "checkpoints" / checkpoint.name,
                    {k: v for k, v in state.items() if k != "rng"})

    found["idx_27x28"] = root / "idx_27x28"
    found["idx_27x28"].mkdir()
    for name in ("train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        (found["idx_27x28"] / name).write_bytes((shared_tiny_mnist / name).read_bytes())
    write_idx(found["idx_27x28"] / "train-images-idx3-ubyte.gz", np.zeros((128, 27, 28), np.uint8))

    for name, (width, height) in {"bomb": (30_000, 30_000), "huge": (10_000, 10_000)}.items():
        found[name] = root / name
        found[name].mkdir()
        png_header_only(found[name] / f"{name}.png", width, height)
    return found


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_one_line(case, inputs, tmp_path):
    args, fragments = CASES[case]
    args = [arg.format(**inputs) for arg in args]
    runs = tmp_path / "runs"
    if args[0] == "train" and "--resume" not in args:  # a tiny run, unless the case says otherwise (last wins)
        args = ["train", f"--train.runs_dir={runs}", f"--data.dir={inputs['data']}", *QUICK, *args[1:]]
    out = subprocess.run([sys.executable, "-m", "gankit", *args], capture_output=True, text=True, timeout=120,
                         env=environment(), cwd=tmp_path)
    assert out.returncode == 2, (out.returncode, out.stderr[-2000:])
    assert "Traceback" not in out.stderr, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("gankit: error: "), out.stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    assert not runs.exists() or not any(runs.iterdir()), "a failed start left a run folder behind"
    assert sorted(p.name for p in tmp_path.iterdir()) in ([], ["runs"])  # nothing written where it ran


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA: train.device=cuda is good input")
def test_cuda_without_cuda_is_one_line(tmp_path, shared_tiny_mnist):
    out = subprocess.run([sys.executable, "-m", "gankit", "train", "--train.device=cuda",
                          f"--data.dir={shared_tiny_mnist}", f"--train.runs_dir={tmp_path / 'runs'}", *QUICK], capture_output=True, text=True,
                         timeout=120, env=environment(), cwd=tmp_path)
    assert out.returncode == 2 and "Traceback" not in out.stderr, out.stderr
    (line,) = out.stderr.strip().splitlines()
    assert line.startswith("gankit: error: train.device = 'cuda'") and "--train.device=cpu" in line
    assert not (tmp_path / "runs").exists()
