"""Speed settings change how fast a step runs, never what it computes (fp32)."""

import torch

from gankit.accel import (apply_compile, apply_memory_format, available_cores, choose_threads,
                          precision_context)
from gankit.config import Config, apply_overrides
from gankit.gan import build_gan, scratch_pass
from gankit.losses import LOSSES
from gankit.step import StepOptions, train_step

TINY = ["model.width=0.25"]


def tiny_gan(seed=0):
    torch.manual_seed(seed)
    return build_gan(apply_overrides(Config(), TINY), (1, 28, 28), torch.device("cpu"))


def run_steps(gan, steps=3):
    """`steps` iterations on fixed data and noise; returns the scalars of each."""
    data, noise = torch.Generator().manual_seed(1), torch.Generator().manual_seed(2)
    real = torch.rand(16, 1, 28, 28, generator=data)
    out = []
    for _ in range(steps):
        scalars = train_step(gan, next_real=lambda: (real, None), sample_z=lambda n: (torch.rand(n, 100, generator=noise), None),
                             options=StepOptions(loss=LOSSES["non_saturating"], d_steps=1, fakes_g_mode="eval"))
        out.append({k: v.item() for k, v in scalars.items()})
    return out


def state(gan):
    return {**{f"g.{k}": v.clone() for k, v in gan.generator.state_dict().items()},
            **{f"d.{k}": v.clone() for k, v in gan.discriminator.state_dict().items()}}


def test_choose_threads_picks_a_core_count_and_leaves_the_run_untouched():
    gan, threads_before = tiny_gan(), torch.get_num_threads()
    before, rng_before, lines = state(gan), torch.get_rng_state(), []
    try:
        chosen = choose_threads(scratch_pass(gan, z_dim=100, batch_size=16), log=lines.append)
        assert 1 <= chosen <= available_cores()
        assert torch.get_num_threads() == chosen
    finally:
        torch.set_num_threads(threads_before)
    after = state(gan)
    assert all(torch.equal(before[k], after[k]) for k in before)  # weights and BatchNorm statistics
    assert torch.equal(rng_before, torch.get_rng_state())
    assert len(lines) == 1 and f"-> {chosen}" in lines[0]
    assert all(p.grad is None for p in gan.generator.parameters())


def test_channels_last_trains_like_contiguous():
    plain, last = tiny_gan(), tiny_gan()
    apply_memory_format(last, "channels_last")
    assert last.generator.stages[2].weight.is_contiguous(memory_format=torch.channels_last)
    for a, b in zip(run_steps(plain), run_steps(last), strict=True):
        assert a.keys() == b.keys()
        for key in a:
            assert abs(a[key] - b[key]) <= 1e-4 * max(1.0, abs(a[key])), key


def test_compiled_networks_keep_their_checkpoint_keys_and_outputs():
    eager, compiled = tiny_gan(), tiny_gan()
    keys = set(state(eager))
    apply_compile(compiled, "default")
    assert set(state(compiled)) == keys  # checkpoints of compiled runs load into plain modules
    z = torch.rand(4, 100, generator=torch.Generator().manual_seed(3))
    eager.generator.eval(), compiled.generator.eval()
    with torch.no_grad():
        torch.testing.assert_close(compiled.generator(z), eager.generator(z), rtol=1e-4, atol=1e-5)


def test_precision_context_autocasts_only_for_bf16():
    with precision_context("fp32", torch.device("cpu")):
        assert not torch.is_autocast_enabled("cpu")
    with precision_context("bf16", torch.device("cpu")):
        assert torch.is_autocast_enabled("cpu")
        assert torch.get_autocast_dtype("cpu") == torch.bfloat16
