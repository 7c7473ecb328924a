// @ts-check
/**
 * The scanner (Discover → Scan, `#/scan`): the back camera where the browser has one, and
 * "Pick a picture" always (a screenshot or a saved code), in every browser. A code that
 * names something on this server (links.js) opens its page; anything else is shown as text,
 * a web link with an "Open" button that leaves the app. Scanning sends nothing.
 */

import { h, icon, toast } from "../dom.js";
import { t } from "../i18n.js";
import { topbar } from "../common.js";
import { resolveLink } from "../links.js";
import { canUseCamera, decodePicture, startCamera } from "../qrcode.js";

/**
 * @typedef {import("../app.js").App} App
 */

/**
 * Open what a scanned code names on this server.
 * @param {App} app
 * @param {string} text
 * @returns {boolean} whether it named something here
 */
export function openScanned(app, text) {
  const found = resolveLink(text, location.origin);
  if (!found) return false;
  app.go(found.route);
  return true;
}

/**
 * A hidden file input for "Pick a picture" that reads the code in the chosen picture.
 * @param {string} id
 * @param {(text: string|null) => void} onResult null: no code in that picture
 * @returns {HTMLInputElement}
 */
export function pictureInput(id, onResult) {
  const input = /** @type {HTMLInputElement} */ (
    h(`input#${id}.sr-only`, {
      type: "file",
      accept: "image/*",
      tabindex: "-1",
      "aria-hidden": "true",
      onchange: async () => {
        const file = input.files?.[0];
        input.value = "";
        if (file) onResult(await decodePicture(file));
      },
    })
  );
  return input;
}

/**
 * @param {App} app
 * @param {HTMLElement} root
 * @returns {{destroy: () => void}}
 */
export function mount(app, root) {
  /** @type {{stop: () => void}|null} */
  let camera = null;
  let gone = false;
  const video = /** @type {HTMLVideoElement} */ (h("video.scan-video", { muted: true, playsInline: true }));
  const note = h("p.scan-note", { role: "status" });
  const viewfinder = h("div.scan-view", video, h("div.scan-frame", { "aria-hidden": "true" }));
  const result = h("section.card.pad.scan-result", { hidden: true });

  /** @param {string|null} text */
  const found = (text) => {
    if (gone) return;
    if (text === null) {
      toast(t("contacts.no_code_found"), { kind: "error" });
      return;
    }
    if (openScanned(app, text)) return;
    showForeign(result, text);
  };

  const picker = pictureInput("scan-file", found);
  root.append(
    topbar({ title: t("scan.title"), back: () => app.go("discover") }),
    h(
      "div.scroll.page.scan-page",
      h("section.card.scan-card", viewfinder, note),
      h(
        "section.card",
        h(
          "label.row.scan-pick",
          { for: "scan-file" },
          h("span.row-icon.green", icon("image")),
          h("span.row-text", t("scan.pick_picture")),
          icon("chevron", "cell-chevron"),
        ),
        picker,
      ),
      result,
    ),
  );

  if (!canUseCamera()) {
    viewfinder.hidden = true;
    note.textContent = t(window.isSecureContext ? "scan.no_camera" : "scan.needs_https");
  } else {
    note.textContent = t("scan.hint");
    startCamera(video, (text) => {
      camera = null;
      found(text);
    })
      .then((started) => {
        if (gone) started.stop();
        else camera = started;
      })
      .catch(() => {
        if (gone) return;
        viewfinder.hidden = true;
        note.textContent = t("scan.no_camera");
      });
  }
  return {
    destroy() {
      gone = true;
      camera?.stop();
    },
  };
}

/**
 * A code that names nothing here: its text, and an "Open" link for a web address.
 * @param {HTMLElement} box
 * @param {string} text
 */
function showForeign(box, text) {
  const web = /^https?:\/\//i.test(text) ? text : null;
  box.hidden = false;
  box.replaceChildren(
    h("h2.card-title", t("scan.not_ours")),
    h("p.scan-text", text),
    h(
      "div.scan-actions",
      web
        ? h("a.btn.btn-primary", { href: web, target: "_blank", rel: "noopener noreferrer" }, t("scan.open_link"))
        : null,
      h(
        "button.btn.btn-plain",
        {
          type: "button",
          onclick: async () => {
            try {
              await navigator.clipboard.writeText(text);
              toast(t("msg.copied"));
            } catch {
              toast(text);
            }
          },
        },
        icon("paste"),
        t("scan.copy_text"),
      ),
    ),
  );
}
