// @ts-check
/**
 * Me → Settings: change password (optionally logging out my other devices), privacy (who
 * may add me by username, QR code or from a group; whether I send read receipts),
 * notifications, and developer mode (which shows the developer console under Me). Every
 * change goes through REST (docs/api.md); developer mode is this browser's own choice.
 */

import { h, icon, toast } from "../dom.js";
import { t } from "../i18n.js";
import { topbar } from "../common.js";
import { errorText } from "./contacts/request.js";

const DEVELOPER = "ml.developer";

/** Whether the developer console is shown: turned on here, or I own an official account. */
export function developerMode() {
  return localStorage.getItem(DEVELOPER) === "on" || localStorage.getItem(DEVELOPER) === "owner";
}

/**
 * Learn once whether I already own an official account: then the console shows without
 * developer mode. Resolves with whether the console should show.
 * @param {import("../app.js").App} app
 * @returns {Promise<boolean>}
 */
export async function learnDeveloper(app) {
  if (developerMode()) return true;
  if (sessionStorage.getItem(DEVELOPER)) return false; // asked already in this session
  sessionStorage.setItem(DEVELOPER, "asked");
  try {
    const { accounts } = await app.api.devAccounts();
    if (accounts.length) {
      localStorage.setItem(DEVELOPER, "owner");
      return true;
    }
  } catch {
    /* offline: ask again next session */
    sessionStorage.removeItem(DEVELOPER);
  }
  return false;
}

/**
 * A switch row.
 * @param {string} id
 * @param {string} label
 * @param {boolean} checked
 * @param {(on: boolean, input: HTMLInputElement) => void} onchange
 * @param {string} [hint]
 */
function switchCell(id, label, checked, onchange, hint) {
  const input = h("input.switch", {
    id,
    type: "checkbox",
    role: "switch",
    checked,
    onchange: (/** @type {Event} */ e) => onchange(/** @type {HTMLInputElement} */ (e.target).checked, input),
  });
  return h(
    "div.cell.switch-cell",
    h("label.cell-label", { for: id }, label, hint ? h("span.cell-hint", hint) : ""),
    input,
  );
}

/** The settings list. */
export function settingsPage(app, root) {
  const link = (path, name, key) =>
    h(
      "a.cell",
      { href: `#/${path}` },
      h("span.row-icon.gray", icon(name)),
      h("span.cell-label", t(key)),
      icon("chevron", "cell-chevron"),
    );
  const developer = switchCell(
    "developer-mode",
    t("settings.developer_mode"),
    localStorage.getItem(DEVELOPER) === "on",
    (on) => {
      if (on) localStorage.setItem(DEVELOPER, "on");
      else localStorage.removeItem(DEVELOPER);
      app.store.changed("me"); // the Me tab shows or hides the console
    },
    t("settings.developer_hint"),
  );
  root.append(
    topbar({ title: t("me.settings"), back: () => app.go("me") }),
    h(
      "div.scroll.page",
      h(
        "section.card",
        link("me/password", "lock", "settings.password"),
        link("me/privacy", "shield", "settings.privacy"),
        link("me/notifications", "bell", "me.notifications"),
        link("me/language", "globe", "me.language"),
      ),
      h("section.card", developer),
    ),
  );
  return null;
}

/** Change password, with the choice to log out every other device. */
export function passwordPage(app, root) {
  const field = (id, key, auto) => [
    h("label.field-label", { for: id }, t(key)),
    h(`input.field#${id}`, {
      type: "password",
      autocomplete: auto,
      required: true,
      minLength: id === "old-password" ? 1 : 8,
    }),
  ];
  const others = h("input#log-out-others", { type: "checkbox", checked: true });
  const save = h("button.btn.btn-primary.btn-block", { type: "submit" }, t("settings.password_change"));
  const form = h(
    "form.scroll.page",
    {
      onsubmit: async (/** @type {SubmitEvent} */ e) => {
        e.preventDefault();
        const value = (/** @type {string} */ id) =>
          /** @type {HTMLInputElement} */ (form.querySelector(`#${id}`)).value;
        if (value("new-password") !== value("new-password-again")) {
          toast(t("settings.password_mismatch"), { kind: "error" });
          return;
        }
        save.disabled = true;
        try {
          const { logged_out: gone } = await app.api.changePassword(
            value("old-password"),
            value("new-password"),
            others.checked,
          );
          toast(
            gone.length
              ? t("settings.password_changed_others", { count: gone.length })
              : t("settings.password_changed"),
          );
          app.go("me/settings");
        } catch (err) {
          toast(errorText(err), { kind: "error" });
          save.disabled = false;
        }
      },
    },
    h(
      "section.card.pad",
      field("old-password", "settings.password_old", "current-password"),
      field("new-password", "settings.password_new", "new-password"),
      field("new-password-again", "settings.password_again", "new-password"),
      h("p.field-hint", t("auth.password_hint")),
      h("label.check-row", others, t("settings.log_out_others")),
    ),
    h("div.profile-actions", save),
  );
  root.append(topbar({ title: t("settings.password"), back: () => app.go("me/settings") }), form);
  return null;
}

const PRIVACY = ["add_by_username", "add_by_qr", "add_by_group", "read_receipts"];

/** Privacy: the ways others may add me, and read receipts. */
export function privacyPage(app, root) {
  const body = h("div.scroll.page", h("p.empty-row", t("common.loading")));
  root.append(topbar({ title: t("settings.privacy"), back: () => app.go("me/settings") }), body);
  /** @param {Record<string, boolean>} privacy */
  function render(privacy) {
    const row = (/** @type {string} */ key) =>
      switchCell(`privacy-${key}`, t(`settings.${key}`), Boolean(privacy[key]), async (on, input) => {
        try {
          const { privacy: saved } = await app.api.setPrivacy({ [key]: on });
          Object.assign(privacy, saved);
        } catch (err) {
          input.checked = !on;
          toast(errorText(err), { kind: "error" });
        }
      });
    body.replaceChildren(
      h("h2.section-title", t("settings.add_me_by")),
      h("section.card", PRIVACY.slice(0, 3).map(row)),
      h("section.card", row("read_receipts")),
      h("p.card-hint.outside", t("settings.read_receipts_hint")),
    );
  }
  app.api
    .privacy()
    .then(({ privacy }) => render(privacy))
    .catch((err) => body.replaceChildren(h("p.empty-row", errorText(err))));
  return null;
}
