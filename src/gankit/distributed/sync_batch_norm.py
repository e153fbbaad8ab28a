"""BatchNorm whose training statistics are those of the global batch, on any device.

PyTorch's `nn.SyncBatchNorm` runs on GPUs only; this one works on the CPU (gloo) too, so one
implementation serves both and CI tests it. In training mode each rank sums its slice's values
and squares per channel, in float64 (so E[x^2] - E[x]^2 loses nothing), one all-reduce adds them
over the ranks, and every rank normalises with the global mean and variance: the output is what
`nn.BatchNorm2d` gives on the whole global batch, and so are the moving statistics (identical on
every rank). Gradients flow back through the all-reduce (its backward is an all-reduce of the
gradients), as for a BatchNorm over the whole batch. In eval mode it is `nn.BatchNorm2d`.
"""

import torch
import torch.distributed as dist
from torch import nn


class _AllReduceSum(torch.autograd.Function):
    """Sum over ranks, differentiable: d(sum)/d(own part) is the sum of every rank's gradient."""

    @staticmethod
    def forward(ctx, tensor: torch.Tensor) -> torch.Tensor:
        tensor = tensor.clone()
        dist.all_reduce(tensor)
        return tensor

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        grad = grad.clone()
        dist.all_reduce(grad)
        return grad


class SyncBatchNorm2d(nn.BatchNorm2d):
    """`nn.BatchNorm2d` over the global batch; x: (n, C, H, W) on each rank, the same n on all."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or not dist.is_initialized() or dist.get_world_size() == 1:
            return super().forward(x)
        local = x.double()
        count = x.numel() // x.shape[1]
        sums = torch.cat([local.sum((0, 2, 3)), (local * local).sum((0, 2, 3)),
                          local.new_full((1,), float(count))])
        sums = _AllReduceSum.apply(sums)
        channels, total = x.shape[1], sums[-1]
        mean = sums[:channels] / total
        var = sums[channels:2 * channels] / total - mean * mean  # biased, as BatchNorm normalises
        if self.track_running_stats:
            with torch.no_grad():  # PyTorch's convention: the moving variance is unbiased
                self.num_batches_tracked.add_(1)
                factor = self.momentum if self.momentum is not None else 1.0 / self.num_batches_tracked.item()
                self.running_mean.lerp_(mean.to(self.running_mean.dtype), factor)
                unbiased = var * total / (total - 1)
                self.running_var.lerp_(unbiased.to(self.running_var.dtype), factor)
        scale = (var + self.eps).rsqrt().to(x.dtype)
        y = (x - mean.to(x.dtype)[None, :, None, None]) * scale[None, :, None, None]
        if not self.affine:
            return y
        return y * self.weight[None, :, None, None] + self.bias[None, :, None, None]


def sync_batch_norms(module: nn.Module) -> nn.Module:
    """`module` with every `nn.BatchNorm2d` replaced by a `SyncBatchNorm2d` holding the same
    parameter and buffer tensors (so optimisers built on them and state_dict keys still hold)."""
    for name, child in module.named_children():
        if type(child) is nn.BatchNorm2d:
            synced = SyncBatchNorm2d(child.num_features, eps=child.eps, momentum=child.momentum,
                                     affine=child.affine, track_running_stats=child.track_running_stats)
            synced.weight, synced.bias = child.weight, child.bias
            synced.running_mean, synced.running_var = child.running_mean, child.running_var
            synced.num_batches_tracked = child.num_batches_tracked
            synced.train(child.training)
            setattr(module, name, synced)
        else:
            sync_batch_norms(child)
    return module
