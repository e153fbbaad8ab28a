"""TensorBoard, the optional extra: event files written through the stats collector, read back;
and training that does not need it when the package is missing."""

import io
import sys

import numpy as np
import pytest
from PIL import Image
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from gankit.config import load_config
from gankit.errors import ConfigError, GankitError
from gankit.session import open_session
from gankit.stats import read_stats
from gankit.tensorboard import TensorBoardBackend, open_tensorboard
from gankit.trainer import train


def tiny_session(data, tmp_path, *overrides):
    cfg = load_config(None, [f"data.dir={data}", f"train.runs_dir={tmp_path / 'runs'}", "train.steps=4",
                             "train.batch_size=8", "model.width=0.25", "train.threads=1", "train.log_every=2",
                             "train.sample_every=2", "train.progress=off", *overrides])
    return open_session(cfg, config_name="tb")


def events(folder) -> EventAccumulator:
    accumulator = EventAccumulator(str(folder), size_guidance={"scalars": 0, "images": 0, "tensors": 0})
    accumulator.Reload()
    return accumulator


def test_training_writes_scalars_and_grids(tiny_mnist, tmp_path):
    session = tiny_session(tiny_mnist, tmp_path, "train.tensorboard=on")
    train(session, log=lambda line: None)
    written = events(session.run_dir / "tensorboard")
    records = read_stats(session.run_dir / "stats.jsonl")
    for name in ("d_loss", "g_loss", "d_real", "d_fake", "probe_diversity"):
        scalars = written.Scalars(f"train/{name}")
        assert [s.step for s in scalars] == [r["step"] for r in records] == [2, 4]
        assert [s.value for s in scalars] == pytest.approx([r[name] for r in records], rel=1e-5, abs=1e-6)
    grids = written.Images("samples")
    assert [g.step for g in grids] == [0, 2, 4]
    for grid in grids:  # the very grids of samples/, pixel for pixel
        shown = np.asarray(Image.open(io.BytesIO(grid.encoded_image_string)))
        saved = np.asarray(Image.open(session.run_dir / "samples" / f"step-{grid.step:09d}.png"))
        assert shown.shape[:2] == saved.shape == (122, 122)  # 4x4 images of 28x28, 2-pixel gaps
        np.testing.assert_array_equal(shown[..., 0] if shown.ndim == 3 else shown, saved)


def test_metrics_and_messages(tmp_path):
    from torch.utils.tensorboard import SummaryWriter

    backend = TensorBoardBackend(SummaryWriter(log_dir=str(tmp_path)))
    backend.progress(500)
    backend.metrics({"step": 500, "fid": 27.5, "precision": 0.25, "protocol": "gankit-eval-v1", "seed": 0})
    backend.message("ALARM mode_collapse at step 500")
    backend.close()
    written = events(tmp_path)
    assert [(s.step, s.value) for s in written.Scalars("eval/fid")] == [(500, 27.5)]
    assert [(s.step, s.value) for s in written.Scalars("eval/precision")] == [(500, 0.25)]
    assert "eval/protocol" not in written.Tags()["scalars"]
    (text,) = written.Tensors("messages/text_summary")
    assert text.step == 500 and b"mode_collapse" in text.tensor_proto.string_val[0]


@pytest.fixture
def tensorboard_missing(monkeypatch):
    """Every import of TensorBoard fails, as on a machine without the extra."""
    for name in ("tensorboard", "torch.utils.tensorboard"):
        monkeypatch.setitem(sys.modules, name, None)


def test_without_tensorboard_if_installed_trains_and_on_explains(tensorboard_missing, tiny_mnist, tmp_path):
    with pytest.raises(ImportError):
        import torch.utils.tensorboard  # noqa: F401  the fixture works
    assert open_tensorboard("if_installed", tmp_path / "tb") == []
    with pytest.raises(ConfigError, match=r"pip install 'gankit\[tensorboard\]'"):
        open_tensorboard("on", tmp_path / "tb")

    session = tiny_session(tiny_mnist, tmp_path, "train.tensorboard=if_installed")
    assert train(session, log=lambda line: None) == 4
    assert not (session.run_dir / "tensorboard").exists()
    with pytest.raises(GankitError, match="needs the tensorboard package"):
        train(tiny_session(tiny_mnist, tmp_path, "train.tensorboard=on"), log=lambda line: None)


def test_off_never_imports_it(tensorboard_missing, tmp_path):
    assert open_tensorboard("off", tmp_path) == []
