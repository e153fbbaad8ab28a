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


def transposed_geometry(size: int, kernel: int, stride: int) -> tuple[int, int, int]:
    """(shift, padding, output_padding) that give `F.conv_transpose2d` TensorFlow's 'same'
    geometry for one spatial dimension, with no crop of the output afterwards.

    TensorFlow keeps the full transposed output `full[j]`, j < (size - 1) * stride + kernel, from
    `before` on: y[o] = full[o + before], o < size * stride. PyTorch crops `padding` pixels at the
    start and `padding - output_padding` at the end, with 0 <= output_padding < stride. Padding
    the input with `shift` zeros at the start delays `full` by `shift * stride` pixels, so
    padding = before + shift * stride, and the smallest shift that makes output_padding valid is
    taken. For kernel 5, stride 2 (before = 1): shift 1, padding 3, output_padding 1.
    """
    before, _ = same_padding(size * stride, kernel, stride)
    for shift in range(kernel + 1):
        output_padding = (shift + 1) * stride - kernel + 2 * before
        if 0 <= output_padding < stride:
            return shift, before + shift * stride, output_padding
    raise ValueError(f"no transposed geometry for size {size}, kernel {kernel}, stride {stride}")


class SameConvTranspose2d(nn.ConvTranspose2d):
    """`nn.ConvTranspose2d` with TensorFlow 'same' geometry: (N, C, H, W) -> (N, C', H*s, W*s).

    TensorFlow's result is the full transposed output, of size (H - 1) * s + k, cropped by the
    padding that the matching 'same' convolution (H*s -> H) would use. Cropping it with a slice
    costs a strided copy forwards and a zero-filled scatter backwards (about a fifth of this
    layer's time on a CPU); `transposed_geometry` gets the same numbers from PyTorch's own
    padding instead, at the price of one zero row and column on the (smaller) input.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding=0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        k, s = self.kernel_size[0], self.stride[0]
        shift_h, pad_h, extra_h = transposed_geometry(x.shape[-2], k, s)
        shift_w, pad_w, extra_w = transposed_geometry(x.shape[-1], k, s)
        if shift_h or shift_w:
            x = F.pad(x, (shift_w, 0, shift_h, 0))
        return F.conv_transpose2d(x, self.weight, self.bias, s, (pad_h, pad_w), (extra_h, extra_w))


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
