// @ts-check
/**
 * The "+" panel of the composer: photo, camera, video, file, location, contact card and
 * favourites. Each one ends in a draft for the outbox (or files for attachments.js);
 * nothing here talks to the socket. The camera uses getUserMedia where the browser lets
 * us (a preview and a shutter), else the system camera through <input capture>. A video
 * is recorded with MediaRecorder (at most 60 s: it stops by itself) or picked from the
 * files; the server transcodes it, so whatever the browser records will do. The
 * location is the browser's coordinates, asked only when the user presses "Use my
 * location", plus a place name they type: no map is fetched.
 */

import { dialog, h, icon, toast } from "../../dom.js";
import { formatDuration, t } from "../../i18n.js";
import { preview, userAvatar } from "../../common.js";
import { MAX_VIDEO_SECONDS } from "./attachments.js";

/**
 * @typedef {import("../../outbox.js").Draft} Draft
 * @typedef {object} PlusActions what the panel's buttons do, given by the composer
 * @property {() => void} photo open the picture picker
 * @property {() => void} file open the file picker
 * @property {() => void} captureInput open the system camera (<input capture>)
 * @property {() => void} videoInput open the video picker
 * @property {(files: File[]) => void} sendFiles
 * @property {(blob: Blob) => void} sendVideo queue a recorded video
 * @property {(draft: Draft) => void} send queue a message
 * @property {(() => void)|null} [transfer] send money (one-to-one chats only)
 * @property {() => void} [redPacket] send a red packet (groups and one-to-one chats)
 */

/**
 * @param {import("../../app.js").App} app
 * @param {PlusActions} actions
 */
export function plusPanel(app, actions) {
  /**
   * @param {string} key the item's class and its label's key (composer.<key>)
   * @param {Parameters<typeof icon>[0]} glyph
   * @param {() => void} onclick
   */
  const item = (key, glyph, onclick) =>
    h(
      `button.plus-item.plus-${key}`,
      { type: "button", onclick },
      h("span.plus-icon", icon(glyph)),
      h("span.plus-label", t(`composer.${key}`)),
    );
  const el = h(
    "div.plus-panel",
    { role: "group", "aria-label": t("composer.more") },
    item("photo", "image", actions.photo),
    item("camera", "camera", () => takePhoto(actions)),
    item("video", "video", () => recordVideo(actions)),
    item("file", "file", actions.file),
    item("location", "pin", () => pickLocation().then((data) => data && actions.send({ kind: "location", data }))),
    item("card", "idcard", () =>
      pickContact(app).then((uid) => uid && actions.send({ kind: "card", data: { user_id: uid } })),
    ),
    item("favourites", "star", () => pickFavourite(app).then((draft) => draft && actions.send(draft))),
    actions.transfer ? item("transfer", "wallet", actions.transfer) : null,
    actions.redPacket ? item("redpacket", "gift", actions.redPacket) : null,
  );
  return { el };
}

/**
 * A photo from the camera: a preview and a shutter where getUserMedia works, else the
 * system camera through <input capture>.
 * @param {PlusActions} actions
 */
async function takePhoto(actions) {
  if (!navigator.mediaDevices?.getUserMedia) {
    actions.captureInput();
    return;
  }
  /** @type {MediaStream} */
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
  } catch {
    toast(t("composer.camera_unavailable"), { kind: "error" });
    actions.captureInput();
    return;
  }
  const video = h("video.camera-preview", { autoplay: true, muted: true, playsInline: true });
  video.srcObject = stream;
  try {
    const blob = await dialog(
      (close) =>
        h(
          "div.dialog-body.camera",
          video,
          h(
            "div.dialog-actions",
            h("button.btn.btn-plain", { type: "button", onclick: () => close() }, t("common.cancel")),
            h(
              "button.btn.btn-primary.camera-shutter",
              { type: "button", onclick: () => snapshot(video).then(close) },
              icon("camera"),
              t("composer.take_photo"),
            ),
          ),
        ),
      { label: t("composer.camera") },
    );
    if (blob) actions.sendFiles([new File([blob], `photo-${Date.now()}.jpg`, { type: "image/jpeg" })]);
  } finally {
    for (const track of stream.getTracks()) track.stop();
  }
}

/** What MediaRecorder records in here: the first type it supports (the server takes any). */
function recordingType() {
  const types = ["video/webm;codecs=vp8,opus", "video/webm", "video/mp4"];
  return types.find((type) => MediaRecorder.isTypeSupported(type)) || "";
}

/**
 * A video message: a preview, "Record", then "Stop and send" (it stops by itself at 60 s),
 * where getUserMedia and MediaRecorder work; else, or on "Choose a video", the picker.
 * @param {PlusActions} actions
 */
async function recordVideo(actions) {
  if (!navigator.mediaDevices?.getUserMedia || typeof MediaRecorder === "undefined") {
    actions.videoInput();
    return;
  }
  /** @type {MediaStream} */
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: true });
  } catch {
    toast(t("composer.video_unavailable"), { kind: "error" });
    actions.videoInput();
    return;
  }
  const preview = h("video.camera-preview", { autoplay: true, muted: true, playsInline: true });
  preview.srcObject = stream;
  /** @type {MediaRecorder|null} */
  let recorder = null;
  /** @type {ReturnType<typeof setInterval>|undefined} */
  let ticking;
  try {
    const blob = await dialog(
      (close) => {
        /** @type {Blob[]} */
        const chunks = [];
        const clock = h("span.record-clock", { role: "timer" }, formatDuration(0));
        const label = h("span", t("composer.video_record"));
        const start = () => {
          const rec = new MediaRecorder(stream, { mimeType: recordingType() });
          rec.ondataavailable = (e) => e.data.size && chunks.push(e.data);
          rec.onstop = () => close(new Blob(chunks, { type: rec.mimeType || "video/webm" }));
          rec.start(1000);
          recorder = rec;
          const began = Date.now();
          label.textContent = t("composer.video_stop");
          toggle.classList.add("recording");
          ticking = setInterval(() => {
            const elapsed = Date.now() - began;
            clock.textContent = formatDuration(elapsed);
            if (elapsed >= MAX_VIDEO_SECONDS * 1000) stop();
          }, 250);
        };
        const stop = () => {
          clearInterval(ticking);
          if (recorder?.state === "recording") recorder.stop();
        };
        const toggle = h(
          "button.btn.btn-primary.record-toggle",
          { type: "button", onclick: () => (recorder ? stop() : start()) },
          icon("video"),
          label,
        );
        const pick = () => {
          actions.videoInput(); // in the click, so the browser opens the picker
          close(null);
        };
        return h(
          "div.dialog-body.camera",
          preview,
          clock,
          h(
            "div.dialog-actions",
            h("button.btn.btn-plain", { type: "button", onclick: () => close(null) }, t("common.cancel")),
            h("button.btn.btn-plain", { type: "button", onclick: pick }, t("composer.video_pick")),
            toggle,
          ),
        );
      },
      { label: t("composer.video") },
    );
    if (blob instanceof Blob) actions.sendVideo(blob);
  } finally {
    clearInterval(ticking);
    const rec = /** @type {MediaRecorder|null} */ (recorder);
    if (rec && rec.state === "recording") {
      rec.onstop = null; // cancelled: nothing is sent
      rec.stop();
    }
    for (const track of stream.getTracks()) track.stop();
  }
}

/**
 * The current frame of a video as a JPEG.
 * @param {HTMLVideoElement} video
 * @returns {Promise<Blob|null>}
 */
function snapshot(video) {
  const canvas = h("canvas", { width: video.videoWidth || 640, height: video.videoHeight || 480 });
  canvas.getContext("2d")?.drawImage(video, 0, 0, canvas.width, canvas.height);
  return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.9));
}

/**
 * Ask for a location: the browser's coordinates (only when the user presses the button,
 * so the browser's consent prompt follows their gesture) and a place name.
 * @returns {Promise<{latitude: number, longitude: number, name: string, address: string}|undefined>}
 */
function pickLocation() {
  return dialog(
    (close) => {
      /** @type {{latitude: number, longitude: number}|null} */
      let coords = null;
      const status = h("p.location-status", { role: "status" }, t("composer.location_pitch"));
      const name = h("input.field#location-name", { maxLength: 100, placeholder: t("composer.place_name") });
      const address = h("input.field#location-address", { maxLength: 200, placeholder: t("composer.place_address") });
      const send = h(
        "button.btn.btn-primary",
        {
          type: "submit",
          disabled: true,
        },
        t("chat.send"),
      );
      const locate = h(
        "button.btn.btn-plain.locate",
        {
          type: "button",
          onclick: () => {
            if (!navigator.geolocation) {
              status.textContent = t("composer.location_unavailable");
              return;
            }
            status.textContent = t("composer.locating");
            navigator.geolocation.getCurrentPosition(
              (pos) => {
                coords = {
                  latitude: Math.round(pos.coords.latitude * 1e6) / 1e6,
                  longitude: Math.round(pos.coords.longitude * 1e6) / 1e6,
                };
                status.textContent = t("composer.located", {
                  coords: `${coords.latitude.toFixed(5)}, ${coords.longitude.toFixed(5)}`,
                });
                send.disabled = false;
                name.focus();
              },
              (err) => {
                status.textContent = t(
                  err.code === err.PERMISSION_DENIED ? "composer.location_denied" : "composer.location_unavailable",
                );
              },
              { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
            );
          },
        },
        icon("pin"),
        t("composer.use_location"),
      );
      return h(
        "form.dialog-body.location-form",
        {
          onsubmit: (/** @type {SubmitEvent} */ e) => {
            e.preventDefault();
            if (!coords) return;
            close({ ...coords, name: name.value.trim(), address: address.value.trim() });
          },
        },
        h("h2.dialog-title", t("composer.location")),
        status,
        locate,
        h("label.field-label", { for: "location-name" }, t("composer.place_name")),
        name,
        h("label.field-label", { for: "location-address" }, t("composer.place_address")),
        address,
        h(
          "div.dialog-actions",
          h("button.btn.btn-plain", { type: "button", onclick: () => close() }, t("common.cancel")),
          send,
        ),
      );
    },
    { label: t("composer.location") },
  );
}

/**
 * Pick one of my contacts to send as a card.
 * @param {import("../../app.js").App} app
 * @returns {Promise<number|undefined>} their user id
 */
function pickContact(app) {
  const { store } = app;
  const people = [...store.contacts.values()]
    .map((c) => ({ id: c.user.id, name: store.nameOf(c.user.id), username: c.user.username }))
    .sort((a, b) => a.name.localeCompare(b.name));
  return dialog(
    (close) => {
      const list = h("ul.list.picker-list", { "aria-label": t("composer.card") });
      const render = (/** @type {string} */ q) =>
        list.replaceChildren(
          ...people
            .filter((p) => !q || `${p.name} ${p.username}`.toLowerCase().includes(q))
            .map((p) =>
              h(
                "li",
                h(
                  "button.picker-item",
                  { type: "button", onclick: () => close(p.id), dataset: { uid: String(p.id) } },
                  userAvatar(store, p.id, 36),
                  h("span.picker-name", p.name),
                ),
              ),
            ),
        );
      render("");
      return h(
        "div.dialog-body.picker",
        h("h2.dialog-title", t("composer.card")),
        people.length
          ? h("input.field.picker-search", {
              type: "search",
              "aria-label": t("common.search"),
              placeholder: t("common.search"),
              oninput: (/** @type {Event} */ e) =>
                render(/** @type {HTMLInputElement} */ (e.target).value.trim().toLowerCase()),
            })
          : h("p", t("composer.no_contacts")),
        list,
        h(
          "div.dialog-actions",
          h("button.btn.btn-plain", { type: "button", onclick: () => close() }, t("common.cancel")),
        ),
      );
    },
    { label: t("composer.card") },
  );
}

/**
 * What to send for a favourite: a text as text, a link as its address, media by its media
 * id with its kind, a place or a card by its data; null for what cannot be sent again.
 * @param {any} fav
 * @returns {Draft|null}
 */
export function favouriteDraft(fav) {
  const d = fav.data || {};
  switch (fav.kind) {
    case "text":
      return fav.text ? { kind: "text", text: fav.text } : null;
    case "link":
      return d.url ? { kind: "text", text: d.title ? `${d.title} ${d.url}` : d.url } : null;
    case "image":
    case "file":
      return d.media ? { kind: fav.kind, media: d.media, text: fav.text || "" } : null;
    case "voice":
    case "sticker":
      return d.media ? { kind: fav.kind, media: d.media } : null;
    case "location":
      return {
        kind: "location",
        data: { latitude: d.latitude, longitude: d.longitude, name: d.name || "", address: d.address || "" },
      };
    case "card":
      return d.user_id ? { kind: "card", data: { user_id: d.user_id } } : null;
    default:
      return null;
  }
}

/**
 * Pick one of my favourites to send.
 * @param {import("../../app.js").App} app
 * @returns {Promise<Draft|undefined>}
 */
async function pickFavourite(app) {
  /** @type {any[]} */
  let favourites;
  try {
    favourites = (await app.api.favourites()).favourites;
  } catch {
    toast(t("error.network"), { kind: "error" });
    return undefined;
  }
  return dialog(
    (close) =>
      h(
        "div.dialog-body.picker",
        h("h2.dialog-title", t("composer.favourites")),
        favourites.length ? null : h("p", t("composer.no_favourites")),
        h(
          "ul.list.picker-list",
          { "aria-label": t("composer.favourites") },
          favourites.map((fav) => {
            const draft = favouriteDraft(fav);
            const text = fav.kind === "link" ? fav.data?.title || fav.data?.url : preview(app.store, fav);
            return h(
              "li",
              h(
                "button.picker-item.favourite-item",
                {
                  type: "button",
                  disabled: !draft,
                  dataset: { kind: fav.kind },
                  onclick: () => close(draft),
                },
                h("span.picker-name", text || t("msg.unsupported")),
              ),
            );
          }),
        ),
        h(
          "div.dialog-actions",
          h("button.btn.btn-plain", { type: "button", onclick: () => close() }, t("common.cancel")),
        ),
      ),
    { label: t("composer.favourites") },
  );
}
