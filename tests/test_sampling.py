"""`gankit sample --seed`: the same seed draws the same images, another seed others, whatever
the batches and threads that draw them."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from gankit.checkpoint import save_checkpoint
from gankit.config import load_config, to_dict
from gankit.data import DATASETS
from gankit.models import build_models, is_conditional
from gankit.sampling import sample


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


@pytest.mark.parametrize("config", ["configs/fast.toml", "configs/seed_dcgan_mnist.toml"])
def test_threads_and_batch_size_do_not_change_the_images(config, one_thread):
    """What evaluation draws (100-image batches on every core) is what `gankit sample` draws."""
    cfg = load_config(Path(__file__).parent.parent / config, [])
    cfg.model.num_classes = 10 if is_conditional(cfg.model) else 0
    torch.manual_seed(0)
    generator, _ = build_models(cfg.model, DATASETS["mnist"].image_shape)
    generator.eval()
    plain = sample(generator, cfg, 1000, seed=3)
    assert torch.equal(sample(generator, cfg, 1000, seed=3, batch_size=100, workers=3), plain)
