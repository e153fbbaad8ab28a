"""The command line: `gankit train|sample|train-judge|eval`, a thin layer over the library.

Every `GankitError` is printed as one line, `gankit: error: ...`, with exit code 2 and no
traceback (pass `--debug` for one).
"""

import argparse
import logging
import sys
import time
from pathlib import Path

from .errors import ConfigError, GankitError


def split_overrides(extra: list[str]) -> list[str]:
    """`["--train.steps=2", "--data.dir", "D"]` -> `["train.steps=2", "data.dir=D"]`."""
    overrides, tokens = [], list(extra)
    while tokens:
        token = tokens.pop(0)
        if not token.startswith("--") or "." not in token.split("=")[0]:
            raise ConfigError(f"unrecognised argument '{token}'; config overrides look like --train.steps=2000")
        key, sep, value = token[2:].partition("=")
        if not sep:
            if not tokens or tokens[0].startswith("--"):
                raise ConfigError(f"--{key} needs a value, e.g. --{key}=VALUE")
            value = tokens.pop(0)
        overrides.append(f"{key}={value}")
    return overrides


def cmd_train(args, extra) -> int:
    from .config import load_config, to_toml
    from .models import build_models, count_parameters
    from .data import DATASETS
    from .distributed import collective_errors
    from .runs import find_run
    from .session import open_session
    from .trainer import train

    overrides = split_overrides(extra)
    if args.resume and args.config:
        raise ConfigError("--resume continues a run with its stored config; drop --config")
    if not args.resume:
        cfg = load_config(args.config, overrides)
        if args.dry_run:
            generator, discriminator = build_models(cfg.model, DATASETS[cfg.data.name].image_shape)
            print(to_toml(cfg))
            print(f"generator: {count_parameters(generator):,} trainable parameters")
            print(f"discriminator: {count_parameters(discriminator):,} trainable parameters")
            return 0
    with collective_errors():  # under torchrun: a lost or stuck process is one error line, not a traceback
        if args.resume:
            session = open_session(None, resume=find_run(args.resume), overrides=overrides)
        else:
            session = open_session(cfg, config_name=Path(args.config).stem if args.config else "default")
        log = print if session.world.is_main else lambda *_: None  # rank 0 speaks for all
        try:
            log(f"run folder: {session.run_dir}")
            train(session, log=log)
        finally:
            session.close()
    return 0


def cmd_sample(args, extra) -> int:
    from . import images
    from .runs import find_run, latest_checkpoint
    from .sampling import load_generator, sample, save_npz

    if extra:
        raise ConfigError(f"unrecognised arguments: {' '.join(extra)}")
    checkpoint = Path(args.checkpoint) if args.checkpoint else latest_checkpoint(find_run(args.run))
    generator, cfg = load_generator(checkpoint)
    fakes = sample(generator, cfg, args.n, seed=args.seed)
    images.save_png(args.out, images.make_grid(fakes))
    print(f"wrote {args.out} ({args.n} images from {checkpoint})")
    if args.npz:
        save_npz(args.npz, fakes)
        print(f"wrote {args.npz}")
    return 0


def cmd_train_judge(args, extra) -> int:
    from dataclasses import asdict

    from .judges import get_judge_spec, save_judge
    from .judges.train import RECIPES, train_judge

    if extra:
        raise ConfigError(f"unrecognised arguments: {' '.join(extra)}")
    spec, recipe = get_judge_spec(args.dataset), RECIPES[args.dataset]
    out = Path(args.out) if args.out else spec.path
    start = time.perf_counter()
    judge, test_accuracy = train_judge(args.dataset, recipe)
    digest = save_judge(judge, out, dataset=args.dataset, test_accuracy=test_accuracy, recipe=asdict(recipe))
    met = "met" if test_accuracy >= recipe.min_test_accuracy else "NOT met"
    print(f"test accuracy {test_accuracy:.2%} on the 10,000 test images "
          f"(required {recipe.min_test_accuracy:.1%}: {met}), {time.perf_counter() - start:.0f} s")
    print(f"wrote {out} ({out.stat().st_size:,} bytes, sha256 {digest})")
    if digest == spec.sha256:
        print("identical to the shipped judge (the pinned SHA-256)")
    else:
        print(f"differs from the pinned SHA-256 {spec.sha256[:16]}... (another torch version or CPU, or a "
              "changed recipe); to ship it, pin the new hash in gankit/judges/registry.py and bump the protocol")
    return 0


def cmd_eval(args, extra) -> int:
    from .eval.command import run_eval

    if extra:
        raise ConfigError(f"unrecognised arguments: {' '.join(extra)}")
    return run_eval(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gankit", description="Train, sample and inspect GANs.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="train a GAN; config overrides as --section.key=value")
    train.add_argument("--config", help="TOML config file, e.g. configs/seed_dcgan_mnist.toml")
    train.add_argument("--resume", metavar="RUN", help="continue a run folder from its latest checkpoint")
    train.add_argument("--dry-run", action="store_true", help="print the resolved config and parameter counts")
    train.set_defaults(handler=cmd_train)

    sample = commands.add_parser("sample", help="draw a grid of images from a trained run")
    source = sample.add_mutually_exclusive_group(required=True)
    source.add_argument("--run", help="run folder (or number); uses its latest checkpoint")
    source.add_argument("--checkpoint", help="a checkpoint file")
    sample.add_argument("--n", type=int, default=64, help="number of images (default 64)")
    sample.add_argument("--seed", type=int, default=0, help="latent seed: the same seed draws the same images")
    sample.add_argument("--out", default="samples.png", help="PNG grid to write")
    sample.add_argument("--npz", help="also write the images as uint8 (N, H, W) in this .npz")
    sample.set_defaults(handler=cmd_sample)

    judge = commands.add_parser("train-judge", help="train an evaluation judge network, reproducibly")
    judge.add_argument("--dataset", default="mnist", help="mnist or fashion_mnist (default mnist)")
    judge.add_argument("--out", help="weights file to write (default: the judge shipped inside gankit)")
    judge.set_defaults(handler=cmd_train_judge)

    evaluate = commands.add_parser("eval", help="score a run, a checkpoint or saved samples (protocol gankit-eval-v1)")
    source = evaluate.add_mutually_exclusive_group(required=True)
    source.add_argument("--run", help="run folder (or number); uses its latest checkpoint")
    source.add_argument("--checkpoint", help="a checkpoint file")
    source.add_argument("--samples", help="uint8 images: .npz (key 'images'), .npy, or a folder of PNGs")
    evaluate.add_argument("--dataset", help="dataset to compare with (default: the run's; mnist for --samples)")
    evaluate.add_argument("--n", type=int, help="images to generate (default 10000, the protocol's)")
    evaluate.add_argument("--seed", type=int, help="latent seed for the generated images (default 0)")
    evaluate.add_argument("--json", action="store_true", help="print the results as one JSON object")
    evaluate.set_defaults(handler=cmd_eval)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args, extra = build_parser().parse_known_args(argv)
    # Library warnings (a mirror skipped on the way to a working one) only with --debug: a failure
    # is reported once, as the one error line below, which names every mirror's fault.
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.ERROR, format="gankit: %(message)s")
    try:
        return args.handler(args, extra)
    except GankitError as err:
        if args.debug:
            raise
        print(f"gankit: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("gankit: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
