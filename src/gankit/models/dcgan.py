"""The seed's DCGAN (Atienza, *Advanced Deep Learning with TensorFlow 2 and Keras*, ch. 4,
`dcgan-mnist-4.2.1.py`), in PyTorch.

Generator: z (N, 100) -> Dense(7*7*128) -> reshape (N, 128, 7, 7) -> four [BatchNorm, ReLU,
ConvTranspose(kernel 5)] stages with 128, 64, 32, 1 filters and strides 2, 2, 1, 1 -> output
activation -> (N, 1, 28, 28). BatchNorm and ReLU come *before* each transposed convolution,
the first one included, and none follows the last (as in the book's code).

Discriminator: four [LeakyReLU(0.2), Conv(kernel 5)] stages with 32, 64, 128, 256 filters and
strides 2, 2, 2, 1 (LeakyReLU comes first, even on the raw input) -> flatten -> Dense(1) -> a
logit. There is no BatchNorm in D: the book reports that D does not converge with it. The
seed's final sigmoid is folded into the loss (`gankit.losses`), which is numerically stable.

With `init="keras"` every kernel is Glorot-uniform and every bias zero, Keras's defaults (`init.py`);
BatchNorm uses Keras's momentum 0.99 (0.01 in PyTorch's convention) and epsilon 1e-3.
"""

import torch
from torch import nn

from .config import OUTPUT_RANGES, ModelConfig
from .init import INITS
from .padding import conv2d, conv_transpose2d

G_FILTERS = (128, 64, 32)  # the last stage's filters are the image channels
G_STRIDES = (2, 2, 1, 1)
D_FILTERS = (32, 64, 128, 256)
D_STRIDES = (2, 2, 2, 1)


def scaled(filters: tuple[int, ...], width: float) -> tuple[int, ...]:
    return tuple(max(1, round(f * width)) for f in filters)


def keras_batch_norm(channels: int) -> nn.BatchNorm2d:
    """BatchNorm with Keras's defaults: moving average 0.99 (PyTorch momentum 0.01), epsilon 1e-3."""
    return nn.BatchNorm2d(channels, momentum=0.01, eps=1e-3)


class Generator(nn.Module):
    """z (N, z_dim) float -> images (N, C, H, W) in `self.output_range` (H, W divisible by 4)."""

    def __init__(self, cfg: ModelConfig, image_shape: tuple[int, int, int]):
        super().__init__()
        channels, height, width = image_shape
        g_filters = scaled(G_FILTERS, cfg.width)
        self.start = (g_filters[0], height // 4, width // 4)  # two stride-2 stages double twice
        self.output_range = OUTPUT_RANGES[cfg.g_output]
        self.dense = nn.Linear(cfg.z_dim, g_filters[0] * self.start[1] * self.start[2])
        filters = (g_filters[0], *g_filters, channels)  # 128 -> 128 -> 64 -> 32 -> C
        stages = []
        for c_in, c_out, stride in zip(filters[:-1], filters[1:], G_STRIDES, strict=True):
            stages += [keras_batch_norm(c_in), nn.ReLU(), conv_transpose2d(c_in, c_out, cfg.kernel, stride, cfg.padding)]
        # shapes for MNIST: (128, 7, 7) -> (128, 14, 14) -> (64, 28, 28) -> (32, 28, 28) -> (1, 28, 28)
        self.stages = nn.Sequential(*stages)
        self.activation = nn.Sigmoid() if cfg.g_output == "sigmoid" else nn.Tanh()
        INITS[cfg.init](self)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """`labels` is ignored: an unconditional G is called as every G is (`gankit.step`)."""
        x = self.dense(z).view(-1, *self.start)
        return self.activation(self.stages(x))


class Discriminator(nn.Module):
    """(images (N, C, H, W) in G's output range, labels ignored) -> (logits (N,), None);
    sigmoid(logit) = P(real). `stages` then `dense`, so that conditional models can wrap it."""

    def __init__(self, cfg: ModelConfig, image_shape: tuple[int, int, int]):
        super().__init__()
        channels, height, width = image_shape
        filters = (channels, *scaled(D_FILTERS, cfg.width))
        stages = []
        for c_in, c_out, stride in zip(filters[:-1], filters[1:], D_STRIDES, strict=True):
            stages += [nn.LeakyReLU(0.2), conv2d(c_in, c_out, cfg.kernel, stride, cfg.padding)]
        # shapes for MNIST: (1, 28, 28) -> (32, 14, 14) -> (64, 7, 7) -> (128, 4, 4) -> (256, 4, 4)
        self.stages = nn.Sequential(*stages)
        side = lambda n: -(-n // 8)  # three stride-2 'same' stages: ceil(n / 8)
        self.dense = nn.Linear(filters[-1] * side(height) * side(width), 1)
        INITS[cfg.init](self)

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> tuple[torch.Tensor, None]:
        return self.dense(self.stages(x).flatten(1)).squeeze(1), None
