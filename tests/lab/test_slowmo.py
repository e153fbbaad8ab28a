"""Slow motion reads gankit's own step.py as it runs: each sub-step at its real line, the tensors
it made, the picture when it ends, and the same numbers as an untraced iteration."""

import inspect

import gankit.step
from gankit.lab.frames import FrameMaker
from gankit.lab.session import ToySession
from gankit.lab.settings import parse_settings
from gankit.lab.slowmo import record_iteration, substep_lines

ORDER = ["sample", "generate", "classify", "loss", "gradients", "update"]


def small(**fields):
    return parse_settings({"batch_size": "32", "g_hidden": "8", "d_hidden": "8", **fields})


def test_substeps_are_found_at_step_py_comments():
    lines = inspect.getsource(gankit.step).splitlines()
    starts = substep_lines()
    assert sorted(set(starts.values())) == sorted(ORDER)
    for number, name in starts.items():
        here, before = lines[number - 1], lines[number - 2]
        assert f"# {name}" in here or before.strip().startswith(f"# {name}"), (number, name)


def test_one_iteration_in_sub_steps_with_the_real_lines():
    toy = ToySession(small(k="2"))
    steps = record_iteration(toy, FrameMaker())
    assert [s.name for s in steps] == ORDER * 3
    assert [s.phase for s in steps] == ["D step 1 of 2"] * 6 + ["D step 2 of 2"] * 6 + ["G step"] * 6
    source = inspect.getsource(gankit.step).splitlines()
    for step in steps:
        assert step.code[0] == (step.line, source[step.line - 1].rstrip())
    d_loss = next(s for s in steps if s.name == "loss")
    assert "d_loss" in d_loss.values and d_loss.values["d_loss"] > 0
    assert set(steps[0].points) == {"real"} and set(steps[1].points) == {"fake"}
    assert "g_loss" in steps[-3].values
    assert toy.iterations == 1 and toy.d_steps == 2


def test_tracing_changes_no_number():
    traced, plain = ToySession(small(k="2")), ToySession(small(k="2"))
    record_iteration(traced, FrameMaker())
    plain.iteration()
    assert traced.fingerprints() == plain.fingerprints()
    assert traced.scalars == plain.scalars


def test_each_sub_step_shows_the_weights_as_they_are_when_it_ends():
    """Before D's update the surface is the one from before the iteration; D's update changes it
    and G's fakes stay; G's update moves the fakes and leaves the surface; the last picture is
    the one after the iteration."""
    toy, frames = ToySession(small(k="2")), FrameMaker()
    before = frames.picture(toy)
    steps = record_iteration(toy, frames)
    surfaces = [s.picture["surface"] for s in steps]
    fakes = [s.picture["fake"] for s in steps]
    first_d_update, second_d_update, g_update = [i for i, s in enumerate(steps) if s.name == "update"]
    assert steps[first_d_update - 1].name == "gradients" and steps[g_update].phase == "G step"
    assert all(surface == before["surface"] for surface in surfaces[:first_d_update])
    assert surfaces[first_d_update] != before["surface"]
    assert surfaces[first_d_update + 1] == surfaces[first_d_update]  # the next sub-step starts from there
    assert surfaces[second_d_update] != surfaces[second_d_update - 1]
    assert all(fake == before["fake"] for fake in fakes[:g_update])  # D's updates move no fake
    assert fakes[g_update] != fakes[g_update - 1] and surfaces[g_update] == surfaces[g_update - 1]
    assert steps[-1].picture == frames.picture(toy)
