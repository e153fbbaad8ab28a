"""bench/truncation_sweep.py's summary, table and figure on hand-made rows (the sweep itself trains
and scores for hours; BENCHMARKS.md holds its numbers)."""

from pathlib import Path

import pytest

BENCH = Path(__file__).parent.parent / "bench"


@pytest.fixture
def sweep(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH))
    import truncation_sweep

    return truncation_sweep


def rows():
    base = {"preset": "fast", "dataset": "mnist", "steps": 3000, "checkpoint": "s0"}
    return [{**base, "seed": 0, "psi": 1.0, "fid": 1.0, "precision": 0.8, "recall": 0.7, "density": 0.9, "coverage": 0.8},
            {**base, "seed": 1, "checkpoint": "s1", "psi": 1.0, "fid": 2.0, "precision": 0.6, "recall": 0.5, "density": 0.7, "coverage": 0.6},
            {**base, "seed": 0, "psi": 0.5, "fid": 9.0, "precision": 0.9, "recall": 0.1, "density": 1.2, "coverage": 0.3}]


def test_summary_is_mean_and_half_range_over_seeds(sweep):
    assert sweep.summarise(rows() + rows()[:1]) == sweep.summarise(rows())  # a result scored twice counts once
    summary = sweep.summarise(rows())
    assert list(summary) == [("fast", "mnist", 0.5), ("fast", "mnist", 1.0)]
    assert summary[("fast", "mnist", 1.0)]["fid"] == pytest.approx((1.5, 0.5, 2))
    assert summary[("fast", "mnist", 1.0)]["recall"] == pytest.approx((0.6, 0.1, 2))
    assert summary[("fast", "mnist", 0.5)]["precision"] == pytest.approx((0.9, 0.0, 1))


def test_table_and_figure(sweep):
    table = sweep.table(sweep.summarise(rows())).splitlines()
    assert table[0] == "| preset | dataset | psi | seeds | FID | precision | recall | density | coverage |"
    assert table[3] == "| fast | mnist | 1 | 2 | 1.50 ± 0.50 | 0.700 ± 0.100 | 0.600 ± 0.100 | 0.800 ± 0.100 | 0.700 ± 0.100 |"
    image = sweep.figure(sweep.summarise(rows() + [{**rows()[0], "dataset": "fashion_mnist", "checkpoint": "f0"}]))
    assert image.height == 2 * 300 and image.width == 640  # one chart per preset and dataset
