"""Offline, reproducible evaluation of generated images with judge networks (protocol gankit-eval-v1).

    from gankit.eval import evaluate_images, evaluate_generator, V1
    result = evaluate_images(fakes_uint8, "mnist")     # {"protocol": "gankit-eval-v1", "fid": ...}

    protocol.py    Protocol, V1 and PROTOCOLS: everything that fixes the numbers
    cache.py       the real images' judge statistics, cached on disk
    reals.py       load_reals: the judge, those statistics and the training images, loaded once
    evaluate.py    evaluate_images, evaluate_generator, score_images: every metric in one dict
    nearest.py     exact nearest-neighbour searches screened in float32
    knn.py         precision/recall, density/coverage and memorisation from those searches
    kid_terms.py   KID with the real half of its subsets cached
    copies.py      the copy detector
    class_accuracy.py  conditional runs: does G draw the class asked for
    samples.py     checking image tensors; loading .npz, .npy and PNG folders
    report.py      the table `gankit eval` prints
    command.py     `gankit eval`
"""

from gankit.eval.evaluate import evaluate_generator, evaluate_images, score_features, score_images
from gankit.eval.protocol import PROTOCOLS, V1, Protocol
from gankit.eval.cache import RealStats, cache_file, real_stats
from gankit.eval.reals import Reals, load_reals
from gankit.eval.samples import SampleError, check_images, load_samples

__all__ = [
    "PROTOCOLS",
    "V1",
    "Protocol",
    "RealStats",
    "Reals",
    "SampleError",
    "cache_file",
    "check_images",
    "evaluate_generator",
    "evaluate_images",
    "load_reals",
    "load_samples",
    "real_stats",
    "score_features",
    "score_images",
]
