"""`gankit project`: held-out MNIST test digits projected through a fast-preset run trained here,
the z it writes redrawn by `gankit sample --z`, and bad images refused in one line."""


import numpy as np
import pytest
import torch
from PIL import Image

from gankit.cli import main
from gankit.data import load_split
from gankit.latent_file import load_latents
from gankit.projection import project
from gankit.runs import latest_checkpoint
from gankit.sampling import load_generator
from gankit.user_image import ImageInputError, load_user_image

TRAIN_STEPS = 300  # the fast preset at 300 steps: blurry but recognisable digits, under a minute on a quiet CPU
MAX_MEAN_ERROR = 0.20  # RMS pixel error (pixels in [0, 1]) of 8 test digits, 100 steps, 2 restarts;
                       # measured 0.14 (0.08-0.22) here; a blank image is 0.29 from them


@pytest.fixture(scope="module")
def fast_run(tmp_path_factory):
    runs = tmp_path_factory.mktemp("runs")
    before = torch.get_num_threads()
    assert main(["train", "--config", "configs/fast.toml", f"--train.steps={TRAIN_STEPS}",
                 f"--train.checkpoint_every={TRAIN_STEPS}", "--train.threads=1", "--train.progress=off",
                 f"--train.runs_dir={runs}"]) == 0
    torch.set_num_threads(before)
    return sorted(runs.iterdir())[-1]


@pytest.fixture(scope="module")
def test_digits():
    test = load_split("mnist", "test")
    return test.images[:8], test.labels[:8]


def test_held_out_digits_are_reconstructed(fast_run, test_digits, one_thread):
    generator, cfg = load_generator(latest_checkpoint(fast_run))
    digits, labels = test_digits
    found = project(generator, cfg, digits, steps=100, restarts=2)
    blank = torch.zeros_like(digits)
    assert np.mean(found.errors) < MAX_MEAN_ERROR, found.errors
    assert np.mean(found.errors) < 0.7 * np.mean([e for e in _errors(blank, digits)])  # far better than nothing
    assert found.judged and found.z.abs().max() <= 1.0  # uniform z stays in its cube
    assert (found.labels == labels).float().mean() >= 0.75  # mostly the right digit class


def _errors(images, targets):
    diff = images.float() / 255 - targets.float() / 255
    return diff.flatten(1).pow(2).mean(1).sqrt().tolist()


def test_projected_z_redraws_the_same_image(fast_run, test_digits, tmp_path, capsys):
    target = tmp_path / "seven.png"
    Image.fromarray(test_digits[0][0, 0].numpy()).save(target)  # the first test digit, a 7
    out = tmp_path / "p.png"
    assert main(["project", "--run", str(fast_run), "--image", str(target), "--steps", "30", "--restarts", "1",
                 "--scale", "1", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "reconstruction error" in printed and f"--z {tmp_path / 'p.npz'}" in printed
    z, labels = load_latents(tmp_path / "p.npz", load_generator(latest_checkpoint(fast_run))[1])
    assert z.shape == (1, 100) and labels.shape == (1,)
    assert main(["sample", "--run", str(fast_run), "--z", str(tmp_path / "p.npz"), "--out", str(tmp_path / "s.png"),
                 "--npz", str(tmp_path / "s.npz")]) == 0
    redrawn = np.load(tmp_path / "s.npz")["images"][0]
    picture = np.asarray(Image.open(out))  # 2 px padding, target then reconstruction
    np.testing.assert_array_equal(picture[2:30, 2:30], test_digits[0][0, 0].numpy())
    np.testing.assert_array_equal(picture[2:30, 32:60], redrawn)
    error = float(np.load(tmp_path / "p.npz")["error"])
    assert error == pytest.approx(_errors(torch.from_numpy(redrawn)[None], test_digits[0][:1])[0], abs=1e-6)


def test_safe_conversions_are_made_with_a_note(tmp_path):
    colour = np.zeros((56, 56, 3), np.uint8)
    colour[10:40, 20:30] = (200, 200, 200)
    Image.fromarray(colour).save(tmp_path / "c.png")
    image, notes = load_user_image(tmp_path / "c.png", (1, 28, 28), invert=True)
    assert image.shape == (1, 1, 28, 28) and image.dtype == torch.uint8
    assert notes == ["converted RGB to L (grey, as G draws)", "resized 56x56 to 28x28", "inverted (--invert)"]
    assert image[0, 0, 0, 0] == 255 and image[0, 0, 12, 12] < 100  # background white, stroke dark


@pytest.mark.parametrize("make, message", [
    (lambda p: Image.new("L", (28, 40)).save(p), "it is 28x40 and G draws 28x28; crop it"),
    (lambda p: Image.new("I;16", (28, 28)).save(p), "is not 8-bit"),
    (lambda p: p.write_bytes(b"not an image"), "not a readable image"),
])
def test_bad_images_are_one_line(make, message, tmp_path, capsys):
    path = tmp_path / "bad.png"
    make(path)
    with pytest.raises(ImageInputError, match=message):
        load_user_image(path, (1, 28, 28))
    from generator_checkpoints import save_generator_checkpoint

    checkpoint = save_generator_checkpoint(tmp_path / "g.safetensors")
    assert main(["project", "--checkpoint", str(checkpoint), "--image", str(path), "--out",
                 str(tmp_path / "p.png")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("gankit: error: --image") and err.count("\n") == 1


def test_project_out_must_be_a_png(tmp_path, capsys):
    from generator_checkpoints import save_generator_checkpoint

    checkpoint = save_generator_checkpoint(tmp_path / "g.safetensors")
    assert main(["project", "--checkpoint", str(checkpoint), "--image", "x.png", "--out", str(tmp_path / "p")]) == 2
    assert capsys.readouterr().err == f"gankit: error: --out {tmp_path / 'p'}: give a .png file name; the z is written beside it as p.npz\n"


def test_latent_files_that_do_not_fit_are_one_line(tmp_path, capsys):
    from generator_checkpoints import save_generator_checkpoint

    checkpoint = save_generator_checkpoint(tmp_path / "g.safetensors")
    np.savez(tmp_path / "wide.npz", z=np.zeros((2, 64), np.float32))
    np.savez(tmp_path / "labelled.npz", z=np.zeros((2, 100), np.float32), labels=np.array([1, 2]))
    for name, message in (("wide.npz", "shape (N, 100)"), ("labelled.npz", "unconditional"),
                          ("missing.npz", "no such file")):
        assert main(["sample", "--checkpoint", str(checkpoint), "--z", str(tmp_path / name), "--out",
                     str(tmp_path / "s.png")]) == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1
