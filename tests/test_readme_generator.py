"""The README's "Using the generator outside gankit" examples run as written (paths swapped for a
small checkpoint), so the documented API cannot drift from the code."""

import re
from pathlib import Path

import numpy as np
import torch

from gankit.cli import main

from generator_checkpoints import save_generator_checkpoint

README = Path(__file__).parent.parent / "README.md"


def python_blocks() -> list[str]:
    text = README.read_text()
    section = text.split("## Using the generator outside gankit")[1].split("\n## ")[0]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def test_readme_examples_run(tmp_path, monkeypatch):
    api, onnx_example = python_blocks()
    checkpoint = save_generator_checkpoint(tmp_path / "g.safetensors", "cgan")
    scope = {}
    exec(api.replace("runs/00001-fast", str(checkpoint)), scope)
    assert scope["images"].dtype == torch.uint8 and scope["images"].shape == (16, 1, 28, 28)
    assert scope["sevens"].dtype == torch.float32 and 0 <= scope["sevens"].min() <= scope["sevens"].max() <= 1

    assert main(["export", "--checkpoint", str(checkpoint), "--format", "onnx", "--out",
                 str(tmp_path / "generator.onnx")]) == 0
    monkeypatch.chdir(tmp_path)
    scope = {}
    exec(onnx_example, scope)
    assert scope["images"].shape == (16, 1, 28, 28) and scope["images"].dtype == np.float32
    assert scope["meta"]["class_names"][7] == "7"
