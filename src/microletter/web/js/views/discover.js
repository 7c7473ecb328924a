/**
 * Discover: the door to what is built on top of chat. Scanning a code and official
 * accounts work today; the other doors (Moments, mini-apps, games, shops) are shown as
 * coming, not hidden, so the layout is the one people know.
 */

import { h, icon } from "../dom.js";
import { t } from "../i18n.js";
import { topbar } from "../common.js";

export function mount(app, root) {
  let selected = null;
  const soon = (name, cls, key) => h("li", h("div.row.disabled", { "aria-disabled": "true" },
    h(`span.row-icon.${cls}`, icon(name)), h("span.row-text", t(key)), h("span.row-note", t("discover.soon"))));
  const body = h("div.scroll");
  root.append(topbar({ title: t("nav.discover") }), body);
  const render = () => body.replaceChildren(
    h("ul.list.card-list", soon("moments", "purple", "discover.moments")),
    h("ul.list.card-list",
      h("li", h("a.row", { href: "#/contacts/new" }, h("span.row-icon.blue", icon("scan")),
        h("span.row-text", t("discover.scan")), icon("chevron", "cell-chevron"))),
      h("li", h(`a.row${selected === "officials" ? ".active" : ""}`, { href: "#/officials", dataset: { row: "officials" } }, h("span.row-icon.green", icon("official")),
        h("span.row-text", t("discover.officials")), icon("chevron", "cell-chevron")))),
    h("ul.list.card-list", soon("sparkle", "orange", "discover.mini_apps"), soon("game", "green", "discover.games")),
    h("ul.list.card-list", soon("shop", "red", "discover.shop")));
  render();
  return { select(path) { selected = path; render(); } };
}
