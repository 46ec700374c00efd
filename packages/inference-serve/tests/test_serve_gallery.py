"""The gallery in headless Chromium (Debian's ``chromium``): sign in, run the demo storyboard, watch it, play the video."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from conftest import DEMO, Server, Tokens

if TYPE_CHECKING:
    from playwright.sync_api import Route

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="needs Debian's chromium (.ci/run installs it)"
)


def test_demo_storyboard_in_the_gallery(served: tuple[Server, Tokens], tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    server, tokens = served
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1600})
            offsite: list[str] = []
            page.on(
                "request", lambda r: None if r.url.startswith(server.url) else offsite.append(r.url)
            )
            page.goto(server.url + "/")
            page.fill("#token", tokens.bob)
            page.click("#login")
            expect(page.locator("#generator")).to_be_visible()
            expect(
                page.locator("#fields textarea[name=prompt]")
            ).to_be_visible()  # form built from the schema

            page.set_input_files("#board-file", str(DEMO))
            page.select_option("select[name=narration_generator]", "espeak_tts_generator")
            page.select_option("select[name=video_generator]", "mock_video_generator")
            page.click("#run-batch")

            thumbs = page.locator("#thumbs img.thumb")
            expect(thumbs).to_have_count(4, timeout=60_000)
            for index in range(4):
                expect(thumbs.nth(index)).to_have_js_property("complete", True)
                assert thumbs.nth(index).evaluate("img => img.naturalWidth") == 640
            expect(page.locator("#job-status")).to_have_text("completed", timeout=120_000)
            assert page.locator("#media audio").count() == 4

            video = page.locator("#final-video")
            expect(video).to_have_count(1)
            duration = video.evaluate(
                """v => new Promise((resolve, reject) => {
                    v.muted = true;
                    v.addEventListener("error", () => reject(new Error("video error " + v.error?.code)));
                    v.play().then(() => setTimeout(() => resolve(v.currentTime), 800), reject);
                })"""
            )
            assert duration > 0  # it played
            assert video.evaluate("v => v.videoWidth") == 640
            video.evaluate(
                "v => { v.pause(); v.currentTime = v.duration / 2; }"
            )  # seeking needs range requests
            page.wait_for_function("() => document.querySelector('#final-video').readyState >= 2")

            out = Path(__file__).parent / "output"
            out.mkdir(exist_ok=True)
            shot = out / "gallery.png"
            page.screenshot(path=str(shot), full_page=True)
            shutil.copy(shot, tmp_path / "gallery.png")
            assert shot.stat().st_size > 10_000
            assert offsite == [], offsite  # no CDN, nothing fetched elsewhere

            page.reload()
            expect(page.locator("#jobs tbody tr").first).to_contain_text("The Lighthouse Keeper")
        finally:
            browser.close()


def test_docs_work_offline(server: Server, tmp_path: Path) -> None:
    """Swagger UI at /docs lists every operation with no request leaving this server."""
    from playwright.sync_api import expect, sync_playwright

    with server.client() as anon:
        paths = anon.get("/openapi.json").json()["paths"]
    operations = sum(len(ops) for ops in paths.values())
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page()
            offsite: list[str] = []

            def route(request: Route) -> None:
                if request.request.url.startswith(server.url):
                    request.continue_()
                else:  # as if offline: only this server answers
                    offsite.append(request.request.url)
                    request.abort()

            page.route("**/*", route)
            page.goto(server.url + "/docs")
            blocks = page.locator("#swagger-ui .opblock")
            expect(blocks).to_have_count(operations, timeout=30_000)
            expect(page.locator(".opblock-summary-path", has_text="/v1/generations")).to_have_count(
                1
            )
            page.screenshot(path=str(tmp_path / "docs.png"), full_page=True)
            assert offsite == [], offsite
        finally:
            browser.close()
