// @ts-check
/**
 * What opens under the composer's row: the emoji and stickers (emoji.js, stickerpanel.js,
 * two tabs of one panel) or the "+" panel (plus.js), their two buttons, and the hidden file
 * inputs the "+" panel starts. At most one panel shows; whatever the "+" panel starts closes
 * it, so the list shows what was sent. It queues nothing itself: the composer's hooks do.
 */

import { h, icon } from "../../dom.js";
import { t } from "../../i18n.js";
import { sendVideo } from "./attachments.js";
import { emojiPanel } from "./emoji.js";
import { plusPanel } from "./plus.js";
import { sendTransfer } from "../wallet.js";
import { sendRedPacket } from "../redpacket.js";
import { stickerPanel } from "./stickerpanel.js";

/** @typedef {"emoji"|"stickers"|"plus"|null} Shown what is open under the row */

/**
 * @typedef {object} PanelHooks what the panels ask of the composer
 * @property {(text: string) => void} insertText an emoji at the caret
 * @property {(draft: import("../../outbox.js").Draft) => void} send queue a message and close the panel
 * @property {(files: File[], forced?: "image"|"file"|"video") => void} sendFiles
 * @property {() => void} onSend something was queued
 * @property {(which: Shown) => void} onShow a panel opened (or, with null, all closed)
 */

/**
 * @typedef {object} Panels
 * @property {HTMLElement} el the panel under the row
 * @property {HTMLElement} emojiBtn
 * @property {HTMLElement} plusBtn
 * @property {HTMLInputElement[]} pickers the file inputs that belong in the page
 * @property {(which: Shown) => void} show
 * @property {() => void} destroy
 */

/**
 * @param {import("../../app.js").App} app
 * @param {number} cid
 * @param {PanelHooks} hooks
 * @returns {Panels}
 */
export function composerPanels(app, cid, hooks) {
  /** @type {Shown} */
  let shown = null;
  const emoji = emojiPanel(hooks.insertText);
  const stickers = stickerPanel(app, (sticker) => hooks.send({ kind: "sticker", media: sticker }));
  const { actions, pickers } = plusActions(app, cid, hooks, () => show(null));
  const plus = plusPanel(app, actions);
  const emojiTab = panelTab("emoji", t("composer.emoji"), () => show("emoji"));
  const stickersTab = panelTab("stickers", t("sticker.title"), () => show("stickers"));
  const faces = h(
    "div.faces-panel",
    h("div.panel-tabs", { role: "tablist", "aria-label": t("composer.emoji") }, emojiTab, stickersTab),
    emoji.el,
    stickers.el,
  );
  const el = h("div.composer-panel", { hidden: true }, faces, plus.el);
  const facesOpen = () => shown === "emoji" || shown === "stickers";
  const emojiBtn = rowButton("composer-emoji", t("composer.emoji"), "smile", () => show(facesOpen() ? null : "emoji"));
  const plusBtn = rowButton("composer-plus", t("composer.more"), "plus-circle", () =>
    show(shown === "plus" ? null : "plus"),
  );

  /** @param {Shown} which */
  function show(which) {
    shown = which;
    el.hidden = !which;
    faces.hidden = which !== "emoji" && which !== "stickers";
    emoji.el.hidden = which !== "emoji";
    stickers.el.hidden = which !== "stickers";
    plus.el.hidden = which !== "plus";
    emojiTab.setAttribute("aria-selected", String(which === "emoji"));
    stickersTab.setAttribute("aria-selected", String(which === "stickers"));
    emojiBtn.setAttribute("aria-expanded", String(facesOpen()));
    plusBtn.setAttribute("aria-expanded", String(which === "plus"));
    if (which === "emoji") emoji.render();
    if (which === "stickers") stickers.open();
    hooks.onShow(which);
  }

  return { el, emojiBtn, plusBtn, pickers, show, destroy: () => stickers.destroy() };
}

/**
 * What each of the "+" panel's tiles does; each first closes the panel.
 * @param {import("../../app.js").App} app
 * @param {number} cid
 * @param {PanelHooks} hooks
 * @param {() => void} close
 * @returns {{actions: import("./plus.js").PlusActions, pickers: HTMLInputElement[]}}
 */
function plusActions(app, cid, hooks, close) {
  const { sendFiles, onSend } = hooks;
  const imageInput = filePicker("image/*", (files) => sendFiles(files));
  const fileInput = filePicker(null, (files) => sendFiles(files, "file"));
  const videoInput = filePicker("video/*", (files) => sendFiles(files, "video"));
  // Kept out of the page (a detached input still opens): the page's picture input stays the only one.
  const cameraInput = filePicker("image/*", (files) => sendFiles(files), "environment");
  /** @param {() => unknown} fn */
  const closing = (fn) => () => {
    close();
    fn();
  };
  const kind = app.store.conversations.get(cid)?.conversation.kind ?? "";
  const actions = {
    photo: closing(() => imageInput.click()),
    file: closing(() => fileInput.click()),
    captureInput: closing(() => cameraInput.click()),
    videoInput: closing(() => videoInput.click()),
    /** @param {Blob} blob */
    sendVideo: (blob) => closing(() => sendVideo(app.outbox, cid, blob).then((queued) => queued && onSend()))(),
    /** @param {File[]} files */
    sendFiles: (files) => closing(() => sendFiles(files))(),
    /** @param {import("../../outbox.js").Draft} draft */
    send: (draft) => hooks.send(draft),
    transfer: kind === "direct" ? closing(() => sendTransfer(app, cid)) : null,
    redPacket: ["group", "direct"].includes(kind) ? closing(() => sendRedPacket(app, cid)) : undefined,
  };
  return { actions, pickers: [imageInput, fileInput, videoInput] };
}

/**
 * A tab of the faces panel.
 * @param {"emoji"|"stickers"} which @param {string} label @param {() => void} onclick
 */
function panelTab(which, label, onclick) {
  return h(`button.panel-tab.tab-${which}`, { type: "button", role: "tab", "aria-selected": "false", onclick }, label);
}

/**
 * A round button of the composer's row that opens a panel.
 * @param {string} cls @param {string} label @param {Parameters<typeof icon>[0]} glyph @param {() => void} onclick
 */
function rowButton(cls, label, glyph, onclick) {
  return h(
    `button.icon-btn.${cls}`,
    { type: "button", "aria-label": label, "aria-expanded": "false", onclick },
    icon(glyph),
  );
}

/**
 * A hidden file input; `onFiles` gets what was picked, and the input is emptied so the
 * same file can be picked again.
 * @param {string|null} accept
 * @param {(files: File[]) => void} onFiles
 * @param {string} [capture] "environment": the system camera, where there is one
 */
function filePicker(accept, onFiles, capture) {
  const picker = /** @type {HTMLInputElement} */ (
    h("input", {
      type: "file",
      accept,
      capture,
      multiple: !capture,
      hidden: true,
      "aria-hidden": "true",
      tabindex: "-1",
      onchange: () => {
        onFiles([...(picker.files || [])]);
        picker.value = "";
      },
    })
  );
  return picker;
}
