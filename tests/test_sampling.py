"""`gankit sample --seed`: the same seed draws the same images, another seed others."""

import os
import subprocess
import sys

import numpy as np
import torch

from gankit.checkpoint import save_checkpoint
from gankit.config import load_config, to_dict
from gankit.data import DATASETS
from gankit.models import build_models


def test_sample_seed_repeats_and_varies(tmp_path):
    cfg = load_config(None, ["model.width=0.25"])
    torch.manual_seed(0)
    generator, _ = build_models(cfg.model, DATASETS["mnist"].image_shape)
    checkpoint = tmp_path / "g.safetensors"
    save_checkpoint(checkpoint, {"config": to_dict(cfg), "generator": generator.state_dict()})
    env = {k: v for k, v in os.environ.items() if k != "GANKIT_DATA"}

    def draw(seed: int, n: int) -> np.ndarray:
        npz = tmp_path / f"seed{seed}-{n}.npz"
        out = subprocess.run([sys.executable, "-m", "gankit", "sample", "--checkpoint", str(checkpoint), "--seed",
                              str(seed), "--n", str(n), "--out", str(tmp_path / "grid.png"), "--npz", str(npz)],
                             capture_output=True, text=True, timeout=120, env=env)
        assert out.returncode == 0, out.stderr
        return np.load(npz)["images"]

    first = draw(7, 4)
    np.testing.assert_array_equal(draw(7, 4), first)
    np.testing.assert_array_equal(draw(7, 1)[0], first[0])  # uniform latents: image i does not depend on --n
    assert not np.array_equal(draw(8, 4), first)  # another seed, other images
