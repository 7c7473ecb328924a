// @ts-check
/**
 * "Add me" codes: opening what a scanned or pasted code names (through links.js: a
 * person's profile, a group's invite, an account's page; a bare username too), and the page
 * a person's link opens (`/u/<username>` → `#/u/<username>`), which finds them and shows
 * their profile. Scanning itself is in views/scan.js and qrcode.js.
 */

import { h, toast } from "../../dom.js";
import { t } from "../../i18n.js";
import { topbar } from "../../common.js";
import { resolveLink } from "../../links.js";
import { errorText } from "./request.js";

/**
 * The username in a code or typed text: a person's link (`https://<server>/u/<name>`), the
 * older `microletter:user:<name>`, or a bare username (with or without "@").
 * @param {string} text
 * @returns {string|null}
 */
export function usernameFromCode(text) {
  const found = resolveLink(text, location.origin);
  if (found) return found.name === "user" ? found.id : null;
  const body = (text || "").trim().replace(/^@/, "").toLowerCase();
  return /^[a-z0-9_]{3,32}$/.test(body) ? body : null;
}

/**
 * Open what a code names; says so when it names nothing here.
 * @param {import("../../app.js").App} app
 * @param {string|null|undefined} text null or undefined (no code, a cancelled scan): nothing
 */
export function openCode(app, text) {
  if (text == null) return;
  const found = resolveLink(text, location.origin);
  if (found) {
    app.go(found.route);
    return;
  }
  const username = usernameFromCode(text);
  if (username) app.go(`u/${username}`);
  else toast(t("contacts.bad_code"), { kind: "error" });
}

/**
 * A person's link (`#/u/<username>`): their profile, found by username (my own for my code).
 * @param {import("../../app.js").App} app
 * @param {HTMLElement} root
 * @param {string} username
 */
export function mountUserLink(app, root, username) {
  const { store, api } = app;
  const body = h("div.scroll.page", h("div.empty-state", h("p", t("common.loading"))));
  root.append(topbar({ title: t("contacts.profile"), back: () => app.go("contacts") }), body);
  let gone = false;
  const name = username.toLowerCase();
  if (name === store.me?.username) {
    location.replace(`#/user/${store.me.id}`);
    return null;
  }
  api
    .findUser(name)
    .then(({ user }) => {
      if (gone) return;
      store.users.set(user.id, user);
      app.foundVia.set(user.id, "qr"); // a code's link: the request says so
      location.replace(`#/user/${user.id}`); // "back" skips this step
    })
    .catch((err) => gone || body.replaceChildren(h("div.empty-state", h("p", errorText(err)))));
  return {
    destroy() {
      gone = true;
    },
  };
}
