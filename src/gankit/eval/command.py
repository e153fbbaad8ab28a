"""`gankit eval`: score a run's latest checkpoint, a checkpoint file or saved samples."""

import json
import time
from pathlib import Path

from gankit.errors import ConfigError

from gankit.eval.evaluate import evaluate_generator, evaluate_images
from gankit.eval.report import format_table
from gankit.eval.samples import load_samples


def _score_samples(args) -> tuple[dict, str]:
    if args.n is not None or args.seed is not None:
        raise ConfigError("--n and --seed choose generated images; --samples scores every image given")
    if args.truncation != 1.0:
        raise ConfigError("--truncation draws a generator's images; --samples scores the images given as they are")
    return evaluate_images(load_samples(args.samples), args.dataset or "mnist"), args.samples


def _score_checkpoint(args) -> tuple[dict, str]:
    from gankit.runs import find_run, latest_checkpoint
    from gankit.sampling import load_generator

    run_dir = None if args.checkpoint else find_run(args.run)
    checkpoint = Path(args.checkpoint) if args.checkpoint else latest_checkpoint(run_dir)
    generator, cfg = load_generator(checkpoint)
    if args.dataset and args.dataset != cfg.data.name:
        raise ConfigError(f"--dataset {args.dataset}: {checkpoint} was trained on {cfg.data.name}; "
                          "drop --dataset to compare with the run's own data")
    seed = 0 if args.seed is None else args.seed
    copies_png = None if run_dir is None else run_dir / "figures" / "copies.png"  # shown by `gankit report`
    if copies_png is not None:
        copies_png.parent.mkdir(exist_ok=True)
    truncated = f", truncation {args.truncation}" if args.truncation != 1.0 else ""
    return (evaluate_generator(generator, cfg, n=args.n, seed=seed, truncation=args.truncation, copies_png=copies_png),
            f"{checkpoint} (seed {seed}{truncated})")


def run_eval(args) -> int:
    """Print the result of `evaluate_images` as a table, or as one JSON object with `--json`."""
    start = time.perf_counter()
    result, source = _score_samples(args) if args.samples else _score_checkpoint(args)
    if args.json:
        print(json.dumps(result))
    else:
        print(format_table(result, source))
        print(f"  ({time.perf_counter() - start:.1f} s)")
    return 0
