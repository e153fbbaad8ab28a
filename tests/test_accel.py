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


# A memory format changes the order in which oneDNN adds up each convolution's terms, and nothing
# else. The longest sums in the tiny GAN's step are over a batch's pixels, N = 16 x 28 x 28; a sum of
# N fp32 terms in another order differs by about sqrt(N) x eps relative (random-sign rounding
# errors), so one step's scalars must agree within REORDER_RTOL (8x that, for the few sums in a row
# each scalar goes through) of their magnitude, or of 1 for scalars near 0 (D's raw scores).
# Later steps are not compared: the adversarial updates amplify any difference about 10x a step.
REORDER_RTOL = 8 * (16 * 28 * 28) ** 0.5 * torch.finfo(torch.float32).eps  # about 1.1e-4


def test_channels_last_computes_the_same_step_as_contiguous():
    plain, last = tiny_gan(), tiny_gan()
    apply_memory_format(last, "channels_last")
    assert last.generator.stages[2].weight.is_contiguous(memory_format=torch.channels_last)
    (a,), (b,) = run_steps(plain, steps=1), run_steps(last, steps=1)
    assert a.keys() == b.keys()
    for key in a:
        assert abs(a[key] - b[key]) <= REORDER_RTOL * max(1.0, abs(a[key])), key


def test_compiled_networks_keep_their_checkpoint_keys_and_outputs():
    eager, compiled = tiny_gan(), tiny_gan()
    keys = set(state(eager))
    apply_compile(compiled, "default")
    assert set(state(compiled)) == keys  # checkpoints of compiled runs load into plain modules
    z = torch.rand(4, 100, generator=torch.Generator().manual_seed(3))
    eager.generator.eval(), compiled.generator.eval()
    with torch.no_grad():
        # inductor fuses and reorders the same sums: the reordering bound above, on G's [0, 1] images
        torch.testing.assert_close(compiled.generator(z), eager.generator(z), rtol=REORDER_RTOL, atol=REORDER_RTOL)


def test_precision_context_autocasts_only_for_bf16():
    with precision_context("fp32", torch.device("cpu")):
        assert not torch.is_autocast_enabled("cpu")
    with precision_context("bf16", torch.device("cpu")):
        assert torch.is_autocast_enabled("cpu")
        assert torch.get_autocast_dtype("cpu") == torch.bfloat16
