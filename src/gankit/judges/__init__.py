"""Judge networks: compact CNN classifiers whose features and softmax the evaluation metrics use.

    judge = load_judge("mnist")                              # hash-checked, eval mode
    features, probs = judge_outputs(judge, images_uint8)     # (N, 256), (N, 10) float32

    model.py      the architecture and its fixed preprocessing
    inference.py  batched, batch-size independent features and probabilities
    registry.py   JUDGES: dataset -> shipped weights file and pinned SHA-256; load and save
    train.py      the deterministic training recipe behind `gankit train-judge`
"""

from gankit.judges.inference import feature_classes, judge_outputs
from gankit.judges.model import FEATURE_DIM, NUM_CLASSES, Judge, preprocess
from gankit.judges.registry import JUDGES, JudgeError, JudgeSpec, file_sha256, get_judge_spec, load_judge, save_judge

__all__ = [
    "FEATURE_DIM",
    "JUDGES",
    "NUM_CLASSES",
    "Judge",
    "JudgeError",
    "JudgeSpec",
    "feature_classes",
    "file_sha256",
    "get_judge_spec",
    "judge_outputs",
    "load_judge",
    "preprocess",
    "save_judge",
]
