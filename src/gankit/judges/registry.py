"""The shipped judges: `dataset -> JudgeSpec` with each weights file's pinned SHA-256.

The weights live next to this file (`mnist.safetensors`, `fashion_mnist.safetensors`, package
data, < 2 MB each). `load_judge` hashes the file before reading it, so evaluation never runs on
weights other than those the protocol names; `gankit train-judge` rewrites them reproducibly.
Changing a pinned hash changes every metric: bump the protocol's name when you do.
"""

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import safetensors.torch

from gankit.errors import GankitError
from gankit.judges.model import Judge

FORMAT = "gankit-judge"
JUDGE_DIR = Path(__file__).parent


class JudgeError(GankitError):
    """Judge weights that are missing, altered or unreadable."""


@dataclass(frozen=True)
class JudgeSpec:
    file: str  # weights file name inside gankit/judges/
    sha256: str  # SHA-256 of that file's bytes, as `gankit train-judge` writes it
    test_accuracy: float  # on the dataset's 10,000 test images, as measured by train-judge

    @property
    def path(self) -> Path:
        return JUDGE_DIR / self.file


JUDGES: dict[str, JudgeSpec] = {
    "mnist": JudgeSpec(
        "mnist.safetensors",
        sha256="14bdd3b6d202ec2e55d080961be3d3b9d6b9fa8e1696752daf4175a544aa2cb4",
        test_accuracy=0.9962,
    ),
    "fashion_mnist": JudgeSpec(
        "fashion_mnist.safetensors",
        sha256="84b165f1a572e626b157885194f9be95a8f556102f3e7a1322903c8caf667d42",
        test_accuracy=0.9365,
    ),
}


def get_judge_spec(dataset: str) -> JudgeSpec:
    try:
        return JUDGES[dataset]
    except KeyError:
        raise JudgeError(f"no judge for dataset {dataset!r}; judges exist for: "
                         f"{', '.join(sorted(JUDGES))}") from None


def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def save_judge(judge: Judge, path: Path, *, dataset: str, test_accuracy: float, recipe: dict) -> str:
    """Write the judge's weights (and BatchNorm statistics) to `path`; returns the file's SHA-256.

    The same weights always give the same bytes: the metadata is ONE sorted JSON string (the
    safetensors writer orders several metadata keys at random) and holds no time or machine.
    """
    tensors = {k: v.detach().cpu().contiguous() for k, v in judge.state_dict().items()}
    meta = {"format": FORMAT, "dataset": dataset, "test_accuracy": round(test_accuracy, 6), "recipe": recipe}
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    safetensors.torch.save_file(tensors, str(path), metadata={"gankit": json.dumps(meta, sort_keys=True)})
    os.chmod(path, 0o644)  # package data: readable by everyone (the writer creates it private)
    return file_sha256(path)


def load_judge(dataset: str, path: Path | None = None, *, sha256: str | None = None) -> Judge:
    """The judge for `dataset` in eval mode, from `path` (default: the shipped file).

    The file must hash to `sha256` (default: the pinned `JUDGES[dataset].sha256`; a protocol
    passes its own pin), else `JudgeError` (one line, with the fix).
    """
    spec = get_judge_spec(dataset)
    path = Path(path) if path is not None else spec.path
    expected = sha256 if sha256 is not None else spec.sha256
    fix = f"run `gankit train-judge --dataset {dataset}` or reinstall gankit"
    try:
        data = path.read_bytes()
    except OSError as err:
        raise JudgeError(f"{path}: cannot read the {dataset} judge ({err.strerror}); {fix}") from None
    digest = hashlib.sha256(data).hexdigest()
    if digest != expected:
        raise JudgeError(f"{path}: SHA-256 {digest[:16]}... differs from the pinned "
                         f"{expected[:16]}...; the judge weights were altered, {fix}")
    judge = Judge()
    judge.load_state_dict(safetensors.torch.load(data))
    return judge.eval()
