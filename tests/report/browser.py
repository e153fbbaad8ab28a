"""Headless Chromium for the report tests: Debian's `chromium` and `chromium-driver` (installed
by .ci/run), driven with selenium, which is pointed at them so it downloads nothing."""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


def require_chromium() -> None:
    """Fail in CI, skip elsewhere, where Chromium, its driver or selenium is missing."""
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("selenium (pip install -e '.[test]')")
    if missing:
        message = f"missing {', '.join(missing)}: apt-get install chromium chromium-driver (.ci/run does)"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)


def open_chromium(width: int = 1200, height: int = 900):
    """A headless Chromium that keeps the page's console messages (`driver.get_log("browser")`)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     f"--window-size={width},{height}", "--hide-scrollbars"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)


def decode_all_images(driver) -> list[dict]:
    """For every <img> on the page: its id or alt, and its natural width once `decode()` has
    settled (0 where it failed)."""
    return driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        Promise.all([...document.images].map(img => img.decode().then(
            () => ({name: img.id || img.alt, width: img.naturalWidth}),
            () => ({name: img.id || img.alt, width: 0})))).then(done);
    """)


def full_page_screenshot(driver, path: Path) -> Path:
    """The whole page as a PNG at `path`, and a copy in $GANKIT_TEST_ARTIFACTS where it is set."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(driver.get_window_size()["width"], height)
    driver.save_screenshot(str(path))
    if os.environ.get("GANKIT_TEST_ARTIFACTS"):
        folder = Path(os.environ["GANKIT_TEST_ARTIFACTS"])
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, folder / path.name)
    return path
