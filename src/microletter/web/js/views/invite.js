// @ts-check
/**
 * Group invites in the client: the group's QR code and invite link (owners and admins:
 * copy, "require my approval", revoke), the page an invite link opens (the group, and Join
 * or Request to join), and the requests that wait for approval. The server keeps only a
 * hash of an invite's token, so the token lives on the device that made the link: each
 * manager's device shows its own link until it expires or is revoked.
 */

import { avatar, confirmDialog, h, icon, toast } from "../dom.js";
import { locale, t, tn } from "../i18n.js";
import { conversationAvatar, conversationTitle, topbar, userAvatar } from "../common.js";
import { linkFor } from "../links.js";
import { qrImageUrl } from "../qrcode.js";
import { errorText } from "./contacts/request.js";

/**
 * @typedef {import("../app.js").App} App
 * @typedef {{id: number, token: string, approval: boolean, expires_at: number}} SavedInvite
 * @typedef {{id: number, conversation_id: number, user_id: number, status: string, created_at: number}} JoinRequest
 */

/** How often the requests page asks again (no event tells a manager of a new request). */
const REQUESTS_EVERY_MS = 15_000;

/**
 * @param {App} app
 * @param {number} cid
 */
function savedKey(app, cid) {
  return `ml.invite.${app.store.me?.id}.${cid}`;
}

/**
 * This device's live invite of the group, if it made one.
 * @param {App} app
 * @param {number} cid
 * @returns {SavedInvite|null}
 */
function loadSaved(app, cid) {
  try {
    const saved = JSON.parse(localStorage.getItem(savedKey(app, cid)) || "null");
    return saved && saved.expires_at > Date.now() ? saved : null;
  } catch {
    return null;
  }
}

/**
 * @param {App} app
 * @param {number} cid
 * @param {SavedInvite|null} invite
 */
function save(app, cid, invite) {
  if (invite) localStorage.setItem(savedKey(app, cid), JSON.stringify(invite));
  else localStorage.removeItem(savedKey(app, cid));
}

/**
 * The invite to show: this device's, if the server still takes it, else a new one.
 * @param {App} app
 * @param {number} cid
 * @returns {Promise<SavedInvite>}
 */
async function liveInvite(app, cid) {
  const saved = loadSaved(app, cid);
  if (saved) {
    try {
      const { invite } = await app.api.invite(saved.token);
      const fresh = { ...saved, approval: invite.approval, expires_at: invite.expires_at };
      save(app, cid, fresh);
      return fresh;
    } catch (err) {
      if (/** @type {{code?: string}} */ (err).code !== "conversation.invite_invalid") return saved; // offline
    }
  }
  const { invite } = await app.api.createInvite(cid, false);
  const made = { id: invite.id, token: invite.token, approval: invite.approval, expires_at: invite.expires_at };
  save(app, cid, made);
  return made;
}

/**
 * Copy text, saying so (or showing it, where the clipboard is refused).
 * @param {string} text
 */
async function copy(text) {
  try {
    await navigator.clipboard.writeText(text);
    toast(t("msg.copied"));
  } catch {
    toast(text);
  }
}

/**
 * The group's rows on its info page, for its managers: the QR code and the requests.
 * @param {App} app
 * @param {number} cid
 * @returns {HTMLElement}
 */
export function inviteCard(app, cid) {
  const count = h("span.cell-value");
  app.api
    .joinRequests(cid)
    .then(({ requests }) => {
      count.textContent = requests.length ? String(requests.length) : "";
    })
    .catch(() => {});
  return h(
    "section.card",
    h(
      "a.cell#group-qr-row",
      { href: `#/chat/${cid}/qr` },
      h("span.cell-label", t("invite.group_code")),
      h("span.cell-value", icon("qr")),
      icon("chevron", "cell-chevron"),
    ),
    h(
      "a.cell#join-requests-row",
      { href: `#/chat/${cid}/requests` },
      h("span.cell-label", t("invite.requests")),
      count,
      icon("chevron", "cell-chevron"),
    ),
  );
}

/**
 * The group's QR code and invite link (`#/chat/<cid>/qr`).
 * @param {App} app
 * @param {HTMLElement} root
 * @param {string} cidText
 */
export function mountGroupCode(app, root, cidText) {
  const { store, api } = app;
  const cid = Number(cidText);
  const view = store.conversations.get(cid);
  const body = h("div.scroll.page");
  root.append(topbar({ title: t("invite.group_code"), back: () => app.go(`chat/${cid}/info`) }), body);
  if (!view || view.conversation.kind !== "group") {
    body.append(h("div.empty-state", h("p", t("invite.not_a_group"))));
    return null;
  }
  let gone = false;

  /** @param {SavedInvite} invite */
  const show = (invite) => {
    const link = linkFor("invite", invite.token, location.origin);
    const approval = /** @type {HTMLInputElement} */ (
      h("input.switch#invite-approval", {
        type: "checkbox",
        role: "switch",
        checked: invite.approval,
        onchange: async () => {
          try {
            const { invite: changed } = await api.setInviteApproval(cid, invite.id, approval.checked);
            invite.approval = changed.approval;
            save(app, cid, invite);
            toast(t(changed.approval ? "invite.approval_on" : "invite.approval_off"));
          } catch (err) {
            approval.checked = invite.approval;
            toast(errorText(err), { kind: "error" });
          }
        },
      })
    );
    const until = new Date(invite.expires_at).toLocaleDateString(locale(), { dateStyle: "medium" });
    body.replaceChildren(
      h(
        "section.card.qr-card",
        h(
          "div.qr-head",
          conversationAvatar(store, view, 48),
          h(
            "div",
            h("div.me-name", conversationTitle(store, view)),
            h("div.me-username", tn("group.members_count", view.conversation.member_count)),
          ),
        ),
        h(
          "div.qr-frame",
          h("img.qr-img#invite-qr", {
            src: qrImageUrl(link),
            alt: t("invite.qr_alt", { name: conversationTitle(store, view) }),
            width: 240,
            height: 240,
          }),
        ),
        h("p.card-hint", t("invite.hint", { date: until })),
        h(
          "div.qr-payload",
          h("code#invite-link", link),
          h(
            "button.btn.btn-small.btn-plain",
            { type: "button", onclick: () => copy(link) },
            icon("paste"),
            t("invite.copy"),
          ),
        ),
      ),
      h(
        "section.card",
        h("div.cell", h("label.cell-label", { for: "invite-approval" }, t("invite.require_approval")), approval),
        h(
          "a.cell",
          { href: `#/chat/${cid}/requests` },
          h("span.cell-label", t("invite.requests")),
          icon("chevron", "cell-chevron"),
        ),
      ),
      h("p.section-note", t("invite.approval_hint")),
      h(
        "section.card",
        h(
          "button.cell.danger-cell#invite-revoke",
          {
            type: "button",
            onclick: async () => {
              if (!(await confirmDialog(t("invite.revoke_confirm"), { ok: t("invite.revoke"), danger: true }))) return;
              try {
                await api.revokeInvite(cid, invite.id);
                save(app, cid, null);
                showRevoked();
              } catch (err) {
                toast(errorText(err), { kind: "error" });
              }
            },
          },
          t("invite.revoke"),
        ),
      ),
    );
  };

  const showRevoked = () =>
    body.replaceChildren(
      h(
        "div.empty-state",
        icon("qr", "big"),
        h("p", t("invite.revoked")),
        h("button.btn.btn-primary#invite-new", { type: "button", onclick: () => load() }, t("invite.new_link")),
      ),
    );

  const load = () => {
    body.replaceChildren(h("div.empty-state", h("p", t("common.loading"))));
    liveInvite(app, cid)
      .then((invite) => gone || show(invite))
      .catch((err) => gone || body.replaceChildren(h("div.empty-state", h("p", errorText(err)))));
  };
  load();
  return {
    destroy() {
      gone = true;
    },
  };
}

/**
 * What an invite link opens (`#/invite/<token>`): the group, and Join (or Request to join).
 * @param {App} app
 * @param {HTMLElement} root
 * @param {string} token
 */
export function mountJoin(app, root, token) {
  const { store, api } = app;
  const body = h("div.scroll.page");
  root.append(topbar({ title: t("invite.title"), back: () => app.go("chats") }), body);
  body.append(h("div.empty-state", h("p", t("common.loading"))));

  /** @param {string} text */
  const waiting = (text) => h("p.join-status#join-status", { role: "status" }, text);

  /** @param {{invite: {approval: boolean}, conversation: {id: number, name: string, member_count: number}}} shown */
  const render = ({ invite, conversation }) => {
    const member = store.conversations.has(conversation.id);
    const status = h("div");
    const join = async () => {
      try {
        const { conversation_id: cid, request } = await api.joinInvite(token);
        if (request) {
          button.remove();
          status.replaceChildren(waiting(t("invite.request_sent")));
          return;
        }
        await app.fetchView(cid);
        app.go(`chat/${cid}`);
      } catch (err) {
        const code = /** @type {{code?: string}} */ (err).code;
        if (code === "conversation.already_member") app.go(`chat/${conversation.id}`);
        else toast(errorText(err), { kind: "error" });
      }
    };
    const button = member
      ? h(
          "button.btn.btn-primary.btn-block#join-open",
          { type: "button", onclick: () => app.go(`chat/${conversation.id}`) },
          t("invite.open_chat"),
        )
      : h(
          "button.btn.btn-primary.btn-block#join-group",
          { type: "button", onclick: join },
          t(invite.approval ? "invite.request_join" : "invite.join"),
        );
    body.replaceChildren(
      h(
        "section.card.join-card",
        avatar({ name: conversation.name, key: conversation.id, size: 72, group: true }),
        h("h2.join-name", conversation.name || t("invite.unnamed_group")),
        h("p.join-count", tn("group.members_count", conversation.member_count)),
        invite.approval && !member ? h("p.card-hint", t("invite.needs_approval")) : null,
      ),
      h("div.profile-actions", button, status),
    );
  };

  api
    .invite(token)
    .then(render)
    .catch((err) => {
      const invalid = /** @type {{code?: string}} */ (err).code === "conversation.invite_invalid";
      body.replaceChildren(
        h("div.empty-state", icon("qr", "big"), h("p", invalid ? t("invite.invalid") : errorText(err))),
      );
    });
  return null;
}

/**
 * The requests to join a group that wait for its managers (`#/chat/<cid>/requests`).
 * @param {App} app
 * @param {HTMLElement} root
 * @param {string} cidText
 */
export function mountRequests(app, root, cidText) {
  const { store, api } = app;
  const cid = Number(cidText);
  const list = h("ul.list.card-list#join-requests");
  root.append(
    topbar({ title: t("invite.requests"), back: () => app.go(`chat/${cid}/info`) }),
    h("div.scroll.page", list),
  );
  /** @type {JoinRequest[]} */
  let requests = [];
  /** @type {ReturnType<typeof setTimeout>|undefined} */
  let timer;
  let gone = false;

  const render = () => {
    if (!requests.length) {
      list.replaceChildren(h("li.empty-row", t("invite.no_requests")));
      return;
    }
    list.replaceChildren(
      ...requests.map((r) =>
        h(
          "li.request-row",
          { dataset: { user: String(r.user_id) } },
          h(
            "a.request-who",
            { href: `#/user/${r.user_id}` },
            userAvatar(store, r.user_id, 40),
            h("span", store.nameOf(r.user_id)),
          ),
          h(
            "div.request-actions",
            h(
              "button.btn.btn-small.btn-plain",
              { type: "button", onclick: () => answer(r, false) },
              t("invite.decline"),
            ),
            h(
              "button.btn.btn-small.btn-primary",
              { type: "button", onclick: () => answer(r, true) },
              t("invite.approve"),
            ),
          ),
        ),
      ),
    );
  };

  /**
   * @param {JoinRequest} request
   * @param {boolean} approve
   */
  const answer = async (request, approve) => {
    try {
      await api.answerJoin(cid, request.id, approve);
      requests = requests.filter((r) => r.id !== request.id);
      toast(t(approve ? "invite.approved" : "invite.declined", { name: store.nameOf(request.user_id) }));
      render();
    } catch (err) {
      toast(errorText(err), { kind: "error" });
    }
  };

  const load = async () => {
    try {
      requests = (await api.joinRequests(cid)).requests;
      await Promise.all(
        requests
          .filter((r) => !store.users.has(r.user_id))
          .map((r) =>
            api
              .user(r.user_id)
              .then(({ user }) => store.putUser(user))
              .catch(() => {}),
          ),
      );
      if (!gone) render();
    } catch (err) {
      if (!gone) list.replaceChildren(h("li.empty-row", errorText(err)));
    }
    if (!gone) timer = setTimeout(load, REQUESTS_EVERY_MS);
  };
  list.append(h("li.empty-row", t("common.loading")));
  load();
  return {
    destroy() {
      gone = true;
      clearTimeout(timer);
    },
  };
}
