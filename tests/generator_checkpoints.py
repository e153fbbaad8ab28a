"""Small untrained generators saved as checkpoints, for tests of what is done with a trained G."""

import torch

from gankit.checkpoint import save_checkpoint
from gankit.config import load_config, to_dict
from gankit.models import build_models

MODELS = {  # name -> overrides of a quarter-width model; conditional ones have MNIST's 10 classes
    "dcgan": ["model.width=0.25"],
    "cgan": ["model.width=0.25", "model.name=cgan", "model.num_classes=10"],
    "radford_tanh_normal": ["model.width=0.25", "model.name=dcgan_radford", "model.g_output=tanh",
                            "model.z_dist=normal", "model.z_dim=16"],
}


def save_generator_checkpoint(path, model: str = "dcgan", *, step: int = 5):
    """A checkpoint at `path` holding a freshly initialised G of `MODELS[model]`; returns `path`."""
    cfg = load_config(None, MODELS[model])
    torch.manual_seed(0)
    generator, _ = build_models(cfg.model, (1, 28, 28))
    for module in generator.modules():  # non-trivial BatchNorm statistics, as after training
        if isinstance(module, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)):
            module.running_mean.uniform_(-0.1, 0.1)
            module.running_var.uniform_(0.5, 1.5)
    save_checkpoint(path, {"config": to_dict(cfg), "generator": generator.state_dict(), "step": step})
    return path
