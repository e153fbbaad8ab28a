"""Find a dataset's folder on disk, downloading it into the user cache as a last resort.

Resolution order (the first folder holding all the dataset's files wins: four IDX files, or
CIFAR-10's one archive):
    1. the `data_dir` argument (`--data.dir DIR`): if given, it must be complete; no fallback,
       because a user who names a folder wants that data and not a silent substitute;
    2. `$GANKIT_DATA/<name>/` (one subfolder per dataset);
    3. the user cache `<cache root>/<name>/`, see `cache_root()`;
    4. folders an OS package installs into (`DatasetSpec.system_dirs`, e.g. Debian's
       /usr/share/datasets/fashion-mnist);
    5. the copy gankit carries itself (`gankit/data/embedded/<name>/`, MNIST only), so the
       default dataset works offline;
    6. download the missing files from the mirrors into the cache.

Each file may be stored gzip-compressed (`name.gz`) or uncompressed (`name`). Found files are
not hashed here (that would cost a second per load); `read_idx` checks their structure, and
downloads are verified before they get their final name, so the cache only holds checked files.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from gankit.data.download import DownloadError, download_file
from gankit.data.registry import DATASETS, CifarSpec, DatasetSpec
from gankit.errors import DataError

Spec = DatasetSpec | CifarSpec

log = logging.getLogger(__name__)

ENV_DATA = "GANKIT_DATA"  # ROOT holding one subfolder per dataset
ENV_CACHE = "GANKIT_CACHE"  # overrides the cache root (tests, shared machines)
EMBEDDED_ROOT = Path(__file__).parent / "embedded"  # one subfolder per dataset gankit carries


@dataclass(frozen=True)
class Located:
    """Where a dataset's files were found: the folder, and how, in words for the console."""

    folder: Path  # absolute
    source: str  # e.g. "the copy inside gankit", "the cache", "downloaded into the cache"


def get_spec(name: str) -> Spec:
    """The registry entry for `name`; `DataError` listing the known names if there is none."""
    try:
        return DATASETS[name]
    except KeyError:
        known = ", ".join(sorted(DATASETS))
        raise DataError(f"unknown dataset {name!r}; known datasets: {known}") from None


def cache_root() -> Path:
    """$GANKIT_CACHE, else $XDG_CACHE_HOME/gankit, else ~/.cache/gankit."""
    if root := os.environ.get(ENV_CACHE):
        return Path(root).expanduser().absolute()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg).expanduser().absolute() if xdg else Path.home() / ".cache") / "gankit"


def find_file(folder: Path, name: str) -> Path | None:
    """`folder/name` if it exists, else `folder/name.gz` if that exists, else None."""
    for candidate in (folder / name, folder / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    return None


def missing_files(spec: Spec, folder: Path) -> list[str]:
    """Names (uncompressed) of the spec's files that `folder` holds in neither form."""
    return [f.name for f in spec.files if find_file(folder, f.name) is None]


def dataset_dir(
    name: str,
    data_dir: str | Path | None = None,
    *,
    download: bool = True,
    mirrors: Sequence[str] | None = None,
) -> Path:
    """The absolute folder holding dataset `name`'s files: `locate_dataset(...).folder`."""
    return locate_dataset(name, data_dir, download=download, mirrors=mirrors).folder


def locate_dataset(
    name: str,
    data_dir: str | Path | None = None,
    *,
    download: bool = True,
    mirrors: Sequence[str] | None = None,
) -> Located:
    """The folder holding dataset `name`'s files, found in the module's order, and how.

    data_dir: explicit folder; when given it is the only place looked at.
    download: whether step 6 may use the network; False raises instead.
    mirrors: base URLs to use instead of the registry's (tests, local mirrors).
    Raises `DataError` for an unknown name, an incomplete `data_dir`, or data that is
    nowhere and cannot be downloaded (the message says where to put the files).
    """
    spec = get_spec(name)
    if data_dir is not None:
        folder = Path(data_dir).expanduser().absolute()
        if not folder.is_dir():
            raise DataError(f"{folder}: no such folder (--data.dir); pass a folder holding "
                            f"the {spec.title} files, or leave --data.dir out to search for them")
        if missing := missing_files(spec, folder):
            raise DataError(f"{folder}: {spec.title} files missing: {', '.join(missing)} (or .gz);"
                            " put them there, or leave --data.dir out to search for them")
        return Located(folder, "--data.dir")
    for folder, source in _search_path(name, spec):
        if not missing_files(spec, folder):
            return Located(folder, source)
    cache = cache_root() / name
    if not download:
        raise DataError(_not_found(spec, name, cache, "downloads are off"))
    try:
        _download_missing(spec, cache, mirrors if mirrors is not None else spec.mirrors)
    except DownloadError as err:
        why = "offline? " + ("; ".join(err.failures) or "no mirrors")
        raise DataError(_not_found(spec, name, cache, why)) from None
    return Located(cache, "downloaded into the cache")


def _search_path(name: str, spec: Spec) -> list[tuple[Path, str]]:
    """Steps 2-5 of the resolution order, in order: (folder, how it is named to the user)."""
    folders = []
    if root := os.environ.get(ENV_DATA):
        folders.append((Path(root).expanduser().absolute() / name, ENV_DATA))
    folders.append((cache_root() / name, "the cache"))
    folders.extend((Path(d), "a system package") for d in spec.system_dirs)
    if spec.embedded:
        folders.append((EMBEDDED_ROOT / name, "the copy inside gankit"))
    return folders


def _download_missing(spec: Spec, cache: Path, mirrors: Sequence[str]) -> None:
    """Fetch into `cache` every file it lacks; stops at the first file no mirror serves."""
    for file in spec.files:
        if find_file(cache, file.name) is not None:
            continue
        log.info("downloading %s %s into %s", spec.title, file.gz_name, cache)
        urls = [base.rstrip("/") + "/" + file.gz_name for base in mirrors]
        download_file(urls, cache / file.gz_name, accept=file.check())


def _not_found(spec: Spec, name: str, cache: Path, why: str) -> str:
    files = ", ".join(f.gz_name for f in spec.files)
    return (f"{spec.title} not found and could not be downloaded ({why}): put {files} in "
            f"{cache}, or pass --data.dir DIR, or set {ENV_DATA}=ROOT with them in ROOT/{name}/")
