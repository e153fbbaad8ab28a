"""The lab in headless Chromium against a real `gankit lab` process: play changes D's surface,
each step button changes only its network (checked through the server), slow motion redraws the
picture per sub-step, drawing and uploading points, drawn points carried by the page's URL,
switching the loss mid-run, following a run folder; and the server refuses requests without the
token, sockets from a foreign Origin, and `../` in static paths.

In CI (CI=true) a missing Chromium fails these tests; elsewhere they skip. With
GANKIT_WRITE_SCREENSHOTS=1 the screenshots go to docs/img/lab-*.png (for the docs), else to a
temporary folder (and $GANKIT_TEST_ARTIFACTS where set)."""

import http.client
import json
import os
import re
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.support.ui import Select

from tests.report.browser import full_page_screenshot

from .conftest import append_jsonl, write_grid

DOCS_IMG = Path(__file__).parents[2] / "docs" / "img"


def wait_for(condition, what: str, seconds: float = 60.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def server_json(url: str, path: str) -> dict:
    parts = urlsplit(url)
    token = parts.query.split("token=")[1]
    request = urllib.request.Request(f"{parts.scheme}://{parts.netloc}{path}", headers={"X-Lab-Token": token})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def screenshot(driver, name: str, tmp_path: Path) -> Path:
    folder = DOCS_IMG if os.environ.get("GANKIT_WRITE_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    driver.set_window_size(1400, 1000)
    driver.execute_script("window.scrollTo(0, 0)")
    path = full_page_screenshot(driver, folder / f"lab-{name}.png")
    assert path.stat().st_size > 10_000
    return path


def frames(driver) -> int:
    return driver.execute_script("return window.lab.frames")


def surface(driver) -> str:
    return driver.execute_script("return window.lab.frame && window.lab.frame.surface.bytes")


def page_errors(driver) -> list[str]:
    return driver.execute_script("return window.lab.errors")


@pytest.fixture(scope="module")
def page(browser, lab_url):
    browser.get(lab_url)
    wait_for(lambda: frames(browser) > 0, "the first frame")
    return browser


def click(driver, element_id: str) -> None:
    driver.find_element("id", element_id).click()


def test_play_changes_ds_surface_then_pause(page):
    before, count = surface(page), frames(page)
    click(page, "play")
    wait_for(lambda: frames(page) > count + 5 and surface(page) != before, "play to change D's surface")
    click(page, "play")  # now "pause"
    wait_for(lambda: not page.execute_script("return window.lab.status.playing"), "pause")
    assert page_errors(page) == []


def test_one_d_step_changes_only_d_and_one_g_step_only_g(page, lab_url):
    before = server_json(lab_url, "/api/weights")
    click(page, "d-step")
    after_d = wait_for(lambda: (w := server_json(lab_url, "/api/weights"))["d_steps"] > before["d_steps"] and w,
                       "a D step")
    assert after_d["discriminator"] != before["discriminator"] and after_d["generator"] == before["generator"]
    click(page, "g-step")
    after_g = wait_for(lambda: (w := server_json(lab_url, "/api/weights"))["g_steps"] > after_d["g_steps"] and w,
                       "a G step")
    assert after_g["generator"] != after_d["generator"] and after_g["discriminator"] == after_d["discriminator"]
    click(page, "iteration")
    wait_for(lambda: server_json(lab_url, "/api/weights")["iterations"] == before["iterations"] + 1, "an iteration")


def test_switch_the_loss_mid_run(page, lab_url, tmp_path):
    click(page, "play")
    Select(page.find_element("id", "set-loss")).select_by_value("hinge")
    # another test may have left a critic loss on: wait for the server to take hinge, not just any critic frame
    wait_for(lambda: server_json(lab_url, "/api/weights")["settings"].get("loss") == "hinge", "the server on hinge")
    wait_for(lambda: page.execute_script("return window.lab.frame.d_output") == "critic", "a critic frame")
    assert "loss=hinge" in page.current_url  # the setup is in the URL
    playing_frames = frames(page)
    wait_for(lambda: frames(page) > playing_frames + 3, "training to go on after the switch")
    screenshot(page, "toy", tmp_path)
    click(page, "play")
    wait_for(lambda: not page.execute_script("return window.lab.status.playing"), "pause")
    Select(page.find_element("id", "set-loss")).select_by_value("non_saturating")
    wait_for(lambda: page.execute_script("return window.lab.frame.d_output") == "probability", "a logistic frame")


def canvas_pixels(driver) -> str:
    return driver.execute_script(
        "return Array.from(document.getElementById('canvas').getContext('2d').getImageData(0, 0, 480, 480).data"
        ".filter((_, i) => i % 4000 === 0)).join()")


def test_slow_motion_walks_an_iteration_next_to_step_py(page, lab_url, tmp_path):
    """Each sub-step beside its lines of step.py, the picture redrawn as it stands at the end of
    each: D's update changes the surface the page draws."""
    before, surface_before = server_json(lab_url, "/api/weights")["iterations"], surface(page)
    click(page, "slow")
    wait_for(lambda: page.find_element("id", "slowmo").is_displayed(), "the slow-motion panel")
    seen, surfaces, pixels = [], {}, {}
    for _ in range(40):
        title = page.find_element("id", "slow-title").text
        if not seen or seen[-1][0] != title:
            seen.append((title, page.find_element("id", "slow-code").text))
            surfaces[title] = page.execute_script("return window.lab.slow.picture.surface.bytes")
            pixels[title] = canvas_pixels(page)
            if title == "D step 1 of 1: generate":
                assert page.execute_script("return Object.keys(window.lab.slow.points)") == ["fake"]
                screenshot(page, "slowmo", tmp_path)
            if title == "G step: update":
                break
            click(page, "slow-next")
        time.sleep(0.1)
    names = [title for title, _ in seen]
    assert names[:2] == ["D step 1 of 1: sample", "D step 1 of 1: generate"] and names[-1] == "G step: update"
    assert len(names) == 12
    assert "gankit/step.py:" in seen[0][1] and "next_real()" in seen[0][1]
    assert any("gan.d_opt.step()" in code for _, code in seen)
    assert surfaces["D step 1 of 1: gradients"] == surface_before != surfaces["D step 1 of 1: update"]
    assert pixels["D step 1 of 1: gradients"] != pixels["D step 1 of 1: update"]
    assert server_json(lab_url, "/api/weights")["iterations"] == before + 1
    click(page, "slow-next")  # past the last sub-step: slow motion ends with the frame after the iteration
    wait_for(lambda: not page.find_element("id", "slowmo").is_displayed(), "the end of slow motion")


def test_draw_points_and_train_on_them(page, lab_url):
    click(page, "draw")
    canvas = page.find_element("id", "canvas")
    actions = ActionChains(page).move_to_element_with_offset(canvas, -100, -100).click_and_hold()
    for step in range(20):
        actions.move_by_offset(10, 5)
    actions.release().perform()
    drawn = page.execute_script("return window.lab.drawn.length")
    assert drawn >= 20
    click(page, "draw-train")
    wait_for(lambda: server_json(lab_url, "/api/weights")["settings"].get("data") == "custom", "data=custom")
    wait_for(lambda: page.execute_script("return window.lab.status.custom_points") == drawn, "the drawn points")
    before = server_json(lab_url, "/api/weights")["iterations"]
    click(page, "iteration")
    wait_for(lambda: server_json(lab_url, "/api/weights")["iterations"] == before + 1, "an iteration on the drawing")
    click(page, "draw")
    Select(page.find_element("id", "set-data")).select_by_value("ring")
    wait_for(lambda: server_json(lab_url, "/api/weights")["settings"].get("data") is None, "back to the ring")


def draw_a_stroke(driver) -> int:
    """Drag across the picture in drawing mode; returns how many points the page now holds."""
    if driver.find_element("id", "draw-clear").is_enabled():
        click(driver, "draw-clear")
    click(driver, "draw")
    actions = ActionChains(driver).move_to_element_with_offset(driver.find_element("id", "canvas"), -60, 80)
    actions.click_and_hold()
    for _ in range(15):
        actions.move_by_offset(8, -6)
    actions.release().perform()
    click(driver, "draw")  # drawing off
    return driver.execute_script("return window.lab.drawn.length")


def test_drawn_points_are_in_the_link_and_a_fresh_page_trains_on_them(page, lab_url, tmp_path):
    """The drawn points go into the URL. The server then gets other points, too many for a link
    (the page says so, and the URL drops them); the first URL, opened in a fresh tab, puts the
    drawn points back on the server, exactly (its `points_link` is the link's), and trains on them."""
    drawn = draw_a_stroke(page)
    assert drawn >= 15
    click(page, "draw-train")
    wait_for(lambda: page.execute_script("return window.lab.status.custom_points") == drawn
             and "points=" in page.current_url, "the drawing in the URL")
    url = page.current_url
    link = parse_qs(urlsplit(url).query)["points"][0]
    assert link == page.execute_script("return window.lab.status.points_link")
    assert parse_qs(urlsplit(page.find_element("id", "link").get_attribute("href")).query)["points"] == [link]
    assert not page.find_element("id", "link-note").is_displayed()
    many = tmp_path / "many.csv"
    many.write_text("\n".join(f"{i / 400:.4f},{(i % 37) / 10:.1f}" for i in range(1200)))
    page.find_element("id", "csv").send_keys(str(many))
    note = page.find_element("id", "link-note")
    wait_for(note.is_displayed, "the too-many note")
    assert "1200 points are too many for a link (at most 1000)" in note.text and "save the toy" in note.text
    assert "points=" not in page.current_url and "data=custom" in page.current_url
    original = page.current_window_handle
    page.switch_to.new_window("tab")
    try:
        page.get(url)
        wait_for(lambda: page.execute_script("return window.lab.frames > 0 && window.lab.status.custom_points")
                 == drawn, "the link's points on the server")
        assert page.execute_script("return window.lab.status.points_link") == link
        weights = server_json(lab_url, "/api/weights")
        assert weights["settings"]["data"] == "custom"
        click(page, "iteration")
        wait_for(lambda: server_json(lab_url, "/api/weights")["iterations"] == weights["iterations"] + 1,
                 "an iteration on the link's points")
        assert page_errors(page) == []
    finally:
        page.close()
        page.switch_to.window(original)
    Select(page.find_element("id", "set-data")).select_by_value("ring")
    wait_for(lambda: server_json(lab_url, "/api/weights")["settings"].get("data") is None, "back to the ring")


def test_a_bad_csv_shows_its_error_in_the_page(page, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("x,y\n1,2\nnot a point\n")
    page.find_element("id", "csv").send_keys(str(bad))
    wait_for(lambda: page.find_element("id", "error").is_displayed(), "the error")
    assert "line 3" in page.find_element("id", "error").text
    count = frames(page)
    click(page, "iteration")  # the server is still there
    wait_for(lambda: frames(page) > count, "a frame after the bad CSV")


def test_follow_a_run_folder_grid_curves_alarm(page, run_folder, tmp_path):
    page.find_element("id", "tab-runs").click()
    card = wait_for(lambda: page.find_elements("id", "run-0"), "the run's card")[0]
    wait_for(lambda: "grid of step 6" in card.text, "the grid")
    assert "discriminator_wins" in card.text and "fid 42.5" in card.text
    width = page.execute_async_script("const done = arguments[arguments.length - 1];"
                                      "const img = document.querySelector('#run-0 img');"
                                      "img.decode().then(() => done(img.naturalWidth), () => done(0));")
    assert width == 56
    append_jsonl(run_folder / "stats.jsonl", [{"step": 8, "d_loss": 1.3, "g_loss": 0.8, "d_real": 0.55, "d_fake": 0.45}])
    write_grid(run_folder, 8, 200)
    wait_for(lambda: "grid of step 8" in card.text, "the new grid, live")
    assert page.execute_script("return window.labRuns.followed[0].stats.length") == 4
    page.find_element("id", "tab-toy").click()


def test_start_a_fast_preset_run_and_watch_it(page, tmp_path):
    """A real `gankit train` process (the fast preset on tiny data, 6 steps), followed live and
    compared with the other run on one chart."""
    page.find_element("id", "tab-runs").click()
    click(page, "start-run")
    card = wait_for(lambda: page.find_elements("id", "run-1"), "the started run's card", 120)[0]
    wait_for(lambda: "exited with code 0" in card.text, "the run to finish", 240)
    wait_for(lambda: "grid of step 6" in card.text, "its last grid")
    stats = page.execute_script("return window.labRuns.followed.map(r => r.stats.length)")
    assert stats[0] >= 3 and stats[1] >= 3, stats
    assert re.search(r"\d{5}-fast\b", card.text), card.text  # the run folder, named for its preset
    screenshot(page, "runs", tmp_path)
    page.find_element("id", "tab-toy").click()


def test_a_link_reproduces_a_setup_and_layers_toggle(page, lab_url):
    page.get(lab_url + "&loss=wasserstein&k=2&data=grid")
    wait_for(lambda: server_json(lab_url, "/api/weights")["settings"] == {"loss": "wasserstein", "k": "2", "data": "grid"},
             "the link's settings on the server")
    wait_for(lambda: page.execute_script("return window.lab.frame && window.lab.frame.d_output") == "critic", "a frame")
    assert page.find_element("id", "set-k").get_attribute("value") == "2"
    with_surface = canvas_pixels(page)
    page.find_element("css selector", "input[data-layer=surface]").click()
    assert page.execute_script("return window.lab.layers.surface") is False
    assert canvas_pixels(page) != with_surface
    page.find_element("css selector", "input[data-layer=surface]").click()
    assert page_errors(page) == []


def test_a_change_that_needs_new_networks_says_so_and_a_saved_toy_loads(page, lab_url, tmp_path):
    field = page.find_element("id", "set-g_hidden")
    field.clear()
    field.send_keys("16\n")  # Enter applies the settings (and does not reload the page)
    wait_for(lambda: "new networks" in page.find_element("id", "notice").text, "the new-networks notice")
    assert server_json(lab_url, "/api/weights")["iterations"] == 0
    click(page, "iteration")
    wait_for(lambda: server_json(lab_url, "/api/weights")["iterations"] == 1, "an iteration")
    parts = urlsplit(lab_url)
    request = urllib.request.Request(f"{parts.scheme}://{parts.netloc}/api/save",
                                     headers={"X-Lab-Token": parts.query.split("token=")[1]})
    saved = tmp_path / "toy.safetensors"
    saved.write_bytes(urllib.request.urlopen(request, timeout=30).read())
    click(page, "reset")
    wait_for(lambda: server_json(lab_url, "/api/weights")["iterations"] == 0, "the reset")
    page.find_element("id", "load").send_keys(str(saved))
    wait_for(lambda: "loaded a toy trained for 1 iterations" in page.find_element("id", "notice").text, "the load")
    assert server_json(lab_url, "/api/weights")["settings"]["g_hidden"] == "16"
    garbage = tmp_path / "garbage.safetensors"
    garbage.write_bytes(b"\x00" * 100)
    page.find_element("id", "load").send_keys(str(garbage))
    wait_for(lambda: "load: " in page.find_element("id", "error").text, "the load error")


def test_no_token_403_foreign_origin_refused_and_no_escape(lab_url):
    parts = urlsplit(lab_url)
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{parts.scheme}://{parts.netloc}/api/weights", timeout=30)
    assert refused.value.code == 403
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    token = parts.query.split("token=")[1]
    with pytest.raises(InvalidStatus) as foreign:
        connect(f"ws://{parts.netloc}/ws?token={token}", origin="http://evil.example", open_timeout=30)
    assert foreign.value.response.status_code == 403
    with connect(f"ws://{parts.netloc}/ws?token={token}", origin=f"http://{parts.netloc}", open_timeout=30) as ok:
        ok.send('{"type": "nonsense"}')
        assert json.loads(ok.recv(timeout=30))["type"] == "error"
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    connection.request("GET", f"/static/../server.py?token={token}")
    assert connection.getresponse().status == 404
