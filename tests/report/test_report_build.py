"""`gankit report RUN` on a real tiny run: every section, every figure, nothing loaded from outside."""

import base64
import os
import re
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from gankit.errors import RunError
from gankit.health import ALARMS
from gankit.report import write_report
from gankit.stats import read_stats

FIGURE_FILES = ["d_outputs.png", "diversity.png", "fid.png", "interpolation.png", "losses.png",
                "overfit_heuristics.png", "overfitting.png", "precision_recall.png", "projection.png", "timelapse.gif"]


def test_report_page_and_figures(tiny_run):
    page = write_report(tiny_run)
    assert page == tiny_run / "report.html"
    html = page.read_text()
    assert sorted(p.name for p in (tiny_run / "figures").iterdir()) == FIGURE_FILES

    sources = re.findall(r'<img[^>]* src="([^"]+)"', html)
    assert len(sources) == 1 + 1 + 7 + 1 + 1  # timelapse, slider grid, seven charts, latent walk, projection
    assert "Projection of test images" in html and "Class sweep" not in html  # an unconditional run
    assert all(src.startswith("data:image/") for src in sources)
    assert not re.search(r'(src|href)="(?!data:)', html)  # self-contained: nothing to fetch
    inlined = {base64.b64decode(src.split(",", 1)[1]) for src in sources}
    for name in FIGURE_FILES:  # the page shows exactly the files it wrote
        assert (tiny_run / "figures" / name).read_bytes() in inlined, name

    grids = sorted((tiny_run / "samples").glob("step-*.png"))
    assert len(grids) == 11  # steps 0, 2, ..., 20
    assert f'max="{len(grids) - 1}"' in html and html.count('"data:image/png;base64,') >= len(grids)
    assert Image.open(tiny_run / "figures" / "timelapse.gif").n_frames == len(grids)


def test_report_shows_alarms_with_their_explanations_config_and_metrics(tiny_run):
    html = write_report(tiny_run).read_text()
    alarms = read_stats(tiny_run / "alarms.jsonl")
    assert [a["name"] for a in alarms] == ["discriminator_wins"]  # G cannot learn in this run
    meaning, fix = ALARMS["discriminator_wins"]
    shown = html.replace("&#x27;", "'")
    assert f"discriminator_wins</strong> at step {alarms[0]['step']}:" in shown
    assert f"What it means: {meaning}." in shown and f"What to try: {fix}." in shown
    assert 'name = "minimax"' in html.replace("&quot;", '"')  # the config
    evaluations = read_stats(tiny_run / "metrics.jsonl")
    assert [r["step"] for r in evaluations] == [10, 20]
    table = html.split("<table>")[1].split("</table>")[0]
    assert table.count("<tr>") == 1 + len(evaluations)
    assert f"{evaluations[-1]['fid']:.2f}" in table
    assert "variety of G&#x27;s images" in html and "far less varied than real images" in html  # G never learns


def test_fewer_frames_and_a_run_without_checkpoints(tiny_run):
    write_report(tiny_run, frames=3, seeds=[5, 6], steps=3)
    assert Image.open(tiny_run / "figures" / "timelapse.gif").n_frames == 3
    for checkpoint in (tiny_run / "checkpoints").iterdir():
        checkpoint.unlink()
    (tiny_run / "figures" / "interpolation.png").unlink()
    html = write_report(tiny_run).read_text()
    assert "No latent walk" in html and not (tiny_run / "figures" / "interpolation.png").exists()


def test_not_a_run_folder(tmp_path):
    with pytest.raises(RunError, match="not a gankit run folder"):
        write_report(tmp_path)
    (tmp_path / "config.toml").write_text("")
    with pytest.raises(RunError, match="nothing to report yet"):
        write_report(tmp_path)


def test_report_command(tiny_run, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "GANKIT_DATA"}
    run = lambda *args: subprocess.run([sys.executable, "-m", "gankit", "report", *map(str, args)],  # noqa: E731
                                       capture_output=True, text=True, timeout=120, env=env)
    out = run(tiny_run, "--frames", 2)
    assert out.returncode == 0, out.stderr
    assert f"wrote {tiny_run / 'report.html'}" in out.stdout
    out = run(tmp_path / "nowhere")
    assert out.returncode == 2 and out.stderr.startswith("gankit: error: run ") and "Traceback" not in out.stderr
    out = run(tiny_run, "--seeds", 1)
    assert out.returncode == 2 and "at least two seeds" in out.stderr


def test_report_shows_the_copy_detectors_pairs_when_eval_wrote_them(tiny_run):
    assert "Samples most like a training image" not in write_report(tiny_run).read_text()
    pairs = np.zeros((40, 20), dtype=np.uint8)
    pairs[:, 10:] = 255
    (tiny_run / "figures").mkdir(exist_ok=True)
    Image.fromarray(pairs).save(tiny_run / "figures" / "copies.png")  # as `gankit eval --run` leaves it
    html = write_report(tiny_run).read_text()
    assert "Samples most like a training image" in html
    assert base64.b64encode((tiny_run / "figures" / "copies.png").read_bytes()).decode() in html


def test_the_variety_chart_draws_g_ema_and_recall_beside_g_where_the_run_has_them(monkeypatch):
    from gankit.report import figures

    drawn = []
    monkeypatch.setattr(figures, "line_chart", lambda lines, **options: drawn.append([s.label for s in lines]))
    plain = [{"step": 100 * i, "probe_diversity": 0.2 * i} for i in (1, 2, 3)]
    figures.diversity(plain, [])
    figures.diversity([{**r, "ema_probe_diversity": 0.1 + 0.2 * i} for i, r in enumerate(plain)], [])
    figures.diversity([{**r, "probe_recall": 0.3 * i} for i, r in enumerate(plain)], [])
    figures.diversity([{**r, "probe_recall": 0.3 * i, "ema_probe_recall": 0.2 * i} for i, r in enumerate(plain)], [])
    g, ema = "variety of G's images for 64 fixed z", "the same for g_ema, which samples are drawn from"
    recall = "how much of the real images G's images reach"
    assert drawn == [[g], [g, ema], [g, recall], [g, recall, "the same for g_ema"]]
