// @ts-check
/**
 * Me → Shop money (`#/merchant`): the shops whose money I may see (those of my official
 * accounts, and those I am a clerk of), each leading to its page (views/merchant/finance.js).
 */

import { h, icon, toast } from "../../dom.js";
import { t } from "../../i18n.js";
import { topbar } from "../../common.js";
import { errorText } from "../contacts/request.js";

/**
 * @param {import("../../app.js").App} app
 * @param {HTMLElement} root
 * @returns {null}
 */
export function mountShops(app, root) {
  const list = h("ul.list.card-list.merchant-shops", { "aria-label": t("merchant.shops") });
  root.append(topbar({ title: t("merchant.shops"), back: () => app.go("me") }), h("div.scroll.page", list));

  async function load() {
    const [mine, staffed] = await Promise.all([
      app.api.request("GET", "/developer/accounts").catch(() => ({ accounts: [] })),
      app.api.request("GET", "/shop/staffed"),
    ]);
    /** @type {Map<number, string>} */
    const shops = new Map();
    for (const s of staffed.shops) if (s.role === "clerk") shops.set(s.shop.id, s.shop.name);
    for (const a of mine.accounts) {
      const shop = await app.api.request("GET", `/shops/${a.id}`).catch(() => null);
      if (shop) shops.set(a.id, shop.shop.name);
    }
    const rows = [...shops].map(([id, name]) =>
      h("li", h("a.row", { href: `#/merchant/${id}` }, h("span.row-text", name), icon("chevron", "cell-chevron"))),
    );
    list.replaceChildren(...(rows.length ? rows : [h("li.list-empty", t("merchant.no_shops"))]));
  }

  load().catch((err) => toast(errorText(err), { kind: "error" }));
  return null;
}
