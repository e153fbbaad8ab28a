"""The lab's server without a browser: the token, the Origin, static paths, uploads, bad messages."""

import http.client
import json

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from gankit.lab.live import LiveToy
from gankit.lab.point_links import MAX_LINK_POINTS
from gankit.lab.server import make_app
from gankit.lab.session import ToySession
from gankit.lab.settings import parse_settings

TOKEN = "test-token"


@pytest.fixture
def client():
    toy = LiveToy(ToySession(parse_settings({"batch_size": "16", "g_hidden": "8", "d_hidden": "8"})))
    with TestClient(make_app(toy, token=TOKEN), base_url="http://testserver") as client:
        yield client


def test_every_request_needs_the_token(client):
    assert client.get("/").status_code == 403
    assert client.get("/static/toy.js").status_code == 403
    assert client.get("/api/weights", params={"token": "wrong"}).status_code == 403
    page = client.get("/", params={"token": TOKEN})
    assert page.status_code == 200 and "gankit lab" in page.text
    assert client.get("/static/toy.js").status_code == 200  # the page's cookie now carries the token
    assert client.get("/api/weights", headers={"X-Lab-Token": TOKEN}).status_code == 200


def test_a_socket_without_the_token_or_from_a_foreign_origin_is_refused(client):
    with pytest.raises(WebSocketDisconnect):
        with client.websocket_connect("/ws"):
            pass
    with pytest.raises(WebSocketDisconnect):
        with client.websocket_connect(f"/ws?token={TOKEN}", headers={"Origin": "http://evil.example"}):
            pass
    with client.websocket_connect(f"/ws?token={TOKEN}", headers={"Origin": "http://testserver"}) as socket:
        socket.send_text(json.dumps({"type": "hello"}))
        assert socket.receive_json()["type"] == "status"
        assert socket.receive_json()["type"] == "frame"


def test_a_post_from_a_foreign_origin_is_refused(client):
    response = client.post("/api/points", content="1,2\n3,4\n",
                           headers={"X-Lab-Token": TOKEN, "Origin": "http://evil.example"})
    assert response.status_code == 403


def test_malformed_messages_get_an_error_and_the_socket_goes_on(client):
    with client.websocket_connect(f"/ws?token={TOKEN}") as socket:
        for bad in ("not json", "[1, 2]", '{"type": "explode"}', '{"type": "settings", "settings": {"k": "-1"}}',
                    '{"type": "points", "points": "everywhere"}', '{"type": "points", "points": [[1]]}'):
            socket.send_text(bad)
            reply = socket.receive_json()
            assert reply["type"] == "error" and reply["message"], bad
        socket.send_text(json.dumps({"type": "d_step"}))
        assert socket.receive_json()["type"] == "frame"


def test_one_d_step_through_the_socket_changes_only_d(client):
    weights = lambda: client.get("/api/weights", params={"token": TOKEN}).json()  # noqa: E731
    before = weights()
    with client.websocket_connect(f"/ws?token={TOKEN}") as socket:
        socket.send_text(json.dumps({"type": "d_step"}))
        socket.receive_json()
    after = weights()
    assert after["discriminator"] != before["discriminator"] and after["generator"] == before["generator"]
    assert after["d_steps"] == 1


def test_slow_motion_sends_each_sub_steps_picture(client):
    """The surface sent with the sub-step before D's update is the one from before the
    iteration; the one sent with the update is D's new one; the walk ends on the frame after."""
    with client.websocket_connect(f"/ws?token={TOKEN}") as socket:
        socket.send_text(json.dumps({"type": "hello"}))
        assert socket.receive_json()["type"] == "status"
        before = socket.receive_json()
        socket.send_text(json.dumps({"type": "slow_start"}))
        sent = [socket.receive_json()]
        while sent[-1]["index"] + 1 < sent[-1]["count"]:
            socket.send_text(json.dumps({"type": "slow_next"}))
            sent.append(socket.receive_json())
        socket.send_text(json.dumps({"type": "slow_next"}))
        assert socket.receive_json()["type"] == "slow_done"
        after = socket.receive_json()
    names = [(m["phase"], m["name"]) for m in sent]
    d_update, g_update = names.index(("D step 1 of 1", "update")), names.index(("G step", "update"))
    assert names[d_update - 1] == ("D step 1 of 1", "gradients")
    assert sent[d_update - 1]["picture"]["surface"] == before["surface"]
    assert sent[d_update]["picture"]["surface"] != before["surface"]
    assert sent[g_update - 1]["picture"]["fake"] == before["fake"] != sent[g_update]["picture"]["fake"]
    assert {k: after[k] for k in sent[-1]["picture"]} == sent[-1]["picture"]


def test_csv_upload_is_validated_and_size_limited(client):
    headers = {"X-Lab-Token": TOKEN}
    bad = client.post("/api/points", content="x,y\n1,2\noops\n", headers=headers)
    assert bad.status_code == 400 and "line 3" in bad.json()["error"]
    huge = client.post("/api/points", content="1,2\n" * 100_000, headers=headers)
    assert huge.status_code == 400 and "larger than" in huge.json()["error"]
    good = client.post("/api/points", content="1,2\n3,4\n-1,0\n", headers=headers)
    assert good.status_code == 200 and good.json() == {"points": 3}
    assert client.get("/api/weights", headers=headers).json()["settings"]["data"] == "custom"


def test_points_travel_in_the_status_and_come_back_from_a_link(client):
    """A CSV's points come back as the status's `points_link`; another upload replaces them; the
    link's value in a settings message puts the first points back, exactly, and trains on them."""
    headers = {"X-Lab-Token": TOKEN}
    with client.websocket_connect(f"/ws?token={TOKEN}") as socket:
        client.post("/api/points", content="0.5,1\n-1.25,2\n3,-0.1\n", headers=headers)
        status = socket.receive_json()
        link = status["points_link"]
        assert status["custom_points"] == 3 and link and status["max_link_points"] == MAX_LINK_POINTS
        assert socket.receive_json()["type"] == "frame"
        many = "\n".join(f"{i / 100},{-i / 100}" for i in range(MAX_LINK_POINTS + 1))
        client.post("/api/points", content=many, headers=headers)
        status = socket.receive_json()
        assert status["custom_points"] == MAX_LINK_POINTS + 1 and status["points_link"] is None
        assert socket.receive_json()["type"] == "frame"
        socket.send_text(json.dumps({"type": "settings", "settings": {"data": "custom"}, "points_link": link}))
        status = socket.receive_json()
        assert status["custom_points"] == 3 and status["points_link"] == link
        assert status["settings"] == {"data": "custom"}
        assert socket.receive_json()["type"] == "frame"
        socket.send_text(json.dumps({"type": "settings", "settings": {}, "points_link": "garbage"}))
        assert "garbled" in socket.receive_json()["message"]
    assert client.get("/api/weights", headers=headers).json()["settings"] == {"data": "custom"}


def test_save_and_load_through_the_server(client):
    headers = {"X-Lab-Token": TOKEN}
    blob = client.get("/api/save", headers=headers).content
    assert client.post("/api/load", content=blob, headers=headers).status_code == 200
    bad = client.post("/api/load", content=b"garbage", headers=headers)
    assert bad.status_code == 400 and "safetensors" in bad.json()["error"]


def test_static_files_cannot_escape_the_package(client):
    """`../` sent raw (httpx would normalise it away), over a real socket via the app in a server."""
    import threading

    import uvicorn

    config = uvicorn.Config(client.app, host="127.0.0.1", port=0, log_level="error", lifespan="off")
    server = uvicorn.Server(config)
    import socket as sockets

    listener = sockets.socket()
    listener.bind(("127.0.0.1", 0))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    try:
        while not server.started:
            thread.join(0.05)
        port = listener.getsockname()[1]
        for path in ("/static/../server.py", "/static/%2e%2e/server.py", "/static/..%2fserver.py"):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("GET", f"{path}?token={TOKEN}")
            assert connection.getresponse().status == 404, path
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", f"/static/lab.css?token={TOKEN}")
        assert connection.getresponse().status == 200
    finally:
        server.should_exit = True
        thread.join(10)


def test_following_a_run_through_the_api_checks_its_input(client, tmp_path):
    headers = {"X-Lab-Token": TOKEN}
    assert client.post("/api/runs", content="{not json", headers=headers).json()["error"].startswith("expected JSON")
    assert "larger than" in client.post("/api/runs", content="x" * 10_000, headers=headers).json()["error"]
    assert "no such folder" in client.post("/api/runs", json={"path": str(tmp_path / "none")}, headers=headers).json()["error"]
    (tmp_path / "samples").mkdir()
    (tmp_path / "samples" / "step-000000004.png").write_bytes(b"\x89PNG")
    (tmp_path / "stats.jsonl").write_text('{"step": 4, "d_loss": 1.0}\n')
    assert client.post("/api/runs", json={"path": str(tmp_path)}, headers=headers).json() == {"index": 0}
    state = client.get("/api/runs/0", params={"stats_from": 0}, headers=headers).json()
    assert state["stats"] == [{"step": 4, "d_loss": 1.0}] and state["grid_step"] == 4
    assert client.get("/api/runs/0/grid", params={"step": 4}, headers=headers).status_code == 200
    assert client.get("/api/runs/0/grid", params={"step": "../x"}, headers=headers).status_code == 404
    assert client.get("/api/runs/7", headers=headers).status_code == 404
    assert client.get("/api/runs/0", params={"stats_from": "many"}, headers=headers).status_code == 400


def test_the_page_loads_nothing_from_the_internet():
    from gankit.lab.server import STATIC

    for path in STATIC.iterdir():
        text = path.read_text()
        for pattern in ('src="http', "src='http", 'href="http', "url(http", "import(", "//cdn", "fonts.googleapis"):
            assert pattern not in text, (path.name, pattern)


def test_a_binary_frame_closes_that_socket_only(client):
    with client.websocket_connect(f"/ws?token={TOKEN}") as socket:
        socket.send_bytes(b"\x00\x01")
    with client.websocket_connect(f"/ws?token={TOKEN}") as socket:
        socket.send_text(json.dumps({"type": "iteration"}))
        assert socket.receive_json()["type"] == "frame"
