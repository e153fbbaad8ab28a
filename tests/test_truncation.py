"""The truncation trick: psi = 1 is no truncation, psi < 1 pulls z to the centre and keeps a
uniform z in its cube, and a psi out of range is one error line."""

import numpy as np
import pytest
import torch

from gankit.cli import main
from gankit.config import load_config
from gankit.errors import ConfigError
from gankit.sampling import latents, load_generator, sample
from gankit.truncation import truncate

from generator_checkpoints import save_generator_checkpoint


def test_psi_one_is_no_truncation_bit_for_bit(tmp_path):
    generator, cfg = load_generator(save_generator_checkpoint(tmp_path / "g.safetensors"))
    z = latents(cfg, 8, seed=3)
    assert truncate(z, 1.0, "uniform") is z
    assert torch.equal(latents(cfg, 8, seed=3, truncation=1.0), z)
    assert torch.equal(sample(generator, cfg, 8, seed=3, truncation=1.0), sample(generator, cfg, 8, seed=3))
    assert not torch.equal(sample(generator, cfg, 8, seed=3, truncation=0.5), sample(generator, cfg, 8, seed=3))


@pytest.mark.parametrize("z_dist", ["uniform", "normal"])
def test_truncation_scales_towards_the_centre(z_dist):
    cfg = load_config(None, [f"model.z_dist={z_dist}"])
    z = latents(cfg, 1000, seed=0)
    torch.testing.assert_close(latents(cfg, 1000, seed=0, truncation=0.7), 0.7 * z)
    torch.testing.assert_close(latents(cfg, 1000, seed=0, truncation=0.0), torch.zeros_like(z))


def test_a_uniform_z_stays_in_its_cube():
    z = torch.tensor([[1.0, -1.0, 0.5], [3.0, -2.0, 0.0]])  # a hand-made z outside the cube
    pulled = truncate(z, 0.9, "uniform")
    assert pulled.abs().max() <= 1.0
    torch.testing.assert_close(pulled, torch.tensor([[0.9, -0.9, 0.45], [1.0, -1.0, 0.0]]))
    assert truncate(z, 0.9, "normal").abs().max() == pytest.approx(2.7)  # a normal z is not boxed


@pytest.mark.parametrize("psi", [-0.1, 1.5, float("nan"), True])
def test_psi_out_of_range_is_refused(psi):
    with pytest.raises(ConfigError, match="psi must lie in"):
        truncate(torch.zeros(1, 2), psi, "uniform")


def test_sample_truncation_from_the_command_line(tmp_path, capsys):
    checkpoint = save_generator_checkpoint(tmp_path / "g.safetensors")

    def draw(*flags):
        npz = tmp_path / "s.npz"
        assert main(["sample", "--checkpoint", str(checkpoint), "--n", "6", "--seed", "2", "--out",
                     str(tmp_path / "s.png"), "--npz", str(npz), *flags]) == 0
        return np.load(npz)["images"]

    plain = draw()
    np.testing.assert_array_equal(draw("--truncation", "1"), plain)
    assert not np.array_equal(draw("--truncation", "0.5"), plain)
    assert main(["sample", "--checkpoint", str(checkpoint), "--truncation", "2", "--out", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("gankit: error: --truncation 2.0: psi must lie in [0, 1]") and err.count("\n") == 1


def test_eval_truncation_needs_a_generator(tmp_path, capsys):
    np.savez(tmp_path / "s.npz", images=np.zeros((10, 28, 28), np.uint8))
    assert main(["eval", "--samples", str(tmp_path / "s.npz"), "--truncation", "0.7"]) == 2
    assert "--truncation draws a generator's images" in capsys.readouterr().err
