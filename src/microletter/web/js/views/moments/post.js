// @ts-check
/**
 * One Moments post as WeChat shows it: the author's avatar and name, the text, a 9-grid of
 * pictures (fetched through signed links: the server grants them only to those who may
 * see the post), a link card, the place, "2 hours ago", the like/comment bar, and the likes
 * and comments underneath. What the server sends is already what I may see (the WeChat
 * rule); this module only draws it and sends my likes, comments and replies.
 */

import { actionSheet, confirmDialog, h, icon, promptDialog, toast } from "../../dom.js";
import { formatAgo, formatDuration, formatFull, t } from "../../i18n.js";
import { userAvatar } from "../../common.js";

/**
 * @typedef {{id: number, user_id: number, created_at: number}} Like
 * @typedef {{id: number, user_id: number, text: string, reply_to: number|null, reply_to_user: number|null,
 *   created_at: number}} Comment
 * @typedef {{id: number, author_id: number, text: string|null, data: any, audience: string, created_at: number,
 *   likes: Like[], comments: Comment[], listed: number[]|null}} Post
 */

/**
 * @typedef {object} Card what one post's card knows
 * @property {import("../../app.js").App} app
 * @property {Post} post
 * @property {{changed: (post: Post|null) => void}} on
 * @property {number|undefined} me
 */

/**
 * @param {import("../../app.js").App} app
 * @param {Post} post
 * @param {{changed: (post: Post|null) => void}} on `changed(null)`: the post was deleted
 */
export function postCard(app, post, on) {
  const { store } = app;
  /** @type {Card} */
  const card = { app, post, on, me: store.me?.id };
  const name = store.nameOf(post.author_id) || t("moments.someone");
  const comments = post.comments.map((c) => commentRow(card, c));
  return h(
    "article.moment",
    { dataset: { id: String(post.id), author: String(post.author_id) } },
    h(
      "a.moment-avatar",
      { href: `#/moments/user/${post.author_id}`, "aria-label": name },
      userAvatar(store, post.author_id, 42),
    ),
    h(
      "div.moment-main",
      h("a.moment-author", { href: `#/moments/user/${post.author_id}` }, name),
      post.text ? h("p.moment-text", post.text) : null,
      pictures(app, post),
      post.data?.video ? videoPlayer(app, post.data.video) : null,
      post.data?.link ? linkCard(app, post.data.link, post.data.link_picture) : null,
      post.data?.location ? h("p.moment-location", icon("pin"), post.data.location) : null,
      postBar(card),
      post.likes.length || comments.length
        ? h(
            "div.moment-reactions",
            post.likes.length
              ? h(
                  "p.moment-likes",
                  icon("star"),
                  post.likes.map((l, i) => [i ? ", " : "", h("span.moment-name", store.nameOf(l.user_id) || "?")]),
                )
              : null,
            comments.length ? h("ul.moment-comments", comments) : null,
          )
        : null,
    ),
  );
}

/** The time, audience, delete, like and comment under a post. @param {Card} card */
function postBar(card) {
  const { post, me } = card;
  const liked = post.likes.some((l) => l.user_id === me);
  const toggleLike = () => change(card, () => card.app.api.likePost(post.id, !liked));
  return h(
    "div.moment-bar",
    h(
      "time.moment-time",
      { datetime: new Date(post.created_at).toISOString(), title: formatFull(post.created_at) },
      formatAgo(post.created_at),
    ),
    post.audience !== "all" && post.author_id === me
      ? h("span.moment-audience", t(`moments.audience_${post.audience}`))
      : null,
    post.author_id === me
      ? h("button.link-btn.moment-delete", { type: "button", onclick: () => remove(card) }, t("msg.delete"))
      : null,
    h(
      `button.icon-btn.moment-like${liked ? ".on" : ""}`,
      {
        type: "button",
        "aria-pressed": String(liked),
        "aria-label": t(liked ? "moments.unlike" : "moments.like"),
        onclick: toggleLike,
      },
      icon("star"),
    ),
    h(
      "button.icon-btn.moment-comment-btn",
      { type: "button", "aria-label": t("moments.comment"), onclick: () => write(card, null) },
      icon("chats"),
    ),
  );
}

/** @param {Card} card @param {Comment} c */
function commentRow(card, c) {
  const { post, me } = card;
  const { store } = card.app;
  return h(
    "li.moment-comment",
    {
      dataset: { id: String(c.id), user: String(c.user_id) },
      tabIndex: 0,
      onclick: () => (c.user_id === me || post.author_id === me ? removeOrReply(card, c) : write(card, c)),
    },
    h("a.moment-name", { href: `#/moments/user/${c.user_id}` }, store.nameOf(c.user_id) || "?"),
    c.reply_to_user != null
      ? [
          h("span.moment-reply-word", ` ${t("moments.replied")} `),
          h("span.moment-name", store.nameOf(c.reply_to_user) || "?"),
        ]
      : null,
    h("span.moment-comment-text", `: ${c.text}`),
  );
}

/**
 * Make a change, then draw the post as the server has it now.
 * @param {Card} card @param {() => Promise<unknown>} act
 */
async function change(card, act) {
  try {
    await act();
    card.on.changed(await fresh(card));
  } catch (err) {
    failed(err);
  }
}

/** @param {Card} card @param {Comment|null} replyTo */
async function write(card, replyTo) {
  const { api, store } = card.app;
  const title = replyTo ? t("moments.reply_to", { name: store.nameOf(replyTo.user_id) }) : t("moments.comment");
  const text = await promptDialog({ title, maxLength: 1000, multiline: true });
  if (!text?.trim()) return;
  await change(card, () => api.commentPost(card.post.id, text.trim(), replyTo?.id ?? null));
}

/** @param {Card} card @param {Comment} c */
async function removeComment(card, c) {
  if (!(await confirmDialog(t("moments.delete_comment"), { ok: t("msg.delete"), danger: true }))) return;
  await change(card, () => card.app.api.deleteComment(card.post.id, c.id));
}

/** @param {Card} card */
async function remove(card) {
  if (!(await confirmDialog(t("moments.delete_confirm"), { ok: t("msg.delete"), danger: true }))) return;
  try {
    await card.app.api.deletePost(card.post.id);
    card.on.changed(null);
  } catch (err) {
    failed(err);
  }
}

/** @param {Card} card @returns {Promise<Post|null>} the post as the server has it now (null: gone or hidden) */
async function fresh(card) {
  try {
    return (await card.app.api.request("GET", `/moments/posts/${card.post.id}`)).post;
  } catch {
    return null;
  }
}

/** @param {Card} card @param {Comment} c my comment, or any on my post: reply to it or remove it */
async function removeOrReply(card, c) {
  const actions = [{ label: t("msg.delete"), value: "delete", danger: true }];
  if (c.user_id !== card.me) actions.unshift({ label: t("moments.reply"), value: "reply", danger: false });
  const choice = await actionSheet(actions, t("moments.comment"));
  if (choice === "delete") removeComment(card, c);
  else if (choice === "reply") write(card, c);
}

/** @param {unknown} err */
function failed(err) {
  const code = /** @type {any} */ (err)?.code;
  toast(code === "moments.post_not_found" ? t("moments.gone") : t("moments.failed"), { kind: "error" });
}

/** The 9-grid (one picture alone is shown larger). */
function pictures(app, post) {
  const images = Array.isArray(post.data?.images) ? post.data.images : [];
  if (!images.length) return null;
  return h(
    `div.moment-grid.n${Math.min(images.length, 9)}`,
    images.map((m) => {
      const img = h("img.moment-picture", { alt: t("moments.picture"), loading: "lazy" });
      app.media
        .get(m.id)
        .then((u) => (img.src = u.thumbnail_url || u.url))
        .catch(() => img.classList.add("missing"));
      return img;
    }),
  );
}

/**
 * A post's video: its poster (the server's first frame) with the duration and a play
 * button; tapping plays it inline with the browser's controls, from a signed link (the
 * server grants it only to those who may see the post; Range requests let it seek).
 * @param {import("../../app.js").App} app
 * @param {any} media
 */
function videoPlayer(app, media) {
  const duration = media.duration_ms || 0;
  const video = /** @type {HTMLVideoElement} */ (
    h("video.moment-video-player", { playsInline: true, preload: "none", "aria-label": t("moments.video") })
  );
  const play = h(
    "button.video-play",
    { type: "button", "aria-label": t("msg.play_video", { duration: formatDuration(duration) }) },
    icon("play"),
  );
  const box = h("div.moment-video", video, play, h("span.video-duration", formatDuration(duration)));
  if (media.width && media.height) box.style.aspectRatio = `${media.width} / ${media.height}`;
  app.media
    .get(media.id)
    .then((urls) => {
      if (urls.thumbnail_url) video.poster = urls.thumbnail_url;
    })
    .catch(() => box.classList.add("broken"));
  play.addEventListener("click", async () => {
    box.classList.add("playing");
    video.controls = true;
    try {
      if (!video.src) video.src = (await app.media.get(media.id)).url;
      await video.play();
    } catch {
      box.classList.remove("playing");
      video.controls = false;
      toast(t("msg.video_unavailable"), { kind: "error" });
    }
  });
  return box;
}

/** A link card: title, description and picture, opening the link in a new tab. */
function linkCard(app, link, picture) {
  let img;
  if (picture) {
    const shown = h("img.moment-link-picture", { alt: "" });
    app.media
      .get(picture.id)
      .then((u) => (shown.src = u.thumbnail_url || u.url))
      .catch(() => {});
    img = shown;
  } else {
    img = h("span.moment-link-icon", icon("globe"));
  }
  return h(
    "a.moment-link",
    { href: link.url, target: "_blank", rel: "noopener noreferrer" },
    img,
    h("span.moment-link-text", h("strong", link.title), link.description ? h("span", link.description) : null),
  );
}
