import json
import random

import numpy as np
import torch

from gankit.checkpoint import pack, unpack
from gankit.rng import capture_rng, restore_rng


def draw():
    return random.random(), np.random.rand(), np.random.randn(), torch.rand(1).item()


def test_capture_and_restore_through_plain_data():
    random.seed(1), np.random.seed(2), torch.manual_seed(3)
    draw()
    tensors = {}
    stored = json.loads(json.dumps(pack(capture_rng(), "rng", tensors)))
    expected = draw()
    draw()
    restore_rng(unpack(stored, tensors))
    assert draw() == expected
