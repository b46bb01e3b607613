"""index.html as a browser shows it: headless Chromium takes a screenshot, and
the screenshot must show a page (not a blank) with its stamp in view. The
window is tall enough to reach the first plot below the findings."""
import os
import shutil
import subprocess

import numpy as np
import pytest
from matplotlib import image

from conftest import fixture, load_json

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def screenshot(page, tmp_path):
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip("Debian chromium is not installed (apt-get install chromium)")
    shot = tmp_path / "shot.png"
    profile = tmp_path / "profile"
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--no-first-run", f"--user-data-dir={profile}", f"--screenshot={shot}",
           "--window-size=1200,3600", "file://" + os.path.abspath(page)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and shot.exists(), r.stderr[-2000:]
    return image.imread(str(shot))[:, :, :3]  # floats 0..1, RGB


def near(pixels, rgb, tol=0.06):
    return np.all(np.abs(pixels - np.array(rgb) / 255.0) < tol, axis=-1)


@pytest.mark.parametrize("name,banner_rgb", [
    ("arm64_quick.json", (0xb0, 0x00, 0x20)),   # .banner.emulated
    ("x86_quick.json", (0xc2, 0x5e, 0x00)),     # .banner.virtualised
])
def test_page_renders_with_the_stamp_on_screen(rendered, tmp_path, name, banner_rgb):
    ctx = load_json(fixture(name))["context"]["dmabench"]
    stamped = ctx["emulated"]["value"] or ctx["virtualised"]["value"]
    _, out = rendered(name)
    px = screenshot(os.path.join(out, "index.html"), tmp_path)
    assert px.shape[0] >= 1900 and px.shape[1] >= 1100
    white = near(px, (255, 255, 255), 0.02)
    assert white.mean() < 0.97, "the screenshot is blank"
    # Text, plots and tables give many distinct colours; a blank or error page has few.
    colours = np.unique((px[::4, ::4] * 255).astype(np.uint8).reshape(-1, 3), axis=0)
    assert len(colours) > 50
    if stamped:
        top = px[: px.shape[0] // 4]
        assert near(top, banner_rgb).mean() > 0.01, "no banner in the top quarter"
    # The plots are drawn (dark axis lines and coloured data), not broken images.
    assert near(px, (0x1f, 0x77, 0xb4), 0.08).sum() > 200  # matplotlib's first colour
