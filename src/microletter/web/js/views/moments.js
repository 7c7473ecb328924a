// @ts-check
/**
 * Discover → Moments: my timeline in WeChat's shape (a cover picture with my avatar and
 * name on it, then the posts of my friends I may see, newest first, paged by the server's
 * cursor), a person's album (from their profile), and the notices list (likes, comments,
 * replies). What to show is decided by the server (docs/moments.md); a `moment_*` event
 * in my log only says "fetch the notices again".
 */

import { h, icon, toast } from "../dom.js";
import { formatAgo, t } from "../i18n.js";
import { topbar, userAvatar } from "../common.js";
import { postCard } from "./moments/post.js";

/**
 * A list of posts with "more" paging, shared by the timeline and the album.
 * @param {import("../app.js").App} app
 * @param {(before: number|null) => Promise<{posts: any[], next_before: number|null}>} fetchPage
 * @param {string} emptyKey
 */
function feed(app, fetchPage, emptyKey) {
  const list = h("div.moment-list", { "aria-busy": "true" });
  const more = h("button.btn.btn-plain.moment-more", { type: "button", hidden: true }, t("moments.more"));
  /** @type {number|null} */
  let next = null;

  /** @param {any} post */
  function card(post) {
    const el = postCard(app, post, {
      changed: (now) => (now ? el.replaceWith(card(now)) : el.remove()),
    });
    return el;
  }

  async function load(reset) {
    list.setAttribute("aria-busy", "true");
    try {
      const page = await fetchPage(reset ? null : next);
      if (reset) list.replaceChildren();
      list.append(...page.posts.map(card));
      if (!list.childElementCount) list.append(h("p.empty-row", t(emptyKey)));
      next = page.next_before;
      more.hidden = next == null;
    } catch {
      toast(t("moments.failed"), { kind: "error" });
    } finally {
      list.setAttribute("aria-busy", "false");
    }
  }
  more.addEventListener("click", () => load(false));
  return { el: h("div", list, more), reload: () => load(true) };
}

/** The cover at the top: a picture (or a colour), and a person's avatar and name on it. */
function cover(app, userId, coverId) {
  const { store } = app;
  const el = h(
    "header.moment-cover",
    h("div.moment-cover-picture"),
    h("div.moment-cover-who", h("span.moment-cover-name", store.nameOf(userId)), userAvatar(store, userId, 64)),
  );
  if (coverId) {
    app.media
      .get(coverId)
      .then((u) => {
        /** @type {HTMLElement} */ (el.firstChild).style.backgroundImage = `url("${u.url}")`;
      })
      .catch(() => {});
  }
  return el;
}

/**
 * @param {import("../app.js").App} app
 * @param {HTMLElement} root
 */
export function mountTimeline(app, root) {
  const { api, store } = app;
  const me = store.me?.id ?? 0;
  const bell = h(
    "a.icon-btn.moment-bell",
    { href: "#/moments/notices", "aria-label": t("moments.notices") },
    icon("bell"),
    h("span.tab-badge", { hidden: true }),
  );
  const posts = feed(app, (before) => api.moments({ before }), "moments.empty");
  const top = h("div");
  root.append(
    topbar({
      title: t("discover.moments"),
      back: () => app.go("discover"),
      actions: [
        bell,
        h("a.icon-btn.moment-new", { href: "#/moments/new", "aria-label": t("moments.new") }, icon("camera")),
      ],
    }),
    h("div.scroll.page.moments-page", top, posts.el),
  );
  /** @param {HTMLElement} el my cover, opening my album (and its settings) */
  const mine = (el) => h("a.moment-cover-link", { href: `#/moments/user/${me}`, "aria-label": t("moments.album") }, el);
  api
    .momentSettings()
    .then(({ settings }) => top.replaceChildren(mine(cover(app, me, settings.cover))))
    .catch(() => top.replaceChildren(mine(cover(app, me, null))));
  async function badge() {
    try {
      const { badge: b } = await api.momentsBadge();
      const count = /** @type {HTMLElement} */ (bell.querySelector(".tab-badge"));
      count.hidden = !b.unread;
      count.textContent = String(b.unread);
    } catch {
      /* the badge can wait */
    }
  }
  posts.reload();
  badge();
  const stop = store.subscribe((topics) => topics.has("moments") && badge());
  return { destroy: stop };
}

/**
 * A person's album: their posts I may see (within their album limit).
 * @param {import("../app.js").App} app
 * @param {HTMLElement} root
 * @param {string} uidText
 */
export function mountAlbum(app, root, uidText) {
  const { api, store } = app;
  const uid = Number(uidText);
  const posts = feed(app, (before) => api.album(uid, { before }), "moments.album_empty");
  const top = h("div", cover(app, uid, null));
  root.append(
    topbar({ title: store.nameOf(uid) || t("moments.album"), back: () => app.back() }),
    h("div.scroll.page.moments-page", top, uid === store.me?.id ? mySettings(app, top) : "", posts.el),
  );
  posts.reload();
  return {};
}

/**
 * On my own album: how far back my friends see it, and my cover picture.
 * @param {import("../app.js").App} app
 * @param {HTMLElement} top where the cover is drawn
 */
function mySettings(app, top) {
  const { api, store } = app;
  const me = store.me?.id ?? 0;
  const range = h(
    "select.field.moment-album-range",
    { "aria-label": t("moments.album_range") },
    ["3d", "1m", "6m", "all"].map((v) => h("option", { value: v }, t(`moments.range_${v}`))),
  );
  const picker = h("input", { type: "file", accept: "image/*", hidden: true, "aria-label": t("moments.change_cover") });
  api
    .momentSettings()
    .then(({ settings }) => {
      range.value = settings.album;
      top.replaceChildren(cover(app, me, settings.cover));
    })
    .catch(() => {});
  range.addEventListener("change", () =>
    api.setMomentSettings({ album: range.value }).catch(() => toast(t("moments.failed"), { kind: "error" })),
  );
  picker.addEventListener("change", async () => {
    const file = picker.files?.[0];
    if (!file) return;
    try {
      const { media } = await api.uploadMedia(file, "image", file.name);
      const { settings } = await api.setMomentSettings({ cover: media.id });
      top.replaceChildren(cover(app, me, settings.cover));
    } catch {
      toast(t("moments.upload_failed"), { kind: "error" });
    }
  });
  return h(
    "section.card.moment-settings",
    h("label.cell", h("span.cell-label", t("moments.album_range")), range),
    h(
      "button.cell.moment-cover-change",
      { type: "button", onclick: () => picker.click() },
      h("span.cell-label", t("moments.change_cover")),
      icon("image"),
    ),
    picker,
  );
}

/**
 * My notices: likes and comments on my posts, replies to my comments; opening the list
 * marks them read.
 * @param {import("../app.js").App} app
 * @param {HTMLElement} root
 */
export function mountNotices(app, root) {
  const { api, store } = app;
  const list = h("ul.list.moment-notices", { "aria-label": t("moments.notices"), "aria-busy": "true" });
  root.append(topbar({ title: t("moments.notices"), back: () => app.go("moments") }), h("div.scroll.page", list));
  async function load() {
    try {
      const { notices } = await api.momentNotices();
      list.replaceChildren(
        ...(notices.length
          ? notices.map((n) =>
              h(
                "li.moment-notice",
                { dataset: { kind: n.kind, id: String(n.id) } },
                userAvatar(store, n.user_id, 40),
                h(
                  "div.moment-notice-text",
                  h("strong", store.nameOf(n.user_id) || "?"),
                  h(
                    "span",
                    n.kind === "like" ? t("moments.notice_like") : `${t(`moments.notice_${n.kind}`)}: ${n.text}`,
                  ),
                  h("time", formatAgo(n.created_at)),
                ),
              ),
            )
          : [h("li.empty-row", t("moments.no_notices"))]),
      );
      if (notices.length) await api.readMomentNotices(notices[0].id);
      store.changed("moments");
    } catch {
      list.replaceChildren(h("li.empty-row", t("moments.failed")));
    } finally {
      list.setAttribute("aria-busy", "false");
    }
  }
  load();
  return {};
}
