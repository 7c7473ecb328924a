// @ts-check
/**
 * Pieces several views share: the top bar, conversation titles, message previews and
 * avatars for people and conversations.
 */

import { avatar, h, icon } from "./dom.js";
import { formatDuration, hasKey, t } from "./i18n.js";

/**
 * The bar at the top of a screen: an optional back button, a title and actions.
 * @param {{title: string|Node, back?: () => void, actions?: Node[], sub?: string|Node}} o
 */
export function topbar({ title, back, actions = [], sub }) {
  return h(
    "header.topbar",
    back
      ? h("button.icon-btn.back", { type: "button", "aria-label": t("common.back"), onclick: back }, icon("back"))
      : h("span.topbar-spacer"),
    h("div.topbar-title", h("h1", title), sub ? h("div.topbar-sub", sub) : null),
    h("div.topbar-actions", actions),
  );
}

/** The name a conversation is shown under. */
export function conversationTitle(store, view) {
  const conv = view.conversation;
  if (conv.kind === "direct") return view.peer ? store.nameOf(view.peer.id) : t("chat.direct");
  if (conv.kind === "service") return t("service.title");
  if (conv.kind === "official") {
    const name = store.accounts.get(conv.owner_id)?.name || (view.peer ? store.nameOf(view.peer.id) : "");
    return name || conv.name || t("official.title");
  }
  return conv.name || t("group.unnamed");
}

/** A one-line preview of a message for lists and notifications. */
export function preview(store, message) {
  if (!message) return "";
  if (message.recalled) {
    return message.sender_id === store.me?.id
      ? t("msg.you_recalled")
      : t("msg.recalled", { name: store.nameOf(message.sender_id) });
  }
  switch (message.kind) {
    case "text":
      return message.text || "";
    case "image":
      return t("msg.preview_image");
    case "voice":
      return t("msg.preview_voice", { duration: formatDuration(message.data?.media?.duration_ms || 0) });
    case "file":
      return t("msg.preview_file", { name: message.data?.media?.name || "" });
    case "video":
      return t("msg.preview_video", { duration: formatDuration(message.data?.media?.duration_ms || 0) });
    case "system":
      return systemText(store, message);
    case "news":
      return t("msg.preview_news", { title: message.data?.articles?.[0]?.title || "" });
    case "template":
      return t("msg.preview_template", { title: message.data?.title || "" });
    case "sticker":
      return t("msg.preview_sticker");
    case "location":
      return t("msg.preview_location", { name: message.data?.name || "" });
    case "card":
      return t("msg.preview_card", { name: message.data?.display_name || "" });
    case "history":
      return t("msg.preview_history", { title: message.data?.title || "" });
    case "transfer":
      return t("msg.preview_transfer", { note: message.data?.note || "" });
    case "red_packet":
      return t("msg.preview_red_packet", { greeting: message.data?.greeting || "" });
    case "app":
      return t("msg.preview_app", { title: message.data?.title || message.data?.name || "" });
    case "order":
      return t("msg.preview_order", { shop: message.data?.shop_name || "" });
    case "product":
      return t("msg.preview_product", { name: message.data?.name || "" });
    default:
      return t("msg.unsupported");
  }
}

function names(store, ids) {
  return (ids || [])
    .map((id) => (id === store.me?.id ? t("msg.you_object") : store.nameOf(id) || "…"))
    .join(t("list.separator"));
}

/** The sentence for a system note (someone joined, renamed the group, ...). */
export function systemText(store, message) {
  const d = message.data || {};
  const byMe = d.actor === store.me?.id;
  const actor = byMe ? t("msg.you") : store.nameOf(d.actor) || t("msg.someone");
  // What I did has sentences of its own ("You added Bob"), so that languages whose verb
  // agrees with its subject (Spanish "Añadiste", Arabic "أضفتَ") say it right.
  const said = (/** @type {string} */ key, /** @type {Record<string, unknown>} */ vars = {}) =>
    t(byMe && hasKey(`${key}_by_you`) ? `${key}_by_you` : key, vars);
  switch (d.action) {
    case "contact.accepted":
      return t("sys.contact_accepted");
    case "group.created":
      return said("sys.group_created", { actor, users: names(store, d.users) });
    case "group.renamed":
      return said("sys.group_renamed", { actor, name: d.name ?? "" });
    case "announcement.set":
      return said("sys.announcement_set", { actor });
    case "members.added":
      return said("sys.members_added", { actor, users: names(store, d.users) });
    case "member.removed":
      return said("sys.member_removed", { actor, users: names(store, d.users ?? [d.user]) });
    case "member.left":
      return said("sys.member_left", { actor });
    case "member.joined":
      return said("sys.member_joined", { actor, users: names(store, d.users) });
    case "admin.added":
      return said("sys.admin_added", { actor, users: names(store, d.users ?? [d.user]) });
    case "admin.removed":
      return said("sys.admin_removed", { actor, users: names(store, d.users ?? [d.user]) });
    case "owner.changed":
      return said("sys.owner_changed", { actor, users: names(store, d.users ?? [d.user]) });
    case "transfer.accepted":
      return said("sys.transfer_accepted", { actor });
    case "transfer.returned":
      return said("sys.transfer_returned", { actor });
    case "transfer.refunded":
      return t("sys.transfer_refunded");
    case "account.unavailable":
      return t("sys.account_unavailable", { name: store.nameOf(d.actor) || t("official.title") });
    default:
      return t("sys.unknown");
  }
}

/** The avatar of a person. */
export function userAvatar(store, userId, size = 40) {
  const user = store.users.get(userId);
  return avatar({
    name: store.nameOf(userId) || user?.username || "?",
    key: user?.username || userId,
    url: avatarUrl(user),
    size,
  });
}

/** The public URL of a person's profile picture (cacheable: it names the picture), or null. */
export function avatarUrl(user) {
  if (!user?.avatar) return null;
  if (/^https?:\/\//.test(user.avatar)) return user.avatar; // an official account's picture
  return `/avatars/${user.id}?v=${encodeURIComponent(user.avatar.slice(0, 12))}`;
}

/**
 * The avatar of an official account (its picture, else its initials).
 * @param {{id: number, name: string, avatar: string|null, original_id?: string}} account
 * @param {number} [size]
 */
export function accountAvatar(account, size = 48) {
  return avatar({ name: account.name, key: account.original_id || account.id, url: account.avatar, size });
}

/**
 * The picture of service notifications: a bell on its own colour, the same everywhere.
 * @param {number} [size]
 */
export function serviceAvatar(size = 48) {
  const el = h("span.avatar.service-avatar", { "aria-hidden": "true" }, icon("bell"));
  el.style.setProperty("--size", `${size}px`);
  return el;
}

/** @type {import("./media.js").GroupAvatars|null} where groups' drawn avatars come from (set by the app) */
let groupAvatars = null;

/** @param {import("./media.js").GroupAvatars|null} source */
export function useGroupAvatars(source) {
  groupAvatars = source;
}

/**
 * The avatar of a conversation (the peer's, or the group's: the grid of its members'
 * pictures the server draws, over a group icon until it arrives).
 */
export function conversationAvatar(store, view, size = 48) {
  const conv = view.conversation;
  if (conv.kind === "service") return serviceAvatar(size);
  if (conv.kind === "official" && store.accounts.has(conv.owner_id))
    return accountAvatar(store.accounts.get(conv.owner_id), size);
  if ((conv.kind === "direct" || conv.kind === "official") && view.peer) return userAvatar(store, view.peer.id, size);
  const el = avatar({ name: conversationTitle(store, view), key: view.conversation.id, size, group: true });
  if (conv.kind === "group" && groupAvatars) {
    groupAvatars.get(conv.id, conv.member_count).then((url) => {
      if (url) el.replaceChildren(h("img.group-grid", { src: url, alt: "" }));
    });
  }
  return el;
}
