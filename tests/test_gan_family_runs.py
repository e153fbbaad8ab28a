"""Runs of the GAN family from the command line: exact resume, `sample --class`, the
conditional grid, and training on a folder of your own images."""

import numpy as np
import pytest
import torch
from PIL import Image

from gankit.checkpoint import load_checkpoint
from gankit.cli import main
from gankit.config import Config, load_config
from gankit.data.source import image_shape
from gankit.errors import ConfigError
from gankit.report import write_report
from gankit.runs import latest_checkpoint
from gankit.stats import read_stats

FAST = ["--model.width=0.25", "--train.batch_size=8", "--train.threads=1", "--train.log_every=2",
        "--train.sample_every=100", "--train.checkpoint_every=2", "--train.progress=off"]


def train(tmp_path, *args):
    assert main(["train", *map(str, args), *FAST, f"--train.runs_dir={tmp_path / 'runs'}"]) == 0
    return sorted((tmp_path / "runs").iterdir())[-1]


def weights(run):
    state = load_checkpoint(latest_checkpoint(run))
    return state["step"], {f"{net}.{k}": v for net in ("generator", "discriminator", "g_opt")
                           for k, v in _flat(state[net]).items()}


def _flat(tree, prefix=""):
    if isinstance(tree, torch.Tensor):
        return {prefix: tree}
    if isinstance(tree, dict):
        return {k: v for key, sub in tree.items() for k, v in _flat(sub, f"{prefix}.{key}").items()}
    return {}


@pytest.mark.parametrize("model", [
    ["--config", "configs/wgan_gp_mnist.toml", "--train.d_steps=2"],  # eps from the noise generator
    ["--config", "configs/wgan_mnist.toml", "--train.d_steps=2"],  # clipped weights
    ["--config", "configs/acgan_mnist.toml", "--train.sample_count=10"],  # classes from the noise generator
    ["--config", "configs/cgan_mnist.toml", "--train.sample_count=10"],
    ["--config", "configs/hinge_sn_mnist.toml"],  # spectral norm's power-iteration vectors
    ["--config", "configs/lsgan_mnist.toml"],
], ids=lambda model: model[1].split("/")[-1].removesuffix("_mnist.toml"))
def test_resume_is_bit_identical(model, tiny_mnist, tmp_path):
    straight = train(tmp_path / "a", "--data.dir", tiny_mnist, *model, "--train.steps=4")
    halfway = train(tmp_path / "b", "--data.dir", tiny_mnist, *model, "--train.steps=2")
    assert main(["train", "--resume", str(halfway), "--train.steps=4"]) == 0
    (step_a, expected), (step_b, actual) = weights(straight), weights(halfway)
    assert step_a == step_b == 4 and expected.keys() == actual.keys()
    for name in expected:
        assert torch.equal(expected[name], actual[name]), name


def test_a_cgan_grid_shows_one_class_per_column_and_sample_draws_a_class(tiny_mnist, tmp_path, capsys):
    run = train(tmp_path, "--config", "configs/cgan_mnist.toml", "--data.dir", tiny_mnist, "--train.steps=2",
                "--train.sample_count=20")
    grid = np.asarray(Image.open(run / "samples" / "step-000000000.png"))
    assert grid.shape[:2] == (2 * 30 + 2, 10 * 30 + 2)  # 2 rows of the 10 classes, 28 px + 2 padding
    assert load_config(run / "config.toml").model.num_classes == 10

    npz = tmp_path / "sevens.npz"
    assert main(["sample", "--run", str(run), "--class", "7", "--n", "5", "--seed", "3",
                 "--out", str(tmp_path / "s.png"), "--npz", str(npz)]) == 0
    assert "5 images of class 7" in capsys.readouterr().out
    from gankit.sampling import load_generator, sample

    generator, cfg = load_generator(latest_checkpoint(run))
    sevens, threes = (sample(generator, cfg, 5, seed=3, class_index=c) for c in (7, 3))
    assert np.array_equal(np.load(npz)["images"], sevens[:, 0].numpy())
    assert not torch.equal(sevens, threes)  # the class changes the images

    assert main(["sample", "--run", str(run), "--class", "10", "--out", str(tmp_path / "x.png")]) == 2
    assert "--class 10: this run's classes are 0 to 9" in capsys.readouterr().err


def test_sample_class_of_an_unconditional_run_is_one_clear_error(tiny_mnist, tmp_path, capsys):
    run = train(tmp_path, "--data.dir", tiny_mnist, "--train.steps=2")
    assert main(["sample", "--run", str(run), "--class", "7", "--out", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "model 'dcgan' is unconditional" in err


def write_folder(root, *, size=40, mode="RGB", classes=("cats", "dogs"), per_class=6):
    rng = np.random.default_rng(0)
    for name in classes:
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            pixels = rng.integers(0, 256, (size, size + 8, 3), dtype=np.uint8)
            Image.fromarray(pixels).convert(mode).save(root / name / f"{i}.png")
    return root


def test_a_folder_of_rgb_images_trains_samples_and_refuses_evaluation(tmp_path, capsys):
    folder = write_folder(tmp_path / "photos")
    run = train(tmp_path, "--data.folder", folder, "--data.size=32", "--train.steps=2")
    stored = load_config(run / "config.toml")
    assert (stored.data.color, stored.data.size) == ("rgb", 32)  # "auto" resolved, for sampling
    assert image_shape(stored.data) == (3, 32, 32)
    npz = tmp_path / "fakes.npz"
    assert main(["sample", "--run", str(run), "--n", "4", "--out", str(tmp_path / "s.png"), "--npz", str(npz)]) == 0
    assert np.load(npz)["images"].shape == (4, 32, 32, 3)
    capsys.readouterr()
    assert main(["eval", "--run", str(run), "--n", "20"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no judge" in err and "folder" in err


def test_a_conditional_model_takes_its_classes_from_the_folder(tmp_path):
    folder = write_folder(tmp_path / "photos", mode="L", classes=("a", "b", "c"))
    run = train(tmp_path, "--data.folder", folder, "--model.name=cgan", "--train.steps=2", "--train.sample_count=6")
    stored = load_config(run / "config.toml")
    assert (stored.model.num_classes, stored.data.color) == (3, "grayscale")
    grid = np.asarray(Image.open(run / "samples" / "step-000000000.png"))
    assert grid.shape[:2] == (2 * 30 + 2, 3 * 30 + 2)


def test_image_shape_comes_from_the_config():
    cfg = Config()
    assert image_shape(cfg.data) == (1, 28, 28)
    cfg.data.folder, cfg.data.size, cfg.data.color = "photos", 64, "rgb"
    assert image_shape(cfg.data) == (3, 64, 64)
    cfg.data.color = "auto"
    with pytest.raises(ConfigError, match="data.color = 'auto'"):
        image_shape(cfg.data)


@pytest.mark.parametrize("override, message", [
    ("data.size=30", "data.size = 30 must be 28, 32 or 64"),
    ("data.color=sepia", "data.color = 'sepia' is not one of"),
    ("penalty.name=gp", "penalty.name = 'gp' is not one of"),
    ("penalty.clip=-1", "penalty.clip = -1.0 must be >= 0"),
    ("model.backbone=cgan", "model.backbone = 'cgan' is not one of"),
    ("model.num_classes=1", "model.num_classes = 1 must be 0"),
])
def test_bad_options_are_one_clear_error(override, message):
    from gankit.config import apply_overrides

    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        apply_overrides(Config(), [override])


def test_folder_runs_cannot_evaluate_during_training():
    from gankit.config import apply_overrides

    with pytest.raises(ConfigError, match="no judge"):
        apply_overrides(Config(), ["data.folder=photos", "eval.every=100"])


def test_a_conditional_latent_walk_stays_in_one_class(tiny_mnist, tmp_path):
    from gankit.interpolation import walk_images
    from gankit.sampling import load_generator, sample

    run = train(tmp_path, "--config", "configs/cgan_mnist.toml", "--data.dir", tiny_mnist, "--train.steps=2")
    generator, cfg = load_generator(latest_checkpoint(run))
    frames = walk_images(generator, cfg, [4, 5], steps=3, mode="linear")
    assert torch.equal(frames[0], sample(generator, cfg, 1, seed=4, class_index=0)[0])
    assert torch.equal(frames[-1], sample(generator, cfg, 1, seed=5, class_index=0)[0])


def test_a_conditional_dry_run_reads_no_data(tmp_path, monkeypatch, capsys):
    """The classes of a named dataset come from the registry: no files, no download."""
    monkeypatch.setenv("GANKIT_DATA", str(tmp_path / "empty"))
    monkeypatch.setenv("GANKIT_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr("gankit.data.dataset.locate_dataset", lambda *a, **k: pytest.fail("data was looked for"))
    assert main(["train", "--config", "configs/acgan_mnist.toml", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "num_classes = 10" in out
    assert "generator: 1,363,521 trainable parameters" in out  # the seed's 1,300,801 + 10 one-hot inputs x 7*7*128


def test_stats_and_report_read_d_as_its_loss_does(tiny_mnist, tmp_path):
    seed = train(tmp_path / "seed", "--data.dir", tiny_mnist, "--train.steps=2")
    critic = train(tmp_path / "wgan_gp", "--config", "configs/wgan_gp_mnist.toml", "--data.dir", tiny_mnist,
                   "--train.steps=2", "--train.d_steps=2")
    probabilities, scores = {"d_real", "d_fake", "g_fake"}, {"d_real_score", "d_fake_score", "g_fake_score"}
    [logistic] = read_stats(seed / "stats.jsonl")
    [wasserstein] = read_stats(critic / "stats.jsonl")
    assert probabilities <= logistic.keys() and not scores & logistic.keys()
    assert scores <= wasserstein.keys() and not probabilities & wasserstein.keys()
    # raw scores: the Wasserstein d_loss (the penalty apart) is mean fake score minus mean real score
    assert abs(wasserstein["d_real_score"] - wasserstein["d_fake_score"]) > 1e-3
    assert wasserstein["d_loss"] == pytest.approx(wasserstein["d_fake_score"] - wasserstein["d_real_score"],
                                                  rel=1e-4, abs=1e-6)
    write_report(critic, frames=2, seeds=[0, 1], steps=2)
    figures = {path.name for path in (critic / "figures").iterdir()}
    assert "d_scores.png" in figures and "d_outputs.png" not in figures
