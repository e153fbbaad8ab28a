"""Within-class variety: 1 for the real images themselves, 0 for a class drawn as one image,
the ratio of mean pairwise distances in between, checked against hand-computed values."""

import pytest
import torch

from gankit.metrics import MetricInputError, class_variety


def test_real_images_against_themselves_have_variety_one():
    features = torch.randn(200, 8, generator=torch.Generator().manual_seed(0))
    classes = torch.arange(200) % 4
    result = class_variety(features, classes, features, classes, 4)
    assert result["class_variety"] == pytest.approx([1.0] * 4)
    assert result["within_class_variety"] == pytest.approx(1.0)


def test_a_class_of_copies_has_no_variety_and_is_the_lowest():
    real = torch.tensor([[0.0, 0.0], [3.0, 4.0], [10.0, 0.0], [10.0, 2.0]])  # class 0: distance 5; class 1: 2
    fake = torch.tensor([[1.0, 1.0], [1.0, 1.0], [10.0, 0.0], [10.0, 1.0], [10.0, 3.0]])
    result = class_variety(real, torch.tensor([0, 0, 1, 1]), fake, torch.tensor([0, 0, 1, 1, 1]), 3)
    # fake class 1: pairs at distances 1, 3, 2 -> mean 2, against the real pair's 2
    assert result["class_variety"][:2] == pytest.approx([0.0, 1.0])
    assert result["class_variety"][2] is None  # no images of class 2 on either side
    assert result["within_class_variety"] == 0.0


def test_a_class_with_one_fake_is_not_measured():
    real = torch.tensor([[0.0], [1.0], [5.0], [7.0]])
    result = class_variety(real, torch.tensor([0, 0, 1, 1]), torch.tensor([[0.0], [2.0], [6.0]]),
                           torch.tensor([0, 0, 1]), 2)
    assert result["class_variety"] == [pytest.approx(2.0), None]


def test_only_the_first_images_of_a_class_count_beyond_max_per_class():
    real = torch.tensor([[0.0], [1.0]])
    fake = torch.tensor([[0.0], [4.0], [100.0]])
    result = class_variety(real, torch.zeros(2, dtype=torch.long), fake, torch.zeros(3, dtype=torch.long), 1,
                           max_per_class=2)
    assert result["within_class_variety"] == pytest.approx(4.0)


def test_mismatched_classes_are_refused():
    with pytest.raises(MetricInputError, match="one class per feature row"):
        class_variety(torch.zeros(3, 2), torch.zeros(2, dtype=torch.long), torch.zeros(2, 2),
                      torch.zeros(2, dtype=torch.long), 1)
