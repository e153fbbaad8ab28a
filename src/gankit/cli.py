"""The command line: `gankit train|sample|interpolate|report|train-judge|eval|export|project`, a thin
layer over the library.

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
    from .data.source import image_shape, load_train_data, resolve_data_config
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
            # a folder's colour and classes are known once it is read; a named dataset's from the registry
            resolve_data_config(cfg, load_train_data(cfg.data) if cfg.data.folder else None)
            generator, discriminator = build_models(cfg.model, image_shape(cfg.data))
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
    from .models import is_conditional
    from .runs import find_run, latest_checkpoint
    from .sampling import check_class, load_generator, sample, save_npz

    if extra:
        raise ConfigError(f"unrecognised arguments: {' '.join(extra)}")
    checkpoint = Path(args.checkpoint) if args.checkpoint else latest_checkpoint(find_run(args.run))
    generator, cfg = load_generator(checkpoint)
    if args.class_index is not None:
        check_class(cfg, args.class_index)
    if args.z:
        fakes = sample_from_file(generator, cfg, args)
    else:
        fakes = sample(generator, cfg, args.n, seed=args.seed, class_index=args.class_index,
                       truncation=args.truncation)
    columns = cfg.model.num_classes if is_conditional(cfg.model) and args.class_index is None else None
    images.save_png(args.out, images.make_grid(fakes, columns=columns))
    drawn = f" of class {args.class_index}" if args.class_index is not None else ""
    print(f"wrote {args.out} ({len(fakes)} images{drawn} from {checkpoint})")
    if args.npz:
        save_npz(args.npz, fakes)
        print(f"wrote {args.npz}")
    return 0


def sample_from_file(generator, cfg, args):
    """`gankit sample --z FILE`: the images of the latents (and labels) stored in FILE."""
    from .latent_file import load_latents
    from .sampling import sample_latents

    if args.truncation != 1.0 or args.class_index is not None:
        raise ConfigError("--z draws the latents and classes stored in its file as they are; "
                          "drop --truncation and --class")
    z, labels = load_latents(args.z, cfg)
    return sample_latents(generator, z, labels)


def cmd_interpolate(args, extra) -> int:
    from . import images
    from .interpolation import walk_images
    from .runs import find_run, latest_checkpoint
    from .sampling import load_generator

    if extra:
        raise ConfigError(f"unrecognised arguments: {' '.join(extra)}")
    if len(args.seeds) < 2:
        raise ConfigError("--seeds needs at least two seeds to walk between, e.g. --seeds 0 1 2")
    if args.steps < 2 or args.scale < 1:
        raise ConfigError("--steps must be >= 2 (images per leg, both ends included) and --scale >= 1")
    checkpoint = Path(args.checkpoint) if args.checkpoint else latest_checkpoint(find_run(args.run))
    generator, cfg = load_generator(checkpoint)
    frames = walk_images(generator, cfg, args.seeds, steps=args.steps, mode=args.mode)
    out, gif = Path(args.out), Path(args.gif) if args.gif else Path(args.out).with_suffix(".gif")
    for path in (out, gif):
        path.parent.mkdir(parents=True, exist_ok=True)
    images.save_png(out, images.upscale(images.make_grid(frames, columns=len(frames)), args.scale))
    pictures = [images.upscale(images.make_grid(frame[None], padding=0), args.scale) for frame in frames]
    images.save_gif(gif, pictures + pictures[-2:0:-1], ms_per_frame=120)  # there and back again: a seamless loop
    print(f"wrote {out} and {gif} ({len(frames)} images, {args.mode}, seeds {' '.join(map(str, args.seeds))}, "
          f"from {checkpoint})")
    return 0


def cmd_report(args, extra) -> int:
    from .report import write_report
    from .runs import find_run

    if extra:
        raise ConfigError(f"unrecognised arguments: {' '.join(extra)}")
    page = write_report(find_run(args.run), seeds=args.seeds, steps=args.steps, frames=args.frames,
                        scale=args.scale)
    print(f"wrote {page} (figures in {page.parent / 'figures'}); open it in any browser")
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


def cmd_export(args, extra) -> int:
    from .export import TOLERANCE, export_generator
    from .runs import find_run, latest_checkpoint

    if extra:
        raise ConfigError(f"unrecognised arguments: {' '.join(extra)}")
    checkpoint = Path(args.checkpoint) if args.checkpoint else latest_checkpoint(find_run(args.run))
    report = export_generator(checkpoint, Path(args.out), format=args.format)
    meta = report.metadata
    inputs = " and ".join(f"{name} {shape}" for name, shape in
                          zip(meta["inputs"], [f"(N, {meta['z_dim']}) {meta['z_dist']}", "(N,) int64"]))
    print(f"wrote {report.path} ({args.format}, {meta['weights']} of {checkpoint}, step {meta['step']}): takes "
          f"{inputs}, gives images (N, {', '.join(map(str, meta['image_shape']))}) in {meta['output_range']}")
    print(f"checked: its images equal gankit's to {report.max_error:.1e} (allowed {TOLERANCE:g})")
    return 0


def cmd_project(args, extra) -> int:
    import torch

    from . import images
    from .data.source import image_shape
    from .latent_file import save_latents
    from .projection import project
    from .runs import find_run, latest_checkpoint
    from .sampling import load_generator
    from .user_image import load_user_image

    if extra:
        raise ConfigError(f"unrecognised arguments: {' '.join(extra)}")
    if args.steps < 1 or args.restarts < 1 or args.scale < 1:
        raise ConfigError("--steps, --restarts and --scale must be >= 1")
    out = Path(args.out)
    if out.suffix.lower() != ".png":
        raise ConfigError(f"--out {out}: give a .png file name; the z is written beside it as {out.stem}.npz")
    checkpoint = Path(args.checkpoint) if args.checkpoint else latest_checkpoint(find_run(args.run))
    generator, cfg = load_generator(checkpoint)
    target, notes = load_user_image(args.image, image_shape(cfg.data), invert=args.invert)
    for note in notes:
        print(f"note: {note}")
    found = project(generator, cfg, target, steps=args.steps, restarts=args.restarts, seed=args.seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    z_file = out.with_suffix(".npz")
    images.save_png(out, images.upscale(images.make_grid(torch.cat([target, found.images]), columns=2), args.scale))
    save_latents(z_file, found.z, found.labels, error=found.errors[0])
    drawn = f", class {int(found.labels[0])}" if found.labels is not None else ""
    loss = "pixels and judge features" if found.judged else "pixels (no judge for this data)"
    print(f"wrote {out} (target | reconstruction) and {z_file} (its z{drawn}); redraw it with "
          f"`gankit sample --checkpoint {checkpoint} --z {z_file}`")
    print(f"reconstruction error {found.errors[0]:.4f} (RMS pixel difference, pixels in [0, 1]; loss on {loss}, "
          f"{args.steps} steps, {args.restarts} restarts)")
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
    sample.add_argument("--class", type=int, dest="class_index", metavar="C",
                        help="conditional runs (cgan, acgan): draw class C only (default: every class in turn)")
    sample.add_argument("--truncation", type=float, default=1.0, metavar="PSI",
                        help="pull z towards the centre of its distribution: 1 (default) none, 0.7 typical images")
    sample.add_argument("--z", metavar="FILE", help="draw the latents in this .npz (as `gankit project` writes); "
                                                   "--n and --seed are then unused")
    sample.set_defaults(handler=cmd_sample)

    from .interpolation import INTERPOLATIONS

    walk = commands.add_parser("interpolate", help="G's images on a walk through latent space between seeds")
    source = walk.add_mutually_exclusive_group(required=True)
    source.add_argument("--run", help="run folder (or number); uses its latest checkpoint")
    source.add_argument("--checkpoint", help="a checkpoint file")
    walk.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3],
                      help="latent seeds to visit in order (seed S: the image of `gankit sample --seed S --n 1`)")
    walk.add_argument("--steps", type=int, default=8,
                      help="images from one seed to the next, both included (default 8)")
    walk.add_argument("--mode", choices=list(INTERPOLATIONS), default="spherical",
                      help="spherical (slerp, the default) or linear")
    walk.add_argument("--scale", type=int, default=2, help="pixel size of the pictures (default 2)")
    walk.add_argument("--out", default="interpolation.png", help="PNG strip to write (default interpolation.png)")
    walk.add_argument("--gif", help="animated GIF to write (default: --out with .gif)")
    walk.set_defaults(handler=cmd_interpolate)

    report = commands.add_parser("report", help="write RUN/report.html: curves, timelapse, latent walks, alarms")
    report.add_argument("run", help="run folder (or number)")
    report.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4], help="seeds of the latent walk")
    report.add_argument("--steps", type=int, default=6, help="images from one seed to the next (default 6)")
    report.add_argument("--frames", type=int, default=0,
                        help="at most this many grids in timelapse.gif, evenly spread (default 0: every grid)")
    report.add_argument("--scale", type=int, default=2, help="pixel size of timelapse.gif (default 2)")
    report.set_defaults(handler=cmd_report)

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
    evaluate.add_argument("--truncation", type=float, default=1.0, metavar="PSI",
                          help="score images drawn with truncation psi (default 1: none)")
    evaluate.set_defaults(handler=cmd_eval)

    from .export import FORMATS

    project = commands.add_parser("project", help="find the z whose image is closest to your own image")
    source = project.add_mutually_exclusive_group(required=True)
    source.add_argument("--run", help="run folder (or number); uses its latest checkpoint")
    source.add_argument("--checkpoint", help="a checkpoint file")
    project.add_argument("--image", required=True, help="the image to project (PNG or JPEG; converted to G's "
                                                        "size and colours where that is safe)")
    project.add_argument("--steps", type=int, default=200, help="gradient steps (default 200)")
    project.add_argument("--restarts", type=int, default=4, help="random starts, searched at once (default 4)")
    project.add_argument("--seed", type=int, default=0, help="seed of the random starts (default 0)")
    project.add_argument("--invert", action="store_true", help="invert the image first (dark ink on light paper "
                                                               "for a run on MNIST's light-on-dark digits)")
    project.add_argument("--scale", type=int, default=4, help="pixel size in the picture written (default 4)")
    project.add_argument("--out", default="projection.png",
                         help="picture of target | reconstruction; the z goes beside it as .npz (default projection.png)")
    project.set_defaults(handler=cmd_project)

    export = commands.add_parser("export", help="write G as a TorchScript or ONNX file that runs without gankit")
    source = export.add_mutually_exclusive_group(required=True)
    source.add_argument("--run", help="run folder (or number); uses its latest checkpoint")
    source.add_argument("--checkpoint", help="a checkpoint file")
    export.add_argument("--format", choices=list(FORMATS), required=True,
                        help="torchscript (.pt, for torch.jit.load) or onnx (.onnx, for onnxruntime)")
    export.add_argument("--out", required=True, help="file to write, e.g. generator.onnx")
    export.set_defaults(handler=cmd_export)
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
