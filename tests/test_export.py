"""`gankit export`: TorchScript and ONNX files that draw gankit's images without gankit.

The exported files are run in a fresh Python started with -S -I (no site, no PYTHONPATH, no
current folder), which is given torch's site-packages folder by hand: .pth files, and with them
gankit's editable install, are not processed, so `import gankit` fails there (asserted)."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import gankit.export
from gankit.cli import main
from gankit.export import TOLERANCE, ExportError, export_generator
from gankit.sampling import latents, load_generator

from generator_checkpoints import save_generator_checkpoint

SITE_PACKAGES = str(Path(torch.__file__).parent.parent)
RUN_WITHOUT_GANKIT = r'''
import json, sys
sys.path.append(sys.argv[1])
try:
    import gankit
except ImportError:
    pass
else:
    raise SystemExit("gankit is importable here: " + gankit.__file__)
import numpy as np
fmt, model_path, inputs_path, out_path = sys.argv[2:6]
inputs = dict(np.load(inputs_path))
if fmt == "torchscript":
    import torch
    extra = {"gankit.json": ""}
    model = torch.jit.load(model_path, _extra_files=extra)
    meta = json.loads(extra["gankit.json"])
    with torch.no_grad():
        images = model(*[torch.from_numpy(inputs[name]) for name in meta["inputs"]]).numpy()
else:
    import onnxruntime
    session = onnxruntime.InferenceSession(model_path, providers=["CPUExecutionProvider"])
    meta = json.loads(session.get_modelmeta().custom_metadata_map["gankit"])
    images = session.run(None, {name: inputs[name] for name in meta["inputs"]})[0]
np.save(out_path, images)
print(json.dumps(meta))
'''


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory):
    folder = tmp_path_factory.mktemp("export")
    return {model: save_generator_checkpoint(folder / f"{model}.safetensors", model)
            for model in ("dcgan", "cgan", "radford_tanh_normal")}


def run_without_gankit(tmp_path, fmt, model_path, inputs) -> tuple[np.ndarray, dict]:
    np.savez(tmp_path / "inputs.npz", **{k: v.numpy() for k, v in inputs.items()})
    (tmp_path / "run.py").write_text(RUN_WITHOUT_GANKIT)
    out = subprocess.run([sys.executable, "-S", "-I", str(tmp_path / "run.py"), SITE_PACKAGES, fmt, str(model_path),
                          str(tmp_path / "inputs.npz"), str(tmp_path / "images.npy")],
                         capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    return np.load(tmp_path / "images.npy"), json.loads(out.stdout.splitlines()[-1])


@pytest.mark.parametrize("fmt", ["torchscript", "onnx"])
@pytest.mark.parametrize("model", ["dcgan", "cgan", "radford_tanh_normal"])
def test_exported_file_draws_gankits_images_without_gankit(fmt, model, checkpoints, tmp_path, capsys):
    out = tmp_path / f"g.{fmt}"
    assert main(["export", "--checkpoint", str(checkpoints[model]), "--format", fmt, "--out", str(out)]) == 0
    assert "checked: its images equal gankit's" in capsys.readouterr().out
    generator, cfg = load_generator(checkpoints[model])
    n = 7  # neither of the self-check's batch sizes: the batch dimension is free
    inputs = {"z": latents(cfg, n, seed=99, truncation=0.8)}
    if model == "cgan":
        inputs["labels"] = torch.tensor([3, 1, 4, 1, 5, 9, 2])
    with torch.no_grad():
        expected = generator(*inputs.values()).numpy()
    images, meta = run_without_gankit(tmp_path, fmt, out, inputs)
    np.testing.assert_allclose(images, expected, rtol=0, atol=TOLERANCE)
    assert meta["z_dim"] == cfg.model.z_dim and meta["z_dist"] == cfg.model.z_dist
    assert meta["image_shape"] == [1, 28, 28] and meta["output_range"] == list(generator.output_range)
    assert meta["step"] == 5 and meta["gankit_version"] == gankit.__version__
    assert meta["config"]["model"]["name"] == cfg.model.name
    assert meta["class_names"] == ([str(d) for d in range(10)] if model == "cgan" else [])


def test_an_export_that_draws_other_images_fails_and_leaves_no_file(checkpoints, tmp_path, monkeypatch, capsys):
    write, run, packages = gankit.export.FORMATS["torchscript"]
    monkeypatch.setitem(gankit.export.FORMATS, "torchscript", (write, lambda *a: run(*a) + 1e-4, packages))
    out = tmp_path / "g.pt"
    with pytest.raises(ExportError, match="up to 0.0001 away from gankit's"):
        export_generator(checkpoints["dcgan"], out, format="torchscript")
    assert list(tmp_path.iterdir()) == []
    assert main(["export", "--checkpoint", str(checkpoints["dcgan"]), "--format", "torchscript", "--out", str(out)]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_missing_onnx_packages_are_one_line(checkpoints, tmp_path, monkeypatch, capsys):
    write, run, _ = gankit.export.FORMATS["onnx"]
    monkeypatch.setitem(gankit.export.FORMATS, "onnx", (write, run, ("onnx", "no_such_package_xyz")))
    assert main(["export", "--checkpoint", str(checkpoints["dcgan"]), "--format", "onnx", "--out",
                 str(tmp_path / "g.onnx")]) == 2
    err = capsys.readouterr().err
    assert err == "gankit: error: --format onnx needs the package(s) no_such_package_xyz: pip install " \
                  "'gankit[onnx]' (or pip install no_such_package_xyz)\n"


def test_export_to_a_missing_folder_is_one_line(checkpoints, tmp_path, capsys):
    assert main(["export", "--checkpoint", str(checkpoints["dcgan"]), "--format", "torchscript", "--out",
                 str(tmp_path / "nowhere" / "g.pt")]) == 2
    assert "does not exist; create it" in capsys.readouterr().err
