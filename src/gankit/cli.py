"""The command line: `gankit train|sample`, a thin layer over the library.

Every `GankitError` is printed as one line, `gankit: error: ...`, with exit code 2 and no
traceback (pass `--debug` for one).
"""

import argparse
import sys
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
    from .runs import find_run
    from .trainer import open_session, train

    overrides = split_overrides(extra)
    if args.resume:
        if args.config:
            raise ConfigError("--resume continues a run with its stored config; drop --config")
        session = open_session(None, resume=find_run(args.resume), overrides=overrides)
    else:
        cfg = load_config(args.config, overrides)
        if args.dry_run:
            generator, discriminator = build_models(cfg.model, DATASETS[cfg.data.name].image_shape)
            print(to_toml(cfg))
            print(f"generator: {count_parameters(generator):,} trainable parameters")
            print(f"discriminator: {count_parameters(discriminator):,} trainable parameters")
            return 0
        session = open_session(cfg, config_name=Path(args.config).stem if args.config else "default")
    print(f"run folder: {session.run_dir}")
    train(session)
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
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args, extra = build_parser().parse_known_args(argv)
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
