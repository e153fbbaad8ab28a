"""Reading a run folder and writing its report: RUN/report.html, and RUN/figures/ with the same
pictures as files (charts as PNG, the timelapse as GIF, the latent walk, class sweep and
projection as PNG)."""

import tomllib
from pathlib import Path

import numpy as np

from .. import images
from ..errors import ConfigError, GankitError, RunError
from ..health import HealthConfig, low_variety, sampled_variety
from ..interpolation import INTERPOLATIONS, walk_images
from ..runs import latest_checkpoint
from ..sampling import load_generator
from ..stats import read_stats
from ..workers import torch_threads
from ..writes import replacing, write_text_atomic, writing
from .figures import FIGURES
from .html import Page, Picture, data_uri, render
from .latents import class_sweep_picture, projection_picture
from .timelapse import labelled_rows, load_grid, sample_grids, save_timelapse, timelapse_frames


def write_report(run_dir: Path, *, seeds: list[int] = (0, 1, 2, 3, 4), steps: int = 6, frames: int = 0,
                 scale: int = 2) -> Path:
    """Write RUN/report.html and RUN/figures/; return the page's path. The latent walk visits
    `seeds` with `steps` images per leg; the timelapse GIF shows at most `frames` grids (0: all),
    each pixel drawn `scale` x `scale`."""
    run_dir = Path(run_dir)
    if not (run_dir / "config.toml").exists():
        raise RunError(f"{run_dir}: no config.toml, so not a gankit run folder; "
                       "give one such as runs/00001-seed_dcgan_mnist")
    if len(seeds) < 2 or steps < 2 or frames < 0 or scale < 1:
        raise ConfigError("the latent walk needs --seeds with at least two seeds and --steps >= 2; "
                          "--frames must be >= 0 and --scale >= 1")
    stats, metrics, alarms = (read_stats(run_dir / name) for name in ("stats.jsonl", "metrics.jsonl", "alarms.jsonl"))
    grids = sample_grids(run_dir)
    if not stats and not grids:
        raise RunError(f"{run_dir}: nothing to report yet (no stats.jsonl, no sample grids); train it first")
    folder = run_dir / "figures"
    with writing(folder, "the report's figures"):
        folder.mkdir(exist_ok=True)
    config_text = (run_dir / "config.toml").read_text()
    page = Page(name=run_dir.resolve().name, summary=summary(tomllib.loads(config_text), stats, metrics, alarms),
                grids=[(step, data_uri(path)) for step, path in grids],
                grid_width=load_grid(grids[-1][1]).shape[1] if grids else 0, timelapse=None,
                figures=chart_pictures(stats, metrics, folder), walk=None, evaluations=metrics, alarms=alarms,
                config_text=config_text)
    if (folder / "copies.png").exists():  # written by `gankit eval --run`
        page.figures.append(copies_picture(folder / "copies.png"))
    if grids:
        save_timelapse(folder / "timelapse.gif", timelapse_frames(grids, count=frames, scale=scale))
        page.timelapse = data_uri(folder / "timelapse.gif")
    try:
        page.walk = walk_picture(latest_checkpoint(run_dir), seeds, steps, folder / "interpolation.png")
    except RunError as err:
        page.notes.append(f"No latent walk: {err}")
    else:
        page.latents, notes = latent_pictures(latest_checkpoint(run_dir), folder)
        page.notes += notes
    out = run_dir / "report.html"
    write_text_atomic(out, render(page), "the report")
    return out


def chart_pictures(stats: list[dict], metrics: list[dict], folder: Path) -> list[Picture]:
    """Draw every figure the records allow, save it as folder/NAME.png, return them for the page."""
    pictures = []
    for name, make in FIGURES.items():
        figure = make(stats, metrics)
        if figure is not None:
            with replacing(folder / f"{name}.png", "a chart") as tmp:
                figure.image.quantize(colors=64).save(tmp, format="PNG", optimize=True)  # a third of the bytes
            pictures.append(Picture(figure.title, figure.caption, data_uri(folder / f"{name}.png"), figure.section))
    return pictures


def latent_pictures(checkpoint: Path, folder: Path) -> tuple[list[Picture], list[str]]:
    """The class sweep (conditional runs) and the projection of test images, saved in `folder`;
    and a note for each that could not be drawn."""
    generator, cfg = load_generator(checkpoint)
    pictures, notes = [], []
    with torch_threads(1):  # small batches: one thread is fastest, and on a shared CPU two are ten times slower
        sweep = class_sweep_picture(generator, cfg, folder / "class_sweep.png")
        if sweep is not None:
            pictures.append(sweep)
        try:
            pictures.append(projection_picture(generator, cfg, folder / "projection.png"))
        except GankitError as err:
            notes.append(f"No projection of test images: {err}")
    return pictures, notes


def copies_picture(path: Path) -> Picture:
    """The copy detector's pairs (`gankit.eval.copies`), shown with the evaluations."""
    return Picture("Samples most like a training image", "Left: the generated samples closest (in pixels) to "
                   "a training image; right: that training image. Near-identical pairs mean G copies; the copy "
                   "rate in the `gankit eval` table says how often. Written by `gankit eval --run RUN`.",
                   data_uri(path), "metrics")


def walk_picture(checkpoint: Path, seeds: list[int], steps: int, path: Path) -> Picture:
    """G's images from seed to seed, one row per interpolation mode, saved at `path`."""
    generator, cfg = load_generator(checkpoint)
    rows = []
    for mode in INTERPOLATIONS:
        frames = walk_images(generator, cfg, list(seeds), steps=steps, mode=mode)
        rows.append((mode, images.upscale(images.make_grid(frames, columns=len(frames)), 2)))
    images.save_png(path, labelled_rows(rows))
    caption = (f"G's images (checkpoint {checkpoint.name}) on a path through latent space visiting seeds "
               f"{', '.join(map(str, seeds))}, {steps} images per leg; seed S is the image of "
               f"`gankit sample --seed S --n 1`. Linear walks cut through the middle of the space, spherical "
               f"ones keep z's length. Smooth changes mean G has learned a continuous map, not a lookup table. "
               f"Make one with `gankit interpolate --run RUN --seeds {' '.join(map(str, seeds))}`.")
    return Picture("latent walk", caption, data_uri(path))


def summary(config: dict, stats: list[dict], metrics: list[dict], alarms: list[dict]) -> list[tuple[str, str]]:
    """(what, value) lines for the top of the page."""
    section = lambda name: config.get(name, {})  # noqa: E731
    lines = [("data", section("data").get("name", "?")),
             ("model", f"{section('model').get('name', '?')}, z ~ {section('model').get('z_dist', '?')}"
                       f"^{section('model').get('z_dim', '?')}"),
             ("loss", section("loss").get("name", "?")),
             ("optimisers", f"D {section('d_opt').get('name', '?')} lr {section('d_opt').get('lr', '?')}, "
                            f"G {section('g_opt').get('name', '?')} lr {section('g_opt').get('lr', '?')}")]
    if stats:
        last = stats[-1]
        lines += [("trained", f"{last['step']:,} steps, {last.get('images_seen', 0):,} real images shown to D"),
                  ("time", f"{duration(last.get('seconds', 0.0))}, last {last.get('steps_per_s', 0.0):.1f} steps/s"),
                  ("last D(x), D(G(z))", f"{last['d_real']:.3f}, {last['d_fake']:.3f}") if "d_real" in last
                  else ("last D scores, real and fake", f"{last.get('d_real_score', np.nan):.3f}, "
                                                        f"{last.get('d_fake_score', np.nan):.3f}")]
    key, who = sampled_variety(stats)
    varieties = [r[key] for r in stats if r.get(key) is not None]
    if varieties:
        low = low_variety(stats, section("health").get("early_floor", HealthConfig.early_floor))
        lines.append((f"variety of {who}'s images", f"{varieties[-1]:.2f} of the data's at the last reading, highest "
                                               f"{max(varieties):.2f}" + (f". {low[0]}" if low else "")))
    if metrics:
        best = min(metrics, key=lambda r: r.get("fid", np.inf))
        lines.append(("best FID", f"{best.get('fid', np.nan):.2f} at step {best['step']:,}"))
    lines.append(("health alarms", str(len(alarms)) if alarms else "none"))
    return lines


def duration(seconds: float) -> str:
    """3725.0 -> '1 h 2 min', 62.5 -> '1 min 2 s', 4.2 -> '4.2 s'."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs} s"
    return f"{minutes // 60} h {minutes % 60} min"
