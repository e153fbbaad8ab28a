"""Optimisers: one `name -> builder` table, plus Keras's legacy inverse-time learning-rate decay.

The seed compiles D with `RMSprop(lr=2e-4, decay=6e-8)` and the adversarial model (G through a
frozen D) with half of both. Under Keras 2 semantics (`optimizer_v2/rmsprop.py`, momentum 0):

    rms   <- rho * rms + (1 - rho) * g**2            rho = 0.9, rms starts at 0
    lr_t   = lr / (1 + decay * iterations)          iterations = updates applied so far
    theta <- theta - lr_t * g / (sqrt(rms) + eps)   eps = 1e-7, *outside* the square root

`torch.optim.RMSprop(alpha=rho, eps=eps)` performs exactly this update (PyTorch also adds eps
after the square root), so only the decay needs adding: `LambdaLR` with 1 / (1 + decay * it),
stepped once per optimiser update. Keras 3 ignores `decay`; gankit keeps the seed's behaviour.
"""

from dataclasses import dataclass

import torch


@dataclass
class OptimConfig:
    name: str = "rmsprop"  # a key of OPTIMIZERS: "rmsprop" or "adam"
    lr: float = 2e-4  # base learning rate
    decay: float = 6e-8  # Keras's legacy inverse-time decay: lr / (1 + decay * updates); 0 disables
    rho: float = 0.9  # RMSprop: moving-average factor of squared gradients (Keras rho, PyTorch alpha)
    eps: float = 1e-7  # added outside the square root; Keras's default is 1e-7
    beta1: float = 0.5  # Adam: first-moment factor (0.5 is the DCGAN paper's choice)
    beta2: float = 0.999  # Adam: second-moment factor


def _rmsprop(params, cfg: OptimConfig) -> torch.optim.Optimizer:
    return torch.optim.RMSprop(params, lr=cfg.lr, alpha=cfg.rho, eps=cfg.eps, foreach=True)


def _adam(params, cfg: OptimConfig) -> torch.optim.Optimizer:
    return torch.optim.Adam(params, lr=cfg.lr, betas=(cfg.beta1, cfg.beta2), eps=cfg.eps, foreach=True)


OPTIMIZERS = {
    "rmsprop": _rmsprop,
    "adam": _adam,
}


def build_optimizer(params, cfg: OptimConfig) -> tuple[torch.optim.Optimizer, torch.optim.lr_scheduler.LRScheduler]:
    """(optimizer, schedule) for `cfg`; call `schedule.step()` after every `optimizer.step()`."""
    optimizer = OPTIMIZERS[cfg.name](params, cfg)
    decay = cfg.decay
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda updates: 1.0 / (1.0 + decay * updates))
    return optimizer, schedule


def scale_learning_rates(optimizer: torch.optim.Optimizer, schedule: torch.optim.lr_scheduler.LambdaLR, *,
                         base_lr: float, scale: float) -> None:
    """Set `schedule`'s base learning rate to `scale` x `base_lr` (the configured one), keeping
    the decay reached so far: every group's lr becomes base_lr * scale * decay(updates)."""
    schedule.base_lrs = [base_lr * scale for _ in schedule.base_lrs]
    for group, base, decay in zip(optimizer.param_groups, schedule.base_lrs, schedule.lr_lambdas, strict=True):
        group["lr"] = base * decay(schedule.last_epoch)


def constant_schedule(optimizer: torch.optim.Optimizer) -> torch.optim.lr_scheduler.LambdaLR:
    """A schedule that keeps the optimiser's learning rate (for a step that always steps one)."""
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda updates: 1.0)
