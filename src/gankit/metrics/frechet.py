"""Fréchet distance between Gaussians fitted to features (FID; Heusel et al. 2017).

    FD = ||mu1 - mu2||^2 + tr(S1) + tr(S2) - 2 tr((S1 S2)^(1/2))

The matrix square root is taken without scipy, in the symmetric form

    tr((S1 S2)^(1/2)) = tr((R S2 R)^(1/2)) = sum_i sqrt(lambda_i(R S2 R)),   R = S1^(1/2)

which holds because S1 S2 = R (R S2) and R S2 R = (R S2) R have the same eigenvalues (AB and BA
always do), and R S2 R is symmetric PSD, so they are real and >= 0.

Why this is stable: both steps are eigendecompositions of symmetric positive semi-definite matrices
(`torch.linalg.eigh` in float64), which are backward stable and give real eigenvalues, whereas
scipy's `sqrtm(S1 @ S2)` works on a non-symmetric product and can return complex noise or fail
on singular covariances (pytorch-fid then retries with an eps * I offset). Covariances of
N <= D samples are rank deficient; rounding leaves their zero eigenvalues at +-D * eps * lambda_max,
and sqrt would blow that noise up to ~1e-7 * sqrt(lambda_max) each. Eigenvalues below
D * eps * lambda_max (the solver's backward error, numpy's `matrix_rank` tolerance) are therefore
set to 0, their exact value.
"""

import torch

from gankit.metrics.inputs import MetricInputError, as_features, as_vector, check_same_dim

# A covariance may be asymmetric by this much relative to its largest entry (float32 round trips).
SYMMETRY_TOLERANCE = 1e-6


def feature_stats(features) -> tuple[torch.Tensor, torch.Tensor]:
    """`(N, D)` features, N >= 2 -> (mu `(D,)`, sigma `(D, D)`) in float64.

    sigma is the unbiased (N - 1) covariance, as in the reference FID code (`np.cov`).
    """
    x = as_features(features, "features")
    mu = x.mean(dim=0)
    centred = x - mu
    sigma = centred.T @ centred / (x.shape[0] - 1)
    return mu, sigma


def _as_gaussian(mu, sigma, name: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Validated float64 mean `(D,)` and symmetrised covariance `(D, D)`."""
    mu = as_vector(mu, f"{name} mean")
    sigma = as_features(sigma, f"{name} covariance", min_samples=1, shape_doc="(D, D)")
    if sigma.shape != (mu.shape[0], mu.shape[0]):
        raise MetricInputError(
            f"{name} covariance: expected shape ({mu.shape[0]}, {mu.shape[0]}) to match its "
            f"mean, got {tuple(sigma.shape)}"
        )
    scale = sigma.abs().max().clamp(min=1e-300)
    if float((sigma - sigma.T).abs().max() / scale) > SYMMETRY_TOLERANCE:
        raise MetricInputError(f"{name} covariance: not symmetric; pass a covariance matrix")
    return mu, (sigma + sigma.T) / 2


def _zero_rounding(eigenvalues: torch.Tensor) -> torch.Tensor:
    """Eigenvalues of a symmetric PSD matrix with those below rounding level set to 0."""
    tolerance = eigenvalues.shape[0] * torch.finfo(eigenvalues.dtype).eps * eigenvalues.abs().max()
    return torch.where(eigenvalues > tolerance, eigenvalues, 0.0)


def _psd_sqrt(m: torch.Tensor) -> torch.Tensor:
    """Symmetric PSD `(D, D)` -> its symmetric PSD square root."""
    eigenvalues, eigenvectors = torch.linalg.eigh(m)
    return (eigenvectors * _zero_rounding(eigenvalues).sqrt()) @ eigenvectors.T


def trace_sqrt_product(sigma1: torch.Tensor, sigma2: torch.Tensor) -> torch.Tensor:
    """tr((S1 S2)^(1/2)) for symmetric PSD `(D, D)` float64 S1, S2 (see the module docstring)."""
    root1 = _psd_sqrt(sigma1)
    middle = root1 @ sigma2 @ root1
    middle = (middle + middle.T) / 2  # symmetric in exact arithmetic; remove rounding asymmetry
    return _zero_rounding(torch.linalg.eigvalsh(middle)).sqrt().sum()


def frechet_distance(mu1, sigma1, mu2, sigma2) -> float:
    """Fréchet distance between N(mu1, sigma1) and N(mu2, sigma2); means `(D,)`, covs `(D, D)`.

    Returns a float >= 0 up to rounding (not clamped, so a value like -1e-12 shows rounding).
    """
    mu1, sigma1 = _as_gaussian(mu1, sigma1, "first")
    mu2, sigma2 = _as_gaussian(mu2, sigma2, "second")
    if mu1.shape != mu2.shape:
        raise MetricInputError(
            f"first and second Gaussians differ in dimension: {mu1.shape[0]} vs {mu2.shape[0]}"
        )
    mu2, sigma2 = mu2.to(mu1.device), sigma2.to(mu1.device)
    diff = mu1 - mu2
    fd = diff @ diff + sigma1.trace() + sigma2.trace() - 2 * trace_sqrt_product(sigma1, sigma2)
    return float(fd)


def fid_from_features(real, fake) -> float:
    """FID between `(N, D)` real and `(M, D)` fake features (N, M >= 2); feature units squared."""
    real = as_features(real, "real features")
    fake = as_features(fake, "fake features")
    check_same_dim(real, fake, "real features", "fake features")
    return frechet_distance(*feature_stats(real), *feature_stats(fake.to(real.device)))
