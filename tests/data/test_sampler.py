"""BatchSampler: shapes, the seed's random-index draws, epochs, and exact resumption."""

from __future__ import annotations

import json

import pytest
import torch

from gankit.data import ORDERS, BatchSampler
from gankit.errors import CheckpointError, ConfigError

N, B = 10, 3
IMAGES = torch.arange(N * 2 * 2 * 2, dtype=torch.int64).reshape(N, 2, 2, 2).to(torch.uint8)


def _sampler(order: str, seed: int = 0, batch_size: int = B, images=IMAGES) -> BatchSampler:
    generator = torch.Generator().manual_seed(seed)
    return BatchSampler(images, batch_size, order=order, generator=generator)


@pytest.mark.parametrize("order", ORDERS)
def test_batch_shape_dtype_and_content(order: str) -> None:
    indices = _sampler(order).next_indices()
    batch = _sampler(order).next_batch()  # same seed, so the same indices
    assert indices.dtype == torch.int64 and indices.shape == (B,)
    assert batch.shape == (B, 2, 2, 2) and batch.dtype == torch.uint8
    assert torch.equal(batch, IMAGES[indices])
    assert batch.data_ptr() != IMAGES.data_ptr() and batch.is_contiguous()  # a copy, not a view


def test_random_index_is_the_seeds_draw() -> None:
    # The seed's np.random.randint(0, N, size=B), as torch.randint on the caller's generator.
    sampler = _sampler("random_index", seed=7)
    reference = torch.Generator().manual_seed(7)
    for _ in range(5):
        assert torch.equal(sampler.next_indices(), torch.randint(0, N, (B,), generator=reference))


@pytest.mark.parametrize("order", ORDERS)
def test_same_seed_same_batches(order: str) -> None:
    a, b, c = _sampler(order, 1), _sampler(order, 1), _sampler(order, 2)
    first = [a.next_indices() for _ in range(8)]
    assert all(torch.equal(x, b.next_indices()) for x in first)
    assert not all(torch.equal(x, c.next_indices()) for x in first)


@pytest.mark.parametrize("batch_size", [1, 3, 10, 25])
def test_permutation_visits_each_index_once_per_epoch(batch_size: int) -> None:
    sampler = _sampler("permutation", batch_size=batch_size)
    epochs = 5
    steps = -(-epochs * N // batch_size)  # enough batches for `epochs` full epochs
    drawn = torch.cat([sampler.next_indices() for _ in range(steps)])
    assert drawn.shape == (steps * batch_size,)  # every batch is full: nothing dropped
    for epoch in range(epochs):
        assert torch.equal(drawn[epoch * N:(epoch + 1) * N].sort().values, torch.arange(N))
    orders = {tuple(drawn[e * N:(e + 1) * N].tolist()) for e in range(epochs)}
    assert len(orders) > 1  # a new permutation each epoch


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("steps_before", [0, 1, 3, 10])  # 10 * 3 = 30: at an epoch boundary
def test_state_dict_round_trip_continues_the_sequence(order: str, steps_before: int) -> None:
    generator = torch.Generator().manual_seed(3)
    run = BatchSampler(IMAGES, B, order=order, generator=generator)
    for _ in range(steps_before):
        run.next_batch()
    state, rng = run.state_dict(), generator.get_state()
    json.dumps({k: v for k, v in state.items() if k != "permutation"})  # plain data
    expected = [run.next_batch() for _ in range(12)]

    resumed_generator = torch.Generator()
    resumed_generator.set_state(rng)
    resumed = BatchSampler(IMAGES, B, order=order, generator=resumed_generator)
    resumed.load_state_dict(state)
    assert all(torch.equal(x, resumed.next_batch()) for x in expected)


def test_state_dict_does_not_alias_the_live_permutation() -> None:
    sampler = _sampler("permutation")
    sampler.next_batch()
    state = sampler.state_dict()
    saved = state["permutation"].clone()
    for _ in range(10):
        sampler.next_batch()
    assert torch.equal(state["permutation"], saved)


def test_load_state_dict_rejects_other_runs() -> None:
    state = _sampler("permutation").state_dict()
    with pytest.raises(CheckpointError, match="resume with the same data"):
        _sampler("random_index").load_state_dict(state)
    with pytest.raises(CheckpointError):
        _sampler("permutation", images=IMAGES[:5]).load_state_dict(state)
    source = _sampler("permutation")
    source.next_batch()
    broken = source.state_dict() | {"permutation": torch.zeros(N, dtype=torch.int64)}
    with pytest.raises(CheckpointError, match="corrupt"):
        _sampler("permutation").load_state_dict(broken)
    with pytest.raises(CheckpointError, match="corrupt"):
        _sampler("permutation").load_state_dict({"order": "permutation", "num_images": N})


def test_bad_arguments() -> None:
    with pytest.raises(ConfigError, match="known: random_index, permutation"):
        _sampler("shuffle")
    with pytest.raises(ValueError):
        _sampler("permutation", batch_size=0)
    with pytest.raises(ValueError):
        _sampler("permutation", images=IMAGES[0])
