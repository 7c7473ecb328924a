// @ts-check
/**
 * Discover: the door to what is built on top of chat. Moments (with its badge: unread
 * notices and the latest friend who posted), scanning a code and official accounts work
 * today, and so do mini apps; the other doors (games, shops) are shown as coming, not hidden, so
 * the layout is the one people know.
 */

import { h, icon } from "../dom.js";
import { t } from "../i18n.js";
import { topbar, userAvatar } from "../common.js";

export function mount(app, root) {
  let selected = null;
  const soon = (name, cls, key) =>
    h(
      "li",
      h(
        "div.row.disabled",
        { "aria-disabled": "true" },
        h(`span.row-icon.${cls}`, icon(name)),
        h("span.row-text", t(key)),
        h("span.row-note", t("discover.soon")),
      ),
    );
  const body = h("div.scroll");
  root.append(topbar({ title: t("nav.discover") }), body);
  // Moments' badge: unread notices, and the avatar of the latest friend who posted.
  /** @type {{unread: number, latest: number|null}} */
  const badge = { unread: 0, latest: null };
  async function refresh() {
    try {
      const { badge: b } = await app.api.momentsBadge();
      badge.unread = b.unread;
      badge.latest = b.latest_author;
      render();
    } catch {
      /* shown without the badge */
    }
  }
  const render = () =>
    body.replaceChildren(
      h(
        "ul.list.card-list",
        h(
          "li",
          h(
            `a.row.moments-row${selected === "moments" ? ".active" : ""}`,
            { href: "#/moments", dataset: { row: "moments" } },
            h("span.row-icon.purple", icon("moments")),
            h("span.row-text", t("discover.moments")),
            badge.latest != null ? h("span.row-avatar", userAvatar(app.store, badge.latest, 28)) : null,
            badge.unread ? h("span.badge.moments-badge", String(badge.unread)) : null,
            icon("chevron", "cell-chevron"),
          ),
        ),
      ),
      h(
        "ul.list.card-list",
        h(
          "li",
          h(
            `a.row${selected === "scan" ? ".active" : ""}`,
            { href: "#/scan", dataset: { row: "scan" } },
            h("span.row-icon.blue", icon("scan")),
            h("span.row-text", t("discover.scan")),
            icon("chevron", "cell-chevron"),
          ),
        ),
        h(
          "li",
          h(
            `a.row${selected === "officials" ? ".active" : ""}`,
            { href: "#/officials", dataset: { row: "officials" } },
            h("span.row-icon.green", icon("official")),
            h("span.row-text", t("discover.officials")),
            icon("chevron", "cell-chevron"),
          ),
        ),
      ),
      h(
        "ul.list.card-list",
        h(
          "li",
          h(
            `a.row${selected === "miniapps" ? ".active" : ""}`,
            { href: "#/miniapps", dataset: { row: "miniapps" } },
            h("span.row-icon.orange", icon("sparkle")),
            h("span.row-text", t("discover.mini_apps")),
            icon("chevron", "cell-chevron"),
          ),
        ),
        soon("game", "green", "discover.games"),
      ),
      h("ul.list.card-list", soon("shop", "red", "discover.shop")),
    );
  render();
  refresh();
  const stop = app.store.subscribe((topics) => topics.has("moments") && refresh());
  return {
    destroy: stop,
    select(path) {
      selected = path;
      render();
    },
  };
}
