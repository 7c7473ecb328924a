// @ts-check
/**
 * Message bubbles: text (links, highlighted @mentions), image (thumbnail, full-screen
 * viewer with "Add to stickers"), voice (duration, waveform, playback with progress, an
 * unplayed dot), video (poster, duration, plays inline), file (name, size, download), sticker (the picture alone, animated as it
 * came), location (a card linking to OpenStreetMap: no map tiles are fetched), contact
 * card (opens the person's profile), official accounts' news cards and template notices, a shop's order and product cards (views/shop/),
 * and a fallback for a kind this client does not know, which never breaks the list. A
 * bubble is built from a message, or from a pending outbox item that the server does not
 * have yet.
 */

import { h, icon, empty, toast } from "../dom.js";
import { formatClock, formatDuration, formatFull, formatSize, t } from "../i18n.js";
import { bubbleSize } from "../media.js";
import { userAvatar } from "../common.js";
import { stickersOf } from "../stickers.js";
import { historyBubble } from "./history.js";
import { transferBubble } from "./wallet.js";
import { redPacketBubble } from "./redpacket.js";
import { formatted } from "./conversation/entities.js";
import { productBubble } from "./shop/storefront.js";
import { orderBubble } from "./shop/orders.js";

const PLAYED = "ml.played";
const played = new Set(JSON.parse(localStorage.getItem(PLAYED) || "[]"));

function markPlayed(id) {
  played.add(id);
  localStorage.setItem(PLAYED, JSON.stringify([...played].slice(-2000)));
}

/** One <audio> plays at a time; the bubble that owns it shows progress. */
const player = {
  /** @type {HTMLAudioElement|null} */
  audio: null,
  /** @type {HTMLElement|null} the bubble playing */
  owner: null,
  stop() {
    if (this.audio) {
      this.audio.ontimeupdate = null;
      this.audio.onended = null;
      this.audio.pause();
      this.audio.src = "";
    }
    this.owner?.classList.remove("playing");
    this.owner?.querySelectorAll(".bar.on").forEach((bar) => bar.classList.remove("on"));
    this.owner?.style.setProperty("--progress", "0");
    this.owner = null;
  },
};

/**
 * The URL to show for a media item: the local copy if this device sent it, else signed.
 * @param {import("../app.js").App} app
 * @param {any} media
 * @param {"url"|"thumbnail_url"} which
 */
async function urlOf(app, media, which) {
  const local = app.media.localUrl(media.id);
  if (local) return local;
  const urls = await app.media.get(media.id);
  return (which === "thumbnail_url" && urls.thumbnail_url) || urls.url;
}

/** A waveform of `count` bars from 64 points (0..255). */
function waveform(points, count) {
  const bars = h("span.wave", { "aria-hidden": "true" });
  const values = points && points.length ? points : Array.from({ length: 64 }, () => 60);
  for (let i = 0; i < count; i++) {
    const from = Math.floor((i * values.length) / count);
    const to = Math.max(from + 1, Math.floor(((i + 1) * values.length) / count));
    const peak = Math.max(...values.slice(from, to));
    const bar = h("span.bar");
    bar.style.setProperty("--h", String(Math.max(0.12, peak / 255)));
    bars.append(bar);
  }
  return bars;
}

function imageBubble(app, media, { blobUrl, alt }) {
  const size = bubbleSize(media?.width, media?.height);
  const img = h("img", { alt, width: size.width, height: size.height, decoding: "async" });
  const button = h("button.bubble.bubble-image", { type: "button", "aria-label": t("msg.open_image") }, img);
  button.style.setProperty("--w", `${size.width}px`);
  button.style.setProperty("--h", `${size.height}px`);
  if (blobUrl) img.src = blobUrl;
  else if (media) {
    const which = media.has_thumbnail ? "thumbnail_url" : "url";
    img.addEventListener("error", () => button.classList.add("broken"), { once: true });
    urlOf(app, media, which)
      .then((url) => {
        img.src = url;
      })
      // No signed link (offline): the service worker may have kept the picture.
      .catch(() => {
        img.src = `/m/${media.id}${media.has_thumbnail ? "/thumbnail" : ""}`;
      });
    button.addEventListener("click", () => openViewer(app, media));
  }
  return button;
}

function voiceBubble(app, message, media, { mine, pending }) {
  const duration = media?.duration_ms || 0;
  const seconds = Math.round(duration / 1000);
  const count = Math.max(14, Math.min(40, 12 + seconds));
  const unplayed = !mine && !pending && !played.has(message.id);
  const button = h(
    "button.bubble.bubble-voice",
    {
      type: "button",
      "aria-label": t("msg.play_voice", { duration: formatDuration(duration) }),
      dataset: { duration: String(duration) },
    },
    h("span.voice-icon", icon("play", "play"), icon("pause", "pause")),
    waveform(media?.waveform, count),
    h("span.voice-duration", formatDuration(duration)),
  );
  const wrap = h("span.voice-wrap", button, unplayed ? h("span.unplayed-dot", { title: t("msg.unplayed") }) : null);
  if (pending) {
    button.disabled = true;
    return wrap;
  }
  button.addEventListener("click", async () => {
    if (player.owner === button) {
      player.stop();
      return;
    }
    player.stop();
    const audio = (player.audio ||= new Audio());
    player.owner = button;
    button.classList.add("playing");
    wrap.querySelector(".unplayed-dot")?.remove();
    markPlayed(message.id);
    try {
      audio.src = await urlOf(app, media, "url");
      audio.ontimeupdate = () => {
        const total = audio.duration && Number.isFinite(audio.duration) ? audio.duration * 1000 : duration;
        const progress = Math.min(1, (audio.currentTime * 1000) / (total || 1));
        button.style.setProperty("--progress", String(progress));
        const bars = button.querySelectorAll(".bar");
        const lit = Math.round(progress * bars.length);
        bars.forEach((bar, i) => bar.classList.toggle("on", i < lit));
        button.dataset.position = String(Math.round(audio.currentTime * 1000));
      };
      audio.onended = () => {
        button.dataset.played = "ended";
        player.stop();
      };
      await audio.play();
      button.dataset.played = "started";
    } catch (err) {
      console.warn("voice", err);
      player.stop();
    }
  });
  return wrap;
}

/**
 * A video: its poster (the server's first frame; on the device that sent it, the first
 * frame of its own copy) with the duration and a play button. Tapping plays it inline
 * with the browser's controls, from a signed link (Range requests let it seek).
 * @param {import("../app.js").App} app
 * @param {any} media
 * @param {{blobUrl: string|null}} o the local copy of a video still being sent
 */
function videoBubble(app, media, { blobUrl }) {
  const size = bubbleSize(media?.width, media?.height);
  const duration = media?.duration_ms || 0;
  const video = /** @type {HTMLVideoElement} */ (
    h("video.video-player", { playsInline: true, preload: "none", "aria-label": t("msg.video") })
  );
  const play = h(
    "button.video-play",
    { type: "button", "aria-label": t("msg.play_video", { duration: formatDuration(duration) }) },
    icon("play"),
  );
  const box = h("div.bubble.bubble-video", video, play, h("span.video-duration", formatDuration(duration)));
  box.style.setProperty("--w", `${size.width}px`);
  box.style.setProperty("--h", `${size.height}px`);
  const local = blobUrl || (media?.id ? app.media.localUrl(media.id) : null);
  if (local) {
    video.preload = "metadata"; // its first frame is the poster
    video.src = local;
  } else if (media?.id) {
    app.media
      .get(media.id)
      .then((urls) => {
        if (urls.thumbnail_url) video.poster = urls.thumbnail_url;
      })
      .catch(() => box.classList.add("broken"));
  }
  if (blobUrl || !media?.id) {
    play.setAttribute("disabled", "");
    return box;
  }
  play.addEventListener("click", async () => {
    player.stop(); // a voice message playing stops
    box.classList.add("playing");
    video.controls = true;
    try {
      if (!video.src) video.src = (await app.media.get(media.id)).url;
      await video.play();
    } catch (err) {
      console.warn("video", err);
      box.classList.remove("playing");
      video.controls = false;
      toast(t("msg.video_unavailable"), { kind: "error" });
    }
  });
  return box;
}

function fileBubble(app, media, name, size) {
  const link = h(
    "a.bubble.bubble-file",
    { href: "#", download: name, "aria-label": t("msg.download_file", { name }) },
    h("span.file-info", h("span.file-name", name), h("span.file-size", formatSize(size || 0))),
    h("span.file-icon", icon("file"), h("span.file-ext", (name.split(".").pop() || "").slice(0, 4).toUpperCase())),
  );
  link.addEventListener("click", async (e) => {
    e.preventDefault();
    if (!media) return;
    const url = await urlOf(app, media, "url");
    const a = h("a", { href: url, download: name });
    document.body.append(a);
    a.click();
    a.remove();
  });
  return link;
}

/**
 * The bubble of a message (or of a pending item, with `pending`). A kind this client does
 * not know, or a payload it cannot read, shows the fallback instead of breaking the list.
 * @param {import("../app.js").App} app
 * @param {any} message a message, or a pending item shaped like one
 * @param {{mine: boolean, pending?: any, service?: boolean}} o `service`: in service
 *   notifications, whose card offers its own mute (conversation/service.js)
 */
export function bubble(app, message, { mine, pending, service = false }) {
  try {
    return kindBubble(app, message, { mine, pending, service });
  } catch (err) {
    console.warn("bubble", message.kind, err);
    return unsupported();
  }
}

function unsupported() {
  return h("div.bubble.bubble-text.unsupported", t("msg.unsupported"));
}

/**
 * @param {import("../app.js").App} app
 * @param {any} message
 * @param {{mine: boolean, pending?: any, service?: boolean}} o
 */
function kindBubble(app, message, { mine, pending, service = false }) {
  const media = pending ? pending.media || localMedia(pending) : message.data?.media;
  const data = pending ? pending.data : message.data;
  switch (message.kind) {
    case "image": {
      const blobUrl = pending?.blob ? localBlobUrl(pending) : null;
      return h(
        "div.bubble-stack",
        imageBubble(app, media, { blobUrl, alt: t("msg.image") }),
        message.text ? h("div.bubble.bubble-text.caption", richText(app, message)) : null,
      );
    }
    case "voice":
      return voiceBubble(app, message, media, { mine, pending });
    case "video":
      return videoBubble(app, media, { blobUrl: pending?.blob ? localBlobUrl(pending) : null });
    case "file":
      return fileBubble(
        app,
        pending ? null : media,
        media?.name || pending?.name || "file",
        media?.size || pending?.blob?.size,
      );
    case "text":
      return h(`div.bubble.bubble-text${app.store.mentionsMe(message) ? ".mentions-me" : ""}`, richText(app, message));
    case "sticker":
      return stickerBubble(app, media);
    case "location":
      return locationBubble(data);
    case "card":
      return cardBubble(app, data);
    case "news":
      return newsBubble(message.data?.articles || []);
    case "template":
      return message.data?.template_id === "miniapp.beaten"
        ? gameNotice(app, message, service)
        : templateBubble(message);
    case "history":
      return historyBubble(app, message);
    case "transfer":
      return transferBubble(app, message, mine);
    case "red_packet":
      return redPacketBubble(app, message, mine);
    case "app":
      return appBubble(message);
    case "order":
      return orderBubble(app, message);
    case "product":
      return productBubble(app, message);
    default:
      return unsupported();
  }
}

/** The largest side of a sticker on screen, in CSS pixels. */
const STICKER_PX = 128;

/**
 * A sticker: the picture without a bubble, at its own proportions, animated as it came
 * (the full image, not the still thumbnail). Tapping it opens the viewer.
 * @param {import("../app.js").App} app
 * @param {any} media
 */
function stickerBubble(app, media) {
  if (!media) return unsupported();
  const scale = Math.min(1, STICKER_PX / Math.max(media.width || STICKER_PX, media.height || STICKER_PX));
  const width = Math.round((media.width || STICKER_PX) * scale);
  const height = Math.round((media.height || STICKER_PX) * scale);
  const img = h("img", { alt: t("msg.sticker"), width, height, decoding: "async" });
  const button = h("button.bubble.bubble-sticker", { type: "button", "aria-label": t("msg.sticker") }, img);
  if (media.id) {
    urlOf(app, media, "url")
      .then((url) => {
        img.src = url;
      })
      .catch(() => button.classList.add("broken"));
    button.addEventListener("click", () => openViewer(app, media));
  }
  return button;
}

/**
 * The OpenStreetMap page of a place (the browser opens it; we fetch no tiles).
 * @param {number} lat
 * @param {number} lon
 */
export function osmLink(lat, lon) {
  const la = Number(lat).toFixed(6);
  const lo = Number(lon).toFixed(6);
  return `https://www.openstreetmap.org/?mlat=${la}&mlon=${lo}#map=16/${la}/${lo}`;
}

/** A location: the place name, address and coordinates, linking to OpenStreetMap. */
function locationBubble(data) {
  if (!data || !Number.isFinite(data.latitude) || !Number.isFinite(data.longitude)) return unsupported();
  const coords = `${Number(data.latitude).toFixed(5)}, ${Number(data.longitude).toFixed(5)}`;
  const name = data.name || t("msg.location");
  return h(
    "a.bubble.bubble-location",
    {
      href: osmLink(data.latitude, data.longitude),
      target: "_blank",
      rel: "noopener noreferrer",
      "aria-label": t("msg.open_location", { name }),
    },
    h(
      "span.location-text",
      h("span.location-name", name),
      data.address ? h("span.location-address", data.address) : null,
      h("span.location-coords", coords),
    ),
    h("span.location-pin", { "aria-hidden": "true" }, icon("pin")),
    h("span.location-foot", t("msg.location_osm")),
  );
}

/**
 * A contact card: the person's picture and names; it opens their profile (which offers
 * "Add to contacts" when they are not one of mine).
 * @param {import("../app.js").App} app
 * @param {any} data
 */
function cardBubble(app, data) {
  const uid = Number(data?.user_id);
  if (!uid) return unsupported();
  const { store } = app;
  // The card carries the person as they were at sending: enough to show them before a fetch.
  if (!store.users.has(uid) && data.username) {
    store.users.set(uid, {
      id: uid,
      username: data.username,
      display_name: data.display_name || "",
      avatar: data.avatar ?? null,
    });
  }
  const name = data.display_name || data.username || store.nameOf(uid);
  return h(
    "a.bubble.bubble-card",
    { href: `#/user/${uid}`, "aria-label": t("msg.open_card", { name }), dataset: { uid: String(uid) } },
    h(
      "span.card-main",
      store.users.has(uid) ? userAvatar(store, uid, 44) : null,
      h("span.card-names", h("span.card-name", name), data.username ? h("span.card-username", data.username) : null),
    ),
    h("span.card-foot", t("msg.contact_card")),
  );
}

/**
 * A mini app's card: its title and picture, the app's name; opening it starts the app at
 * the card's path, in this conversation (a group's card gives the app a share ticket).
 * @param {any} message
 */
function appBubble(message) {
  const data = message.data || {};
  const id = Number(data.app_id);
  if (!id) return unsupported();
  const query = new URLSearchParams({ path: String(data.path || "/"), cid: String(message.conversation_id) });
  return h(
    "a.bubble.bubble-app",
    {
      href: `#/app/${id}?${query}`,
      "aria-label": t("msg.open_app", { name: data.name || "" }),
      dataset: { app: String(id) },
    },
    h("span.app-card-title", data.title || data.name || ""),
    data.image_url ? h("img.app-card-image", { src: data.image_url, alt: "", loading: "lazy" }) : null,
    h(
      "span.card-foot.app-card-foot",
      data.icon ? h("img.app-card-icon", { src: data.icon, alt: "", width: 16, height: 16 }) : icon("sparkle"),
      h("span", data.name || t("msg.mini_app")),
    ),
  );
}

/**
 * A text with its links made clickable and the @mentions of the message highlighted.
 * @param {import("../app.js").App} app
 * @param {any} message
 */
function richText(app, message) {
  const text = message.text || "";
  if (message.data?.entities?.length) return formatted(text, message.data.entities, linkify);
  const { store } = app;
  /** @type {Set<string>} */
  const names = new Set();
  for (const uid of message.mentions || []) {
    const user = store.users.get(uid);
    for (const name of [store.nameOf(uid), user?.display_name, user?.username]) if (name) names.add(`@${name}`);
  }
  if (message.mention_all) names.add(`@${t("mention.all")}`).add("@All");
  if (!names.size) return linkify(text);
  // Longest first, so "@Ann Lee" wins over "@Ann".
  const pattern = [...names]
    .sort((a, b) => b.length - a.length)
    .map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join("|");
  const out = [];
  let last = 0;
  for (const m of text.matchAll(new RegExp(pattern, "g"))) {
    const at = m.index ?? 0;
    out.push(linkify(text.slice(last, at)));
    out.push(h("span.mention", m[0]));
    last = at + m[0].length;
  }
  out.push(linkify(text.slice(last)));
  return out;
}

/** Open an article or a page an official account links to (a new tab, no referrer). */
export function openPage(url) {
  if (/^#\/[\w/]+$/.test(url || ""))
    location.hash = url; // a page of the app (a new chapter's notice)
  else if (/^https?:\/\//i.test(url || "")) window.open(url, "_blank", "noopener,noreferrer");
}

function cover(url, cls) {
  if (!url) return null;
  const img = h(`img.${cls}`, { src: url, alt: "", loading: "lazy", decoding: "async", referrerpolicy: "no-referrer" });
  img.addEventListener("error", () => img.classList.add("broken"));
  return img;
}

/** An official account's articles: one big card, or a cover story and a list. */
function newsBubble(articles) {
  const [first, ...rest] = articles;
  if (!first) return h("div.bubble.bubble-text.unsupported", t("msg.unsupported"));
  const label = (a) => t("msg.open_article", { title: a.title });
  if (!rest.length) {
    return h(
      "button.bubble.bubble-news.single",
      { type: "button", "aria-label": label(first), onclick: () => openPage(first.url) },
      h("span.news-title", first.title),
      cover(first.picurl, "news-cover-img"),
      first.description ? h("span.news-digest", first.description) : null,
      h("span.news-more", t("msg.read_article"), icon("chevron")),
    );
  }
  return h(
    "div.bubble.bubble-news.multi",
    { role: "group", "aria-label": t("msg.articles", { count: articles.length }) },
    h(
      "button.news-lead",
      { type: "button", "aria-label": label(first), onclick: () => openPage(first.url) },
      cover(first.picurl, "news-cover-img"),
      h("span.news-lead-title", first.title),
    ),
    rest.map((a) =>
      h(
        "button.news-item",
        { type: "button", "aria-label": label(a), onclick: () => openPage(a.url) },
        h("span.news-item-title", a.title),
        cover(a.picurl, "news-thumb"),
      ),
    ),
  );
}

/** A template message: a notice card with its title, time, text and a details link. */
function templateBubble(message) {
  const d = message.data || {};
  const parts = [
    h("span.tpl-title", d.title || ""),
    h("span.tpl-time", formatFull(message.created_at)),
    h("span.tpl-text", d.text || ""),
    d.url ? h("span.tpl-more", t("msg.details"), icon("chevron")) : null,
  ];
  return d.url
    ? h(
        "button.bubble.bubble-template",
        { type: "button", "aria-label": `${d.title}: ${t("msg.details")}`, onclick: () => openPage(d.url) },
        parts,
      )
    : h("div.bubble.bubble-template", parts);
}

/**
 * A game's "beaten" notice (docs/miniapps.md, "Games"): opens the game here, and offers to
 * mute the game's notices from the card itself (in service notifications, the card's
 * own mute stands in for it).
 * @param {import("../app.js").App} app
 * @param {any} message
 * @param {boolean} service
 */
function gameNotice(app, message, service) {
  const d = message.data || {};
  const appId = Number(d.fields?.app_id?.value);
  const mute = h(
    "button.btn.btn-plain.game-notice-mute",
    {
      type: "button",
      onclick: async (/** @type {Event} */ e) => {
        e.stopPropagation();
        try {
          await app.api.request("PUT", `/miniapps/${appId}/notices`, { json: { muted: true } });
          toast(t("ranking.muted"));
        } catch (err) {
          toast(t("error.generic", { code: /** @type {{code?: string}} */ (err)?.code || "internal" }), {
            kind: "error",
          });
        }
      },
    },
    t("ranking.mute"),
  );
  return h(
    "div.bubble.bubble-template.game-notice",
    h(
      "button.game-notice-open",
      {
        type: "button",
        "aria-label": `${d.title}: ${t("msg.details")}`,
        onclick: () => (location.hash = `#/app/${appId}`),
      },
      h("span.tpl-title", d.title || ""),
      h("span.tpl-time", formatFull(message.created_at)),
      h("span.tpl-text", d.text || ""),
      h("span.tpl-more", t("msg.details"), icon("chevron")),
    ),
    Number.isSafeInteger(appId) && appId > 0 && !service ? mute : null,
  );
}

const blobUrls = new WeakMap();
function localBlobUrl(item) {
  if (!blobUrls.has(item.blob)) blobUrls.set(item.blob, URL.createObjectURL(item.blob));
  return blobUrls.get(item.blob);
}

function localMedia(item) {
  return { id: null, kind: item.kind, name: item.name, size: item.blob?.size, ...(item.local || {}) };
}

/** Text with web links made clickable (opened in a new tab, no referrer). */
function linkify(text) {
  const out = [];
  let last = 0;
  for (const m of text.matchAll(/\bhttps?:\/\/[^\s<>"]+[^\s<>".,;:!?)\]]/g)) {
    out.push(text.slice(last, m.index));
    out.push(h("a", { href: m[0], target: "_blank", rel: "noopener noreferrer" }, m[0]));
    last = m.index + m[0].length;
  }
  out.push(text.slice(last));
  return out;
}

/**
 * The delivery state under a bubble (times are in the separators between messages, as in
 * WeChat, not under every bubble; the time is still the row's tooltip, for a pointer).
 * @param {{created_at: number}} message
 * @param {"sending"|"sent"|"read"|"failed"|null} state null for others' messages
 * @param {HTMLElement|null} [note] a broadcast's tag
 */
export function meta(message, state, note = null) {
  const time = h(
    "time.sr-only",
    { datetime: new Date(message.created_at).toISOString() },
    formatClock(message.created_at),
  );
  if (!state) return note ? h("div.msg-meta", time, note) : h("div.msg-meta.empty", time);
  /** @type {Record<string, Parameters<typeof icon>[0]>} */
  const icons = { sending: "clock", sent: "check", read: "checks", failed: "alert" };
  return h(
    "div.msg-meta",
    time,
    h(
      `span.msg-state.state-${state}`,
      { title: t(`msg.state_${state}`) },
      icon(icons[state]),
      h("span.sr-only", t(`msg.state_${state}`)),
    ),
  );
}

/**
 * The full-screen image viewer (Escape or a tap closes it).
 * @param {import("../app.js").App} app
 * @param {any} media
 */
export async function openViewer(app, media) {
  const img = h("img.viewer-img", { alt: t("msg.image") });
  const close = () => {
    overlay.remove();
    if (returnTo instanceof HTMLElement) returnTo.focus();
  };
  const returnTo = document.activeElement;
  const download = h(
    "a.icon-btn.viewer-btn",
    { href: "#", download: media.name || "image", "aria-label": t("msg.download") },
    icon("download"),
  );
  const addSticker = h(
    "button.icon-btn.viewer-btn",
    {
      type: "button",
      "aria-label": t("sticker.add"),
      title: t("sticker.add"),
      hidden: !media.id,
      onclick: async () => {
        try {
          await stickersOf(app).add(media.id);
          toast(t("sticker.added"));
        } catch (err) {
          toast(t(stickerError(err)), { kind: "error" });
        }
      },
    },
    icon("smile"),
  );
  const overlay = h(
    "div.viewer",
    {
      role: "dialog",
      "aria-modal": "true",
      "aria-label": t("msg.image"),
      tabindex: "-1",
      onkeydown: (e) => {
        if (e.key === "Escape") close();
      },
      onclick: (e) => {
        if (e.target === overlay || e.target === img) close();
      },
    },
    h(
      "div.viewer-bar",
      addSticker,
      download,
      h(
        "button.icon-btn.viewer-btn",
        { type: "button", "aria-label": t("common.close"), onclick: close },
        icon("close"),
      ),
    ),
    img,
  );
  document.body.append(overlay);
  overlay.focus();
  try {
    const url = await urlOf(app, media, "url");
    img.src = url;
    download.href = url;
  } catch {
    empty(overlay).append(h("p.viewer-error", t("msg.image_unavailable")));
  }
}

/** The words for a sticker that could not be saved. @param {unknown} err */
function stickerError(err) {
  const code = /** @type {{code?: string}} */ (err)?.code;
  if (code === "invalid_input.too_large") return "sticker.too_large";
  if (code === "network") return "error.network";
  return "sticker.add_failed";
}

export { player };
