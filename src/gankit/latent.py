"""Latent distributions: one `name -> sampler` table. Each returns z of shape (n, z_dim), float32,
on the device of the generator it draws from."""

import torch


def uniform(n: int, z_dim: int, generator: torch.Generator) -> torch.Tensor:
    """Uniform on [-1, 1], as the seed (`np.random.uniform(-1.0, 1.0, size=[n, 100])`)."""
    return torch.rand(n, z_dim, generator=generator, device=generator.device) * 2 - 1


def normal(n: int, z_dim: int, generator: torch.Generator) -> torch.Tensor:
    """Standard normal."""
    return torch.randn(n, z_dim, generator=generator, device=generator.device)


LATENTS = {
    "uniform": uniform,
    "normal": normal,
}
