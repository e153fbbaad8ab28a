"""Chunked Euclidean distances and k-nearest-neighbour searches in feature space.

The k-NN metrics (precision/recall, density/coverage, memorisation) compare every query point
with every reference point. A full 10,000 x 10,000 float64 distance matrix is 800 MB, so queries
are processed in blocks of `chunk_size` rows against the whole reference set. Peak extra memory
per block is about chunk_size * n_reference * 8 bytes for a nearest-neighbour search and * 30
bytes for the ball tests (distances, their gap to the radii, boolean masks). Each row is computed
from that row alone, so results do not depend on `chunk_size`.
"""

from collections.abc import Iterator

import torch

# Rows per block: 256 x 10,000 real points x 30 B ~= 80 MB for ball tests; 256 x 60,000 train
# points x 8 B ~= 120 MB for nearest neighbours.
DEFAULT_CHUNK_SIZE = 256

# The matrix-product distances below carry rounding of about D * eps * (||a||^2 + ||b||^2). A
# pair whose squared distance lies within BOUNDARY_SLACK * (largest squared norm) of a ball's
# squared radius is decided again from the exact difference ||a - b||, so a point ON the surface
# (e.g. a copy of the k-th neighbour that set the radius) counts as inside whatever the rounding.
# 1e-10 is ~400x the worst-case rounding for D = 2048.
BOUNDARY_SLACK = 1e-10


def centred_on(reference: torch.Tensor, *others: torch.Tensor) -> list[torch.Tensor]:
    """All sets shifted by the mean of `reference`. Distances are unchanged; norms shrink to the
    data's spread, which shrinks the rounding of `squared_distances` (~eps * norm^2)."""
    origin = reference.mean(dim=0)
    return [reference - origin, *(x - origin for x in others)]


def squared_norms(x: torch.Tensor) -> torch.Tensor:
    """`(N, D) -> (N,)` squared Euclidean norms."""
    return (x * x).sum(dim=1)


def squared_distances(
    a: torch.Tensor, b: torch.Tensor, b_sq_norms: torch.Tensor | None = None
) -> torch.Tensor:
    """`(Na, D), (Nb, D) -> (Na, Nb)` squared distances ||a_i - b_j||^2 >= 0.

    Uses ||a||^2 + ||b||^2 - 2 a.b (one matrix product); cancellation can make it slightly
    negative or leave ~eps * ||a||^2 for identical points, hence the clamp. Callers that need an
    exact small distance recompute it from the difference (see `_exact_distances`).
    """
    if b_sq_norms is None:
        b_sq_norms = squared_norms(b)
    d2 = a @ b.T
    d2.mul_(-2).add_(squared_norms(a)[:, None]).add_(b_sq_norms[None, :])
    return d2.clamp_(min=0)


def cross_distance_chunks(
    query: torch.Tensor, reference: torch.Tensor, chunk_size: int
) -> Iterator[tuple[slice, torch.Tensor]]:
    """Yield `(rows, d2)`, d2 `(len(rows), N_ref)`: squared distances of query[rows] to all refs."""
    ref_sq = squared_norms(reference)
    for start in range(0, query.shape[0], chunk_size):
        rows = slice(start, min(start + chunk_size, query.shape[0]))
        yield rows, squared_distances(query[rows], reference, ref_sq)


def _exact_distances(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """`(N, D), (N, D) -> (N,)` row-wise ||a_i - b_i||, free of cancellation (0 for copies)."""
    return (a - b).norm(dim=1)


def boundary_slack(*point_sets: torch.Tensor) -> float:
    """Squared-distance margin within which `inside_balls` re-checks a pair exactly."""
    return BOUNDARY_SLACK * 2 * max(float(squared_norms(p).max()) for p in point_sets)


def inside_balls(
    d2: torch.Tensor,
    query: torch.Tensor,
    reference: torch.Tensor,
    radii: torch.Tensor,
    *,
    slack: float,
) -> torch.Tensor:
    """`(q, r)` mask of ||query_i - reference_j|| <= radii_ij (closed balls).

    d2 is `squared_distances(query, reference)`; radii is broadcastable to `(q, r)`: `(1, r)`
    for balls around reference points, `(q, 1)` for balls around query points. Pairs within
    `slack` of the surface are re-decided from exact distances (see BOUNDARY_SLACK).
    """
    sq_radii = radii.square()
    inside = d2 <= sq_radii
    rows, cols = ((d2 - sq_radii).abs_() <= slack).nonzero(as_tuple=True)
    if rows.numel():
        exact = _exact_distances(query[rows], reference[cols])
        inside[rows, cols] = exact <= radii.expand_as(d2)[rows, cols]
    return inside


def kth_neighbour_radii(points: torch.Tensor, k: int, *, chunk_size: int) -> torch.Tensor:
    """`(N, D) -> (N,)` distance from each point to its k-th nearest OTHER point (k >= 1, N > k).

    The point itself is excluded by index, not by assuming its distance is the smallest, so
    duplicates count as neighbours at distance 0 (Kynkäänniemi et al. 2019, Naeem et al. 2020).
    """
    radii = torch.empty(points.shape[0], dtype=points.dtype, device=points.device)
    for rows, d2 in cross_distance_chunks(points, points, chunk_size):
        own = torch.arange(rows.start, rows.stop, device=points.device)
        d2[own - rows.start, own] = float("inf")
        kth = d2.topk(k, dim=1, largest=False).indices[:, -1]
        radii[rows] = _exact_distances(points[rows], points[kth])
    return radii


def nearest_distances(
    query: torch.Tensor, reference: torch.Tensor, *, chunk_size: int
) -> torch.Tensor:
    """`(Nq, D), (Nr, D) -> (Nq,)` distance from each query point to its nearest reference point.

    Exact copies of a reference point get exactly 0.
    """
    nearest = torch.empty(query.shape[0], dtype=query.dtype, device=query.device)
    for rows, d2 in cross_distance_chunks(query, reference, chunk_size):
        nearest[rows] = _exact_distances(query[rows], reference[d2.argmin(dim=1)])
    return nearest
