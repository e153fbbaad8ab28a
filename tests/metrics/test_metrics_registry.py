"""The METRICS table: every entry runs on its named inputs and returns JSON-ready results."""

import math

import torch

from gankit.metrics import METRICS

VOCABULARY = {"real_features", "fake_features", "fake_probs", "train_features", "test_features"}


def _bundle() -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    features = {name: torch.randn(60, 5, generator=g) for name in VOCABULARY - {"fake_probs"}}
    return features | {"fake_probs": torch.softmax(torch.randn(60, 10, generator=g) * 3, dim=1)}


def test_every_metric_runs_on_its_inputs_with_unique_result_names():
    bundle = _bundle()
    seen: list[str] = []
    for name, spec in METRICS.items():
        assert set(spec.inputs) <= VOCABULARY, name
        results = spec.fn(*(bundle[arg] for arg in spec.inputs))
        assert results, name
        for key, value in results.items():
            values = value if isinstance(value, list) else [value]
            assert all(isinstance(v, (int, float)) and math.isfinite(v) for v in values), key
        seen += results
    assert len(seen) == len(set(seen))
