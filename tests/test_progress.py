"""The console views of a run (`train.progress`): a tqdm bar, plain lines, or quiet."""

import pytest

from gankit.config import load_config
from gankit.progress import PROGRESS, BarConsole, LogConsole, QuietConsole, duration, interval_line
from gankit.session import open_session
from gankit.trainer import train

RECORD = {"step": 200, "images_seen": 12800, "steps_per_s": 2.5, "d_loss": 0.693147, "g_loss": 1.25,
          "d_real": 0.5, "d_fake": 0.25}


def make(console, lines, **options):
    return console(log=lines.append, **{"start": 0, "total": 400, "images_per_step": 64, **options})


def test_interval_line_keeps_the_log_format_and_says_the_time_left():
    assert interval_line(RECORD, 400) == ("step 200/400  2.50 it/s  eta 1m20s  d_loss 0.6931  g_loss 1.2500  "
                                          "D(x) 0.500  D(G(z)) 0.250")
    assert "eta" not in interval_line(RECORD, 200)  # the last line: nothing left


@pytest.mark.parametrize("seconds, text", [(0.4, "0s"), (59, "59s"), (61, "1m01s"), (3600 * 2 + 180, "2h03m")])
def test_durations_read_as_a_person_says_them(seconds, text):
    assert duration(seconds) == text


def test_a_non_logistic_loss_shows_d_scores():
    scores = {**{k: v for k, v in RECORD.items() if k not in ("d_real", "d_fake")},
              "d_real_score": 3.2, "d_fake_score": -1.75}
    assert interval_line(scores, 400).endswith("g_loss 1.2500  D real 3.200  fake -1.750")


def test_log_console_prints_intervals_and_messages_quiet_only_messages():
    loud, quiet = [], []
    for console, lines in ((make(LogConsole, loud), loud), (make(QuietConsole, quiet), quiet)):
        console.progress(200)
        console.scalars(RECORD)
        console.message("ALARM something")
        console.close()
    assert loud == [interval_line(RECORD, 400), "ALARM something"]
    assert quiet == ["ALARM something"]


def test_bar_shows_step_images_per_second_losses_and_d_outputs(capsys):
    lines = []
    console = make(BarConsole, lines, start=100)
    assert console.bar.n == 100  # a resumed run's bar starts where it left off
    for step in range(101, 201):
        console.progress(step)
    console.scalars(RECORD)
    console.message("ALARM something")
    console.progress(150)  # a roll-back moves the bar back
    assert console.bar.n == 150
    console.progress(200)
    console.close()
    shown = capsys.readouterr().err.replace("\r", "\n").splitlines()[-1]
    assert "200/400" in shown
    assert "160 img/s" in shown  # 2.5 steps/s x 64 images per step
    assert "d_loss 0.693" in shown and "g_loss 1.250" in shown and "D(x) 0.50" in shown and "D(G(z)) 0.25" in shown
    assert lines == ["ALARM something"]


def test_auto_is_plain_lines_when_stderr_is_not_a_terminal():
    assert isinstance(make(PROGRESS["auto"], []), LogConsole)  # pytest captures stderr: not a terminal


@pytest.mark.parametrize("mode", ["bar", "log", "off"])
def test_training_prints_what_the_mode_asks(mode, tiny_mnist, tmp_path, capsys):
    cfg = load_config(None, [f"data.dir={tiny_mnist}", f"train.runs_dir={tmp_path / 'runs'}", "train.steps=4",
                             "train.batch_size=8", "model.width=0.25", "train.threads=1", "train.log_every=2",
                             f"train.progress={mode}"])
    lines = []
    train(open_session(cfg, config_name="progress"), log=lines.append)
    err = capsys.readouterr().err
    stats_lines = [line for line in lines if line.startswith("step ")]
    assert len(stats_lines) == (2 if mode == "log" else 0)
    assert ("4/4" in err and "img/s" in err) == (mode == "bar")
