"""Weight initialisations of the models: one `name -> initialiser` table (`model.init`).

"keras" reproduces Keras's default initialisers, which the seed relies on: Glorot-uniform
kernels and zero biases (BatchNorm's gamma 1 and beta 0 are PyTorch's defaults already).
"torch" keeps the initialisation PyTorch's layers are built with.
"""

from torch import nn


def keras_init_(module: nn.Module) -> None:
    """Keras's default initialisers: Glorot-uniform kernels, zero biases, BatchNorm gamma 1, beta 0.

    `xavier_uniform_` bounds by sqrt(6 / (fan_in + fan_out)) as Keras does; the sum of fans is the
    same for Keras's (k, k, in, out) layout and PyTorch's, so the distribution is identical.
    """
    for m in module.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)


def torch_init_(module: nn.Module) -> None:
    """PyTorch's defaults, as the layers were built: nothing to do."""


# name -> initialiser(module), applied in place to every layer of `module` once it is built
INITS = {
    "keras": keras_init_,
    "torch": torch_init_,
}
