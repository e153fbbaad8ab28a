"""Exact nearest-neighbour searches with the bulk of the arithmetic in float32.

    distance, index = nearest(query, reference, workers=2)   # (Nq,) float64, (Nq,) int64
    fake_nn, held_out_nn = distances_to(train, fake, held_out)  # centred on train's mean first
    fake_nn = grouped_distances(train, train_classes, fake, fake_classes)  # the same, searched by class
    radii = kth_radii(points, (3, 5), workers=2)              # {3: (N,), 5: (N,)} float64

Scoring 10,000 images compares them with 10,000 reference and 60,000 training images: as matrix
products, 51 to 307 GFLOP per search. Those products run here in float32 (twice float64's rate
on a CPU, half its memory traffic), in tiles small enough to stay in the cache, as a screen: a
pair whose float32 squared distance is within its worst-case rounding (`rounding_margin`) of
changing the answer is looked at again in float64, and the distances returned are measured from
the difference of the two float64 points (0 for a copy). The answers are those of a search in
float64, whatever the tiling, the device or the number of workers.

Points are float64 `(N, D)`, centred first (`gankit.metrics.neighbours.centred_on`): small
norms keep the float32 rounding small. On a GPU, TF32 must be off (`torch.backends.cuda.matmul.
allow_tf32`, off by default): the margin is float32's.
"""

import torch

from gankit.metrics.neighbours import centred_on, squared_distances, squared_norms
from gankit.workers import map_pieces, worker_count

EPS32 = torch.finfo(torch.float32).eps
PAIR_CHUNK = 65_536  # pairs whose differences are taken at once: 65,536 x 256 judge features x 8 B = 134 MB
CANDIDATES_PER_ROW = 64  # screened pairs a row beyond which a block is searched in float64 instead


def rounding_margin(a: torch.Tensor, b: torch.Tensor) -> float:
    """A bound on the float32 rounding of |b|^2 - 2 a.b for any rows of `(Na, D)` a and `(Nb, D)`
    b: four times the textbook (D + 2) eps (|a|^2 + |b|^2) of rounding both to float32, a
    length-D dot product and a sum (the norms may be taken in float32: the factor 4 covers that)."""
    return 4 * (a.shape[1] + 2) * EPS32 * float(squared_norms(a).max() + squared_norms(b).max())


def blocks(n: int, device: torch.device, workers: int) -> list[slice]:
    """Row blocks of a query set: at most 1,024 rows (8,192 on a GPU), at least one per worker."""
    most = 1024 if device.type == "cpu" else 8192
    size = max(1, min(most, -(-n // worker_count(workers))))
    return [slice(start, min(start + size, n)) for start in range(0, n, size)]


def tile_rows(device: torch.device) -> int:
    """Reference rows per tile: a CPU tile of 1,024 x 512 float32 results stays in the L2 cache."""
    return 512 if device.type == "cpu" else 8192


def screen(query32: torch.Tensor, reference32: torch.Tensor, reference_sq: torch.Tensor) -> torch.Tensor:
    """`(q, r)` float32 |b|^2 - 2 a.b: the squared distances less the query's own |a|^2, which
    changes no row's order (one matrix product, no pass to add it)."""
    return torch.addmm(reference_sq[None, :], query32, reference32.T, alpha=-2)


def nearest(query: torch.Tensor, reference: torch.Tensor, *, workers: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
    """(distance (Nq,) float64, index (Nq,) int64) of each `(Nq, D)` query's nearest `(Nr, D)`
    reference point: the first of the smallest float64 squared distance, and its distance from
    the difference of the two points. Points are float64, or integers (uint8 pixels, whose
    float32 and float64 values are exact). `workers` CPU threads share the work."""
    q32, r32 = query.float(), reference.float()
    r_sq = squared_norms(r32)
    tile = tile_rows(reference.device)
    starts = range(0, len(reference), tile)

    def tile_minima(rows: slice) -> torch.Tensor:  # (rows, tiles): each tile's smallest screened value
        block = q32[rows]
        return torch.stack([screen(block, r32[t:t + tile], r_sq[t:t + tile]).amin(dim=1) for t in starts], dim=1)

    minima = torch.cat(map_pieces(tile_minima, blocks(len(query), query.device, workers), workers=workers))
    # The nearest point's screened value is within twice the margin of the smallest one.
    limit = minima.amin(dim=1, keepdim=True) + 2 * rounding_margin(q32, r32)
    rows, tiles = (minima <= limit).nonzero(as_tuple=True)
    best = torch.full((len(query),), torch.inf, dtype=torch.float64, device=query.device)
    index = torch.zeros(len(query), dtype=torch.int64, device=query.device)
    for t in tiles.unique().tolist():  # ascending, and `<` below: ties go to the first index
        mine = rows[tiles == t]
        d2, i = squared_distances(query[mine].double(), reference[t * tile:(t + 1) * tile].double()).min(dim=1)
        better = d2 < best[mine]
        best[mine[better]], index[mine[better]] = d2[better], i[better] + t * tile
    return (query.double() - reference[index].double()).norm(dim=1), index


def distances_to(reference: torch.Tensor, *queries: torch.Tensor, workers: int = 1) -> list[torch.Tensor]:
    """For each `(M, D)` set in `queries`, the (M,) float64 distances of its points to their nearest
    `(N, D)` reference point, after centring all on the reference mean in float64."""
    reference, *queries = centred_on(reference.double(), *(q.double() for q in queries))
    return [nearest(q, reference, workers=workers)[0] for q in queries]


def grouped_distances(reference: torch.Tensor, reference_groups: torch.Tensor, query: torch.Tensor,
                      query_groups: torch.Tensor, *, workers: int = 1) -> torch.Tensor:
    """`distances_to(reference, query)[0]`, searched group by group: each `(M, D)` query point
    first among the `(N, D)` reference points of its own group (`(M,)` and `(N,)` int labels:
    the judge's classes), then only in the other groups whose bounding ball (centre, farthest
    member) could hold a point nearer than its best so far. The same distances; for the judge's
    features, whose classes lie apart, a third of the pairs or fewer."""
    reference, query = centred_on(reference.double(), query.double())
    best = torch.full((len(query),), torch.inf, dtype=torch.float64, device=query.device)
    groups = [(g, (reference_groups == g).nonzero().squeeze(1)) for g in reference_groups.unique().tolist()]
    for g, members in groups:
        own = (query_groups == g).nonzero().squeeze(1)
        if len(own):
            best[own] = nearest(query[own], reference[members], workers=workers)[0]
    for g, members in groups:
        centre = reference[members].mean(dim=0)
        radius = (reference[members] - centre).norm(dim=1).max()
        # Triangle inequality: no member is nearer than |q - centre| - radius (float64, with room for its rounding).
        lower = (query - centre).norm(dim=1) - radius
        rest = ((lower <= best * (1 + 1e-9) + 1e-12) & (query_groups != g)).nonzero().squeeze(1)
        if len(rest):
            best[rest] = torch.minimum(best[rest], nearest(query[rest], reference[members], workers=workers)[0])
    return best


def pair_distances(a: torch.Tensor, b: torch.Tensor, rows: torch.Tensor, cols: torch.Tensor) -> torch.Tensor:
    """`(P,)` float64 |a[rows] - b[cols]| for `(P,)` index pairs into `(Na, D)` a and `(Nb, D)` b,
    taken from the difference (0 for a copy), PAIR_CHUNK pairs at a time so memory stays bounded."""
    return torch.cat([(a[rows[i:i + PAIR_CHUNK]] - b[cols[i:i + PAIR_CHUNK]]).norm(dim=1)
                      for i in range(0, len(rows), PAIR_CHUNK)] or [a.new_zeros(0, dtype=torch.float64)])


def kth_radii(points: torch.Tensor, ks: tuple[int, ...], *, workers: int = 1) -> dict[int, torch.Tensor]:
    """{k: (N,) float64 distance from each float64 `(N, D)` point to its k-th nearest OTHER point}
    for each k in `ks` (N > max(ks)): `gankit.metrics.neighbours.kth_neighbour_radii`'s radii.
    The point itself is left out by index, so duplicates are neighbours at distance 0.

    A block of rows whose screen keeps more than CANDIDATES_PER_ROW pairs a row on average (points
    packed closer than float32 can tell apart: a collapsed generator's images) is searched as
    `kth_neighbour_radii` searches it, in float64, which costs one matrix product, not a check per pair."""
    p32, sq = points.float(), squared_norms(points).float()
    margin, k_max = rounding_margin(points, points), max(ks)

    def radii(rows: slice) -> torch.Tensor:  # (rows, len(ks))
        s = screen(p32[rows], p32, sq)
        own = torch.arange(rows.start, rows.stop, device=points.device)
        s[own - rows.start, own] = torch.inf
        # Every point within the k-th exact distance screens within 2 margins of the k-th screened value.
        kept = s <= s.topk(k_max, dim=1, largest=False).values[:, -1:] + 2 * margin
        if int(kept.sum()) > CANDIDATES_PER_ROW * (rows.stop - rows.start):
            return float64_radii(rows)
        r, c = kept.nonzero(as_tuple=True)
        exact = pair_distances(points[rows], points, r, c)
        order = exact.argsort(stable=True)
        order = order[r[order].argsort(stable=True)]  # by row, then by distance
        counts = torch.bincount(r, minlength=rows.stop - rows.start)
        first = counts.cumsum(0) - counts
        return torch.stack([exact[order[first + k - 1]] for k in ks], dim=1)

    def float64_radii(rows: slice) -> torch.Tensor:  # (rows, len(ks)), as kth_neighbour_radii
        d2 = squared_distances(points[rows], points, squared_norms(points))
        own = torch.arange(rows.start, rows.stop, device=points.device)
        d2[own - rows.start, own] = torch.inf
        nearest_k = d2.topk(k_max, dim=1, largest=False).indices
        return torch.stack([(points[rows] - points[nearest_k[:, k - 1]]).norm(dim=1) for k in ks], dim=1)

    table = torch.cat(map_pieces(radii, blocks(len(points), points.device, workers), workers=workers))
    return {k: table[:, j] for j, k in enumerate(ks)}
