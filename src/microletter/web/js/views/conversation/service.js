// @ts-check
/**
 * A card in service notifications (docs/miniapps.md, "Service notifications"): notices
 * from apps and accounts the person does not follow. Each row names its sender (the
 * card's `data.source`: an app or an account, its icon and name, as the server wrote
 * them), shows the notice as its own kind draws it (a template or an order card), and
 * offers to open the sender and to mute it here. Nobody writes in this conversation, so
 * it has no composer (conversation.js).
 */

import { avatar, h, icon, toast } from "../../dom.js";
import { t } from "../../i18n.js";
import { bubble, meta } from "../bubbles.js";

/**
 * @typedef {{key: string, kind: "app"|"account", id: number, account_id: number, name: string,
 *   icon: string|null}} Source
 */

/**
 * The row of one notice.
 * @param {import("./rows.js").Chat} chat
 * @param {import("./rows.js").Shown} message
 * @returns {HTMLElement}
 */
export function serviceRow(chat, message) {
  const { app } = chat;
  /** @type {Source|null} */
  const source = message.data?.source && typeof message.data.source.key === "string" ? message.data.source : null;
  const name = source?.name || app.store.nameOf(message.sender_id);
  const url = source?.icon && /^https?:\/\//i.test(source.icon) ? source.icon : null;
  const head = h(
    "div.service-from",
    avatar({ name, key: source?.key || message.sender_id, url, size: 24 }),
    h("span.service-name", name),
    h("span.service-kind", t(source?.kind === "app" ? "service.from_app" : "service.from_account")),
  );
  const actions = source
    ? h(
        "div.service-actions",
        h(
          "button.btn.btn-plain.service-open",
          { type: "button", onclick: () => openSource(source) },
          t(source.kind === "app" ? "service.open_app" : "service.open_account"),
          icon("chevron"),
        ),
        h(
          "button.btn.btn-plain.service-mute",
          { type: "button", onclick: () => muteSource(app, source) },
          icon("mute"),
          t("service.mute"),
        ),
      )
    : null;
  return h(
    "div.msg-row.theirs.service-row",
    { dataset: { seq: String(message.seq ?? ""), kind: message.kind, source: source?.key || "" } },
    h(
      "div.service-card",
      head,
      h("div.service-body", bubble(app, message, { mine: false, service: true })),
      actions,
      meta(message, null),
    ),
  );
}

/**
 * Open what sent the notice: the app (its page here) or the account (its profile).
 * @param {Source} source
 */
function openSource(source) {
  location.hash = source.kind === "app" ? `#/app/${source.id}` : `#/official/${source.account_id}`;
}

/**
 * Mute a sender here: its later notices are not delivered to me (a follower of its account
 * hears it in that conversation, muted like any other).
 * @param {import("../../app.js").App} app
 * @param {Source} source
 */
async function muteSource(app, source) {
  try {
    await app.api.request("PUT", "/service-notifications/mutes", {
      json: { source: source.key, muted: true, name: source.name || "" },
    });
    toast(t("service.muted", { name: source.name || "" }));
  } catch (err) {
    toast(t("error.generic", { code: /** @type {{code?: string}} */ (err)?.code || "internal" }), { kind: "error" });
  }
}
