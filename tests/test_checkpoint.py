import json
import os

import pytest
import safetensors.torch
import torch

from gankit.checkpoint import (FORMAT_VERSION, checkpoint_name, list_checkpoints, load_checkpoint, pack,
                               prune_checkpoints, save_checkpoint, unpack)
from gankit.errors import CheckpointError, WriteError


def test_pack_round_trip_keeps_int_keys_and_tensors():
    opt = torch.optim.RMSprop([torch.nn.Parameter(torch.ones(3))], lr=0.1)
    opt.param_groups[0]["params"][0].grad = torch.ones(3)
    opt.step()
    state = {"opt": opt.state_dict(), "step": 7, "name": "x", "pair": (0.5, 0.9), "none": None}
    tensors = {}
    data = json.loads(json.dumps(pack(state, "s", tensors)))  # survives JSON
    restored = unpack(data, tensors)
    assert list(restored["opt"]["state"]) == [0]
    torch.testing.assert_close(restored["opt"]["state"][0]["square_avg"], opt.state_dict()["state"][0]["square_avg"])
    assert restored["step"] == 7 and restored["pair"] == [0.5, 0.9] and restored["none"] is None


def test_save_and_load(tmp_path):
    state = {"w": torch.arange(6.0).view(2, 3), "step": 3, "rng": torch.get_rng_state()}
    path = tmp_path / checkpoint_name(3)
    save_checkpoint(path, state)
    loaded = load_checkpoint(path)
    torch.testing.assert_close(loaded["w"], state["w"])
    assert torch.equal(loaded["rng"], state["rng"]) and loaded["step"] == 3
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left


def test_rejects_truncated_foreign_and_newer_files(tmp_path):
    path = tmp_path / "a.safetensors"
    save_checkpoint(path, {"w": torch.zeros(100)})
    truncated = tmp_path / "truncated.safetensors"
    truncated.write_bytes(path.read_bytes()[:50])
    with pytest.raises(CheckpointError, match="truncated"):
        load_checkpoint(truncated)
    foreign = tmp_path / "foreign.safetensors"
    safetensors.torch.save_file({"w": torch.zeros(2)}, foreign)
    with pytest.raises(CheckpointError, match="not a gankit checkpoint"):
        load_checkpoint(foreign)
    newer = tmp_path / "newer.safetensors"
    meta = {"format": "gankit-checkpoint", "format_version": FORMAT_VERSION + 1, "state": {"value": 1}}
    safetensors.torch.save_file({"w": torch.zeros(2)}, newer, metadata={"gankit": json.dumps(meta)})
    with pytest.raises(CheckpointError, match="newer"):
        load_checkpoint(newer)
    with pytest.raises(CheckpointError, match="not found"):
        load_checkpoint(tmp_path / "missing.safetensors")


def test_failed_write_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    path = tmp_path / checkpoint_name(1)
    save_checkpoint(path, {"w": torch.ones(4)})

    def disk_full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(WriteError, match=f"the checkpoint .{path.name} is intact.: the disk is full; free some space"):
        save_checkpoint(path, {"w": torch.zeros(4)})
    monkeypatch.undo()
    torch.testing.assert_close(load_checkpoint(path)["w"], torch.ones(4))
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_prune_keeps_the_most_recent(tmp_path):
    for step in (5, 100, 20, 1000):
        save_checkpoint(tmp_path / checkpoint_name(step), {"step": step})
    prune_checkpoints(tmp_path, keep=2)
    assert [p.name for p in list_checkpoints(tmp_path)] == [checkpoint_name(100), checkpoint_name(1000)]
