"""`gankit lab` on the command line: its mistakes are one error line, exit code 2."""

import socket
import sys

from gankit.cli import main


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
