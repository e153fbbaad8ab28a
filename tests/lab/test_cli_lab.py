"""`gankit lab` on the command line: its mistakes are one error line, exit code 2; `--open`
hands the tokened URL to the browser."""

import os
import shlex
import socket
import subprocess
import sys
import time
import urllib.request

from gankit.cli import main

from .conftest import REPO


def test_a_missing_lab_extra_is_named(monkeypatch, capsys):
    monkeypatch.delitem(sys.modules, "gankit.lab.serve", raising=False)
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # import uvicorn raises ImportError
    assert main(["lab"]) == 2
    assert "pip install 'gankit[lab]'" in capsys.readouterr().err


def test_a_busy_port_and_a_missing_run_folder_are_one_line_each(capsys, tmp_path):
    assert main(["lab", "--run", str(tmp_path / "nowhere")]) == 2
    assert "no such folder" in capsys.readouterr().err
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        assert main(["lab", "--port", str(busy.getsockname()[1])]) == 2
    assert "try --port 0" in capsys.readouterr().err


def test_open_hands_the_tokened_url_to_the_browser(tmp_path):
    """`--open` goes through Python's `webbrowser`, which runs the command in $BROWSER with the
    URL: here a script that writes its argument to a file. The URL it got is the printed one,
    token included, and it serves the page."""
    opened, browser = tmp_path / "opened.txt", tmp_path / "fake-browser"
    browser.write_text(f'#!/bin/sh\nprintf "%s" "$1" > {shlex.quote(f"{opened}.part")} && '
                       f'mv {shlex.quote(f"{opened}.part")} {shlex.quote(str(opened))}\n')
    browser.chmod(0o755)
    env = {**os.environ, "BROWSER": str(browser), "PYTHONPATH": str(REPO / "src")}
    process = subprocess.Popen([sys.executable, "-m", "gankit", "lab", "--open", "--port", "0"], cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        printed = process.stdout.readline().removeprefix("gankit lab: ").strip()
        deadline = time.monotonic() + 60
        while not opened.exists() and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
        assert opened.exists(), f"the browser was not opened; the lab said: {printed}"
        assert opened.read_text() == printed and "/?token=" in printed and len(printed.split("token=")[1]) >= 32
        with urllib.request.urlopen(printed, timeout=30) as page:
            assert page.status == 200 and "gankit lab" in page.read().decode()
    finally:
        process.terminate()
        process.wait(30)
