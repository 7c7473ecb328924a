// @ts-check
/**
 * A mini app, running (`#/app/<id>`, with `?path=<path>&cid=<conversation>` when opened
 * from a card): its page in a sandboxed frame under a title bar (its name, "…" with
 * Share, Copy link and About, and Close), and the JS bridge that carries the page's `wx`
 * calls (miniapps/bridge.js has the rules, docs/miniapps.md the calls and answers).
 *
 * The frame keeps the page's own origin (`allow-same-origin`: it is never ours, the server
 * refuses its own host as a JS-safe domain) and may not navigate this window. The bridge
 * answers only messages from this frame whose origin is one of the app's JS-safe domains;
 * it makes every API request itself, so the page never holds the client's token. The
 * frame gets no microphone (no `allow`): the voice calls record in this window, with
 * consent (miniapps/pagevoice.js), and answer the page with events as well as replies.
 */

import { actionSheet, confirmDialog, dialog, h, icon, toast } from "../dom.js";
import { t } from "../i18n.js";
import { accountAvatar, conversationAvatar, conversationTitle, topbar } from "../common.js";
import { linkFor } from "../links.js";
import { qrImageUrl } from "../qrcode.js";
import { openPaySheet } from "./paysheet.js";
import { openScanned, pictureInput } from "./scan.js";
import { configError, isJsSafe, jsApis, networkType, pageUrl, readCall, refusal } from "../miniapps/bridge.js";
import { openRanking, rankingQuery } from "../miniapps/ranking.js";
import { PageVoice, VOICE_APIS } from "../miniapps/pagevoice.js";

/**
 * @typedef {{id: number, account_id: number, name: string, icon: string, entry_url: string,
 *   domains: string[], created_at: number, updated_at: number}} MiniApp
 * @typedef {{id: number, name: string, avatar: string|null, original_id: string}} Publisher
 * @typedef {import("../app.js").App} App
 */

/**
 * @param {App} app
 * @param {HTMLElement} root
 * @param {string} id
 * @param {string} [query] `path=...&cid=...`
 */
export function mountMiniApp(app, root, id, query = "") {
  const params = new URLSearchParams(query);
  const appId = Number(id);
  const body = h("div.miniapp-body", h("p.card-hint", t("common.loading")));
  const title = h("h1.miniapp-title", "");
  const bar = h(
    "header.miniapp-bar",
    h(
      "button.icon-btn.miniapp-close",
      { type: "button", "aria-label": t("miniapp.close"), onclick: () => app.back() },
      icon("close"),
    ),
    title,
    h(
      "button.icon-btn.miniapp-more",
      { type: "button", "aria-label": t("miniapp.more"), onclick: () => session?.menu() },
      icon("more"),
    ),
  );
  root.append(h("div.miniapp", bar, body));
  /** @type {Session|null} */
  let session = null;
  let alive = true;
  app.api
    .request("GET", `/miniapps/${appId}`)
    .then(
      (/** @type {{app: MiniApp, publisher: Publisher, js_apis: {supported: string[], open: string[]}}} */ found) => {
        if (!alive) return;
        title.textContent = found.app.name;
        session = new Session(app, found.app, found.publisher, jsApis(found.js_apis), params, body);
      },
    )
    .catch((err) => {
      if (alive) body.replaceChildren(h("p.empty-state", { role: "alert" }, errorText(err)));
    });
  return {
    destroy() {
      alive = false;
      session?.stop();
    },
  };
}

/** @param {unknown} err */
function errorText(err) {
  const code = /** @type {{code?: string}} */ (err).code || "internal";
  const key = `error.${code}`;
  return t(key) === key ? t("error.generic", { code }) : t(key);
}

/** One app's frame and its bridge, while the view is shown. */
class Session {
  /**
   * @param {App} app
   * @param {MiniApp} miniapp
   * @param {Publisher} publisher
   * @param {import("../miniapps/bridge.js").JsApis} apis the calls this client carries out, as the server lists them
   * @param {URLSearchParams} params
   * @param {HTMLElement} body
   */
  constructor(app, miniapp, publisher, apis, params, body) {
    this.app = app;
    this.miniapp = miniapp;
    this.publisher = publisher;
    this.apis = apis;
    this.path = params.get("path");
    this.cid = Number(params.get("cid")) || null;
    /** @type {{state: "none"|"checking"|"ok"|"failed", granted: Set<string>}} */
    this.config = { state: "none", granted: new Set() };
    /** the appId of the page's wx.config (chooseWXPay signs with it) */
    this.configAppId = "";
    /** @type {Promise<void>} the config being checked: later calls wait for it */
    this.configured = Promise.resolve();
    /** @type {Map<string, Blob>} chooseImage's pictures by localId */
    this.pictures = new Map();
    /** @type {{title?: string, link?: string, imgUrl?: string}} what "Share" shares */
    this.shareData = {};
    /** @type {{title?: string, link?: string, imgUrl?: string}} what "Share to Moments" posts */
    this.timelineData = {};
    this.locationAllowed = false;
    this.lastUrl = "";
    /** the origin of the page's last accepted call: where events (onVoicePlayEnd…) go */
    this.pageOrigin = "";
    this.frame = /** @type {HTMLIFrameElement} */ (
      h("iframe.miniapp-frame", {
        title: miniapp.name,
        src: pageUrl(miniapp, this.path),
        sandbox: "allow-scripts allow-same-origin allow-forms",
        referrerpolicy: "no-referrer",
      })
    );
    this.blocked = h("div.miniapp-blocked", { hidden: true, role: "alert" }, t("miniapp.blocked"));
    body.replaceChildren(this.frame, this.blocked);
    this.voice = new PageVoice(app, miniapp, body, (event, result) => {
      if (this.pageOrigin) this.frame.contentWindow?.postMessage({ __jweixin: 1, event, result }, this.pageOrigin);
    });
    this.onMessage = (/** @type {MessageEvent} */ e) => this.receive(e);
    this.onViolation = (/** @type {SecurityPolicyViolationEvent} */ e) => {
      // A domain registered after this page loaded: its CSP does not list it yet.
      if (e.effectiveDirective === "frame-src") {
        this.blocked.hidden = false;
        this.blocked.replaceChildren(
          h("p", t("miniapp.blocked")),
          h("button.btn.btn-primary", { type: "button", onclick: () => location.reload() }, t("miniapp.reload")),
        );
      }
    };
    window.addEventListener("message", this.onMessage);
    document.addEventListener("securitypolicyviolation", this.onViolation);
  }

  stop() {
    this.voice.stop();
    window.removeEventListener("message", this.onMessage);
    document.removeEventListener("securitypolicyviolation", this.onViolation);
  }

  /** @param {MessageEvent} event */
  async receive(event) {
    if (event.source !== this.frame.contentWindow) return; // not this app's frame
    const read = readCall(event.data);
    if (!read) return;
    const answer = (/** @type {any} */ result) =>
      this.frame.contentWindow?.postMessage(
        { __jweixin: 1, id: "call" in read ? read.call.id : read.id, result },
        event.origin,
      );
    if (!("call" in read)) {
      answer({ errMsg: read.error });
      return;
    }
    const { call } = read;
    if (!isJsSafe(event.origin, call.url, this.miniapp.domains)) {
      answer({ errMsg: `${call.api}:fail the page is not on a JS-safe domain of this app` });
      return;
    }
    this.lastUrl = call.url;
    this.pageOrigin = event.origin;
    if (call.api === "config") {
      this.configured = this.checkConfig(call.args, call.url).then(answer);
      return;
    }
    await this.configured;
    const refused = refusal(call.api, this.config, this.apis);
    if (refused) {
      answer({ errMsg: refused });
      return;
    }
    try {
      answer({ ...(await this.run(call.api, call.args)), errMsg: `${call.api}:ok` });
    } catch (err) {
      const reason = /** @type {{errMsg?: string, code?: string}} */ (err);
      answer({ errMsg: reason.errMsg || `${call.api}:fail ${reason.code || "error"}` });
    }
  }

  /**
   * wx.config: the server checks it as WeChat does.
   * @param {Record<string, any>} args
   * @param {string} url
   */
  async checkConfig(args, url) {
    this.config = { state: "checking", granted: new Set() };
    this.configAppId = String(args.appId ?? "");
    try {
      const done = await this.app.api.request("POST", `/miniapps/${this.miniapp.id}/js-config`, {
        json: {
          url,
          appId: String(args.appId ?? ""),
          timestamp: String(args.timestamp ?? ""),
          nonceStr: String(args.nonceStr ?? ""),
          signature: String(args.signature ?? ""),
          jsApiList: args.jsApiList ?? [],
        },
      });
      this.config = { state: "ok", granted: new Set(done.granted) };
      return { errMsg: "config:ok" };
    } catch (err) {
      this.config = { state: "failed", granted: new Set() };
      return { errMsg: configError(/** @type {{code?: string}} */ (err).code || "internal") };
    }
  }

  /**
   * Carry out one permitted call; throws {errMsg} for the SDK's fail and cancel.
   * @param {string} api
   * @param {Record<string, any>} args
   * @returns {Promise<Record<string, any>>}
   */
  async run(api, args) {
    const id = this.miniapp.id;
    if (VOICE_APIS.has(api)) return this.voice.run(api, args);
    switch (api) {
      case "checkJsApi": {
        const names = Array.isArray(args.jsApiList) ? args.jsApiList.slice(0, 100) : [];
        return { checkResult: Object.fromEntries(names.map((n) => [String(n), this.apis.supported.has(String(n))])) };
      }
      case "getNetworkType":
        return { networkType: networkType(/** @type {any} */ (navigator).connection, navigator.onLine) };
      case "closeWindow":
        setTimeout(() => this.app.back(), 0);
        return {};
      case "updateAppMessageShareData":
      case "onMenuShareAppMessage":
        this.shareData = {
          title: String(args.title || ""),
          link: String(args.link || ""),
          imgUrl: String(args.imgUrl || ""),
        };
        return {};
      case "updateTimelineShareData":
      case "onMenuShareTimeline":
        this.timelineData = {
          title: String(args.title || ""),
          link: String(args.link || ""),
          imgUrl: String(args.imgUrl || ""),
        };
        return {};
      case "login": {
        const { code } = await this.app.api.request("POST", `/miniapps/${id}/login`);
        return { code };
      }
      case "getShareInfo": {
        const sealed = await this.app.api.request("POST", `/miniapps/${id}/share-info`, {
          json: { share_ticket: String(args.shareTicket || "") },
        });
        return sealed;
      }
      case "getLaunchOptions":
        return this.launchOptions();
      case "setUserCloudStorage":
        await this.app.api.request("POST", `/miniapps/${id}/storage`, { json: { kv_list: args.KVDataList } });
        return {};
      case "getUserCloudStorage": {
        const { kv_list } = await this.app.api.request("POST", `/miniapps/${id}/storage/query`, {
          json: { keys: args.keyList },
        });
        return { KVDataList: kv_list };
      }
      case "removeUserCloudStorage":
        await this.app.api.request("POST", `/miniapps/${id}/storage/remove`, { json: { keys: args.keyList } });
        return {};
      case "getRank": {
        // All a game learns of a ranking: its player's rank and how many friends play.
        const q = rankingQuery(
          String(args.key || ""),
          args.period === "week" ? "week" : "all",
          args.shareTicket || null,
        );
        const { rank, count } = await this.app.api.request("GET", `/miniapps/${id}/rank?${q}`);
        return { rank, count };
      }
      case "openRanking":
        // Drawn here, in the client's own panel: the page gets nothing of it back.
        await openRanking(this.app, this.miniapp, {
          key: String(args.key || ""),
          period: String(args.period || "all"),
          shareTicket: args.shareTicket ? String(args.shareTicket) : null,
        });
        return {};
      case "chooseImage":
        return this.chooseImage(Math.min(9, Math.max(1, Number(args.count) || 9)));
      case "getLocalImgData":
        return { localData: await dataUrl(this.picture(api, args.localId)) };
      case "previewImage":
        this.preview(String(args.current || (Array.isArray(args.urls) ? args.urls[0] : "") || ""));
        return {};
      case "uploadImage": {
        const { media } = await this.app.api.uploadMedia(this.picture(api, args.localId), "image", "image");
        const { server_id } = await this.app.api.request("POST", `/miniapps/${id}/uploads`, {
          json: { media_id: media.id },
        });
        return { serverId: server_id };
      }
      case "downloadImage": {
        // A picture the app's account uploaded (its serverId): fetched by the client, handed
        // to the page as a local picture (getLocalImgData, previewImage, uploadImage).
        const serverId = String(args.serverId ?? "");
        if (!/^[\w-]{1,128}$/.test(serverId)) throw { errMsg: "downloadImage:fail invalid serverId" };
        const blob = await this.app.api.request("GET", `/miniapps/${id}/downloads/${serverId}`, { blob: true });
        const localId = `wxLocalResource://${crypto.randomUUID()}`;
        this.pictures.set(localId, blob);
        return { localId };
      }
      case "scanQRCode":
        return this.scan(Number(args.needResult) === 1);
      case "getLocation":
        return this.location();
      case "chooseWXPay": {
        const prepayId = /^prepay_id=(.+)$/.exec(String(args.package || ""))?.[1];
        if (!prepayId) throw { errMsg: "chooseWXPay:fail package must be prepay_id=..." };
        // WeChat's signed parameters (wechatpy's get_jsapi_params): the server checks paySign
        // with the merchant's key; appId, when the page leaves it out, is its wx.config's.
        const signed = {
          app_id: String(args.appId ?? this.configAppId),
          timestamp: String(args.timestamp ?? args.timeStamp ?? ""),
          nonce_str: String(args.nonceStr ?? ""),
          package: String(args.package),
          sign_type: String(args.signType ?? "MD5"),
          pay_sign: String(args.paySign ?? ""),
        };
        const { paid, refused } = await openPaySheet(this.app, { prepayId, signed });
        if (refused) throw { errMsg: `chooseWXPay:fail ${refused}` };
        if (!paid) throw { errMsg: "chooseWXPay:cancel" };
        return {};
      }
      default:
        throw { errMsg: `${api}:fail not supported` };
    }
  }

  async launchOptions() {
    const options = { path: this.path || "/", scene: this.cid ? 1044 : 1001, shareTicket: undefined };
    const view = this.cid ? this.app.store.conversations.get(this.cid) : null;
    if (view && view.conversation.kind === "group") {
      const { share_ticket } = await this.app.api.request("POST", `/miniapps/${this.miniapp.id}/share-tickets`, {
        json: { conversation_id: this.cid },
      });
      return { ...options, shareTicket: share_ticket };
    }
    return options;
  }

  /**
   * @param {string} api the call naming it (its errMsg's prefix)
   * @param {unknown} localId
   */
  picture(api, localId) {
    const blob = this.pictures.get(String(localId));
    if (!blob) throw { errMsg: `${api}:fail invalid localId` };
    return blob;
  }

  /**
   * An action sheet of ours: the person picks (a real click here, so the browser's file
   * chooser may open; a call from the frame alone could not open it).
   * @param {number} count
   */
  async chooseImage(count) {
    /** @type {File[]|undefined} */
    const files = await dialog(
      (close) => {
        const input = /** @type {HTMLInputElement} */ (
          h("input#miniapp-images.sr-only", {
            type: "file",
            accept: "image/*",
            multiple: count > 1,
            onchange: () => close([...(input.files || [])].slice(0, count)),
          })
        );
        return h(
          "div.sheet-body",
          h("p.sheet-title", t("miniapp.choose_image", { name: this.miniapp.name })),
          input,
          h("label.sheet-item#miniapp-pick", { for: "miniapp-images" }, t("miniapp.from_album")),
          h("button.sheet-item.sheet-cancel", { type: "button", onclick: () => close() }, t("common.cancel")),
        );
      },
      { label: t("miniapp.choose_image", { name: this.miniapp.name }), sheet: true },
    );
    if (!files || !files.length) throw { errMsg: "chooseImage:cancel" };
    const localIds = files.map((file) => {
      const localId = `wxLocalResource://${crypto.randomUUID()}`;
      this.pictures.set(localId, file);
      return localId;
    });
    return { localIds };
  }

  /** @param {string} url an http(s) picture or a localId */
  preview(url) {
    const local = this.pictures.get(url);
    const src = local ? URL.createObjectURL(local) : /^https?:\/\//.test(url) ? url : "";
    if (!src) return;
    dialog(
      (close) =>
        h(
          "div.miniapp-preview",
          { onclick: () => close() },
          h("img#miniapp-preview-img", { src, alt: "" }),
          h(
            "button.icon-btn",
            { type: "button", "aria-label": t("common.close"), onclick: () => close() },
            icon("close"),
          ),
        ),
      { label: t("miniapp.preview") },
    ).then(() => local && URL.revokeObjectURL(src));
  }

  /** @param {boolean} needResult */
  async scan(needResult) {
    /** @type {string|null|undefined} */
    const text = await dialog(
      (close) =>
        h(
          "div.sheet-body",
          h("p.sheet-title", t("miniapp.scan")),
          pictureInput("miniapp-scan-file", (found) => close(found)),
          h("label.sheet-item#miniapp-scan-pick", { for: "miniapp-scan-file" }, t("scan.pick_picture")),
          h("button.sheet-item.sheet-cancel", { type: "button", onclick: () => close() }, t("common.cancel")),
        ),
      { label: t("miniapp.scan"), sheet: true },
    );
    if (text === undefined) throw { errMsg: "scanQRCode:cancel" };
    if (text === null) throw { errMsg: "scanQRCode:fail no code found" };
    if (!needResult && !openScanned(this.app, text)) toast(text);
    return needResult ? { resultStr: text } : {};
  }

  async location() {
    if (!this.locationAllowed) {
      this.locationAllowed = await confirmDialog(t("miniapp.location_ask", { name: this.miniapp.name }), {
        ok: t("miniapp.allow"),
      });
      if (!this.locationAllowed) throw { errMsg: "getLocation:fail auth deny" };
    }
    /** @type {GeolocationPosition} */
    const where = await new Promise((resolve, reject) =>
      navigator.geolocation.getCurrentPosition(resolve, () => reject({ errMsg: "getLocation:fail" }), {
        timeout: 10_000,
      }),
    );
    const c = where.coords;
    return { latitude: c.latitude, longitude: c.longitude, speed: c.speed ?? 0, accuracy: c.accuracy };
  }

  async menu() {
    const choice = await actionSheet(
      [
        { label: t("miniapp.share"), value: "share" },
        { label: t("miniapp.share_moments"), value: "moments" },
        { label: t("miniapp.copy_link"), value: "copy" },
        { label: t("miniapp.about"), value: "about" },
      ],
      this.miniapp.name,
    );
    if (choice === "share") this.share();
    else if (choice === "moments") this.shareToMoments();
    else if (choice === "copy") {
      await navigator.clipboard?.writeText(linkFor("app", String(this.miniapp.id), location.origin));
      toast(t("miniapp.link_copied"));
    } else if (choice === "about") this.about();
  }

  /** Share the app's card (what the page set with updateAppMessageShareData) into a chat. */
  async share() {
    const cid = await pickChat(this.app);
    if (!cid) return;
    const link = this.shareData.link || "";
    const path = link ? new URL(link, this.miniapp.entry_url).href : this.lastUrl || "/";
    try {
      const { message } = await this.app.api.request("POST", `/miniapps/${this.miniapp.id}/share`, {
        json: {
          conversation_id: cid,
          client_msg_id: `app-${crypto.randomUUID().slice(0, 24)}`,
          title: this.shareData.title || this.miniapp.name,
          path,
          image_url: this.shareData.imgUrl || "",
        },
      });
      this.app.store.putMessage(message, false);
      toast(t("miniapp.shared"));
    } catch (err) {
      toast(errorText(err), { kind: "error" });
    }
  }

  /** Post the page (what it set with updateTimelineShareData) to my Moments as a link. */
  async shareToMoments() {
    const link = this.timelineData.link || this.shareData.link || "";
    const url = link ? new URL(link, this.miniapp.entry_url).href : this.lastUrl || this.miniapp.entry_url;
    const title = this.timelineData.title || this.shareData.title || this.miniapp.name;
    // The link's picture: the server fetches it (under its SSRF guard) and keeps it; the
    // card goes without one if it cannot.
    const img = this.timelineData.imgUrl || this.shareData.imgUrl || "";
    const picture = img ? new URL(img, url).href : "";
    const card = { url, title, ...(/^https?:\/\//.test(picture) ? { picture_url: picture } : {}) };
    try {
      // A post needs words or a picture: the title says what the link is.
      await this.app.api.createPost({ text: title, link: card });
      toast(t("miniapp.shared_moments"));
    } catch (err) {
      toast(errorText(err), { kind: "error" });
    }
  }

  about() {
    const link = linkFor("app", String(this.miniapp.id), location.origin);
    dialog(
      (close) =>
        h(
          "div.dialog-body.miniapp-about",
          h("h2.dialog-title", this.miniapp.name),
          h(
            "p.miniapp-publisher",
            accountAvatar(this.publisher, 32),
            h("span", t("miniapp.by", { name: this.publisher.name })),
          ),
          h("p.card-hint", t("miniapp.domains", { domains: this.miniapp.domains.join(", ") })),
          h("img.miniapp-qr#miniapp-qr", { src: qrImageUrl(link), alt: t("miniapp.qr"), width: 200, height: 200 }),
          h("p.miniapp-link", link),
          h(
            "div.dialog-actions",
            h("button.btn.btn-primary", { type: "button", onclick: () => close() }, t("common.ok")),
          ),
        ),
      { label: t("miniapp.about") },
    );
  }
}

/** @param {Blob} blob */
function dataUrl(blob) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject({ errMsg: "getLocalImgData:fail" });
    reader.readAsDataURL(blob);
  });
}

/**
 * Which chat a card goes to.
 * @param {App} app
 * @returns {Promise<number|undefined>}
 */
function pickChat(app) {
  const views = app.store.chatList().filter((v) => !["official", "service"].includes(v.conversation.kind));
  return dialog(
    (close) =>
      h(
        "div.dialog-body.miniapp-share",
        h("h2.dialog-title", t("miniapp.share_to")),
        h(
          "ul.pick-list",
          views.map((view) =>
            h(
              "li",
              h(
                "button.pick-row",
                { type: "button", onclick: () => close(view.conversation.id) },
                conversationAvatar(app.store, view, 36),
                h("span.pick-name", conversationTitle(app.store, view)),
              ),
            ),
          ),
        ),
        h(
          "div.dialog-actions",
          h("button.btn.btn-plain", { type: "button", onclick: () => close() }, t("common.cancel")),
        ),
      ),
    { label: t("miniapp.share_to") },
  );
}

/**
 * Discover → Mini apps (`#/miniapps`): every app registered on this server.
 * @param {App} app
 * @param {HTMLElement} root
 */
export function mountMiniApps(app, root) {
  const list = h("ul.list.card-list.miniapp-list", h("li.card-hint", t("common.loading")));
  root.append(topbar({ title: t("discover.mini_apps"), back: () => app.back() }), h("div.scroll.page", list));
  app.api
    .request("GET", "/miniapps")
    .then((/** @type {{apps: MiniApp[]}} */ { apps }) => {
      list.replaceChildren(
        ...(apps.length
          ? apps.map((a) =>
              h(
                "li",
                h(
                  "a.row.miniapp-row",
                  { href: `#/app/${a.id}`, dataset: { app: String(a.id) } },
                  a.icon
                    ? h("img.row-icon.miniapp-icon", { src: a.icon, alt: "", width: 36, height: 36 })
                    : h("span.row-icon.orange", icon("sparkle")),
                  h("span.row-text", a.name),
                  icon("chevron", "cell-chevron"),
                ),
              ),
            )
          : [h("li.empty-state", t("miniapp.none"))]),
      );
    })
    .catch((err) => list.replaceChildren(h("li.empty-state", { role: "alert" }, errorText(err))));
  return {};
}
