/**
 * Message bubbles: text, image (thumbnail, full-screen viewer), voice (duration,
 * waveform, playback with progress, an unplayed dot) and file (name, size, download),
 * official accounts' news cards and template notices, plus system notes and recalled
 * messages. A bubble is built from a message, or from a
 * pending outbox item that the server does not have yet.
 */

import { h, icon, empty } from "../dom.js";
import { formatClock, formatDuration, formatFull, formatSize, t } from "../i18n.js";
import { bubbleSize } from "../media.js";

const PLAYED = "ml.played";
const played = new Set(JSON.parse(localStorage.getItem(PLAYED) || "[]"));

function markPlayed(id) {
  played.add(id);
  localStorage.setItem(PLAYED, JSON.stringify([...played].slice(-2000)));
}

/** One <audio> plays at a time; the bubble that owns it shows progress. */
const player = {
  audio: null,
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
    urlOf(app, media, media.has_thumbnail ? "thumbnail_url" : "url")
      .then((url) => { img.src = url; })
      .catch(() => button.classList.add("broken"));
    button.addEventListener("click", () => openViewer(app, media));
  }
  return button;
}

function voiceBubble(app, message, media, { mine, pending }) {
  const duration = media?.duration_ms || 0;
  const seconds = Math.round(duration / 1000);
  const count = Math.max(14, Math.min(40, 12 + seconds));
  const unplayed = !mine && !pending && !played.has(message.id);
  const button = h("button.bubble.bubble-voice", {
    type: "button", "aria-label": t("msg.play_voice", { duration: formatDuration(duration) }),
    dataset: { duration: String(duration) },
  },
  h("span.voice-icon", icon("play", "play"), icon("pause", "pause")),
  waveform(media?.waveform, count),
  h("span.voice-duration", formatDuration(duration)));
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
    player.audio ||= new Audio();
    const audio = player.audio;
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

function fileBubble(app, media, name, size) {
  const link = h("a.bubble.bubble-file", { href: "#", download: name, "aria-label": t("msg.download_file", { name }) },
    h("span.file-info", h("span.file-name", name), h("span.file-size", formatSize(size || 0))),
    h("span.file-icon", icon("file"), h("span.file-ext", (name.split(".").pop() || "").slice(0, 4).toUpperCase())));
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
 * The bubble of a message (or of a pending item, with `pending`).
 * @param {import("../app.js").App} app
 * @param {any} message a message, or a pending item shaped like one
 * @param {{mine: boolean, pending?: any}} o
 */
export function bubble(app, message, { mine, pending }) {
  const media = pending ? pending.media || localMedia(pending) : message.data?.media;
  switch (message.kind) {
    case "image": {
      const blobUrl = pending?.blob ? localBlobUrl(pending) : null;
      return h("div.bubble-stack", imageBubble(app, media, { blobUrl, alt: t("msg.image") }),
        message.text ? h("div.bubble.bubble-text.caption", message.text) : null);
    }
    case "voice":
      return voiceBubble(app, message, media, { mine, pending });
    case "file":
      return fileBubble(app, pending ? null : media, media?.name || pending?.name || "file", media?.size || pending?.blob?.size);
    case "text":
      return h("div.bubble.bubble-text", linkify(message.text || ""));
    case "news":
      return newsBubble(message.data?.articles || []);
    case "template":
      return templateBubble(message);
    default:
      return h("div.bubble.bubble-text.unsupported", t("msg.unsupported"));
  }
}

/** Open an article or a page an official account links to (a new tab, no referrer). */
export function openPage(url) {
  if (/^https?:\/\//i.test(url || "")) window.open(url, "_blank", "noopener,noreferrer");
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
    return h("button.bubble.bubble-news.single", { type: "button", "aria-label": label(first), onclick: () => openPage(first.url) },
      h("span.news-title", first.title),
      cover(first.picurl, "news-cover-img"),
      first.description ? h("span.news-digest", first.description) : null,
      h("span.news-more", t("msg.read_article"), icon("chevron")));
  }
  return h("div.bubble.bubble-news.multi", { role: "group", "aria-label": t("msg.articles", { count: articles.length }) },
    h("button.news-lead", { type: "button", "aria-label": label(first), onclick: () => openPage(first.url) },
      cover(first.picurl, "news-cover-img"), h("span.news-lead-title", first.title)),
    rest.map((a) => h("button.news-item", { type: "button", "aria-label": label(a), onclick: () => openPage(a.url) },
      h("span.news-item-title", a.title), cover(a.picurl, "news-thumb"))));
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
    ? h("button.bubble.bubble-template", { type: "button", "aria-label": `${d.title}: ${t("msg.details")}`, onclick: () => openPage(d.url) }, parts)
    : h("div.bubble.bubble-template", parts);
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

/** The small time and delivery state under a bubble. */
export function meta(message, state, note = null) {
  const time = h("time", { datetime: new Date(message.created_at).toISOString(), title: formatFull(message.created_at) },
    formatClock(message.created_at));
  if (!state) return h("div.msg-meta", time, note ? ["·", note] : null);
  const icons = { sending: "clock", sent: "check", read: "checks", failed: "alert" };
  return h("div.msg-meta", time,
    h(`span.msg-state.state-${state}`, { title: t(`msg.state_${state}`) }, icon(icons[state]), h("span.sr-only", t(`msg.state_${state}`))));
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
    returnTo?.focus();
  };
  const returnTo = document.activeElement;
  const download = h("a.icon-btn.viewer-btn", { href: "#", download: media.name || "image", "aria-label": t("msg.download") }, icon("download"));
  const overlay = h("div.viewer", {
    role: "dialog", "aria-modal": "true", "aria-label": t("msg.image"), tabindex: "-1",
    onkeydown: (e) => { if (e.key === "Escape") close(); },
    onclick: (e) => { if (e.target === overlay || e.target === img) close(); },
  },
  h("div.viewer-bar", download, h("button.icon-btn.viewer-btn", { type: "button", "aria-label": t("common.close"), onclick: close }, icon("close"))),
  img);
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

export { player };
