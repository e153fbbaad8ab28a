"""Normalisations of D applied after it is built, whatever its architecture: one table.

"spectral" is spectral normalisation (Miyato et al. 2018, SNGAN): every convolution and dense
layer of D uses W / sigma(W) instead of W, where sigma(W) is W's largest singular value,
estimated by one power iteration per training-mode forward pass (PyTorch's parametrization;
the vectors u, v are buffers, saved in checkpoints). Each layer is then 1-Lipschitz, and so is
D up to its activations (LeakyReLU is 1-Lipschitz), the constraint the hinge loss of SNGAN
relies on. The trainable parameters are the same tensors as without it (stored under
`parametrizations.weight.original`), so parameter counts do not change.
"""

from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

_LAYERS = (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)


def no_norm(discriminator: nn.Module) -> nn.Module:
    return discriminator


def spectral_norm_layers(discriminator: nn.Module) -> nn.Module:
    """`discriminator` with spectral normalisation on every conv and dense layer's weight."""
    for module in list(discriminator.modules()):  # listed first: registering adds submodules
        if isinstance(module, _LAYERS):
            # A transposed conv's weight is (in, out, k, k): its output dimension is 1.
            spectral_norm(module, dim=1 if isinstance(module, nn.ConvTranspose2d) else 0)
    return discriminator


# name -> function(discriminator) -> discriminator; the config's `model.d_norm` picks one.
D_NORMS = {
    "none": no_norm,
    "spectral": spectral_norm_layers,
}
