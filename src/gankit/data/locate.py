"""Find a dataset's folder on disk, downloading it into the user cache as a last resort.

Resolution order (the first folder holding all the dataset's files wins: four IDX files, or
CIFAR-10's one archive):
    1. the `data_dir` argument (`--data.dir DIR`): if given, it must be complete; no fallback,
       because a user who names a folder wants that data and not a silent substitute;
    2. `$GANKIT_DATA/<name>/` (one subfolder per dataset; CI sets GANKIT_DATA=../shared/data);
    3. the user cache `<cache root>/<name>/`, see `cache_root()`;
    4. folders an OS package installs into (`DatasetSpec.system_dirs`, e.g. Debian's
       /usr/share/datasets/fashion-mnist);
    5. download the missing files from the mirrors into the cache.

Each file may be stored gzip-compressed (`name.gz`) or uncompressed (`name`). Found files are
not hashed here (that would cost a second per load); `read_idx` checks their structure, and
downloads are verified before they get their final name, so the cache only holds checked files.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

from gankit.data.download import DownloadError, download_file
from gankit.data.registry import DATASETS, CifarSpec, DatasetSpec

Spec = DatasetSpec | CifarSpec
from gankit.errors import DataError

log = logging.getLogger(__name__)

ENV_DATA = "GANKIT_DATA"  # ROOT holding one subfolder per dataset
ENV_CACHE = "GANKIT_CACHE"  # overrides the cache root (tests, shared machines)


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
    """The absolute folder holding dataset `name`'s files, found in the module's order.

    data_dir: explicit folder; when given it is the only place looked at.
    download: whether step 5 may use the network; False raises instead.
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
        return folder
    for folder in _search_path(name, spec):
        if not missing_files(spec, folder):
            return folder
    cache = cache_root() / name
    if not download:
        raise DataError(_not_found(spec, name, cache, "downloads are off"))
    try:
        _download_missing(spec, cache, mirrors if mirrors is not None else spec.mirrors)
    except DownloadError as err:
        why = "offline? " + ("; ".join(err.failures) or "no mirrors")
        raise DataError(_not_found(spec, name, cache, why)) from None
    return cache


def _search_path(name: str, spec: Spec) -> list[Path]:
    """Steps 2-4 of the resolution order, in order."""
    folders = []
    if root := os.environ.get(ENV_DATA):
        folders.append(Path(root).expanduser().absolute() / name)
    folders.append(cache_root() / name)
    folders.extend(Path(d) for d in spec.system_dirs)
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
