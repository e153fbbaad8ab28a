"""Every bad input gets one clear line on stderr, exit code 2, no traceback, and loses nothing."""

import gzip
import json
from dataclasses import dataclass

import numpy as np
import pytest
import safetensors.torch
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gankit.cli import main
from gankit.checkpoint import FORMAT, FORMAT_VERSION, checkpoint_name, load_checkpoint, save_checkpoint
from gankit.config import Config, load_config
from gankit.data import write_idx
from gankit.errors import ConfigError
from gankit.runs import create_run

QUICK = ["--train.steps=2", "--train.batch_size=4", "--model.width=0.25", "--train.log_every=1"]


@dataclass
class Result:
    returncode: int
    stderr: str


@pytest.fixture
def cli(capsys, monkeypatch):
    """`cli(*args)` runs the CLI's `main` in this process (test_cli.py covers the subprocess path)."""
    monkeypatch.delenv("GANKIT_DATA", raising=False)

    def run(*args):
        code = main([str(a) for a in args])
        return Result(code, capsys.readouterr().err)

    return run


def assert_one_line(out, *fragments):
    assert out.returncode == 2, (out.returncode, out.stderr)
    assert "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("gankit: error: "), out.stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


def corrupt(folder, name, transform):
    path = folder / name
    path.write_bytes(transform(path.read_bytes()))


@pytest.mark.parametrize("name, transform, fragments", [
    ("train-images-idx3-ubyte.gz", lambda b: b[: len(b) // 2], ["train-images-idx3-ubyte.gz"]),  # truncated gz
    ("train-images-idx3-ubyte.gz", lambda b: b"not gzip at all", ["train-images-idx3-ubyte.gz", "magic"]),
    ("train-labels-idx1-ubyte.gz", lambda b: gzip.compress(gzip.decompress(b)[:-3]),
     ["train-labels-idx1-ubyte.gz"]),  # a valid gzip of a truncated IDX
])
def test_corrupt_data_files(cli, tiny_mnist, tmp_path, name, transform, fragments):
    corrupt(tiny_mnist, name, transform)
    assert_one_line(cli("train", "--data.dir", tiny_mnist, f"--train.runs_dir={tmp_path}", *QUICK), *fragments)


def test_image_label_count_mismatch(cli, tmp_path, make_tiny_mnist):
    data = make_tiny_mnist(tmp_path / "data")
    write_idx(data / "train-labels-idx1-ubyte.gz", np.zeros(5, np.uint8))
    assert_one_line(cli("train", "--data.dir", data, f"--train.runs_dir={tmp_path}", *QUICK), "5")


def test_empty_data_folder(cli, tmp_path):
    (tmp_path / "empty").mkdir()
    assert_one_line(cli("train", "--data.dir", tmp_path / "empty", f"--train.runs_dir={tmp_path}", *QUICK),
                    str(tmp_path / "empty"))


@pytest.mark.parametrize("override, fragment", [
    ("--model.widht=2", "did you mean 'width'"),
    ("--train.batch_size=lots", "expected int"),
    ("--d_opt.lr=-1", "must be > 0"),
    ("--model.padding=same", "is not one of"),
])
def test_bad_config_values(cli, override, fragment, tmp_path):
    assert_one_line(cli("train", override, f"--train.runs_dir={tmp_path}"), fragment)


@pytest.fixture
def trained_run(cli, tiny_mnist, tmp_path):
    out = cli("train", "--data.dir", tiny_mnist, f"--train.runs_dir={tmp_path / 'runs'}", *QUICK)
    assert out.returncode == 0, out.stderr
    (run,) = (tmp_path / "runs").iterdir()
    return run


def test_checkpoint_of_a_newer_format(cli, trained_run, tmp_path):
    path = tmp_path / "newer.safetensors"
    meta = {"format": FORMAT, "format_version": FORMAT_VERSION + 1, "state": {"value": None}}
    safetensors.torch.save_file({"x": torch.zeros(1)}, path, metadata={"gankit": json.dumps(meta)})
    assert_one_line(cli("sample", "--checkpoint", path), "newer", "upgrade gankit")


def test_checkpoint_of_another_architecture(cli, trained_run, tmp_path):
    (latest,) = (trained_run / "checkpoints").iterdir()
    state = load_checkpoint(latest)
    state["config"]["model"]["width"] = 0.5  # the weights are of width 0.25
    save_checkpoint(tmp_path / checkpoint_name(2), state)
    assert_one_line(cli("sample", "--checkpoint", tmp_path / checkpoint_name(2)), "does not fit model")
    assert_one_line(cli("train", "--resume", trained_run, "--model.width=0.5", "--train.steps=4"),
                    "does not fit model")
    assert load_checkpoint(latest)["step"] == 2  # nothing lost


def test_truncated_checkpoint(cli, trained_run):
    (latest,) = (trained_run / "checkpoints").iterdir()
    latest.write_bytes(latest.read_bytes()[:100])
    assert_one_line(cli("train", "--resume", trained_run), "truncated")


@pytest.mark.parametrize("args, fragment", [
    (["train", "--config", "missing.toml"], "missing.toml: config file not found"),
    (["train", "--train.steps"], "--train.steps needs a value"),
    (["train", "steps=3"], "unrecognised argument 'steps=3'"),
    (["sample", "--run", "/nonexistent/run"], "not found"),
    (["train", "--resume", "/nonexistent/run"], "not found"),
])
def test_bad_command_lines(cli, args, fragment):
    assert_one_line(cli(*args), fragment)


def test_debug_raises_instead(tmp_path):
    with pytest.raises(ConfigError):
        main(["--debug", "train", "--train.stepz=1"])


def test_run_folders_never_collide(tmp_path):
    """Numbered folders are created with an exclusive mkdir: a taken number moves to the next."""
    first = create_run(tmp_path, "x")
    (tmp_path / "00002-x").mkdir()  # as if another process took number 2 meanwhile
    assert [first.name, create_run(tmp_path, "x").name] == ["00001-x", "00003-x"]


TOML_VALUES = st.one_of(st.integers(-10**6, 10**6), st.floats(allow_nan=True), st.booleans(), st.text(max_size=8))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=200))
def test_fuzz_config_file_text(tmp_path, text):
    path = tmp_path / "fuzz.toml"
    path.write_bytes(text.encode("utf-8", errors="replace"))
    try:
        assert isinstance(load_config(path), Config)
    except ConfigError as err:
        assert "\n" not in str(err)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["train", "model", "data", "d_opt", "loss", "health", "bogus"]),
                       st.dictionaries(st.sampled_from(["steps", "lr", "name", "width", "z_dim", "dir", "patience",
                                                        "batch_size", "order", "x"]), TOML_VALUES, max_size=3),
                       max_size=3),
       st.lists(st.text(max_size=30), max_size=3))
def test_fuzz_config_tables_and_overrides(tables, overrides):
    from gankit.config import config_from_dict
    for make in (lambda: config_from_dict(tables), lambda: load_config(None, overrides)):
        try:
            assert isinstance(make(), Config)
        except ConfigError as err:
            assert "\n" not in str(err)
