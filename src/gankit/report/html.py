"""The report page: one self-contained HTML file, every picture inlined as a data: URI.

The page loads nothing: its Content-Security-Policy forbids every source but inline ones, so it
opens the same from a disk, an e-mail or an archive, in any browser, with no server. The only
script moves the timelapse slider.
"""

import base64
import json
import re
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from ..health import ALARMS

MIME = {".png": "image/png", ".gif": "image/gif"}

# metrics.jsonl key -> (column header, format)
METRIC_COLUMNS = {
    "step": ("step", "{:,}"), "fid": ("FID", "{:.2f}"), "kid_mean": ("KID", "{:.4f}"), "is_mean": ("IS", "{:.2f}"),
    "precision": ("precision", "{:.3f}"), "recall": ("recall", "{:.3f}"), "density": ("density", "{:.3f}"),
    "coverage": ("coverage", "{:.3f}"), "classes_covered": ("classes", "{}"),
}

STYLE = """
body { font: 15px/1.5 system-ui, sans-serif; color: #222; max-width: 1100px; margin: 0 auto; padding: 1em 1.5em 4em; }
h1 { margin-bottom: 0.2em; } h2 { margin-top: 2em; border-bottom: 1px solid #ddd; }
dl.summary { display: grid; grid-template-columns: max-content auto; gap: 0.1em 1.5em; }
dl.summary dt { color: #666; } dl.summary dd { margin: 0; }
.row { display: flex; flex-wrap: wrap; gap: 2em; align-items: flex-start; }
figure { margin: 0 0 1.5em; } figcaption { color: #555; max-width: 640px; }
img.pixels { image-rendering: pixelated; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(460px, 1fr)); gap: 0 2em; }
.charts img, #walk img { max-width: 100%; height: auto; }
.config { display: grid; grid-template-columns: repeat(auto-fill, minmax(230px, 1fr)); gap: 0 1em; }
input[type=range] { width: 300px; vertical-align: middle; }
table { border-collapse: collapse; } td, th { padding: 0.2em 0.8em; text-align: right; border-bottom: 1px solid #eee; }
.alarm { border-left: 4px solid #d62728; padding: 0.3em 0.8em; margin: 0.8em 0; background: #fff5f5; }
pre { background: #f6f6f6; padding: 0.8em 1em; overflow-x: auto; margin: 0 0 1em; }
"""

SLIDER = """
const grids = JSON.parse(document.getElementById("grid-data").textContent);
const slider = document.getElementById("slider");
const shown = document.getElementById("grid");
const label = document.getElementById("grid-step");
slider.addEventListener("input", () => {
  const [step, uri] = grids[Number(slider.value)];
  shown.src = uri;
  shown.alt = "fixed-noise grid at step " + step;
  label.textContent = "step " + step.toLocaleString("en");
});
"""


def prose(text: str) -> str:
    """Plain text as HTML, with `backquoted` spans as code."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", escape(text))


def data_uri(path: Path) -> str:
    """A PNG or GIF file as a data: URI."""
    return f"data:{MIME[Path(path).suffix]};base64,{base64.b64encode(Path(path).read_bytes()).decode()}"


@dataclass
class Picture:
    title: str
    caption: str
    uri: str
    section: str = "curves"  # "curves" or "metrics"


@dataclass
class Page:
    name: str  # the run folder's name
    summary: list[tuple[str, str]]  # (what, value) lines at the top
    grids: list[tuple[int, str]]  # (step, data URI) of every fixed-noise grid, in order
    grid_width: int  # the grids' width in pixels
    timelapse: str | None  # data URI of the GIF
    figures: list[Picture]
    walk: Picture | None  # the latent-space interpolation
    evaluations: list[dict]  # the records of metrics.jsonl
    alarms: list[dict]  # the records of alarms.jsonl
    config_text: str
    notes: list[str] = field(default_factory=list)  # what could not be shown, and why
    latents: list[Picture] = field(default_factory=list)  # class sweep, projection (`gankit.report.latents`)


def render(page: Page) -> str:
    """The whole page as one HTML string."""
    sections = [summary_section(page), timelapse_section(page), curves_section(page), metrics_section(page),
                walk_section(page), latents_section(page), alarms_section(page),
                config_section(page)]
    grid_data = json.dumps(page.grids).replace("</", "<\\/")  # JSON safe inside <script>
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy"
      content="default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>gankit report: {escape(page.name)}</title>
<style>{STYLE}</style>
</head>
<body>
{"".join(sections)}
<script type="application/json" id="grid-data">{grid_data}</script>
<script>{SLIDER}</script>
</body>
</html>
"""


def summary_section(page: Page) -> str:
    rows = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in page.summary)
    notes = "".join(f"<p><em>{escape(note)}</em></p>" for note in page.notes)
    return (f'<header><h1>{escape(page.name)}</h1><p>A gankit training run.</p>'
            f'<dl class="summary">{rows}</dl>{notes}</header>')


def timelapse_section(page: Page) -> str:
    if not page.grids:
        return ""
    last = len(page.grids) - 1
    step, uri = page.grids[last]
    gif = (f'<figure><img id="timelapse" class="pixels" width="{3 * page.grid_width}" src="{page.timelapse}" '
           'alt="timelapse of the fixed-noise grid">'
           '<figcaption>The same noise vectors through training, as an animation.</figcaption></figure>'
           if page.timelapse else "")
    return f"""<section id="grids"><h2>Watching G learn</h2>
<p>Every grid is G's output for the same fixed batch of noise z, so from one grid to the next only G has
changed: static turns into blobs, then into shapes like the training images.</p>
<div class="row">{gif}
<figure><img id="grid" class="pixels" width="{3 * page.grid_width}" src="{uri}" alt="fixed-noise grid at step {step}">
<figcaption><input type="range" id="slider" min="0" max="{last}" value="{last}" aria-label="training step">
<output id="grid-step">step {step:,}</output><br>Drag to move through training.</figcaption></figure>
</div></section>"""


def figure_html(picture: Picture, *, pixels: bool = False) -> str:
    css = ' class="pixels"' if pixels else ""
    return (f'<figure><img{css} src="{picture.uri}" alt="{escape(picture.title)}">'
            f"<figcaption>{prose(picture.caption)}</figcaption></figure>")


def chart_grid(charts: list[Picture]) -> str:
    return f'<div class="charts">{"".join(map(figure_html, charts))}</div>'


def curves_section(page: Page) -> str:
    charts = [p for p in page.figures if p.section == "curves"]
    return f'<section id="curves"><h2>Curves</h2>{chart_grid(charts)}</section>'


def metrics_section(page: Page) -> str:
    charts = [p for p in page.figures if p.section == "metrics"]
    if not page.evaluations:
        return ('<section id="metrics"><h2>Metrics</h2><p>No evaluations in this run: train with '
                "<code>--eval.every=N</code>, or score a checkpoint with <code>gankit eval</code>.</p></section>")
    columns = [k for k in METRIC_COLUMNS if any(k in r for r in page.evaluations)]
    head = "".join(f"<th>{METRIC_COLUMNS[k][0]}</th>" for k in columns)
    body = "".join("<tr>" + "".join(f"<td>{METRIC_COLUMNS[k][1].format(r[k]) if k in r else ''}</td>" for k in columns)
                   + "</tr>" for r in page.evaluations)
    return (f'<section id="metrics"><h2>Metrics (gankit-eval-v1)</h2>{chart_grid(charts)}'
            f"<table><tr>{head}</tr>{body}</table></section>")


def walk_section(page: Page) -> str:
    if page.walk is None:
        return ""
    return f'<section id="walk"><h2>A walk through latent space</h2>{figure_html(page.walk, pixels=True)}</section>'


def latents_section(page: Page) -> str:
    """The class sweep and the projections; nothing where neither applies."""
    if not page.latents:
        return ""
    figures = "".join(f'<figure id="{escape(p.title.replace(" ", "-"))}"><h3>{escape(p.title.capitalize())}</h3>'
                      f'<img class="pixels" src="{p.uri}" alt="{escape(p.title)}">'
                      f"<figcaption>{prose(p.caption)}</figcaption></figure>" for p in page.latents)
    return f'<section id="latents"><h2>Inside the latent space</h2>{figures}</section>'


def alarms_section(page: Page) -> str:
    if not page.alarms:
        return ('<section id="alarms"><h2>Health alarms</h2><p>None raised: no sign of D winning outright or overfitting, '
                "mode collapse, oscillation or non-finite values.</p></section>")
    return f'<section id="alarms"><h2>Health alarms</h2>{"".join(map(alarm_html, page.alarms))}</section>'


def alarm_html(alarm: dict) -> str:
    """One alarm of alarms.jsonl: what tripped it, what it means, what to try."""
    head = f'<strong>{escape(alarm["name"])}</strong> at step {alarm["step"]:,}: {escape(alarm.get("detail", ""))}'
    if alarm["name"] not in ALARMS:  # written by another gankit version: its own words
        return f'<div class="alarm">{head}<br>{escape(alarm.get("message", ""))}</div>'
    meaning, fix = ALARMS[alarm["name"]]
    return (f'<div class="alarm">{head}<br>What it means: {escape(meaning)}.<br>'
            f"What to try: {escape(fix)}.</div>")


def config_section(page: Page) -> str:
    """The run's config.toml, one block per [section]."""
    blocks = [block.strip() for block in page.config_text.split("\n\n") if block.strip()]
    pres = "".join(f"<pre>{escape(block)}</pre>" for block in blocks)
    return (f'<section id="config"><h2>Config</h2><p>As stored in the run folder (config.toml).</p>'
            f'<div class="config">{pres}</div></section>')
