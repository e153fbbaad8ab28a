"""Where an evaluation's seconds go: sampling 10,000 images from the fast preset's G and scoring
them (protocol gankit-eval-v1) with the real statistics cached, stage by stage, in one process,
with this machine's matmul rate measured in the same run.

    .venv/bin/python bench/eval_time.py [--run RUN] [--device cpu|cuda] [--threads 0] [--repeats 3]
                                        [--compare] [--data-dir DIR]
    .venv/bin/python bench/eval_time.py --quick --data-dir DIR    # 200 images, once: the test suite's smoke run

G is the latest checkpoint of `--run` (a fast-preset run, as `gankit eval --run` loads it), or
without one a fast-preset G at its initial weights (the same arithmetic; the k-NN searches'
re-checks, a small share, depend on the images). The stages are the calls `score_images` and
`evaluate_generator` make, timed one by one on the same inputs; "score_images" and
"evaluate_generator" are the whole calls, whose parts overlap nothing. `--compare` adds the
straightforward path, `gankit.metrics`' own functions in float64 on one thread (what scoring
did before the searches were shared, screened and cached), and checks both give the same figures.
The real statistics are computed first if the cache lacks them (not timed). Timings on a shared
machine measure the load as much as the code: run it on a quiet one.
"""

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from train_throughput import matmul_flops  # noqa: E402

from gankit.accel import available_cores  # noqa: E402
from gankit.config import load_config  # noqa: E402
from gankit.eval import V1, load_reals, score_images  # noqa: E402
from gankit.eval.class_accuracy import class_accuracy  # noqa: E402
from gankit.eval.copies import copy_scores  # noqa: E402
from gankit.eval.evaluate import CPU_SAMPLE_BATCH, evaluate_generator, full_float32, score_features  # noqa: E402
from gankit.eval.kid_terms import kid_scores  # noqa: E402
from gankit.eval.knn import knn_scores  # noqa: E402
from gankit.eval.nearest import grouped_distances  # noqa: E402
from gankit.judges import judge_outputs  # noqa: E402
from gankit.metrics import (  # noqa: E402
    class_variety, density_coverage, fid_from_features, kid, memorisation, precision_recall)
from gankit.metrics.neighbours import DEFAULT_CHUNK_SIZE, centred_on, nearest_distances  # noqa: E402
from gankit.models import build_models, is_conditional  # noqa: E402
from gankit.runs import find_run, latest_checkpoint  # noqa: E402
from gankit.sampling import load_generator, sample  # noqa: E402
from gankit.workers import torch_threads, worker_count  # noqa: E402

PRESET = "configs/fast.toml"


def device_matmul_flops(device: torch.device, size: int = 4096) -> float:
    """fp32 FLOP/s of a size^3 matmul on a GPU (TF32 off), median of 9."""
    a, b = torch.randn(size, size, device=device), torch.randn(size, size, device=device)
    times = []
    with full_float32(device):
        for i in range(12):
            torch.cuda.synchronize(device)
            start = time.perf_counter()
            a @ b
            torch.cuda.synchronize(device)
            times.append(time.perf_counter() - start)
    return 2 * size**3 / statistics.median(times[3:])


def generator_and_config(args, device: torch.device):
    """The run's G (as `gankit eval --run` loads it), or a fast-preset G at its initial weights."""
    if args.run:
        generator, cfg = load_generator(latest_checkpoint(find_run(args.run)))
    else:
        cfg = load_config(PRESET, [f"data.dir={args.data_dir}"] if args.data_dir else [])
        cfg.model.num_classes = 10
        torch.manual_seed(0)
        generator, _ = build_models(cfg.model, (1, 28, 28))
    if args.data_dir:
        cfg.data.dir = args.data_dir
    return generator.eval().to(device), cfg


def timed(device: torch.device, fn):
    """(seconds, fn()) with the device's queue drained before and after."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    start = time.perf_counter()
    result = fn()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return time.perf_counter() - start, result


def stages(generator, cfg, reals, n: int, threads: int) -> dict:
    """name -> (seconds, result) of each stage of one evaluation, in the order evaluate_generator runs them."""
    device, workers = reals.device, worker_count(threads) if reals.device.type == "cpu" else 1
    batch = CPU_SAMPLE_BATCH if next(generator.parameters()).device.type == "cpu" else 500
    stats, p, out = reals.stats, reals.protocol, {}
    out["sample"] = timed(device, lambda: sample(generator, cfg, n, workers=threads, batch_size=batch))
    fakes = out["sample"][1]
    with full_float32(device), torch_threads(1):
        out["judge"] = timed(device, lambda: judge_outputs(reals.judge, fakes, batch_size=p.judge_batch_size,
                                                           workers=workers))
        features, probs = (t.to(device) for t in out["judge"][1])
        out["search: fakes to train features"] = timed(device, lambda: grouped_distances(
            stats.train_features, reals.train_classes, features, probs.argmax(dim=1), workers=workers))
        out["KID"] = timed(device, lambda: kid_scores(stats.reference_features, features, p,
                                                      cached_within=stats.kid_real_within, workers=workers))
        out["precision/recall, density/coverage"] = timed(device, lambda: knn_scores(
            stats.reference_features, features, pr_radii=stats.reference_pr_radii, pr_k=p.pr_k,
            dc_radii=stats.reference_dc_radii, dc_k=p.dc_k, workers=workers))
        out["copies: pixel search"] = timed(device, lambda: copy_scores(
            out["search: fakes to train features"][1], stats.reference_train_nn, fakes.to(device), reals.train_images,
            workers=workers))
        train_nn = out["search: fakes to train features"][1]
        out["all of score_features"] = timed(device, lambda: score_features(features, probs, reals, train_nn=train_nn,
                                                                            workers=workers))
    if is_conditional(cfg.model):
        out["class accuracy (sampling and judging)"] = timed(device, lambda: class_accuracy(
            generator, cfg, n_per_class=n // cfg.model.num_classes, protocol=p, judge=reals.judge, workers=threads,
            batch_size=batch))
    out["score_images"] = timed(device, lambda: score_images(fakes, reals, threads=threads))
    out["evaluate_generator"] = timed(device, lambda: evaluate_generator(generator, cfg, n, threads=threads,
                                                                         reals=reals))
    return out


def straightforward(reals, features: torch.Tensor, classes: torch.Tensor) -> dict:
    """name -> (seconds, result) of `gankit.metrics`' own functions on the same `(M, D)` features
    and `(M,)` classes (float64, CPU, one thread: scoring's default before it shared its work)."""
    stats, p = reals.stats, reals.protocol
    real, train = stats.reference_features.cpu(), stats.train_features.cpu()
    out = {"FID": timed(torch.device("cpu"), lambda: fid_from_features(real, features))}
    out["KID"] = timed(torch.device("cpu"), lambda: kid(real, features, subsets=p.kid_subsets,
                                                        subset_size=p.kid_subset_size, seed=p.kid_seed))
    out["precision/recall"] = timed(torch.device("cpu"), lambda: precision_recall(real, features, k=p.pr_k))
    out["density/coverage"] = timed(torch.device("cpu"), lambda: density_coverage(real, features, k=p.dc_k))
    out["memorisation"] = timed(torch.device("cpu"), lambda: memorisation(features, train, real,
                                                                          quantile=p.memorisation_quantile))

    def copy_search():  # the copy detector's feature searches, fakes and held-out reals, in float64
        train_c, fake_c, real_c = centred_on(train.double(), features.double(), real.double())
        return [nearest_distances(x, train_c, chunk_size=DEFAULT_CHUNK_SIZE) for x in (fake_c, real_c)]

    out["copies: feature searches"] = timed(torch.device("cpu"), copy_search)
    out["class variety"] = timed(torch.device("cpu"), lambda: class_variety(
        real, reals.reference_classes.cpu(), features, classes, 10))
    return out


def check_agreement(fast: dict, slow: dict) -> list[str]:
    """Lines naming every figure of the fast path that differs from the straightforward one beyond float tolerance."""
    knn = fast["precision/recall, density/coverage"][1]
    pairs = {"KID mean": (fast["KID"][1][0], slow["KID"][1][0]),
             "precision": (knn["precision"], slow["precision/recall"][1][0]),
             "recall": (knn["recall"], slow["precision/recall"][1][1]),
             "density": (knn["density"], slow["density/coverage"][1][0]),
             "coverage": (knn["coverage"], slow["density/coverage"][1][1]),
             "nn_feature_median": (float(fast["search: fakes to train features"][1].median()),
                                   float(slow["copies: feature searches"][1][0].median()))}
    return [f"{name}: {a!r} vs {b!r}" for name, (a, b) in pairs.items() if abs(a - b) > 1e-9 * max(1.0, abs(b))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", default="", help="a fast-preset run folder (or number); default: G at initial "
                        "weights")
    parser.add_argument("--data-dir", default="", help="a folder with MNIST's four IDX files (default: where gankit "
                        "finds MNIST)")
    parser.add_argument("--device", default="cpu", help="where G, the judge and the searches run: cpu or cuda")
    parser.add_argument("--threads", type=int, default=0, help="CPU threads sharing the work (0: one per core, "
                        "or OMP_NUM_THREADS)")
    parser.add_argument("--n", type=int, default=V1.n_fake, help="images sampled and scored")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--compare", action="store_true", help="also time gankit.metrics' own functions (slow)")
    parser.add_argument("--quick", action="store_true", help="200 images, one repeat: a smoke run")
    args = parser.parse_args()
    if args.quick:
        args.n, args.repeats = 200, 1
    device = torch.device(args.device)
    generator, cfg = generator_and_config(args, device)
    reals = load_reals(cfg.data.name, V1, data_dir=cfg.data.dir or None, device=device, workers=args.threads)
    cores, workers = available_cores(), worker_count(args.threads)
    rates = {n: matmul_flops(n) for n in sorted({1, workers})}  # fp32, 2048^3
    torch.set_num_threads(cores)
    matmul = ", ".join(f"{rate / 1e9:.0f} GFLOP/s at {n} thread(s)" for n, rate in rates.items())
    if device.type == "cuda":
        gpu = device_matmul_flops(device) / 1e12
        matmul = f"GPU {torch.cuda.get_device_name(device)} {gpu:.1f} TFLOP/s; CPU {matmul}"
    print(f"torch {torch.__version__}, {platform.processor() or platform.machine()}, {cores} cores, {workers} workers; "
          f"fp32 matmul: {matmul}; {args.n:,} images from {args.run or 'a fast-preset G at initial weights'}; "
          f"median of {args.repeats}\n")
    runs = [stages(generator, cfg, reals, args.n, args.threads) for _ in range(args.repeats)]
    seconds = {name: statistics.median(run[name][0] for run in runs) for name in runs[0]}
    slow = {}
    if args.compare:
        features, probs = runs[0]["judge"][1]
        with torch_threads(1):
            slow = [straightforward(reals, features, probs.argmax(dim=1)) for _ in range(args.repeats)]
        problems = check_agreement(runs[0], slow[0])
        slow = {name: statistics.median(run[name][0] for run in slow) for name in slow[0]}
    total = seconds["evaluate_generator"]
    print("| stage | seconds | share of evaluate_generator |")
    print("|---|---|---|")
    for name, s in seconds.items():
        print(f"| {name} | {s:.2f} | {100 * s / total:.0f} % |")
    if slow:
        print("\nStraightforward path (gankit.metrics, float64, one thread, nothing cached or shared):\n")
        print("| metric | seconds |")
        print("|---|---|")
        for name, s in slow.items():
            print(f"| {name} | {s:.2f} |")
        print(f"| all of these | {sum(slow.values()):.2f} |")
        print("\nfigures: " + ("the same within 1e-9" if not problems else "DIFFER: " + "; ".join(problems)))


if __name__ == "__main__":
    main()
