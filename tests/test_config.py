import pytest

from gankit.config import Config, config_from_dict, load_config, to_dict, to_toml
from gankit.errors import ConfigError


def test_seed_config_equals_the_seed(tmp_path):
    cfg = load_config("configs/seed_dcgan_mnist.toml")
    assert (cfg.train.batch_size, cfg.train.d_steps, cfg.train.steps) == (64, 1, 40_000)
    assert (cfg.model.z_dim, cfg.model.z_dist, cfg.model.g_output) == (100, "uniform", "sigmoid")
    assert (cfg.d_opt.name, cfg.d_opt.lr, cfg.d_opt.decay, cfg.d_opt.rho, cfg.d_opt.eps) == ("rmsprop", 2e-4, 6e-8, 0.9, 1e-7)
    assert (cfg.g_opt.lr, cfg.g_opt.decay) == (1e-4, 3e-8)
    assert cfg.loss.name == "non_saturating" and cfg.train.fakes_g_mode == "eval"


def test_overrides_are_typed():
    cfg = load_config(None, ["train.steps=2000", "d_opt.lr=1e-3", "model.g_output=tanh", "data.dir=/x"])
    assert cfg.train.steps == 2000 and cfg.d_opt.lr == 1e-3 and cfg.model.g_output == "tanh" and cfg.data.dir == "/x"


@pytest.mark.parametrize("override, message", [
    ("train.step=5", "unknown config key 'train.step' (did you mean 'steps'?)"),
    ("trian.steps=5", "unknown config section 'trian' (did you mean 'train'?)"),
    ("train.steps=many", "train.steps: expected int, got 'many'"),
    ("train.batch_size=0", "train.batch_size = 0 must be >= 1"),
    ("d_opt.rho=1.5", "d_opt.rho = 1.5 must be in [0, 1)"),
    ("loss.name=hinge_loss", "loss.name = 'hinge_loss' is not one of"),
    ("train.steps", "must look like section.key=value"),
])
def test_bad_overrides_name_the_key(override, message):
    with pytest.raises(ConfigError) as err:
        load_config(None, [override])
    assert message in str(err.value) and "\n" not in str(err.value)


def test_bad_files(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[train\nsteps = 1")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad)
    wrong_type = tmp_path / "wrong.toml"
    wrong_type.write_text('[train]\nsteps = "ten"\n')
    with pytest.raises(ConfigError, match="train.steps: expected int, got str"):
        load_config(wrong_type)


def test_resolved_toml_round_trips(tmp_path):
    cfg = load_config(None, ["train.steps=7", "model.padding=symmetric", "d_opt.decay=0"])
    path = tmp_path / "config.toml"
    path.write_text(to_toml(cfg))
    assert load_config(path) == cfg
    assert config_from_dict(to_dict(cfg)) == cfg
    assert Config() == load_config(None)


def test_stored_config_from_another_version_loads():
    """Checkpoints outlive versions: keys a newer or older gankit wrote are dropped, missing ones default."""
    tables = to_dict(Config())
    tables["health"]["retired_option"] = 0.2
    tables["future_section"] = {"x": 1}
    del tables["train"]["steps"]
    assert config_from_dict(tables) == Config()
