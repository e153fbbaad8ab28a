"""Latent walks: the maths of linear and spherical interpolation, and `gankit interpolate`."""

import math
import os
import subprocess
import sys

import numpy as np
import pytest
import torch
from PIL import Image

from gankit.checkpoint import save_checkpoint
from gankit.config import load_config, to_dict
from gankit.data import DATASETS
from gankit.interpolation import latent_walk, lerp, seed_latents, slerp, walk_images
from gankit.models import build_models
from gankit.sampling import sample

T = torch.linspace(0, 1, 11)


def unit(v: torch.Tensor) -> torch.Tensor:
    return v / v.norm()


def pair(seed: int, z_dim: int = 100) -> tuple[torch.Tensor, torch.Tensor]:
    z = torch.randn(2, z_dim, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    return z[0], z[1]


def angle(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return torch.arccos((a @ b / (a.norm() * b.norm())).clamp(-1, 1))


@pytest.mark.parametrize("between", [lerp, slerp])
def test_both_start_at_z0_and_end_at_z1(between):
    z0, z1 = pair(0)
    path = between(z0, z1, T)
    assert path.shape == (11, 100)
    torch.testing.assert_close(path[0], z0)
    torch.testing.assert_close(path[-1], z1)


def test_lerp_is_the_straight_line():
    z0, z1 = pair(1)
    torch.testing.assert_close(lerp(z0, z1, torch.tensor([0.25]))[0], 0.75 * z0 + 0.25 * z1)


def test_slerp_keeps_unit_vectors_unit_and_moves_at_constant_angular_speed():
    z0, z1 = map(unit, pair(2))
    path = slerp(z0, z1, T)
    torch.testing.assert_close(path.norm(dim=1), torch.ones(11, dtype=torch.float64))
    total = angle(z0, z1)
    for t, z in zip(T, path, strict=True):
        torch.testing.assert_close(angle(z0, z), t.double() * total)
    # and it stays in the plane of z0 and z1
    basis = torch.linalg.qr(torch.stack([z0, z1]).T).Q
    torch.testing.assert_close(path @ basis @ basis.T, path)


def test_slerp_keeps_a_common_norm_where_lerp_shrinks_it():
    z0, z1 = unit(pair(3)[0]) * 7.0, unit(pair(3)[1]) * 7.0
    torch.testing.assert_close(slerp(z0, z1, T).norm(dim=1), torch.full((11,), 7.0, dtype=torch.float64))
    assert lerp(z0, z1, torch.tensor([0.5]))[0].norm() < 0.8 * 7.0  # near-orthogonal in 100-d: about 7 / sqrt(2)


def test_slerp_of_orthogonal_unit_vectors_halfway_is_their_normalised_sum():
    z0, z1 = torch.tensor([1.0, 0.0, 0.0]), torch.tensor([0.0, 1.0, 0.0])
    torch.testing.assert_close(slerp(z0, z1, torch.tensor([0.5]))[0], torch.tensor([1.0, 1.0, 0.0]) / math.sqrt(2))


def test_slerp_of_parallel_vectors_is_finite_and_linear():
    z0 = unit(pair(4)[0])
    path = slerp(z0, 3 * z0, T)
    assert torch.isfinite(path).all()
    torch.testing.assert_close(path, lerp(z0, 3 * z0, T))


@pytest.mark.parametrize("mode", ["linear", "spherical"])
def test_latent_walk_visits_every_anchor_once(mode):
    anchors = torch.randn(4, 16, generator=torch.Generator().manual_seed(5))
    walk = latent_walk(anchors, 5, mode)
    assert walk.shape == (3 * 4 + 1, 16)
    torch.testing.assert_close(walk[::4], anchors)


def tiny_generator(z_dist: str = "uniform"):
    cfg = load_config(None, ["model.width=0.25", f"model.z_dist={z_dist}"])
    torch.manual_seed(0)
    generator, _ = build_models(cfg.model, DATASETS["mnist"].image_shape)
    return generator.eval(), cfg


@pytest.mark.parametrize("z_dist", ["uniform", "normal"])
def test_a_walk_starts_and_ends_at_the_images_of_sample_seed(z_dist):
    generator, cfg = tiny_generator(z_dist)
    frames = walk_images(generator, cfg, [3, 8], steps=5, mode="spherical")
    assert frames.shape == (5, 1, 28, 28) and frames.dtype == torch.uint8
    torch.testing.assert_close(frames[0], sample(generator, cfg, 1, seed=3)[0])
    torch.testing.assert_close(frames[-1], sample(generator, cfg, 1, seed=8)[0])
    assert seed_latents([3], z_dim=100, z_dist=z_dist).shape == (1, 100)


def gankit(*args):
    env = {k: v for k, v in os.environ.items() if k != "GANKIT_DATA"}
    return subprocess.run([sys.executable, "-m", "gankit", *map(str, args)], capture_output=True, text=True,
                           timeout=120, env=env)


def test_interpolate_writes_a_strip_and_a_looping_gif(tmp_path):
    generator, cfg = tiny_generator()
    checkpoint = tmp_path / "g.safetensors"
    save_checkpoint(checkpoint, {"config": to_dict(cfg), "generator": generator.state_dict()})
    out = gankit("interpolate", "--checkpoint", checkpoint, "--seeds", 0, 1, 2, "--steps", 4, "--mode", "linear",
                 "--scale", 1, "--out", tmp_path / "walk" / "strip.png")
    assert out.returncode == 0, out.stderr
    strip = np.asarray(Image.open(tmp_path / "walk" / "strip.png"))
    frames = walk_images(generator, cfg, [0, 1, 2], steps=4, mode="linear")
    assert strip.shape == (28 + 4, 7 * (28 + 2) + 2)  # 7 images: 0 -> 1 -> 2 in 3 + 3 + 1
    np.testing.assert_array_equal(strip[2:30, 2:30], frames[0, 0].numpy())
    np.testing.assert_array_equal(strip[2:30, -30:-2], frames[-1, 0].numpy())
    gif = Image.open(tmp_path / "walk" / "strip.gif")
    assert gif.n_frames == 7 + 5  # there (7) and back (5): the ends are not repeated
    assert gif.size == (28, 28) and gif.info["loop"] == 0


def test_interpolate_explains_bad_arguments(tmp_path):
    out = gankit("interpolate", "--checkpoint", tmp_path / "none.safetensors", "--seeds", 0)
    assert out.returncode == 2 and out.stderr.startswith("gankit: error: --seeds needs at least two seeds")
    assert "Traceback" not in out.stderr
