// @ts-check
/**
 * Me → Favourites: the messages (and links) I kept, newest first, searchable by text
 * (GET /favourites?q=), each removable. They are my own copies, so a recall of the
 * original leaves them as they were. The list is fetched again when my favourites change
 * on any device (the `collection` event, name "favourites").
 */

import { confirmDialog, h, icon, toast } from "../dom.js";
import { formatFull, t } from "../i18n.js";
import { topbar } from "../common.js";
import { bubble } from "./bubbles.js";

/** Typing in the search waits this long before it asks the server. */
const SEARCH_DELAY_MS = 250;

/**
 * @typedef {{id: number, kind: string, text: string|null, data: any, source_conversation_id: number|null,
 *   source_seq: number|null, source_sender_id: number|null, created_at: number}} Favourite
 */

/**
 * @param {import("../app.js").App} app
 * @param {HTMLElement} root
 */
export function mountFavourites(app, root) {
  const { api, store } = app;
  let query = "";
  let asked = 0; // answers to older searches are dropped
  /** @type {ReturnType<typeof setTimeout>|undefined} */
  let timer;
  const list = h("ul.list.favourites", { "aria-label": t("favourites.title"), "aria-busy": "true" });
  const search = h("input.search-field.favourites-search", {
    type: "search",
    placeholder: t("favourites.search"),
    "aria-label": t("favourites.search"),
    oninput: () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        query = search.value.trim();
        load();
      }, SEARCH_DELAY_MS);
    },
  });
  root.append(
    topbar({ title: t("favourites.title"), back: () => app.go("me") }),
    h("div.scroll.page", h("div.search-bar", icon("search", "search-icon"), search), list),
  );

  async function load() {
    const mine = ++asked;
    list.setAttribute("aria-busy", "true");
    try {
      const { favourites } = await api.favourites({ q: query || undefined });
      if (mine !== asked) return;
      list.replaceChildren(
        ...(favourites.length
          ? favourites.map((f) => row(f))
          : [h("li.empty-row", t(query ? "favourites.none_found" : "favourites.empty"))]),
      );
    } catch {
      if (mine === asked) list.replaceChildren(h("li.empty-row", t("favourites.failed")));
    } finally {
      if (mine === asked) list.setAttribute("aria-busy", "false");
    }
  }

  /** @param {Favourite} f */
  function row(f) {
    const source = f.source_sender_id != null ? store.nameOf(f.source_sender_id) : "";
    const shown = {
      id: -f.id,
      seq: null,
      conversation_id: f.source_conversation_id ?? 0,
      client_msg_id: `fav${f.id}`,
      sender_id: f.source_sender_id ?? 0,
      kind: f.kind,
      text: f.text,
      data: f.data,
      created_at: f.created_at,
      recalled: false,
    };
    const body =
      f.kind === "link"
        ? h(
            "a.bubble.bubble-text",
            { href: f.data?.url || "#", target: "_blank", rel: "noopener noreferrer" },
            f.data?.title || f.data?.url || "",
          )
        : bubble(app, shown, { mine: false });
    return h(
      "li.favourite",
      { dataset: { id: String(f.id), kind: f.kind } },
      h("div.favourite-body", body),
      h(
        "div.favourite-meta",
        h("span", source),
        h("time", { datetime: new Date(f.created_at).toISOString() }, formatFull(f.created_at)),
        h(
          "button.icon-btn.favourite-delete",
          { type: "button", "aria-label": t("favourites.delete"), onclick: () => remove(f) },
          icon("trash"),
        ),
      ),
    );
  }

  /** @param {Favourite} f */
  async function remove(f) {
    if (!(await confirmDialog(t("favourites.delete_confirm"), { ok: t("msg.delete"), danger: true }))) return;
    try {
      await api.removeFavourite(f.id);
      list.querySelector(`.favourite[data-id="${f.id}"]`)?.remove();
    } catch {
      toast(t("favourites.delete_failed"), { kind: "error" });
    }
  }

  load();
  const stop = store.subscribe((topics) => {
    if (topics.has("collection:favourites") || topics.has("all")) load();
  });
  return {
    destroy() {
      clearTimeout(timer);
      stop();
    },
  };
}
