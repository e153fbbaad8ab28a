"""The shipped judges: pinned hashes, refusal of altered weights, batch-size independent outputs."""

import dataclasses

import pytest
import torch

from gankit.data import load_split
from gankit.judges import FEATURE_DIM, JUDGES, JudgeError, file_sha256, get_judge_spec, judge_outputs, load_judge, save_judge
from gankit.judges.train import RECIPES, accuracy, augment_batch


def random_images(n, seed=0):
    return torch.randint(0, 256, (n, 1, 28, 28), dtype=torch.uint8, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("dataset", sorted(JUDGES))
def test_shipped_weights_match_their_pins(dataset):
    spec = JUDGES[dataset]
    assert spec.path.stat().st_size < 2_000_000
    assert file_sha256(spec.path) == spec.sha256
    assert spec.test_accuracy >= RECIPES[dataset].min_test_accuracy
    assert not load_judge(dataset).training


def test_altered_weights_are_refused(tmp_path):
    data = bytearray(JUDGES["mnist"].path.read_bytes())
    data[-1] ^= 0x01  # one bit of one weight
    tampered = tmp_path / "mnist.safetensors"
    tampered.write_bytes(bytes(data))
    with pytest.raises(JudgeError, match=r"differs from the pinned .*gankit train-judge --dataset mnist") as err:
        load_judge("mnist", tampered)
    assert "\n" not in str(err.value)
    with pytest.raises(JudgeError, match="cannot read the mnist judge"):
        load_judge("mnist", tmp_path / "missing.safetensors")
    with pytest.raises(JudgeError, match="differs from the pinned"):
        load_judge("mnist", sha256="0" * 64)  # a protocol pinning other weights
    with pytest.raises(JudgeError, match="no judge for dataset 'cifar10'"):
        get_judge_spec("cifar10")


def test_outputs_do_not_depend_on_batch_size():
    judge = load_judge("mnist")
    images = random_images(37)
    features, probs = judge_outputs(judge, images, batch_size=500)
    assert features.shape == (37, FEATURE_DIM) and probs.shape == (37, 10)
    assert bool((features >= 0).all())
    torch.testing.assert_close(probs.sum(dim=1), torch.ones(37))
    for batch_size in (1, 7, 37, 64):
        f, p = judge_outputs(judge, images, batch_size=batch_size)
        torch.testing.assert_close(f, features, rtol=1e-5, atol=1e-5)
        torch.testing.assert_close(p, probs, rtol=1e-5, atol=1e-6)
    f, _ = judge_outputs(judge, images[10:20], batch_size=500)  # neighbours in the batch do not matter
    torch.testing.assert_close(f, features[10:20], rtol=1e-5, atol=1e-5)


def test_outputs_need_eval_mode():
    judge = load_judge("mnist").train()
    with pytest.raises(ValueError, match="eval mode"):
        judge_outputs(judge, random_images(2))


def test_saving_is_byte_reproducible(tmp_path):
    judge = load_judge("mnist")
    hashes = {save_judge(judge, tmp_path / f"{i}.safetensors", dataset="mnist", test_accuracy=0.9962,
                         recipe=dataclasses.asdict(RECIPES["mnist"])) for i in range(3)}
    assert hashes == {JUDGES["mnist"].sha256}  # what train-judge wrote, bit for bit


def test_shipped_mnist_judge_classifies_real_digits(mnist_subset_root):
    test = load_split("mnist", "test", mnist_subset_root / "mnist")
    assert accuracy(load_judge("mnist"), test.images, test.labels) >= 0.99


def test_augmentation_shifts_and_flips_whole_images():
    images = random_images(64)
    shifted = augment_batch(images, RECIPES["mnist"], torch.Generator().manual_seed(0))
    flipped = augment_batch(images, RECIPES["fashion_mnist"], torch.Generator().manual_seed(0))
    padded = torch.nn.functional.pad(images, (2, 2, 2, 2))
    n_flipped = 0
    for i in range(64):
        windows = {(dy, dx): padded[i, 0, dy:dy + 28, dx:dx + 28] for dy in range(5) for dx in range(5)}
        assert any(torch.equal(shifted[i, 0], w) for w in windows.values())
        straight = any(torch.equal(flipped[i, 0], w) for w in windows.values())
        mirrored = any(torch.equal(flipped[i, 0], w.flip(-1)) for w in windows.values())
        assert straight or mirrored
        n_flipped += mirrored and not straight
    assert 16 < n_flipped < 48
