import pytest
import torch
import torch.nn.functional as F

from gankit.models.padding import SameConv2d, SameConvTranspose2d, conv2d, same_padding


@pytest.mark.parametrize("size, kernel, stride, expected", [
    (28, 5, 2, (1, 2)),  # odd total: TensorFlow puts the extra pixel after
    (14, 5, 2, (1, 2)),
    (7, 5, 2, (2, 2)),
    (4, 5, 1, (2, 2)),
    (28, 5, 1, (2, 2)),
])
def test_same_padding_matches_tensorflow(size, kernel, stride, expected):
    assert same_padding(size, kernel, stride) == expected


def impulse(size, row, col):
    x = torch.zeros(1, 1, size, size)
    x[0, 0, row, col] = 1.0
    return x


def test_conv_impulse_response_has_tensorflow_geometry():
    conv = SameConv2d(1, 1, 5, 2)
    torch.nn.init.ones_(conv.weight)
    torch.nn.init.zeros_(conv.bias)
    # Output i sees inputs 2i-1 .. 2i+3 (one pixel of padding before): pixel 0 reaches output 0 only,
    # pixel 4 reaches outputs 1 and 2.
    assert conv(impulse(28, 0, 0))[0, 0].nonzero().tolist() == [[0, 0]]
    assert conv(impulse(28, 4, 4))[0, 0].nonzero().tolist() == [[1, 1], [1, 2], [2, 1], [2, 2]]
    # PyTorch's symmetric padding (two pixels before) would shift the response by one.
    symmetric = conv2d(1, 1, 5, 2, "symmetric")
    torch.nn.init.ones_(symmetric.weight)
    torch.nn.init.zeros_(symmetric.bias)
    assert symmetric(impulse(28, 0, 0))[0, 0].nonzero().tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]


def test_conv_equals_explicit_asymmetric_padding():
    torch.manual_seed(0)
    conv = SameConv2d(3, 4, 5, 2)
    x = torch.randn(2, 3, 28, 28)
    expected = F.conv2d(F.pad(x, (1, 2, 1, 2)), conv.weight, conv.bias, stride=2)
    torch.testing.assert_close(conv(x), expected)


@pytest.mark.parametrize("size, stride", [(7, 2), (14, 2), (28, 1)])
def test_transposed_conv_is_the_adjoint_of_the_same_conv(size, stride):
    """TensorFlow defines conv2d_transpose as the gradient of conv2d: <conv(x), y> = <x, convT(y)>."""
    torch.manual_seed(0)
    conv = SameConv2d(4, 3, 5, stride)
    transposed = SameConvTranspose2d(3, 4, 5, stride)
    with torch.no_grad():
        transposed.weight.copy_(conv.weight)
        conv.bias.zero_()
        transposed.bias.zero_()
    x = torch.randn(2, 4, size * stride, size * stride, requires_grad=True)
    y = torch.randn(2, 3, size, size)
    (conv(x) * y).sum().backward()
    torch.testing.assert_close(transposed(y), x.grad)


def test_transposed_impulse_lands_where_tensorflow_puts_it():
    transposed = SameConvTranspose2d(1, 1, 5, 2)
    torch.nn.init.ones_(transposed.weight)
    torch.nn.init.zeros_(transposed.bias)
    out = transposed(impulse(7, 0, 0))[0, 0]
    # input 0 spreads over full-output pixels 0..4; cropping one pixel before leaves 0..3
    assert out.shape == (14, 14)
    assert out.nonzero().max().item() == 3 and out.nonzero().min().item() == 0


def cropped_full_transposed(x, weight, bias, stride):
    """TensorFlow's definition, written out: the full transposed output, cropped as 'same' pads."""
    kernel = weight.shape[-1]
    full = F.conv_transpose2d(x, weight, bias, stride)
    out_h, out_w = x.shape[-2] * stride, x.shape[-1] * stride
    top, left = same_padding(out_h, kernel, stride)[0], same_padding(out_w, kernel, stride)[0]
    return full[..., top:top + out_h, left:left + out_w]


@pytest.mark.parametrize("height, width, kernel, stride", [
    (7, 7, 5, 2), (14, 14, 5, 2), (28, 28, 5, 1), (4, 4, 5, 1), (5, 9, 5, 2), (8, 8, 4, 2), (6, 6, 3, 2),
    (7, 7, 5, 3),
])
def test_transposed_conv_equals_cropped_full_output_forwards_and_backwards(height, width, kernel, stride):
    """The padding reformulation gives the cropped full output, and the same gradients, in fp32."""
    torch.manual_seed(0)
    layer = SameConvTranspose2d(3, 4, kernel, stride)
    x = torch.randn(2, 3, height, width, requires_grad=True)
    x_ref = x.detach().clone().requires_grad_(True)
    y = layer(x)
    expected = cropped_full_transposed(x_ref, layer.weight, layer.bias, stride)
    assert y.shape == (2, 4, height * stride, width * stride)
    torch.testing.assert_close(y, expected, rtol=1e-5, atol=1e-5)
    g = torch.randn_like(y)
    grads = torch.autograd.grad(y, (x, layer.weight, layer.bias), g)
    expected_grads = torch.autograd.grad(cropped_full_transposed(x_ref, layer.weight, layer.bias, stride),
                                         (x_ref, layer.weight, layer.bias), g)
    for got, want in zip(grads, expected_grads, strict=True):
        torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-4)
