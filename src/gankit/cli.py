"""The command line: `gankit train|config|sample|interpolate|report|train-judge|eval|lab|export|project`, a thin
layer over the library.

Every `GankitError` is printed as one line, `gankit: error: ...`, with exit code 2 and no
traceback (pass `--debug` for one).
"""

import argparse
import logging
import os
import sys
import time
from pathlib import Path

from .errors import ConfigError, GankitError, WriteError

INTERRUPTED = 130  # exit code of a run stopped by Ctrl-C or SIGTERM (after its checkpoint), as shells use
MAX_SAMPLES = 50_000  # images one `gankit sample` draws: the grid of 28x28 images is then 11,000 pixels wide
MAX_EVAL_SAMPLES = 100_000  # ten times the protocol's 10,000
SEEDS = (0, 2**63)  # latent seeds: 64-bit, as torch.Generator takes them


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


def check_range(flag: str, value: int, low: int, high: int, why: str = "") -> None:
    """`ConfigError` unless low <= value < high, naming the command-line `flag`."""
    if not low <= value < high:
        raise ConfigError(f"{flag} {value}: must be from {low:,} to {high - 1:,}{why}")


def cmd_train(args, extra) -> int:
    from .config import load_config, to_toml
    from .models import build_models, count_parameters
    from .data.source import image_shape, load_train_data, resolve_data_config
    from .distributed import collective_errors
    from .health import low_variety
    from .jsonlog import read_records
    from .runs import find_run, resume_hint
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
    log = print if os.environ.get("RANK", "0") == "0" else lambda *_: None  # rank 0 speaks for all (torchrun)
    with collective_errors():  # under torchrun: a lost or stuck process is one error line, not a traceback
        if args.resume:
            session = open_session(None, resume=find_run(args.resume), overrides=overrides, log=log)
        else:
            session = open_session(cfg, config_name=Path(args.config).stem if args.config else "default", log=log)
        with session:
            log(f"run folder: {session.run_dir}")
            try:
                step = train(session, log=log)
            except WriteError as err:  # a full disk mid-run: the logs are whole, the checkpoints intact
                raise WriteError(f"{err}; then {resume_hint(session.run_dir)}") from None
    if step < session.cfg.train.steps:
        return INTERRUPTED  # stopped by a signal, checkpoint saved
    low = low_variety(read_records(session.run_dir / "stats.jsonl"), session.cfg.health.early_floor)
    if low:
        text, rising = low
        log(f"note: {text}" + (f": {launcher()} train --resume {session.run_dir} --train.steps={2 * step}"
                                if rising else "."))
    log(what_to_open(session.run_dir))
    return 0


def what_to_open(run_dir: Path) -> str:
    """The lines printed when training ends: the last grid, and the commands that show and score the run."""
    grids = sorted((run_dir / "samples").glob("step-*.png"))
    gankit = launcher()
    lines = ["done. To see what G learned:"]
    if grids:
        lines.append(f"  {grids[-1]}  (the last grid of samples; earlier ones beside it)")
    lines += [f"  {gankit} report {run_dir}   # curves, timelapse, latent walk, alarms -> report.html",
              f"  {gankit} eval --run {run_dir}   # FID and friends against the test images (about a minute)"]
    return "\n".join(lines)


def launcher() -> str:
    """How this process was started, as a command to type: `.venv/bin/gankit` or `python -m gankit`."""
    program = Path(sys.argv[0])
    if program.name == "gankit":
        try:
            return str(program.resolve().relative_to(Path.cwd().resolve()))
        except ValueError:
            return str(program) if program.parent != Path() else "gankit"
    return f"{Path(sys.executable).name} -m gankit"


def cmd_config(args, extra) -> int:
    from .config import load_config
    from .config_doc import commented_toml

    print(commented_toml(load_config(args.config, split_overrides(extra))))
    return 0


def cmd_sample(args, extra) -> int:
    from . import images
    from .models import is_conditional
    from .runs import find_run, latest_checkpoint
    from .sampling import check_class, load_generator, sample, save_npz
    from .writes import check_output_path

    if extra:
        raise ConfigError(f"unrecognised arguments: {' '.join(extra)}")
    check_range("--n", args.n, 1, MAX_SAMPLES + 1, " (draw more in several calls with other --seed)")
    check_range("--seed", args.seed, *SEEDS)
    check_output_path(args.out, flag="--out", suffixes=(".png",))
    if args.npz:
        check_output_path(args.npz, flag="--npz", suffixes=(".npz",))
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
    from .writes import check_output_path, writing

    if extra:
        raise ConfigError(f"unrecognised arguments: {' '.join(extra)}")
    if len(args.seeds) < 2:
        raise ConfigError("--seeds needs at least two seeds to walk between, e.g. --seeds 0 1 2")
    if args.steps < 2 or args.scale < 1:
        raise ConfigError("--steps must be >= 2 (images per leg, both ends included) and --scale >= 1")
    for seed in args.seeds:
        check_range("--seeds", seed, *SEEDS)
    out, gif = Path(args.out), Path(args.gif) if args.gif else Path(args.out).with_suffix(".gif")
    for path, flag, suffix in ((out, "--out", ".png"), (gif, "--gif", ".gif")):
        with writing(path.parent, "the output folder"):
            path.parent.mkdir(parents=True, exist_ok=True)
        check_output_path(path, flag=flag, suffixes=(suffix,))
    checkpoint = Path(args.checkpoint) if args.checkpoint else latest_checkpoint(find_run(args.run))
    generator, cfg = load_generator(checkpoint)
    frames = walk_images(generator, cfg, args.seeds, steps=args.steps, mode=args.mode)
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
    from .writes import check_output_path

    if extra:
        raise ConfigError(f"unrecognised arguments: {' '.join(extra)}")
    spec, recipe = get_judge_spec(args.dataset), RECIPES[args.dataset]
    out = check_output_path(args.out, flag="--out", suffixes=(".safetensors",)) if args.out else spec.path
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
    if args.n is not None:
        check_range("--n", args.n, 2, MAX_EVAL_SAMPLES + 1)
    if args.seed is not None:
        check_range("--seed", args.seed, *SEEDS)
    return run_eval(args)


def cmd_lab(args, extra) -> int:
    try:
        from .lab.serve import serve_lab
    except ImportError as err:  # starlette, uvicorn or websockets: the optional `lab` extra
        raise ConfigError(f"gankit lab needs the lab extra ({err.name} is missing): pip install 'gankit[lab]'") from None
    if extra:
        raise ConfigError(f"unrecognised arguments: {' '.join(extra)}")
    return serve_lab(host=args.host, port=args.port, open_browser=args.open, runs=args.run, runs_dir=args.runs_dir,
                     preset=args.preset, train_overrides=args.train_override)


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

    config = commands.add_parser("config", help="every config field with its value and meaning, as TOML; "
                                 "with --config and --section.key=value overrides, the values they give")
    config.add_argument("--config", help="TOML config file to resolve (default: the defaults)")
    config.set_defaults(handler=cmd_config)

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

    lab = commands.add_parser("lab", help="a live page to play the GAN game step by step, and watch runs train")
    lab.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 picks a free one)")
    lab.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    lab.add_argument("--open", action="store_true", help="open the page in a browser")
    lab.add_argument("--run", action="append", default=[], metavar="RUN", help="a run folder to follow (repeatable)")
    lab.add_argument("--runs-dir", default="runs", help="where a run started from the page goes (default runs)")
    lab.add_argument("--preset", default="configs/fast.toml",
                     help="config of a run started from the page (relative: here, else in the gankit checkout)")
    lab.add_argument("--train-override", action="append", default=[], metavar="SECTION.KEY=VALUE",
                     help="a config override for runs started from the page (repeatable)")
    lab.set_defaults(handler=cmd_lab)

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
    logging.getLogger("gankit.jsonlog").setLevel(logging.WARNING)  # a damaged log line cut on resume is said
    try:
        return args.handler(args, extra)
    except GankitError as err:
        if args.debug:
            raise
        print(f"gankit: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("gankit: interrupted", file=sys.stderr)
        return INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
