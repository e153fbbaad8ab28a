"""`gankit eval` and `gankit train-judge` through the real CLI entry point (in process)."""

import json
import re

import numpy as np
import pytest
from PIL import Image

from gankit.cli import main


@pytest.fixture(scope="module")
def real_images(held_out_real):
    """(200, 28, 28) uint8 real images outside the subset's reference and training split."""
    return held_out_real[:200, 0].numpy()


def gankit(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_samples_npz_as_json(capsys, mnist_env, real_images, tmp_path):
    np.savez(tmp_path / "fakes.npz", images=real_images)
    code, out, err = gankit(capsys, "eval", "--samples", tmp_path / "fakes.npz", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["protocol"] == "gankit-eval-v1" and result["n"] == 200 and result["dataset"] == "mnist"
    assert result["precision"] > 0.8


def test_samples_npy_and_png_folder_as_tables(capsys, mnist_env, real_images, tmp_path):
    np.save(tmp_path / "fakes.npy", real_images[:50])
    folder = tmp_path / "pngs"
    folder.mkdir()
    for i, image in enumerate(real_images[:50]):
        Image.fromarray(image).save(folder / f"{i:04d}.png")
    tables = []
    for source in (tmp_path / "fakes.npy", folder):
        code, out, err = gankit(capsys, "eval", "--samples", source)
        assert code == 0, err
        assert out.startswith("gankit-eval-v1: 50 images from") and "FID" in out and "memorised" in out
        tables.append(out.splitlines()[1:-1])  # the header names the source, the footer the time
    assert tables[0] == tables[1]


def write(tmp_path, name, array):
    path = tmp_path / name
    np.save(path, array) if name.endswith(".npy") else np.savez(path, images=array)
    return path


@pytest.mark.parametrize("name, array, message", [
    ("float.npz", np.zeros((20, 28, 28), np.float32), "expected uint8 pixels"),
    ("shape.npy", np.zeros((20, 32, 32), np.uint8), r"expected shape \(N, 1, 28, 28\)"),
    ("range.npy", np.full((20, 28, 28), 300, np.int64), r"must lie in 0\.\.255"),
    ("one.npz", np.zeros((1, 28, 28), np.uint8), "need at least 10 images, got 1"),
    ("empty.npy", np.zeros((0, 28, 28), np.uint8), "need at least 10 images, got 0"),
])
def test_bad_sample_files_fail_in_one_line(capsys, tmp_path, name, array, message):
    code, out, err = gankit(capsys, "eval", "--samples", write(tmp_path, name, array))
    assert code == 2 and out == ""
    assert err.startswith("gankit: error: ") and err.count("\n") == 1
    assert re.search(message, err)


def test_bad_png_folders_and_arguments_fail_in_one_line(capsys, tmp_path):
    folder = tmp_path / "pngs"
    folder.mkdir()
    Image.fromarray(np.zeros((28, 28), np.uint8)).save(folder / "a.png")
    Image.fromarray(np.zeros((14, 14), np.uint8)).save(folder / "b.png")
    (tmp_path / "empty").mkdir()
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "x.png").write_bytes(b"not a png")
    write(tmp_path, "ok.npy", np.zeros((20, 28, 28), np.uint8))
    cases = [
        (["--samples", folder], "differs from a.png's 28x28"),
        (["--samples", tmp_path / "empty"], "no .png files"),
        (["--samples", tmp_path / "bad"], "x.png: not a readable PNG"),
        (["--samples", tmp_path / "missing.npz"], "no such file"),
        (["--samples", tmp_path / "ok.npy", "--n", "5"], "--n and --seed choose generated images"),
        (["--samples", tmp_path / "ok.npy", "--dataset", "svhn"], "has no judge for dataset 'svhn'"),
        (["--samples", tmp_path / "ok.npy", "--dataset", "cifar10"], "has no judge for dataset 'cifar10'"),
        (["--run", tmp_path / "no-such-run"], "not found"),
        (["--samples", tmp_path / "ok.npy", "--frobnicate"], "unrecognised arguments"),
    ]
    for args, message in cases:
        code, out, err = gankit(capsys, "eval", *args)
        assert code == 2 and message in err and err.count("\n") == 1, (args, err)
    code, out, err = gankit(capsys, "train-judge", "--dataset", "cifar10")
    assert code == 2 and "no judge for dataset 'cifar10'" in err


def test_run_latest_checkpoint(capsys, mnist_env, tmp_path):
    runs = tmp_path / "runs"
    code, _, err = gankit(capsys, "train", "--config", "configs/seed_dcgan_mnist.toml", "--data.dir",
                          mnist_env / "mnist", f"--train.runs_dir={runs}", "--train.steps=2",
                          "--train.batch_size=8", "--train.log_every=2", "--train.sample_every=2",
                          "--train.threads=1")
    assert code == 0, err
    (run,) = runs.iterdir()
    code, out, err = gankit(capsys, "eval", "--run", run, "--n", 30, "--seed", 1, "--json")
    assert code == 0, err
    result = json.loads(out)
    assert (result["protocol"], result["n"], result["seed"]) == ("gankit-eval-v1", 30, 1)
    code, out, err = gankit(capsys, "eval", "--run", run, "--dataset", "fashion_mnist")
    assert code == 2 and "was trained on mnist" in err
