"""Mini apps end to end in Chromium: a developer registers an app in the web console, a
person opens it from Discover → Mini apps, and a real H5 page served from its own origin
(127.0.0.1, another port: the JS-safe domain) uses the JS-SDK from the server's jweixin
script. Its wx.config is signed by wechatpy; wx.login's code goes to its server, which
exchanges it with wechatpy's code_to_session; it picks a picture, gets a location with
consent, pays a JSAPI order in the pay sheet, shares a card into a group, and closes. Bad
input: a forged signature, an API left out of jsApiList, an unsupported call, an oversized
message, and a page on another app's domain, each get the SDK's error callbacks."""

from __future__ import annotations

import base64
import io
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
import segno
from PIL import Image
from playwright.async_api import FrameLocator, Page, expect

from microletter.client import ApiError, Client
from tests.browser.conftest import OpenApp, login, no_page_errors, shot
from tests.conftest import PASSWORD, MakeClient, befriend
from tests.support.h5page import H5Site
from tests.support.platform import new_account
from tests.support.rest import uid
from tests.support.wechat import wechat_client, wechat_pay

pytestmark = pytest.mark.settings(operators=("root",), oa_allow_private_webhooks=True)
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


@pytest.fixture
async def sites() -> AsyncIterator[list[H5Site]]:
    made: list[H5Site] = []
    yield made
    for s in made:
        await s.stop()


async def quiz_site(
    dev: Client, sites: list[H5Site], with_pay: bool = False
) -> tuple[H5Site, dict[str, Any]]:
    made = await new_account(dev, "Quiz Co")
    account = made["account"]
    wechat = wechat_client(dev.base_url, account["appid"], made["appsecret"])
    pay = None
    if with_pay:
        issued = await dev.call("POST", f"/api/v1/developer/accounts/{account['id']}/merchant/key")
        pay = wechat_pay(
            dev.base_url, account["appid"], issued["api_key"], issued["merchant"]["mch_id"]
        )
    site = H5Site(dev.base_url, wechat, pay)
    sites.append(site)
    await site.start()
    return site, made


async def open_from_discover(page: Page, name: str) -> FrameLocator:
    await page.goto("/#/discover")
    await page.locator("a[data-row=miniapps]").click()
    await page.locator(".miniapp-row", has_text=name).click()
    await expect(page.locator(".miniapp-title")).to_have_text(name)
    return page.frame_locator(".miniapp-frame")


async def test_a_person_runs_a_registered_app_and_its_page_uses_the_js_sdk(
    clients: MakeClient, open_app: OpenApp, sites: list[H5Site]
) -> None:
    root, dev = await clients("root"), await clients("dev")
    site, made = await quiz_site(dev, sites, with_pay=True)
    aid = made["account"]["id"]
    # The developer registers the app in the web console.
    console = await open_app()
    await login(console, "dev")
    await console.goto(f"/#/console/{aid}")
    await console.locator("#miniapp-name").fill("Quiz")
    await console.locator("#miniapp-entry").fill(f"{site.origin}/index.html")
    await console.locator("#miniapp-domains").fill(site.domain)
    await console.locator("#miniapp-register").click()
    await expect(console.locator(".miniapp-console-row")).to_contain_text("Quiz")

    alice, bob = await clients("alice"), await clients("bob")
    await root.admin_adjust(uid(alice), 5000, "welcome", "fund-alice")
    await alice.set_pay_password(PASSWORD, "123456")
    await befriend(alice, bob)
    group = (await alice.create_group("Quizzers", [uid(bob)]))["conversation"]["id"]

    page = await open_app()
    await page.context.grant_permissions(
        ["geolocation"], origin=page.url.split("/#")[0].rstrip("/")
    )
    await page.context.set_geolocation({"latitude": 31.2304, "longitude": 121.4737})
    await login(page, "alice")
    frame = await open_from_discover(page, "Quiz")
    await expect(frame.locator("#r-status")).to_have_text("ready")
    sandbox = await page.locator(".miniapp-frame").get_attribute("sandbox")
    assert sandbox == "allow-scripts allow-same-origin allow-forms"
    # The page keeps its own origin and never sees the client's token.
    assert "token" not in (await page.locator(".miniapp-frame").get_attribute("src") or "")

    await frame.locator("#net").click()
    await expect(frame.locator("#r-net")).to_have_text(re.compile(r"^(wifi|4g|3g|2g)$"))
    await frame.locator("#bridge").click()
    await expect(frame.locator("#r-bridge")).to_have_text("getNetworkType:ok")
    await frame.locator("#unsupported").click()
    await expect(frame.locator("#r-unsupported")).to_have_text("openLocation:fail not supported")

    await frame.locator("#login").click()
    await expect(frame.locator("#r-login")).to_contain_text("openid o")
    (session,) = site.sessions
    assert set(session) == {"openid", "session_key", "unionid"}

    await frame.locator("#choose").click()
    async with page.expect_file_chooser() as chooser:
        await page.locator("#miniapp-pick").click()
    await (await chooser.value).set_files(
        {"name": "me.png", "mimeType": "image/png", "buffer": PNG}
    )
    await expect(frame.locator("#r-choose")).to_contain_text("wxLocalResource://")
    await expect(frame.locator("#r-imgdata")).to_have_text("data:image/png;base64,")
    await frame.locator("#upload").click()  # its server fetches it by serverId (media/get)
    await expect(frame.locator("#r-upload")).to_contain_text(" bytes")
    (fetched,) = site.downloads  # the picture as the server keeps it (re-encoded, no metadata)
    assert Image.open(io.BytesIO(fetched)).size == (1, 1)

    await frame.locator("#loc").click()
    await page.get_by_role("button", name="Allow").click()  # the consent is asked first
    await expect(frame.locator("#r-loc")).to_have_text("31.230,121.474")

    # A paySign the merchant's key did not make opens no sheet: the page's fail callback.
    await frame.locator("#payforged").click()
    await expect(frame.locator("#r-payforged")).to_have_text(
        "chooseWXPay:fail wxpay.signature_invalid"
    )
    await expect(page.locator(".paysheet")).to_have_count(0)
    await frame.locator("#pay").click()
    await expect(page.locator(".paysheet-item")).to_have_text("Extra lives")
    await page.locator("#pay-password").fill("123456")
    await page.locator("#pay-submit").click()
    await expect(page.locator("#pay-status")).to_be_visible()
    await page.locator(".paysheet .btn-primary").click()
    await expect(frame.locator("#r-pay")).to_have_text("paid")
    await shot(page, "miniapp-running")

    # Share a card into the group (what the page set with updateAppMessageShareData).
    await frame.locator("#share").click()
    await expect(frame.locator("#r-share")).to_have_text("set")
    await page.locator(".miniapp-more").click()
    await page.get_by_role("button", name="Share to a chat").click()
    await page.locator(".miniapp-share .pick-row", has_text="Quizzers").click()
    await expect(page.locator(".toast", has_text="Shared")).to_be_visible()
    history = await bob.history(group)
    (card,) = [m for m in history if m["kind"] == "app"]
    assert card["data"]["title"] == "Beat my score"
    assert card["data"]["path"] == f"{site.origin}/index.html?level=7"

    # Share the page into Moments (what it set with updateTimelineShareData).
    await frame.locator("#moments").click()
    await expect(frame.locator("#r-moments")).to_have_text("set")
    await page.locator(".miniapp-more").click()
    await page.get_by_role("button", name="Share to Moments").click()
    await expect(page.locator(".toast", has_text="Shared to Moments")).to_be_visible()
    (post,) = (await bob.call("GET", "/api/v1/moments"))["posts"]
    assert post["data"]["link"]["url"] == f"{site.origin}/index.html?level=9"
    assert post["data"]["link"]["title"] == "My quiz score"
    # its imgUrl: fetched once by the server (never hotlinked), kept as the card's picture
    assert site.picture_fetches == 1
    assert post["data"]["link_picture"]["kind"] == "image"
    assert "picture_url" not in post["data"]["link"]

    # downloadImage: a picture the app's server uploaded (wechatpy's media.upload), its
    # serverId turned into a local picture of the page.
    await frame.locator("#download").click()
    await expect(frame.locator("#r-download")).to_contain_text("data:image/png;base64,")
    app_id = (await alice.call("GET", "/api/v1/miniapps"))["apps"][0]["id"]
    with pytest.raises(ApiError) as unknown:  # only what the app's account uploaded
        await bob.call("GET", f"/api/v1/miniapps/{app_id}/downloads/{'0' * 64}")
    assert unknown.value.code == "platform.media_not_found"

    await frame.locator("#close").click()
    await expect(page.locator(".miniapp")).to_have_count(0)

    # Bob opens the card in the group: the app starts at the card's path.
    bob_page = await open_app()
    await login(bob_page, "bob")
    await bob_page.goto(f"/#/chat/{group}")
    await expect(bob_page.locator(".bubble-app .app-card-title")).to_have_text("Beat my score")
    await shot(bob_page, "miniapp-card")
    await bob_page.locator(".bubble-app").click()
    bob_frame = bob_page.frame_locator(".miniapp-frame")
    await expect(bob_frame.locator("#r-page")).to_have_text("/index.html?level=7")
    await expect(bob_frame.locator("#r-status")).to_have_text("ready")
    # Opened in the group: a share ticket; the app's server learns the group's openGId only.
    await bob_frame.locator("#group").click()
    await expect(bob_frame.locator("#r-group")).to_contain_text('{"openGId":"G')
    (opened,) = site.opened
    assert set(opened) == {"openGId", "watermark"}
    assert opened["watermark"]["appid"] == made["account"]["appid"]
    await shot(bob_page, "miniapp-card-opened")
    no_page_errors(page, bob_page, console)


async def test_a_page_gets_the_sdks_errors_for_bad_configs_and_messages(
    clients: MakeClient, open_app: OpenApp, sites: list[H5Site]
) -> None:
    dev = await clients("dev")
    site, made = await quiz_site(dev, sites)
    base = f"/api/v1/developer/accounts/{made['account']['id']}/miniapps"
    app = (
        await dev.call(
            "POST",
            base,
            {
                "name": "Quiz",
                "entry_url": f"{site.origin}/index.html?forge=1",
                "domains": [site.domain],
            },
        )
    )["app"]
    # Another app's domain: the same page, reached as localhost (another origin).
    other = f"localhost:{site.port}"
    await dev.call(
        "POST",
        base,
        {"name": "Other", "entry_url": f"http://{other}/index.html", "domains": [other]},
    )
    await clients("alice")
    page = await open_app()
    await login(page, "alice")
    await page.goto(f"/#/app/{app['id']}")
    frame = page.frame_locator(".miniapp-frame")
    await expect(frame.locator("#r-status")).to_have_text("config:invalid signature")
    await frame.locator("#net").click()
    await expect(frame.locator("#r-net")).to_have_text("getNetworkType:fail, config failed")
    await frame.locator("#big").click()
    await expect(frame.locator("#r-big")).to_have_text("checkJsApi:fail message too large")

    # A page configured without getLocation may not call it.
    await page.goto(f"/#/app/{app['id']}?path=%2Findex.html%3Ffew%3D1")
    frame = page.frame_locator(".miniapp-frame")
    await expect(frame.locator("#r-status")).to_have_text("ready")
    await frame.locator("#loc").click()
    await expect(frame.locator("#r-loc")).to_have_text("getLocation:permission denied")
    await frame.locator("#choose").click()
    await expect(frame.locator("#r-choose")).to_have_text("chooseImage:permission denied")

    # A page on another app's domain, in this app's frame: no bridge.
    await page.goto(f"/#/app/{app['id']}")
    frame = page.frame_locator(".miniapp-frame")
    await expect(frame.locator("#r-status")).to_have_text("config:invalid signature")
    inner = next(f for f in page.frames if f.url.startswith(site.origin))
    await inner.evaluate("(url) => { location.href = url; }", f"http://{other}/index.html")
    await expect(frame.locator("#r-page")).to_have_text("/index.html")  # it loaded
    await expect(frame.locator("#r-status")).to_have_text(
        "config:fail the page is not on a JS-safe domain of this app"
    )
    no_page_errors(page)


async def test_an_apps_code_opens_it_and_its_page_scans_a_code(
    clients: MakeClient, open_app: OpenApp, sites: list[H5Site]
) -> None:
    dev = await clients("dev")
    site, made = await quiz_site(dev, sites)
    base = f"/api/v1/developer/accounts/{made['account']['id']}/miniapps"
    body = {"name": "Quiz", "entry_url": f"{site.origin}/index.html", "domains": [site.domain]}
    app = (await dev.call("POST", base, body))["app"]
    await clients("alice")
    page = await open_app()
    await login(page, "alice")
    await page.goto(f"/a/{app['id']}")  # what the app's QR code encodes
    await expect(page.locator(".miniapp-title")).to_have_text("Quiz")
    await page.locator(".miniapp-more").click()
    await page.get_by_role("button", name="About").click()
    await expect(page.locator(".miniapp-link")).to_have_text(f"{dev.base_url}/a/{app['id']}")
    await expect(page.locator("#miniapp-qr")).to_be_visible()
    await shot(page, "miniapp-about")
    await page.keyboard.press("Escape")
    frame = page.frame_locator(".miniapp-frame")
    await expect(frame.locator("#r-status")).to_have_text("ready")
    code = io.BytesIO()
    segno.make("https://shop.example/item/42", error="m").save(code, kind="png", scale=8)
    await frame.locator("#scan").click()
    async with page.expect_file_chooser() as chooser:
        await page.locator("#miniapp-scan-pick").click()
    await (await chooser.value).set_files(
        {"name": "code.png", "mimeType": "image/png", "buffer": code.getvalue()}
    )
    await expect(frame.locator("#r-scan")).to_have_text("https://shop.example/item/42")
    await frame.locator("#scan").click()
    await page.locator(".sheet .sheet-cancel").click()
    await expect(frame.locator("#r-scan")).to_have_text("scanQRCode:cancel")
    no_page_errors(page)


async def test_a_page_records_plays_and_hands_over_a_voice_note_recorded_by_the_client(
    clients: MakeClient, open_app: OpenApp, sites: list[H5Site]
) -> None:
    """wx.startRecord with Chromium's fake microphone: the client asks first, records in
    its own window (never the frame's) under an indicator with Stop and Cancel; the page
    plays, pauses and uploads the recording, and the app's server fetches it with
    wechatpy's media.download; downloadVoice turns the server's upload into a localId."""
    dev = await clients("dev")
    site, made = await quiz_site(dev, sites)
    base = f"/api/v1/developer/accounts/{made['account']['id']}/miniapps"
    body = {"name": "Quiz", "entry_url": f"{site.origin}/index.html", "domains": [site.domain]}
    app = (await dev.call("POST", base, body))["app"]
    await clients("alice")
    page = await open_app()
    await login(page, "alice")
    await page.goto(f"/#/app/{app['id']}")
    frame = page.frame_locator(".miniapp-frame")
    await expect(frame.locator("#r-status")).to_have_text("ready")
    await frame.locator("#checkvoice").click()
    await expect(frame.locator("#r-checkvoice")).to_have_text(
        '{"startRecord":true,"uploadVoice":true,"downloadVoice":true,"translateVoice":false}'
    )
    # The frame itself never gets the microphone (no `allow`), whatever the browser grants.
    assert await page.locator(".miniapp-frame").get_attribute("allow") is None
    inner = next(f for f in page.frames if f.url.startswith(site.origin))
    denied = await inner.evaluate(
        "navigator.mediaDevices.getUserMedia({audio: true}).then(() => 'got it', (e) => e.name)"
    )
    assert denied == "NotAllowedError"

    # Nothing recorded yet; an unknown localId.
    await frame.locator("#recstop").click()
    await expect(frame.locator("#r-recstop")).to_have_text("stopRecord:fail not recording")
    await frame.locator("#playbad").click()
    await expect(frame.locator("#r-playbad")).to_have_text("playVoice:fail invalid localId")

    # The person is asked first; refusing is the page's fail.
    await frame.locator("#rec").click()
    await expect(page.locator(".dialog-text")).to_have_text(
        "Quiz wants to record your voice. Allow it to use your microphone?"
    )
    await page.get_by_role("button", name="Cancel").click()
    await expect(frame.locator("#r-rec")).to_have_text("startRecord:fail auth deny")
    await expect(page.locator("#miniapp-recording")).to_have_count(0)

    # Allowed: the client records, with its indicator over the page.
    await frame.locator("#rec").click()
    await page.get_by_role("button", name="Allow").click()
    await expect(frame.locator("#r-rec")).to_have_text("startRecord:ok")
    indicator = page.locator("#miniapp-recording")
    await expect(indicator).to_contain_text("Quiz is recording")
    await frame.locator("#rec").click()  # asked once per run; one recording at a time
    await expect(frame.locator("#r-rec")).to_have_text("startRecord:fail already recording")
    await page.wait_for_function(
        "() => Number(document.querySelector('#miniapp-recording')?.dataset.ms) >= 1500"
    )
    await shot(page, "miniapp-recording")
    await frame.locator("#recstop").click()
    await expect(frame.locator("#r-recstop")).to_have_text(re.compile(r"^wxLocalResource://"))
    await expect(indicator).to_have_count(0)
    local_id = await frame.locator("#r-recstop").text_content()

    # Played in the client; the page hears the end.
    await frame.locator("#play").click()
    await expect(frame.locator("#r-play")).to_have_text("playVoice:ok")
    await expect(frame.locator("#r-playend")).to_have_text(local_id or "?")
    await frame.locator("#pauseflow").click()
    await expect(frame.locator("#r-pauseflow")).to_have_text("stopVoice:ok")

    # Uploaded as alice; the app's server fetches it by serverId with its account's token.
    await frame.locator("#upvoice").click()
    await expect(frame.locator("#r-upvoice")).to_have_text(re.compile(r"^\d+ bytes audio/webm$"))
    ((kind, fetched),) = site.voices
    assert kind == "audio/webm" and fetched[:4] == b"\x1a\x45\xdf\xa3"  # WebM (EBML)

    # Too short to keep.
    await frame.locator("#rec").click()
    await expect(frame.locator("#r-rec")).to_have_text("startRecord:ok")
    await frame.locator("#recstop").click()
    await expect(frame.locator("#r-recstop")).to_have_text("stopRecord:fail too short")

    # The person stops it in the client: onVoiceRecordEnd, and stopRecord gets the same one.
    await frame.locator("#rec").click()
    await expect(frame.locator("#r-rec")).to_have_text("startRecord:ok")
    await page.wait_for_function(
        "() => Number(document.querySelector('#miniapp-recording')?.dataset.ms) >= 1200"
    )
    await page.locator("#miniapp-rec-stop").click()
    await expect(frame.locator("#r-recend")).to_have_text(re.compile(r"^wxLocalResource://"))
    ended = await frame.locator("#r-recend").text_content()
    assert ended != local_id
    await frame.locator("#recstop").click()
    await expect(frame.locator("#r-recstop")).to_have_text(ended or "?")
    # ... or cancels it: nothing is kept, the page's stopRecord gets `cancel`.
    await frame.locator("#rec").click()
    await expect(frame.locator("#r-rec")).to_have_text("startRecord:ok")
    await page.locator("#miniapp-rec-cancel").click()
    await expect(indicator).to_have_count(0)
    await frame.locator("#recstop").click()
    await expect(frame.locator("#r-recstop")).to_have_text("stopRecord:cancel")

    # downloadVoice: a recording the app's server uploaded (wechatpy's media.upload).
    await frame.locator("#downvoice").click()
    await expect(frame.locator("#r-downvoice")).to_have_text(re.compile(r"^wxLocalResource://"))
    downloaded = await frame.locator("#r-downvoice").text_content()
    await frame.locator("#play").click()
    await expect(frame.locator("#r-playend")).to_have_text(downloaded or "?")

    # A page that did not name the voice calls in jsApiList may not record.
    await page.goto(f"/#/app/{app['id']}?path=%2Findex.html%3Ffew%3D1")
    frame = page.frame_locator(".miniapp-frame")
    await expect(frame.locator("#r-status")).to_have_text("ready")
    await frame.locator("#rec").click()
    await expect(frame.locator("#r-rec")).to_have_text("startRecord:permission denied")
    await expect(page.locator(".dialog-text")).to_have_count(0)
    no_page_errors(page)


async def test_a_recording_stops_by_itself_at_sixty_seconds_and_the_page_hears_it(
    clients: MakeClient, open_app: OpenApp, sites: list[H5Site]
) -> None:
    """WeChat's limit: at 60 s the client stops recording, keeps it and fires
    onVoiceRecordEnd. The page's clock is Playwright's, run forward, not waited for."""
    dev = await clients("dev")
    site, made = await quiz_site(dev, sites)
    base = f"/api/v1/developer/accounts/{made['account']['id']}/miniapps"
    body = {"name": "Quiz", "entry_url": f"{site.origin}/index.html", "domains": [site.domain]}
    app = (await dev.call("POST", base, body))["app"]
    await clients("alice")
    page = await open_app()
    await page.clock.install()
    await login(page, "alice")
    await page.goto(f"/#/app/{app['id']}")
    frame = page.frame_locator(".miniapp-frame")
    await expect(frame.locator("#r-status")).to_have_text("ready")
    await frame.locator("#rec").click()
    await page.get_by_role("button", name="Allow").click()
    await expect(frame.locator("#r-rec")).to_have_text("startRecord:ok")
    await page.clock.run_for(59_000)
    await expect(page.locator("#miniapp-recording")).to_contain_text("0:59")
    await expect(frame.locator("#r-recend")).to_have_count(0)
    await page.clock.run_for(1_500)
    await expect(frame.locator("#r-recend")).to_have_text(re.compile(r"^wxLocalResource://"))
    await expect(page.locator("#miniapp-recording")).to_have_count(0)
    ended = await frame.locator("#r-recend").text_content()
    await frame.locator("#recstop").click()  # the page's own stop gets the same recording
    await expect(frame.locator("#r-recstop")).to_have_text(ended or "?")
    await frame.locator("#upvoice").click()
    await expect(frame.locator("#r-upvoice")).to_have_text(re.compile(r"^\d+ bytes audio/webm$"))
    no_page_errors(page)
