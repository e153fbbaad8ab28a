"""The shipped judges: `dataset -> JudgeSpec` with each weights file's pinned SHA-256.

The weights live next to this file (`mnist.safetensors`, `fashion_mnist.safetensors`, package
data, < 2 MB each). `load_judge` hashes the file before reading it, so evaluation never runs on
weights other than those the protocol names; `gankit train-judge` rewrites them reproducibly.
Changing a pinned hash changes every metric: bump the protocol's name when you do.
"""

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import safetensors
import safetensors.torch
import torch

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
    "mnist": JudgeSpec("mnist.safetensors", sha256="PENDING", test_accuracy=0.0),
    "fashion_mnist": JudgeSpec("fashion_mnist.safetensors", sha256="PENDING", test_accuracy=0.0),
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

    The metadata holds no time or machine details, so the same weights give the same bytes.
    """
    tensors = {k: v.detach().cpu().contiguous() for k, v in judge.state_dict().items()}
    meta = {"format": FORMAT, "dataset": dataset, "test_accuracy": f"{test_accuracy:.4f}",
            "recipe": json.dumps(recipe, sort_keys=True)}
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    safetensors.torch.save_file(tensors, str(path), metadata=meta)
    return file_sha256(path)


def load_judge(dataset: str, path: Path | None = None) -> Judge:
    """The judge for `dataset` in eval mode, from `path` (default: the shipped file).

    The file must hash to the pinned SHA-256, else `JudgeError` (one line, with the fix).
    """
    spec = get_judge_spec(dataset)
    path = Path(path) if path is not None else spec.path
    fix = f"run `gankit train-judge --dataset {dataset}` or reinstall gankit"
    try:
        data = path.read_bytes()
    except OSError as err:
        raise JudgeError(f"{path}: cannot read the {dataset} judge ({err.strerror}); {fix}") from None
    digest = hashlib.sha256(data).hexdigest()
    if digest != spec.sha256:
        raise JudgeError(f"{path}: SHA-256 {digest[:16]}... differs from the pinned "
                         f"{spec.sha256[:16]}...; the judge weights were altered, {fix}")
    judge = Judge()
    judge.load_state_dict(safetensors.torch.load(data))
    return judge.eval()
