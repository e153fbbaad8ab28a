"""`gankit eval --truncation PSI`: psi = 1 scores exactly what no truncation scores; psi < 1 scores
the truncated images and says so in the result."""

import torch

from gankit.config import Config
from gankit.eval import evaluate_generator, evaluate_images
from gankit.models import build_models
from gankit.sampling import sample


def test_truncated_eval(mnist_subset_root, eval_cache):
    cfg = Config()
    cfg.data.dir = str(mnist_subset_root / "mnist")
    torch.manual_seed(0)
    generator, _ = build_models(cfg.model, (1, 28, 28))
    plain = evaluate_generator(generator, cfg, n=40, seed=3, cache_dir=eval_cache)
    assert evaluate_generator(generator, cfg, n=40, seed=3, cache_dir=eval_cache, truncation=1.0) == plain
    truncated = evaluate_generator(generator, cfg, n=40, seed=3, cache_dir=eval_cache, truncation=0.5)
    assert truncated["truncation"] == 0.5 and "truncation" not in plain
    expected = evaluate_images(sample(generator.eval(), cfg, 40, seed=3, truncation=0.5), "mnist", cache_dir=eval_cache,
                               data_dir=cfg.data.dir)
    assert truncated["fid"] == expected["fid"] != plain["fid"]
