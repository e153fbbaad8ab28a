"""Convolutions with TensorFlow's 'same' padding geometry.

TensorFlow pads a 'same' convolution by `total = max((out - 1) * stride + kernel - size, 0)`
pixels with `total // 2` before and the rest after, so where `total` is odd the extra pixel
goes after (28 -> 14 with kernel 5, stride 2: one before, two after). Its transposed
convolution is the adjoint (the gradient) of that convolution, so it crops the full output by
the same amounts. PyTorch pads symmetrically, which shifts such layers by one pixel; the seed
preset uses these classes to reproduce the Keras model's exact geometry.
"""

import math

import torch
import torch.nn.functional as F
from torch import nn


def same_padding(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """(before, after) padding of TensorFlow's 'same' for one spatial dimension."""
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


class SameConv2d(nn.Conv2d):
    """`nn.Conv2d` with TensorFlow 'same' padding: (N, C, H, W) -> (N, C', ceil(H/s), ceil(W/s))."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding=0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        k, s = self.kernel_size[0], self.stride[0]
        top, bottom = same_padding(x.shape[-2], k, s)
        left, right = same_padding(x.shape[-1], k, s)
        if top == bottom and left == right:  # symmetric: let the kernel pad, no copy
            return F.conv2d(x, self.weight, self.bias, s, (top, left))
        return F.conv2d(F.pad(x, (left, right, top, bottom)), self.weight, self.bias, s)


class SameConvTranspose2d(nn.ConvTranspose2d):
    """`nn.ConvTranspose2d` with TensorFlow 'same' geometry: (N, C, H, W) -> (N, C', H*s, W*s).

    The full transposed output, of size (H - 1) * s + k, is cropped by the padding that the
    matching 'same' convolution (H*s -> H) would use: `before` at the start, `after` at the end.
    Since `after >= before`, PyTorch's symmetric `padding=before` crops the start exactly and we
    slice off what remains at the end.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding=0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        k, s = self.kernel_size[0], self.stride[0]
        out_h, out_w = x.shape[-2] * s, x.shape[-1] * s
        top, _ = same_padding(out_h, k, s)
        left, _ = same_padding(out_w, k, s)
        y = F.conv_transpose2d(x, self.weight, self.bias, s, (top, left))
        return y[..., :out_h, :out_w]


def conv2d(in_channels: int, out_channels: int, kernel: int, stride: int, padding: str) -> nn.Module:
    """A 'same' convolution: TensorFlow's geometry (`tf_same`) or PyTorch's symmetric one."""
    if padding == "tf_same":
        return SameConv2d(in_channels, out_channels, kernel, stride)
    return nn.Conv2d(in_channels, out_channels, kernel, stride, padding=kernel // 2)


def conv_transpose2d(in_channels: int, out_channels: int, kernel: int, stride: int, padding: str) -> nn.Module:
    """A transposed convolution that multiplies H and W by `stride`, in either geometry."""
    if padding == "tf_same":
        return SameConvTranspose2d(in_channels, out_channels, kernel, stride)
    return nn.ConvTranspose2d(in_channels, out_channels, kernel, stride,
                              padding=kernel // 2, output_padding=stride - 1)


PADDINGS = ("tf_same", "symmetric")
