"""dataset_dir and locate_dataset: resolution order, explicit folders, the copy inside gankit,
and download into the cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from gankit.data import DATASETS, cache_root, dataset_dir, load_split, locate_dataset, missing_files
from gankit.data import locate
from gankit.errors import DataError

from .helpers import NAMES, dead_url, tiny_spec, write_tiny


@pytest.fixture
def tiny(monkeypatch, tmp_path, clean_env):
    """Registers dataset "tiny" (no mirrors, one system folder); returns its source folder."""
    source = tmp_path / "source"
    write_tiny(source)
    system = tmp_path / "system"
    monkeypatch.setitem(DATASETS, "tiny", tiny_spec(source, system_dirs=(str(system),)))
    return source


def test_unknown_name_lists_known() -> None:
    with pytest.raises(DataError, match="known datasets: cifar10, fashion_mnist, mnist"):
        dataset_dir("cifar")


def test_cache_root(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("GANKIT_CACHE", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_root() == tmp_path / "home" / ".cache" / "gankit"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_root() == tmp_path / "xdg" / "gankit"
    monkeypatch.setenv("GANKIT_CACHE", str(tmp_path / "mine"))
    assert cache_root() == tmp_path / "mine"


def test_resolution_order(monkeypatch, tmp_path, tiny, clean_env) -> None:
    explicit, root = tmp_path / "explicit", tmp_path / "root"
    system = Path(DATASETS["tiny"].system_dirs[0])
    for folder in (explicit, root / "tiny", clean_env / "tiny", system):
        write_tiny(folder)
    monkeypatch.setenv("GANKIT_DATA", str(root))
    assert dataset_dir("tiny", explicit) == explicit  # 1. data_dir beats everything
    assert dataset_dir("tiny") == root / "tiny"  # 2. GANKIT_DATA beats the cache
    (root / "tiny" / (NAMES["test_labels"] + ".gz")).unlink()
    assert dataset_dir("tiny") == clean_env / "tiny"  # incomplete: falls through to 3. cache
    monkeypatch.delenv("GANKIT_DATA")
    assert dataset_dir("tiny") == clean_env / "tiny"
    (clean_env / "tiny" / (NAMES["train_images"] + ".gz")).unlink()
    assert dataset_dir("tiny", download=False) == system  # 4. OS package folder
    (system / (NAMES["train_labels"] + ".gz")).unlink()
    with pytest.raises(DataError) as err:  # 5. download, which is off
        dataset_dir("tiny", download=False)
    message = str(err.value)
    assert "\n" not in message and str(clean_env / "tiny") in message
    assert "--data.dir DIR" in message and "GANKIT_DATA=ROOT" in message
    assert NAMES["train_images"] + ".gz" in message


def test_the_copy_inside_gankit_comes_after_the_system_folders_and_before_a_download(
        monkeypatch, tmp_path, tiny, clean_env) -> None:
    spec = DATASETS["tiny"]
    monkeypatch.setitem(DATASETS, "tiny", tiny_spec(tiny, system_dirs=spec.system_dirs, embedded=True))
    monkeypatch.setattr(locate, "EMBEDDED_ROOT", tmp_path / "embedded")
    write_tiny(tmp_path / "embedded" / "tiny")
    system = Path(spec.system_dirs[0])
    write_tiny(system)
    assert locate_dataset("tiny", download=False) == locate.Located(system, "a system package")
    (system / (NAMES["train_labels"] + ".gz")).unlink()
    assert locate_dataset("tiny", download=False) == locate.Located(tmp_path / "embedded" / "tiny",
                                                                    "the copy inside gankit")
    write_tiny(clean_env / "tiny")
    assert locate_dataset("tiny", download=False).source == "the cache"


def test_explicit_folder_must_be_complete(monkeypatch, tmp_path, tiny, clean_env) -> None:
    write_tiny(clean_env / "tiny")  # a complete cache must not be used instead
    explicit = tmp_path / "explicit"
    write_tiny(explicit)
    (explicit / (NAMES["test_images"] + ".gz")).unlink()
    with pytest.raises(DataError, match=NAMES["test_images"]) as err:
        dataset_dir("tiny", explicit)
    assert str(explicit) in str(err.value)
    with pytest.raises(DataError, match="no such folder"):
        dataset_dir("tiny", tmp_path / "absent")


def test_uncompressed_files_accepted(tmp_path, tiny) -> None:
    folder = tmp_path / "plain"
    write_tiny(folder, compress=False)
    assert missing_files(DATASETS["tiny"], folder) == []
    assert load_split("tiny", "test", folder).images.shape == (4, 1, 5, 4)


def test_download_into_cache_end_to_end(tiny, clean_env, serve) -> None:
    server = serve(tiny)
    folder = dataset_dir("tiny", mirrors=[dead_url(), server.url])
    assert folder == clean_env / "tiny"
    assert sorted(p.name for p in folder.iterdir()) == sorted(n + ".gz" for n in NAMES.values())
    spec = DATASETS["tiny"]
    assert all(f.check()(folder / f.gz_name) for f in spec.files)
    assert len(load_split("tiny", "train", mirrors=[dead_url()])) == 6  # from the cache now
    (folder / (NAMES["test_labels"] + ".gz")).unlink()
    before = len(server.requests)
    dataset_dir("tiny", mirrors=[server.url])
    assert server.requests[before:] == ["/" + NAMES["test_labels"] + ".gz"]  # only what is missing


def test_download_failure_says_where_to_put_files(tmp_path, tiny, clean_env, serve) -> None:
    with pytest.raises(DataError) as err:
        dataset_dir("tiny", mirrors=[dead_url(), serve(tmp_path / "empty").url])
    message = str(err.value)
    assert message.startswith("Tiny not found and could not be downloaded (offline?")
    assert "\n" not in message and str(clean_env / "tiny") in message and "HTTP 404" in message
    cache = clean_env / "tiny"
    assert not cache.exists() or list(cache.iterdir()) == []
