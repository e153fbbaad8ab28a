"""Inception Score of a judge classifier's predictions (Salimans et al. 2016).

    IS = exp( E_x [ KL( p(y|x) || p(y) ) ] ),   p(y) = E_x [ p(y|x) ]   within each split

1 <= IS <= C (number of classes): 1 when every sample gets the same prediction, C when
predictions are confident (one-hot) and spread evenly over all classes. For MNIST's 10-class
judge the ceiling is 10. Zeros in p(y|x) need no eps: p log p is taken as 0 at p = 0 (`xlogy`),
and p(y) >= p(y|x) / n > 0 wherever p(y|x) > 0, so no log of 0 is ever weighted.
"""

import torch

from gankit.metrics.inputs import MetricInputError, as_probs, positive_int


def _split_score(probs: torch.Tensor) -> torch.Tensor:
    """`(n, C)` probabilities -> 0-dim IS of that group."""
    marginal = probs.mean(dim=0, keepdim=True)
    kl = (torch.special.xlogy(probs, probs) - torch.special.xlogy(probs, marginal)).sum(dim=1)
    return kl.mean().exp()


def inception_score(probs, *, splits: int = 1) -> tuple[float, float]:
    """IS of `(N, C)` class probabilities (rows sum to 1) -> (mean, std) over `splits`.

    Rows are cut into `splits` contiguous groups (sizes differ by at most 1), as in the original
    code; std is the population std (ddof 0) across groups, 0 for `splits=1`.
    """
    probs = as_probs(probs, "probabilities")
    splits = positive_int(splits, "splits")
    if splits > probs.shape[0]:
        raise MetricInputError(f"splits: {splits} is more than the {probs.shape[0]} samples")
    scores = torch.stack([_split_score(part) for part in torch.tensor_split(probs, splits)])
    return float(scores.mean()), float(scores.std(correction=0))
