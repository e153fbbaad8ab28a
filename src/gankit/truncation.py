"""The truncation trick: latents pulled towards the centre of their distribution, so that G draws
its most typical images, at a cost in variety (Brock et al. 2019, BigGAN; Karras et al. 2019,
StyleGAN, whose form this is).

    z' = centre + psi * (z - centre)

psi = 1 is no truncation (z' is z, bit for bit), psi = 0 draws the centre alone. Both of gankit's
latent distributions (`gankit.latent.LATENTS`) are centred on 0; a uniform z stays inside its
cube [-1, 1]^d for every psi in [0, 1], and is clamped to it in any case. What it costs in
variety is measured in BENCHMARKS.md, "Truncation" (`bench/truncation_sweep.py`).
"""

import torch

from .errors import ConfigError

# z distribution -> (centre, the box z must stay in, or None where it is unbounded)
CENTRES = {
    "uniform": (0.0, (-1.0, 1.0)),
    "normal": (0.0, None),
}


def check_psi(psi: float) -> float:
    """`psi` as a float in [0, 1]; `ConfigError` otherwise."""
    if isinstance(psi, bool) or not isinstance(psi, (int, float)) or not 0.0 <= psi <= 1.0:
        raise ConfigError(f"--truncation {psi!r}: psi must lie in [0, 1] (1 is no truncation, 0.7 a typical "
                          "value, 0 draws the centre of the latent space alone)")
    return float(psi)


def truncate(z: torch.Tensor, psi: float, z_dist: str) -> torch.Tensor:
    """Latents (N, z_dim) of distribution `z_dist` pulled towards its centre by `psi` in [0, 1];
    psi = 1 returns `z` itself, unchanged."""
    psi = check_psi(psi)
    if psi == 1.0:
        return z
    centre, box = CENTRES[z_dist]
    pulled = centre + psi * (z - centre)
    return pulled.clamp(*box) if box else pulled
