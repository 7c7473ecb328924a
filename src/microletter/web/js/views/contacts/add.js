// @ts-check
/**
 * The "New friends" screen (Contacts → New friends): add someone by username, by a code
 * scanned with the camera or found in a picture, or by a code pasted as text (which works
 * in every browser); and the friend requests, to answer them.
 */

import { h, icon, toast } from "../../dom.js";
import { t } from "../../i18n.js";
import { topbar } from "../../common.js";
import { pictureInput } from "../scan.js";
import { openCode, usernameFromCode } from "./codes.js";
import { addByUsername } from "./request.js";
import { requestList } from "./requestlist.js";

/**
 * @typedef {import("../../app.js").App} App
 */

/**
 * @param {App} app
 * @param {HTMLElement} root
 * @returns {{destroy: () => void}}
 */
export function mountAdd(app, root) {
  const requests = requestList(app);
  root.append(
    topbar({ title: t("contacts.new_friends"), back: () => app.go("contacts") }),
    h(
      "div.scroll.page",
      h("section.card.pad", h("h2.card-title", t("contacts.add_by_username")), usernameForm(app)),
      scanCard(app),
      h(
        "section.card.pad",
        h("h2.card-title", t("contacts.paste_code")),
        h("p.card-hint", t("contacts.paste_hint")),
        pasteForm(app),
      ),
      h("h2.section-title", t("contacts.requests")),
      h("section.card", requests.el),
    ),
  );
  return { destroy: requests.destroy };
}

/**
 * Send a request to a username (typed, or a code pasted here).
 * @param {App} app
 */
function usernameForm(app) {
  const username = /** @type {HTMLInputElement} */ (
    h("input.field#add-username", {
      autocapitalize: "none",
      spellcheck: "false",
      placeholder: t("contacts.username_placeholder"),
      autocomplete: "off",
    })
  );
  return h(
    "form.inline-form",
    {
      /** @param {SubmitEvent} e */
      onsubmit: async (e) => {
        e.preventDefault();
        const name = usernameFromCode(username.value);
        if (!name) {
          toast(t("error.user.username_invalid"), { kind: "error" });
          return;
        }
        if (await addByUsername(app, name)) username.value = "";
      },
    },
    h("label.sr-only", { for: "add-username" }, t("contacts.username")),
    username,
    h("button.btn.btn-primary", { type: "submit" }, t("contacts.send_request")),
  );
}

/**
 * Scan with the camera (the scanner page), scan a picture here, or show my own code.
 * @param {App} app
 */
function scanCard(app) {
  const imageInput = pictureInput("add-scan-file", (text) => {
    if (text === null) toast(t("contacts.no_code_found"), { kind: "error" });
    else openCode(app, text);
  });
  return h(
    "section.card",
    row("scan", "blue", t("contacts.scan"), () => app.go("scan")),
    row("image", "green", t("contacts.scan_image"), () => imageInput.click()),
    h(
      "a.row",
      { href: "#/me/qr" },
      h("span.row-icon.gray", icon("qr")),
      h("span.row-text", t("me.my_qr")),
      icon("chevron", "cell-chevron"),
    ),
    imageInput,
  );
}

/**
 * A button row of the card: a coloured icon, a label and a chevron.
 * @param {Parameters<typeof icon>[0]} name
 * @param {string} colour
 * @param {string} label
 * @param {() => void} onclick
 */
function row(name, colour, label, onclick) {
  return h(
    "button.row",
    { type: "button", onclick },
    h(`span.row-icon.${colour}`, icon(name)),
    h("span.row-text", label),
    icon("chevron", "cell-chevron"),
  );
}

/**
 * Open a code pasted as text.
 * @param {App} app
 */
function pasteForm(app) {
  const pasteInput = /** @type {HTMLInputElement} */ (
    h("input.field#paste-code", {
      placeholder: `${location.origin}/u/…`,
      autocomplete: "off",
      spellcheck: "false",
    })
  );
  return h(
    "form.inline-form",
    {
      /** @param {SubmitEvent} e */
      onsubmit: (e) => {
        e.preventDefault();
        openCode(app, pasteInput.value);
      },
    },
    h("label.sr-only", { for: "paste-code" }, t("contacts.paste_code")),
    pasteInput,
    h("button.btn.btn-plain", { type: "submit" }, t("contacts.open_code")),
  );
}
