"""A mini app's H5 page and its tiny server, written as a WeChat H5 developer writes them
(aiohttp instead of Flask): the server gets the jsapi ticket and signs the page's URL with
the unmodified wechatpy (`get_jsapi_ticket`, `get_jsapi_signature`), exchanges wx.login()
codes with `WeChatWxa.code_to_session`, and makes JSAPI orders for wx.chooseWXPay with
`WeChatPay`. It listens on 127.0.0.1 (the app's JS-safe domain) on a port of its own.

The page includes the server's jweixin script and has one button per call; each result
goes into `#r-<name>` (its errMsg, or what the call gave). Its voice buttons record,
play, upload (the server fetches the recording with wechatpy's `media.download`) and
download (the server uploads one with `media.upload`) as a WeChat H5 page does."""

from __future__ import annotations

import html
import io
import json
import secrets
from typing import Any

from aiohttp import web
from wechatpy import WeChatClient
from wechatpy.crypto import WeChatWxaCrypto
from wechatpy.pay import WeChatPay

from tests.support.media import opus_clip, picture
from tests.support.wechat import sdk

PICTURE = picture()  # a small PNG: the Moments link's imgUrl and downloadImage's picture
VOICE = opus_clip(1.2, "ogg")  # downloadVoice's recording, as the app's server uploads it

APIS = [
    "chooseImage",
    "getLocalImgData",
    "uploadImage",
    "previewImage",
    "getNetworkType",
    "getLocation",
    "updateAppMessageShareData",
    "updateTimelineShareData",
    "chooseWXPay",
    "scanQRCode",
    "downloadImage",
    "startRecord",
    "stopRecord",
    "onVoiceRecordEnd",
    "playVoice",
    "pauseVoice",
    "stopVoice",
    "onVoicePlayEnd",
    "uploadVoice",
    "downloadVoice",
]
BUTTONS = [
    "login",
    "net",
    "choose",
    "upload",
    "loc",
    "share",
    "moments",
    "pay",
    "payforged",
    "close",
    "big",
    "bridge",
    "unsupported",
    "group",
    "scan",
    "download",
    "checkvoice",
    "rec",
    "recstop",
    "play",
    "pauseflow",
    "playbad",
    "upvoice",
    "downvoice",
]

SCRIPT = """
const show = (name, value) => {
  let el = document.getElementById("r-" + name);
  if (!el) { el = document.createElement("p"); el.id = "r-" + name; document.body.append(el); }
  el.textContent = typeof value === "string" ? value : JSON.stringify(value);
};
const fail = (name) => (e) => show(name, e.errMsg);
wx.config(CONFIG);
wx.ready(() => show("status", "ready"));
wx.error((e) => show("status", e.errMsg));
const on = (id, fn) => document.getElementById(id).addEventListener("click", fn);
on("login", () => wx.login({
  success: async (r) => {
    const q = "/session?code=" + encodeURIComponent(r.code);
    const s = await (await fetch(q)).json();
    show("login", s.openid ? "openid " + s.openid : "error " + s.error);
  },
  fail: fail("login"),
}));
on("net", () => wx.getNetworkType({
  success: (r) => show("net", r.networkType), fail: fail("net"),
}));
on("choose", () => wx.chooseImage({
  count: 1,
  success: (r) => {
    show("choose", r.localIds[0]);
    wx.getLocalImgData({ localId: r.localIds[0], success: (d) => {
      document.getElementById("pic").src = d.localData;
      show("imgdata", d.localData.slice(0, 22));
    } });
  },
  cancel: fail("choose"),
  fail: fail("choose"),
}));
on("loc", () => wx.getLocation({
  type: "wgs84",
  success: (r) => show("loc", r.latitude.toFixed(3) + "," + r.longitude.toFixed(3)),
  fail: fail("loc"),
}));
on("share", () => wx.updateAppMessageShareData({
  title: "Beat my score", desc: "", link: location.origin + "/index.html?level=7",
  imgUrl: "", success: () => show("share", "set"), fail: fail("share"),
}));
on("moments", () => wx.updateTimelineShareData({
  title: "My quiz score", link: location.origin + "/index.html?level=9",
  imgUrl: location.origin + "/picture.png",
  success: () => show("moments", "set"), fail: fail("moments"),
}));
on("pay", async () => {
  const openid = (document.getElementById("r-login").textContent || "").split(" ")[1];
  const params = await (await fetch("/order?openid=" + encodeURIComponent(openid))).json();
  const done = () => show("pay", "paid");
  wx.chooseWXPay({ ...params, success: done, cancel: fail("pay"), fail: fail("pay") });
});
on("payforged", async () => {
  const openid = (document.getElementById("r-login").textContent || "").split(" ")[1];
  const params = await (await fetch("/order?openid=" + encodeURIComponent(openid))).json();
  params.paySign = "0".repeat(32);  // not what the merchant's key signs
  wx.chooseWXPay({ ...params, success: () => show("payforged", "paid"),
    cancel: fail("payforged"), fail: fail("payforged") });
});
on("download", async () => {
  const { server_id } = await (await fetch("/picture")).json();  // its server uploaded one
  wx.downloadImage({
    serverId: server_id,
    success: (r) => wx.getLocalImgData({ localId: r.localId, success: (d) => {
      show("download", d.localData.slice(0, 22) + " " + d.localData.length);
    } }),
    fail: fail("download"),
  });
});
on("close", () => wx.closeWindow());
on("scan", () => wx.scanQRCode({
  needResult: 1, scanType: ["qrCode"],
  success: (r) => show("scan", r.resultStr), cancel: fail("scan"), fail: fail("scan"),
}));
on("upload", () => wx.uploadImage({
  localId: document.getElementById("r-choose").textContent,
  success: async (r) => {
    const got = await (await fetch("/fetch?server_id=" + encodeURIComponent(r.serverId))).json();
    show("upload", got.size + " bytes");
  },
  fail: fail("upload"),
}));
on("group", () => wx.getLaunchOptions({ success: (o) => {
  if (!o.shareTicket) { show("group", "no share ticket"); return; }
  wx.login({ success: async (r) => {
    const s = await (await fetch("/session?code=" + encodeURIComponent(r.code))).json();
    wx.getShareInfo({
      shareTicket: o.shareTicket,
      success: async (info) => {
        const q = new URLSearchParams({ openid: s.openid, data: info.encryptedData, iv: info.iv });
        const opened = await (await fetch("/opengid?" + q)).json();
        show("group", JSON.stringify(opened));
      },
      fail: fail("group"),
    });
  } });
} }));
on("big", () => wx.checkJsApi({ jsApiList: Array(20000).fill("chooseImage"), fail: fail("big") }));
on("bridge", () => WeixinJSBridge.invoke("getNetworkType", {}, (r) => show("bridge", r.err_msg)));
on("unsupported", () => wx.openLocation({ fail: fail("unsupported") }));
// Voice: the latest recording's localId is kept here, as a page keeps it.
let voice = "";
wx.ready(() => {
  wx.onVoiceRecordEnd({ complete: (r) => { voice = r.localId; show("recend", r.localId); } });
  wx.onVoicePlayEnd({ success: (r) => show("playend", r.localId) });
});
on("checkvoice", () => wx.checkJsApi({
  jsApiList: ["startRecord", "uploadVoice", "downloadVoice", "translateVoice"],
  success: (r) => show("checkvoice", r.checkResult),
}));
on("rec", () => {
  show("rec", "asking");
  wx.startRecord({ success: (r) => show("rec", r.errMsg), fail: fail("rec") });
});
on("recstop", () => {
  show("recstop", "stopping");
  wx.stopRecord({
    success: (r) => { voice = r.localId; show("recstop", r.localId); },
    fail: fail("recstop"),
    cancel: fail("recstop"),
  });
});
on("play", () => {
  show("playend", "");
  wx.playVoice({ localId: voice, success: (r) => show("play", r.errMsg), fail: fail("play") });
});
on("pauseflow", () => wx.playVoice({ localId: voice, success: () => wx.pauseVoice({
  localId: voice,
  success: () => wx.stopVoice({ localId: voice, success: (r) => show("pauseflow", r.errMsg) }),
  fail: fail("pauseflow"),
}) }));
on("playbad", () => wx.playVoice({ localId: "wxLocalResource://nope", fail: fail("playbad") }));
on("upvoice", () => wx.uploadVoice({
  localId: voice,
  isShowProgressTips: 1,
  success: async (r) => {
    const q = "/fetch-voice?server_id=" + encodeURIComponent(r.serverId);
    const got = await (await fetch(q)).json();
    show("upvoice", got.size + " bytes " + got.type);
  },
  fail: fail("upvoice"),
}));
on("downvoice", async () => {
  const { server_id } = await (await fetch("/voice")).json();  // its server uploaded one
  wx.downloadVoice({
    serverId: server_id,
    isShowProgressTips: 0,
    success: (r) => { voice = r.localId; show("downvoice", r.localId); },
    fail: fail("downvoice"),
  });
});
"""


class H5Site:
    """The app's page and server. `forge`: sign with a wrong ticket (a forged config)."""

    def __init__(self, server_url: str, wechat: WeChatClient, pay: WeChatPay | None = None) -> None:
        self.server_url = server_url.rstrip("/")
        self.wechat = wechat
        self.pay = pay
        self.sessions: list[dict[str, Any]] = []  # what code_to_session gave
        self.downloads: list[bytes] = []  # pictures fetched by uploadImage's serverId
        self.voices: list[tuple[str, bytes]] = []  # (type, bytes) fetched by uploadVoice's
        self.opened: list[dict[str, Any]] = []  # getShareInfo's data, decrypted
        self.picture_fetches = 0  # how often the Moments link's picture was fetched
        self.port = 0
        self._runner: web.AppRunner | None = None

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def domain(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/index.html", self.page)
        app.router.add_get("/session", self.session)
        app.router.add_get("/order", self.order)
        app.router.add_get("/fetch", self.fetch)
        app.router.add_get("/opengid", self.opengid)
        app.router.add_get("/picture.png", self.picture_png)
        app.router.add_get("/picture", self.upload_picture)
        app.router.add_get("/fetch-voice", self.fetch_voice)
        app.router.add_get("/voice", self.upload_voice)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def page(self, request: web.Request) -> web.Response:
        ticket = await sdk(self.wechat.jsapi.get_jsapi_ticket)
        if request.query.get("forge"):
            ticket = secrets.token_urlsafe(64)
        nonce, timestamp = secrets.token_hex(8), "1700000000"
        url = str(request.url)  # what the browser's location.href is, without the #fragment
        apis = APIS if not request.query.get("few") else ["getNetworkType"]
        config = {
            "debug": False,
            "appId": self.wechat.appid,
            "timestamp": timestamp,
            "nonceStr": nonce,
            "signature": self.wechat.jsapi.get_jsapi_signature(nonce, ticket, timestamp, url),
            "jsApiList": apis,
        }
        buttons = "".join(f'<button id="{b}">{b}</button>' for b in BUTTONS)
        body = (
            '<!doctype html><html><head><meta charset="utf-8"><title>Quiz</title>'
            f'<script src="{html.escape(self.server_url)}/open/js/jweixin-1.6.0.js"></script>'
            f'</head><body><p id="r-page">{html.escape(request.rel_url.path_qs)}</p>{buttons}'
            '<img id="pic" alt="">'
            f"<script>const CONFIG = {json.dumps(config)};{SCRIPT}</script></body></html>"
        )
        return web.Response(text=body, content_type="text/html")

    async def session(self, request: web.Request) -> web.Response:
        try:
            got = await sdk(self.wechat.wxa.code_to_session, request.query["code"])
        except Exception as exc:  # the page shows what went wrong
            return web.json_response({"error": str(exc)})
        self.sessions.append(got)
        return web.json_response({"openid": got["openid"]})  # the session_key stays here

    async def order(self, request: web.Request) -> web.Response:
        assert self.pay is not None
        made = await sdk(
            self.pay.order.create,
            "JSAPI",
            "Extra lives",
            300,
            "http://127.0.0.1:9/notify",
            client_ip="127.0.0.1",
            user_id=request.query["openid"],
            out_trade_no=secrets.token_hex(8),
        )
        params = self.pay.jsapi.get_jsapi_params(made["prepay_id"], jssdk=True)
        return web.json_response(params)

    async def picture_png(self, request: web.Request) -> web.Response:
        """The picture the page names as its Moments link's imgUrl."""
        self.picture_fetches += 1
        return web.Response(body=PICTURE, content_type="image/png")

    async def upload_picture(self, request: web.Request) -> web.Response:
        """What an app's server does for wx.downloadImage: /cgi-bin/media/upload (wechatpy),
        then give the page the media_id as its serverId."""
        got = await sdk(self.wechat.media.upload, "image", ("pic.png", io.BytesIO(PICTURE)))
        return web.json_response({"server_id": got["media_id"]})

    async def fetch(self, request: web.Request) -> web.Response:
        """What the app's server does with uploadImage's serverId: /cgi-bin/media/get."""
        got = await sdk(self.wechat.media.download, request.query["server_id"])
        self.downloads.append(got.content)
        return web.json_response({"size": len(got.content)})

    async def fetch_voice(self, request: web.Request) -> web.Response:
        """What the app's server does with uploadVoice's serverId: /cgi-bin/media/get with
        its account's access token (wechatpy's `media.download`)."""
        got = await sdk(self.wechat.media.download, request.query["server_id"])
        kind = got.headers.get("Content-Type", "")
        self.voices.append((kind, got.content))
        return web.json_response({"size": len(got.content), "type": kind})

    async def upload_voice(self, request: web.Request) -> web.Response:
        """For wx.downloadVoice: /cgi-bin/media/upload, type voice; its media_id is the
        page's serverId."""
        got = await sdk(self.wechat.media.upload, "voice", ("hello.ogg", io.BytesIO(VOICE)))
        return web.json_response({"server_id": got["media_id"]})

    async def opengid(self, request: web.Request) -> web.Response:
        """getShareInfo's data, opened with the person's session key, as WeChat's docs do."""
        openid = request.query["openid"]
        key = next(s["session_key"] for s in reversed(self.sessions) if s["openid"] == openid)
        crypto = WeChatWxaCrypto(key, request.query["iv"], self.wechat.appid)
        opened = crypto.decrypt_message(request.query["data"])
        self.opened.append(opened)
        return web.json_response(opened)
