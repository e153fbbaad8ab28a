"""The report in a real browser (headless Chromium): no console errors, every image decodes, the
slider changes the grid. The full-page screenshot is kept as a test artifact.

In CI (CI=true) a missing Chromium fails this test; elsewhere it skips."""

import pytest

from gankit.report import write_report

from .browser import decode_all_images, full_page_screenshot, open_chromium, require_chromium


@pytest.fixture(scope="module")
def browser():
    require_chromium()
    driver = open_chromium()
    yield driver
    driver.quit()


def console_errors(driver) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def test_report_loads_decodes_and_slides(browser, tiny_run):
    page = write_report(tiny_run)
    browser.get(page.resolve().as_uri())
    assert browser.execute_script("return document.readyState") == "complete"
    assert console_errors(browser) == []

    decoded = decode_all_images(browser)
    assert len(decoded) == 11  # timelapse, slider grid, seven charts, latent walk, projection
    assert all(image["width"] > 0 for image in decoded), decoded

    grids = browser.execute_script("return JSON.parse(document.getElementById('grid-data').textContent)")
    shown = lambda: browser.execute_script("return document.getElementById('grid').src")  # noqa: E731
    assert shown() == grids[-1][1]  # the most trained grid first
    for index in (0, len(grids) // 2):
        browser.execute_script("const s = document.getElementById('slider'); s.value = arguments[0];"
                               "s.dispatchEvent(new Event('input'));", index)
        assert shown() == grids[index][1]
        assert browser.find_element("id", "grid-step").text == f"step {grids[index][0]:,}"
        width = browser.execute_async_script("const done = arguments[arguments.length - 1];"
                                             "const img = document.getElementById('grid');"
                                             "img.decode().then(() => done(img.naturalWidth), () => done(0));")
        assert width > 0
    assert grids[0][1] != grids[-1][1]  # the slider really shows another picture
    assert console_errors(browser) == []

    screenshot = full_page_screenshot(browser, tiny_run / "report-screenshot.png")
    print(f"report screenshot: {screenshot}")
    assert screenshot.stat().st_size > 10_000


def test_the_checks_catch_a_broken_page(browser, tmp_path):
    """The same checks on a page with a broken image and a script error: both are seen."""
    page = tmp_path / "broken.html"
    page.write_text('<!DOCTYPE html><img id="bad" src="data:image/png;base64,AAAA">'
                    "<script>undefinedFunction()</script>")
    browser.get(page.as_uri())
    assert any("undefinedFunction" in message for message in console_errors(browser))
    assert decode_all_images(browser) == [{"name": "bad", "width": 0}]


def test_missing_chromium_fails_in_ci_and_skips_elsewhere(monkeypatch, tmp_path):
    from . import browser as module

    monkeypatch.setattr(module, "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="apt-get install chromium chromium-driver"):
        require_chromium()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        require_chromium()
