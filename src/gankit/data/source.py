"""The images a run trains on, from its `[data]` config: a named dataset or a folder of your own.

    data = load_train_data(cfg.data)          # ImageSet: uint8 (N, C, H, W) and labels (N,)
    resolve_data_config(cfg, data)            # data.color "auto" -> what the folder holds, etc.
    image_shape(cfg.data)                     # (C, H, W), from the config alone

`image_shape` is what sampling, evaluation and `--dry-run` use instead of the dataset registry,
so a run on a folder of 64x64 RGB photos is rebuilt from its stored config alone. For that, a
folder run's config must say its colour: `resolve_data_config` writes the colour found in place
of "auto" (and a conditional model's number of classes in place of 0), as the session does
before the config is written to the run folder.
"""

import torch

from gankit.data.dataset import ImageSet, load_split
from gankit.data.folder import load_folder
from gankit.data.limit import limit_images, limit_sha256
from gankit.data.locate import get_spec
from gankit.errors import ConfigError, DataError
from gankit.models import is_conditional

CHANNELS = {"grayscale": 1, "rgb": 3}  # data.color -> image channels


def load_train_data(data_cfg) -> ImageSet:
    """The training images: `load_folder(data.folder, size=data.size, color=data.color)` when
    `data.folder` is set, else the train split of the dataset `data.name`."""
    if data_cfg.folder:
        return load_folder(data_cfg.folder, size=data_cfg.size, color=data_cfg.color)
    return load_split(data_cfg.name, "train", data_cfg.dir or None)


def training_images(data_cfg) -> tuple[ImageSet, ImageSet | None, torch.Tensor | None]:
    """(training images, held-out images or None, the chosen row indices or None).

    With `data.limit` > 0: `limit` images of the data (`gankit.data.limit`), the rest held out,
    and `data.limit_sha256` is set to the subset's hash (checked first if it was set). With
    `data.limit` = 0: all the data; the held-out images are a named dataset's test split when
    it is on disk (never downloaded for this), None for a folder."""
    data = load_train_data(data_cfg)
    if data_cfg.limit:
        train, held_out, indices = limit_images(data, limit=data_cfg.limit, seed=data_cfg.limit_seed,
                                                expected_sha256=data_cfg.limit_sha256)
        data_cfg.limit_sha256 = limit_sha256(indices)
        return train, held_out, indices
    if data_cfg.folder:
        return data, None, None
    try:
        return data, load_split(data_cfg.name, "test", data_cfg.dir or None, download=False), None
    except DataError:
        return data, None, None


def image_shape(data_cfg) -> tuple[int, int, int]:
    """(C, H, W) of the run's images: the folder's size and colour, or the named dataset's shape."""
    if not data_cfg.folder:
        return get_spec(data_cfg.name).image_shape
    if data_cfg.color not in CHANNELS:
        raise ConfigError(f"data.color = '{data_cfg.color}': the image shape of folder {data_cfg.folder} is "
                          "known once the folder is read; set --data.color=grayscale or rgb")
    return (CHANNELS[data_cfg.color], data_cfg.size, data_cfg.size)


def data_facts(data_cfg, data: ImageSet | None = None) -> tuple[int, int]:
    """(channels, number of classes) of the training images: from `data` when given, else from
    the registry for a named dataset (nothing is read or downloaded); a folder must be `data`."""
    if data is not None:
        return data.images.shape[1], len(data.classes)
    if data_cfg.folder:
        raise ValueError("a folder's channels and classes are known once it is read: pass its ImageSet")
    spec = get_spec(data_cfg.name)
    return spec.image_shape[0], len(spec.classes)


def resolve_data_config(cfg, data: ImageSet | None = None) -> None:
    """Write into `cfg` what the data settles: a folder's colour ("auto" -> "grayscale" or
    "rgb") and a conditional model's number of classes (0 -> the data's). `data`: the loaded
    training images, needed for a folder (see `data_facts`). ConfigError if a conditional
    model is asked for more or fewer classes than the data has, or the data has one class."""
    channels, found = data_facts(cfg.data, data)
    if cfg.data.folder and cfg.data.color == "auto":
        cfg.data.color = "grayscale" if channels == 1 else "rgb"
    if not is_conditional(cfg.model):
        return
    if found < 2:
        raise ConfigError(f"model.name = '{cfg.model.name}' needs labelled images of at least 2 classes; "
                          f"the data has {found} (a folder gets classes from one subfolder per class)")
    if cfg.model.num_classes == 0:
        cfg.model.num_classes = found
    elif cfg.model.num_classes != found:
        raise ConfigError(f"model.num_classes = {cfg.model.num_classes}, but the data has {found} classes; "
                          "leave it 0 to take the data's")
