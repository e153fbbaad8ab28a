"""`gankit.load_generator(RUN_OR_FILE).sample(...)`: the images of `gankit sample`, in Python."""

import os
import subprocess
import sys

import numpy as np
import pytest
import torch

import gankit
from gankit.errors import ConfigError, RunError

from generator_checkpoints import save_generator_checkpoint


def cli_sample(tmp_path, checkpoint, *flags) -> np.ndarray:
    npz = tmp_path / "cli.npz"
    env = {k: v for k, v in os.environ.items() if k != "GANKIT_DATA"}
    out = subprocess.run([sys.executable, "-m", "gankit", "sample", "--checkpoint", str(checkpoint), "--out",
                          str(tmp_path / "grid.png"), "--npz", str(npz), *flags],
                         capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 0, out.stderr
    return np.load(npz)["images"]


@pytest.mark.parametrize("model", ["dcgan", "cgan"])
def test_api_sample_equals_the_command_line(model, tmp_path):
    checkpoint = save_generator_checkpoint(tmp_path / "g.safetensors", model)
    G = gankit.load_generator(checkpoint)
    images = G.sample(16, seed=7)
    assert images.dtype == torch.uint8 and images.shape == (16, 1, 28, 28)
    np.testing.assert_array_equal(images[:, 0].numpy(), cli_sample(tmp_path, checkpoint, "--seed", "7", "--n", "16"))
    truncated = G.sample(16, seed=7, truncation=0.6)
    np.testing.assert_array_equal(truncated[:, 0].numpy(), cli_sample(tmp_path, checkpoint, "--seed", "7", "--n",
                                                                      "16", "--truncation", "0.6"))
    if model == "cgan":
        sevens = G.sample(5, seed=3, labels=7)
        np.testing.assert_array_equal(sevens[:, 0].numpy(),
                                      cli_sample(tmp_path, checkpoint, "--seed", "3", "--n", "5", "--class", "7"))


def test_float_images_are_the_unrounded_pixels(tmp_path):
    G = gankit.load_generator(save_generator_checkpoint(tmp_path / "g.safetensors", "radford_tanh_normal"))
    pixels, floats = G.sample(8, seed=1), G.sample(8, seed=1, dtype="float")
    assert floats.dtype == torch.float32 and 0.0 <= floats.min() and floats.max() <= 1.0
    assert (floats * 255 - pixels.float()).abs().max() <= 0.5 + 1e-4  # uint8 rounds the same values


def test_load_generator_takes_a_run_folder(tmp_path):
    run = tmp_path / "00001-x"
    (run / "checkpoints").mkdir(parents=True)
    save_generator_checkpoint(run / "checkpoints" / "step-000000005.safetensors")
    G = gankit.load_generator(run)
    assert G.z_dim == 100 and G.num_classes == 0 and G.checkpoint.name == "step-000000005.safetensors"
    with pytest.raises(RunError, match="not found"):
        gankit.load_generator(tmp_path / "no-such-run")


def test_bad_arguments_say_what_to_give(tmp_path):
    plain = gankit.load_generator(save_generator_checkpoint(tmp_path / "u.safetensors"))
    conditional = gankit.load_generator(save_generator_checkpoint(tmp_path / "c.safetensors", "cgan"))
    with pytest.raises(ConfigError, match="unconditional"):
        plain.sample(4, labels=3)
    with pytest.raises(ConfigError, match="classes are 0 to 9"):
        conditional.sample(2, labels=[1, 12])
    with pytest.raises(ConfigError, match="one per image"):
        conditional.sample(3, labels=[1, 2])
    with pytest.raises(ConfigError, match="choose one of uint8, float"):
        plain.sample(2, dtype="float16")
    with pytest.raises(ConfigError, match="int >= 1"):
        plain.sample(0)


def test_import_gankit_does_not_import_torch():
    code = "import sys, gankit; assert 'torch' not in sys.modules; gankit.load_generator; assert 'torch' in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
