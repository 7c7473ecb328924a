// @ts-check
/**
 * A game's ranking, drawn by the client in its own panel (`wx.openRanking`): the
 * player's friends who play (or, from a card opened in a group, its members), with
 * names, pictures and scores, "This week" or "All time", and a switch to mute the
 * game's notices. Nothing of it is given to the game's page: the page only learns that
 * the panel closed (docs/miniapps.md, "Games").
 */

import { avatar, dialog, h, toast } from "../dom.js";
import { t } from "../i18n.js";
import { avatarUrl } from "../common.js";

/**
 * @typedef {{rank: number, user_id: number, display_name: string, avatar: string|null,
 *   score: number, me: boolean}} RankedEntry
 * @typedef {import("../app.js").App} App
 */

/**
 * The query of a ranking request.
 * @param {string} key
 * @param {"week"|"all"} period
 * @param {string|null} shareTicket
 */
export function rankingQuery(key, period, shareTicket) {
  const q = new URLSearchParams({ key, period });
  if (shareTicket) q.set("share_ticket", shareTicket);
  return q.toString();
}

/**
 * Show the panel until the player closes it.
 * @param {App} app
 * @param {{id: number, name: string}} miniapp
 * @param {{key: string, period?: string, shareTicket?: string|null}} what
 * @returns {Promise<void>}
 */
export async function openRanking(app, miniapp, { key, period, shareTicket = null }) {
  /** @type {"week"|"all"} */
  let shown = period === "week" ? "week" : "all";
  const list = h("ol.ranking-list#ranking-list", { "aria-live": "polite" });
  const tabs = /** @type {HTMLButtonElement[]} */ (
    ["week", "all"].map((p) =>
      h(
        `button.ranking-tab#ranking-${p}`,
        { type: "button", role: "tab", onclick: () => show(/** @type {"week"|"all"} */ (p)) },
        t(p === "week" ? "ranking.week" : "ranking.all"),
      ),
    )
  );
  const mute = /** @type {HTMLInputElement} */ (
    h("input#ranking-mute", { type: "checkbox", onchange: () => setMuted(mute.checked) })
  );
  async function setMuted(/** @type {boolean} */ muted) {
    try {
      await app.api.request("PUT", `/miniapps/${miniapp.id}/notices`, { json: { muted } });
      toast(t(muted ? "ranking.muted" : "ranking.unmuted"));
    } catch {
      mute.checked = !muted;
      toast(t("error.generic", { code: "internal" }), { kind: "error" });
    }
  }
  async function show(/** @type {"week"|"all"} */ p) {
    shown = p;
    for (const tab of tabs) tab.setAttribute("aria-selected", String(tab.id === `ranking-${p}`));
    list.replaceChildren(h("li.card-hint", t("common.loading")));
    try {
      /** @type {{period: string, entries: RankedEntry[]}} */
      const found = await app.api.request(
        "GET",
        `/miniapps/${miniapp.id}/ranking?${rankingQuery(key, p, shareTicket)}`,
      );
      if (shown !== p) return;
      list.replaceChildren(
        ...(found.entries.length ? found.entries.map(row) : [h("li.empty-state", t("ranking.empty"))]),
      );
    } catch (err) {
      const code = /** @type {{code?: string}} */ (err).code || "internal";
      list.replaceChildren(h("li.empty-state", { role: "alert" }, t("error.generic", { code })));
    }
  }
  app.api
    .request("GET", `/miniapps/${miniapp.id}/notices`)
    .then((/** @type {{muted: boolean}} */ r) => (mute.checked = r.muted))
    .catch(() => {});
  const title = t(shareTicket ? "ranking.group_title" : "ranking.title", { name: miniapp.name });
  const done = dialog(
    (close) =>
      h(
        "div.dialog-body.ranking-panel",
        h("h2.dialog-title", title),
        h("div.ranking-tabs", { role: "tablist" }, tabs),
        list,
        h("label.ranking-mute", mute, h("span", t("ranking.mute"))),
        h(
          "div.dialog-actions",
          h("button.btn.btn-primary#ranking-close", { type: "button", onclick: () => close() }, t("common.close")),
        ),
      ),
    { label: title },
  );
  show(shown);
  await done;
}

/** @param {RankedEntry} e */
function row(e) {
  return h(
    `li.ranking-row${e.me ? ".ranking-me" : ""}`,
    { dataset: { user: String(e.user_id), rank: String(e.rank) } },
    h("span.ranking-rank", String(e.rank)),
    avatar({ name: e.display_name, key: e.user_id, url: avatarUrl({ id: e.user_id, avatar: e.avatar }), size: 36 }),
    h("span.ranking-name", e.me ? t("ranking.you", { name: e.display_name }) : e.display_name),
    h("span.ranking-score", String(e.score)),
  );
}
