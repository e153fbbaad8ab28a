"""The step puts every image D sees through the augmentation: reals and fakes in D's step, fakes
in G's step, and the penalty's inputs; G's gradient flows through it; "none" changes nothing."""

import pytest
import torch

from gankit.augment import Augment, AugmentConfig, make_augment
from gankit.config import Config
from gankit.gan import build_gan
from gankit.losses import LOSSES
from gankit.penalties import PenaltyConfig, make_penalty
from gankit.step import StepOptions, discriminator_step, generator_step


class Marking(Augment):
    """Records every batch it augments and every output it returns (shifted, so D sees a difference)."""

    def __init__(self):
        self.inputs, self.outputs = [], []

    def __call__(self, x):
        self.inputs.append(x.detach().clone())
        y = x * 0.5 + 0.25
        self.outputs.append(y)
        return y


@pytest.fixture
def gan():
    torch.manual_seed(0)
    return build_gan(Config(), (1, 28, 28), torch.device("cpu"))


def batch(n=8, seed=1):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, 1, 28, 28, generator=g), torch.rand(n, 100, generator=g) * 2 - 1


def d_inputs(gan):
    seen = []
    gan.discriminator.register_forward_pre_hook(lambda module, args: seen.append(args[0]))
    return seen


def test_d_step_augments_reals_and_fakes_together(gan):
    real, z = batch()
    augment, seen = Marking(), d_inputs(gan)
    discriminator_step(gan, real, z, options=StepOptions(loss=LOSSES["non_saturating"], augment=augment))
    assert len(augment.inputs) == 1 and len(seen) == 1
    assert torch.equal(augment.inputs[0][:8], real)  # the reals, then G's fakes, in one batch
    with torch.no_grad():
        gan.generator.eval()
        assert torch.allclose(augment.inputs[0][8:], gan.generator(z, None), atol=1e-6)
    assert seen[0] is augment.outputs[0]  # D saw the augmented batch, nothing else


def test_g_step_augments_the_fakes_and_g_learns_through_it(gan):
    _, z = batch()
    augment, seen = Marking(), d_inputs(gan)
    generator_step(gan, z, options=StepOptions(loss=LOSSES["non_saturating"], augment=augment))
    assert len(augment.inputs) == 1
    assert len(seen) == 1 and seen[0] is augment.outputs[0]  # fails if the G step skips the augmentation
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in gan.generator.parameters() if p.ndim > 1)


def test_the_penalty_judges_augmented_inputs(gan):
    real, z = batch()
    augment, seen = Marking(), d_inputs(gan)
    penalty = make_penalty(PenaltyConfig(name="wgan_gp", weight=10.0), torch.Generator().manual_seed(0))
    discriminator_step(gan, real, z, options=StepOptions(loss=LOSSES["wasserstein"], augment=augment, penalty=penalty))
    assert len(augment.inputs) == 2  # [real; fake] for the loss, the interpolates for the penalty
    assert len(seen) == 2 and all(x is y for x, y in zip(seen, augment.outputs))


@pytest.mark.parametrize("policy", ["diffaugment", "ada"])
def test_real_policies_change_what_d_sees_and_keep_g_learning(gan, policy):
    real, z = batch()
    cfg = AugmentConfig(policy=policy, ada_p=1.0)
    augment = make_augment(cfg, generator=torch.Generator().manual_seed(0), output_range=(0.0, 1.0), batch_size=8)
    seen = d_inputs(gan)
    options = StepOptions(loss=LOSSES["non_saturating"], augment=augment)
    discriminator_step(gan, real, z, options=options)
    assert not torch.equal(seen[0][:8], real)
    assert seen[0].min() >= 0.0 and seen[0].max() <= 1.0
    generator_step(gan, z, options=options)
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in gan.generator.parameters() if p.ndim > 1)


def test_none_hands_d_the_images_themselves(gan):
    real, z = batch()
    augment = make_augment(AugmentConfig(), generator=torch.Generator().manual_seed(0), output_range=(0.0, 1.0),
                           batch_size=8)
    x = torch.cat([real, real])
    assert augment(x) is x and augment.state_dict() == {} and augment.scalars() == {}
