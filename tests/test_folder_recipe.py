"""The folder recipe (configs/folder_64.toml) trains on a folder of generated 64x64 images, with
DiffAugment on and g_ema kept, and the overfitting monitor watching the images data.limit left out."""

from pathlib import Path

import numpy as np
from PIL import Image

from gankit.checkpoint import load_checkpoint
from gankit.config import load_config
from gankit.runs import latest_checkpoint
from gankit.session import open_session
from gankit.stats import read_stats
from gankit.trainer import train

RECIPE = Path(__file__).parent.parent / "configs" / "folder_64.toml"


def write_folder(folder: Path, n: int = 40) -> Path:
    """n RGB images, 80x72 (cropped and resized to 64 on loading): a coloured disc on a dark background."""
    rng = np.random.default_rng(0)
    folder.mkdir()
    yy, xx = np.mgrid[:72, :80]
    for i in range(n):
        cy, cx, r = rng.uniform(20, 52), rng.uniform(20, 60), rng.uniform(8, 20)
        disc = ((yy - cy) ** 2 + (xx - cx) ** 2 < r * r)[..., None]
        colour = rng.integers(60, 256, 3)
        Image.fromarray((disc * colour + 10).astype(np.uint8)).save(folder / f"{i:03d}.png")
    return folder


def test_recipe_trains_on_a_folder_with_diffaugment_and_g_ema(tmp_path):
    cfg = load_config(RECIPE, [f"data.folder={write_folder(tmp_path / 'mine')}", f"train.runs_dir={tmp_path / 'runs'}",
                               "data.limit=30", "model.width=0.125", "train.batch_size=8", "train.steps=4",
                               "train.threads=1", "train.log_every=2", "train.sample_every=100",
                               "train.checkpoint_every=100", "train.sample_count=4", "train.progress=off"])
    assert (cfg.model.name, cfg.augment.policy, cfg.data.size) == ("dcgan_radford", "diffaugment", 64)
    session = open_session(cfg, config_name="folder_64")
    train(session, log=lambda line: None)
    assert tuple(session.batches.images.shape) == (30, 3, 64, 64) and session.cfg.data.color == "rgb"
    records = read_stats(session.run_dir / "stats.jsonl")
    assert [r["step"] for r in records] == [2, 4]
    assert {"d_out_train", "d_out_heldout", "overfit_ratio"} <= set(records[-1])  # 10 images held out
    state = load_checkpoint(latest_checkpoint(session.run_dir))
    assert "g_ema" in state and "augment" not in state  # DiffAugment has no state beyond the noise generator
