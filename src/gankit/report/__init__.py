"""`gankit report RUN`: one self-contained page showing how a run learned.

    figures.py   the charts (losses, D's outputs, variety, metrics), one name -> figure table
    charts.py    line charts drawn with Pillow
    timelapse.py the fixed-noise grids over training: GIF, slider frames, latent-walk picture
    html.py      the page
    build.py     reads a run folder and writes RUN/report.html and RUN/figures/
"""

from .build import write_report

__all__ = ["write_report"]
