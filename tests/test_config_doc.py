"""`gankit config`: every field, its value and its meaning, as TOML that loads back."""

import dataclasses
import tomllib
from pathlib import Path

from gankit.cli import main
from gankit.config import Config, load_config, to_dict
from gankit.config_doc import commented_toml, field_comments


def test_every_field_of_every_section_has_a_meaning():
    for section in dataclasses.fields(Config):
        comments = field_comments(type(getattr(Config(), section.name)))
        assert [name for name, comment in comments.items() if not comment] == [], section.name


def test_the_listing_loads_back_to_the_same_config(tmp_path):
    cfg = load_config(Path(__file__).parents[1] / "configs" / "fast.toml", ["train.steps=7"])
    text = commented_toml(cfg)
    assert 'steps = 7  # training iterations' in text and "# TrainConfig, in gankit.config" in text
    (tmp_path / "listed.toml").write_text(text)
    assert to_dict(load_config(tmp_path / "listed.toml")) == to_dict(cfg)
    assert sum(map(len, tomllib.loads(text).values())) == sum(len(t) for t in to_dict(cfg).values())


def test_gankit_config_prints_it(capsys):
    assert main(["config", "--train.batch_size=32"]) == 0
    assert "batch_size = 32  # m: real images per D update" in capsys.readouterr().out
