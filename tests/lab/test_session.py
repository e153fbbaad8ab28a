"""The lab's toy: each button trains through gankit.step, and only the network it names changes."""

import pytest
import torch

import gankit.step
from gankit.errors import GankitError
from gankit.lab import session as session_module
from gankit.lab.data import PointsError, parse_points
from gankit.lab.frames import FrameMaker, js_divergence
from gankit.lab.session import ToySession, load_toy, save_toy
from gankit.lab.settings import LabSettings, SettingsError, parse_settings, settings_query


def small(**fields) -> LabSettings:
    return parse_settings({"batch_size": "32", "g_hidden": "8", "d_hidden": "8", **fields})


def test_d_step_changes_only_d_and_g_step_only_g():
    toy = ToySession(small())
    before = toy.fingerprints()
    toy.d_step()
    after_d = toy.fingerprints()
    assert after_d["discriminator"] != before["discriminator"]
    assert after_d["generator"] == before["generator"]
    toy.g_step()
    after_g = toy.fingerprints()
    assert after_g["generator"] != after_d["generator"]
    assert after_g["discriminator"] == after_d["discriminator"]
    assert (toy.d_steps, toy.g_steps, toy.iterations) == (1, 1, 0)


def test_an_iteration_goes_through_gankit_step_train_step(monkeypatch):
    calls = []
    real_train_step = gankit.step.train_step

    def spy(gan, **kwargs):
        calls.append(kwargs["options"].d_steps)
        return real_train_step(gan, **kwargs)

    monkeypatch.setattr(session_module, "train_step", spy)
    toy = ToySession(small(k="3"))
    toy.iteration()
    toy.run_for(0.0)
    assert calls == [3, 3]
    assert (toy.iterations, toy.d_steps, toy.g_steps) == (2, 6, 2)


def test_settings_change_in_place_or_rebuild():
    toy = ToySession(small())
    toy.iteration()
    weights = toy.fingerprints()
    assert toy.apply(small(loss="hinge", d_lr="0.01", k="2")) is False  # same networks, new step options
    assert toy.fingerprints() == weights and toy.options.d_steps == 2 and toy.iterations == 1
    assert toy.gan.d_opt.param_groups[0]["lr"] == 0.01
    toy.iteration()  # the schedule keeps the new learning rate
    assert toy.gan.d_opt.param_groups[0]["lr"] == 0.01
    assert toy.apply(small(loss="hinge", g_hidden="16")) is True  # a new shape: new networks
    assert toy.iterations == 0 and toy.gan.generator.net[0].out_features == 16


@pytest.mark.parametrize("query, message", [
    ({"loss": "magic"}, "loss='magic' is not one of non_saturating"),
    ({"k": "two"}, "k='two' is not an integer"),
    ({"d_lr": "nan"}, "outside"),
    ({"z_dim": "99"}, "z_dim='99' is outside [1, 16]"),
    ({"colour": "red"}, "unknown setting 'colour'"),
])
def test_bad_settings_say_which_and_why(query, message):
    with pytest.raises(SettingsError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_settings(query)


def test_settings_round_trip_through_the_url():
    settings = parse_settings({"loss": "wasserstein", "penalty": "wgan_gp", "k": "5", "z_dist": "uniform"})
    assert parse_settings(settings_query(settings)) == settings
    assert settings_query(LabSettings()) == {}


@pytest.mark.parametrize("text, message", [
    ("x,y\n1,2\nthree,4\n", "line 3: expected two numbers"),
    ("1,2,3\n4,5,6\n7,8,9\n", "line 2: expected two numbers"),
    ("", "holds no points"),
    ("1,2\n", "at least 2 points"),
    ("1,2\ninf,3\n", "finite"),
    ("0,0\n" * 6000, "at most 5000 points"),
])
def test_bad_csv_gets_one_clear_message(text, message):
    with pytest.raises(PointsError, match=message):
        parse_points(text)


def test_csv_with_header_and_comments_parses():
    points = parse_points("x,y\n# a comment\n1,2\n\n3.5, -4\n")
    torch.testing.assert_close(points, torch.tensor([[1.0, 2.0], [3.5, -4.0]]))


def test_training_on_custom_points():
    points = parse_points("\n".join(f"{x},{x * 0.5}" for x in range(-5, 6)))
    toy = ToySession(small(data="custom"), points)
    toy.iteration()
    real, _ = toy.next_real()
    assert real.shape == (32, 2) and real[:, 0].abs().max() < 6.5
    with pytest.raises(GankitError, match="needs points"):
        ToySession(small(data="custom"))


def test_save_and_load_reproduce_the_toy():
    toy = ToySession(small(loss="least_squares", data="line"))
    for _ in range(3):
        toy.iteration()
    loaded = load_toy(save_toy(toy))
    assert loaded.fingerprints() == toy.fingerprints()
    assert loaded.settings == toy.settings and loaded.iterations == 3
    with pytest.raises(GankitError, match="not a safetensors file"):
        load_toy(b"not a toy at all")


def test_frame_is_small_and_measures_the_gap():
    toy = ToySession(small())
    frame = FrameMaker().frame(toy)
    import json
    assert len(json.dumps(frame)) < 8000
    assert frame["surface"]["res"] ** 2 == len(__import__("base64").b64decode(frame["surface"]["bytes"]))
    same = torch.randn(500, 2)
    assert js_divergence(same, same, extent=3.0) == pytest.approx(0.0, abs=1e-9)
    assert js_divergence(same - 10, same + 10, extent=30.0) == pytest.approx(1.0, abs=1e-9)


@pytest.mark.parametrize("loss", sorted(__import__("gankit.losses", fromlist=["LOSSES"]).LOSSES))
@pytest.mark.parametrize("penalty", ["none", "wgan_gp", "r1"])
def test_every_loss_and_penalty_trains_and_draws(loss, penalty):
    toy = ToySession(small(loss=loss, penalty=penalty, z_dim="1", z_dist="uniform", data="disjoint"))
    toy.iteration()
    frame = FrameMaker().frame(toy)
    expected = "d_real" if frame["d_output"] == "probability" else "d_real_score"
    assert expected in frame["scalars"] and frame["manifold_side"] == 1
    assert frame["surface"]["high"] >= frame["surface"]["low"]


def test_a_diverged_toy_still_makes_a_frame():
    toy = ToySession(small())
    with torch.no_grad():
        for parameter in toy.gan.generator.parameters():
            parameter.fill_(float("nan"))
    frame = FrameMaker().frame(toy)
    assert frame["scalars"]["js"] == 1.0 and "coverage" in frame["scalars"]
    import json
    json.dumps(frame, allow_nan=False)  # the page gets valid JSON
