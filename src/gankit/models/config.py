"""The `[model]` section: what every model is built from, and G's output ranges.

Which models read which field is said on the field; a model that ignores one (e.g.
`dcgan_radford`'s fixed kernel) says so in its own docstring.
"""

from dataclasses import dataclass

# model.g_output -> the (low, high) range of G's images
OUTPUT_RANGES = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}


@dataclass
class ModelConfig:
    name: str = "dcgan"  # architecture, a key of gankit.models.MODELS: "dcgan", "dcgan_radford", "cgan" or "acgan"
    backbone: str = "dcgan"  # the network a conditional model is built around, an unconditional key of MODELS (cgan, acgan only)
    num_classes: int = 0  # classes of a conditional model; 0 = the data's (written to the run's config)
    z_dim: int = 100  # latent size; the seed uses 100
    z_dist: str = "uniform"  # latent distribution, a key of gankit.latent.LATENTS; the seed: uniform on [-1, 1]
    g_output: str = "sigmoid"  # G's output activation, a key of OUTPUT_RANGES: "sigmoid" (data in [0, 1], the seed) or "tanh" ([-1, 1])
    padding: str = "tf_same"  # "tf_same" (TensorFlow's asymmetric 'same', the seed) or "symmetric" (PyTorch's); dcgan only
    init: str = "keras"  # a key of gankit.models.init.INITS: "keras" (Glorot-uniform kernels, zero biases) or "torch" (PyTorch's defaults)
    width: float = 1.0  # multiplies every hidden layer's filters; 1 is the seed (small values make quick tests)
    d_width: float = 0.0  # multiplies D's hidden filters instead of `width`; 0 = `width` (G and D alike, the seed)
    kernel: int = 5  # every convolution's kernel size; the seed uses 5; dcgan only (dcgan_radford: fixed at 4)
    d_norm: str = "none"  # normalisation of D's layers, a key of gankit.models.normalization.D_NORMS: "none" (the seed) or "spectral"
