// @ts-check
/**
 * Conversation info: for a group its members (add, remove), name, announcement, mute, pin,
 * save to contacts, clear history and leave; for a direct conversation the person, mute,
 * pin and clear history. Changes go through REST and come
 * back as events, so every device (this one included) updates the same way.
 */

import { confirmDialog, dialog, h, icon, promptDialog, toast } from "../dom.js";
import { t, tn } from "../i18n.js";
import { conversationTitle, topbar, userAvatar } from "../common.js";
import { mountProfile } from "./officials.js";
import { inviteCard } from "./invite.js";

/**
 * A list of people to pick from (checkboxes); resolves with the chosen ids.
 * @param {import("../app.js").App} app
 * @param {{title: string, people: number[], action: string}} o
 * @returns {Promise<number[]|undefined>}
 */
export function pickPeople(app, { title, people, action }) {
  const { store } = app;
  return dialog(
    (close) => {
      const chosen = new Set();
      const go = h("button.btn.btn-primary", { type: "submit", disabled: true }, action);
      const list = h(
        "ul.pick-list",
        people.map((id) =>
          h(
            "li",
            h(
              "label.pick-row",
              h("input", {
                type: "checkbox",
                value: String(id),
                onchange: (e) => {
                  if (e.target.checked) chosen.add(id);
                  else chosen.delete(id);
                  go.disabled = chosen.size === 0;
                  go.textContent = chosen.size ? `${action} (${chosen.size})` : action;
                },
              }),
              userAvatar(store, id, 36),
              h("span.pick-name", store.nameOf(id)),
            ),
          ),
        ),
      );
      return h(
        "form.dialog-body.pick",
        {
          onsubmit: (e) => {
            e.preventDefault();
            close([...chosen]);
          },
        },
        h("h2.dialog-title", title),
        people.length ? list : h("p.dialog-text", t("group.nobody_to_pick")),
        h(
          "div.dialog-actions",
          h("button.btn.btn-plain", { type: "button", onclick: () => close() }, t("common.cancel")),
          go,
        ),
      );
    },
    { label: title },
  );
}

/**
 * A row of the info page: a label, a value and, when it can be changed, a chevron.
 * @param {string} label
 * @param {string} value
 * @param {{onclick?: () => void, disabled?: boolean}} [o]
 */
function cell(label, value, { onclick, disabled } = {}) {
  const inner = [
    h("span.cell-label", label),
    h("span.cell-value", value || ""),
    onclick && !disabled ? icon("chevron", "cell-chevron") : null,
  ];
  return onclick && !disabled ? h("button.cell", { type: "button", onclick }, inner) : h("div.cell", inner);
}

function switchCell(label, checked, onchange) {
  const id = `sw-${Math.random().toString(36).slice(2)}`;
  return h(
    "div.cell",
    h("label.cell-label", { for: id }, label),
    h("input.switch", { id, type: "checkbox", role: "switch", checked, onchange: (e) => onchange(e.target.checked) }),
  );
}

/**
 * Run a change, toasting `done` when it worked and the error's text when not.
 * @param {() => Promise<unknown>} fn @param {string} [done]
 */
async function run(fn, done) {
  try {
    await fn();
    if (done) toast(done);
  } catch (caught) {
    const err = /** @type {import("../api.js").ApiError} */ (caught);
    const key = `error.${err.code}`;
    toast(t(key) === key ? t("error.generic", { code: err.code }) : t(key), { kind: "error" });
  }
}

/**
 * A red button in a card of its own that asks first.
 * @param {string} label @param {string} question @param {() => Promise<unknown>} act @param {string} [done]
 */
function dangerCard(label, question, act, done) {
  const onclick = async () => {
    if (await confirmDialog(question, { ok: label, danger: true })) run(act, done);
  };
  return h("section.card", h("button.cell.danger-cell", { type: "button", onclick }, label));
}

/**
 * @typedef {object} Info what one render of a group's page knows
 * @property {import("../app.js").App} app
 * @property {number} cid
 * @property {import("../store.js").ConversationView} view
 * @property {any[]} members as the server listed them
 * @property {() => Promise<void>} reload fetch the members again
 */

/**
 * A tile that picks people and does something with them.
 * @param {Info} info @param {"add"|"remove"} what @param {number[]} people @param {Node} tile
 * @param {(ids: number[]) => Promise<unknown>} act
 */
function pickTile(info, what, people, tile, act) {
  const title = t(`group.${what}_members`);
  const onclick = async () => {
    const ids = await pickPeople(info.app, { title, people, action: t(`group.${what}`) });
    if (ids?.length)
      run(async () => {
        await act(ids);
        await info.reload();
      });
  };
  return h(
    "button.member.member-action",
    { type: "button", "aria-label": title, onclick },
    tile,
    h("span.member-name", t(`group.${what}`)),
  );
}

/** The members, then "+" (my contacts not in it) and "−" (whom my role may remove). @param {Info} info */
function memberGrid(info) {
  const { app, cid, view, members } = info;
  const { store, api } = app;
  const people = members.map((m) => m.user.id);
  const addable = [...store.contacts.keys()].filter((id) => !people.includes(id));
  const mayRemove = (/** @type {any} */ m) =>
    m.user.id !== store.me?.id && (view.role === "owner" || (view.role === "admin" && m.role === "member"));
  const removable = members.filter(mayRemove).map((m) => m.user.id);
  const member = (/** @type {any} */ m) =>
    h(
      "a.member",
      { href: `#/user/${m.user.id}`, dataset: { uid: String(m.user.id) } },
      userAvatar(store, m.user.id, 56),
      h("span.member-name", store.nameOf(m.user.id)),
      m.role !== "member" ? h("span.member-role", t(`group.role_${m.role}`)) : null,
    );
  return h(
    "section.card.member-grid",
    { "aria-label": tn("group.members_count", view.conversation.member_count) },
    members.map(member),
    pickTile(info, "add", addable, h("span.tile", icon("plus")), (ids) => api.addMembers(cid, ids)),
    removable.length
      ? pickTile(info, "remove", removable, h("span.tile", h("span.minus", "−")), async (ids) => {
          for (const id of ids) await api.removeMember(cid, id);
        })
      : null,
  );
}

/** The group's name and announcement, which managers may edit. @param {Info} info */
function groupTexts(info) {
  const { app, cid, view } = info;
  const conv = view.conversation;
  const manager = view.role === "owner" || view.role === "admin";
  const rename = async () => {
    const name = await promptDialog({ title: t("group.rename"), value: conv.name, maxLength: 64 });
    if (name !== undefined) run(() => app.api.updateGroup(cid, { name: name.trim() }));
  };
  const announce = async () => {
    const text = await promptDialog({
      title: t("group.announcement"),
      value: conv.announcement,
      maxLength: 2000,
      multiline: true,
    });
    if (text !== undefined) run(() => app.api.updateGroup(cid, { announcement: text.trim() }));
  };
  const announcement = conv.announcement || t(manager ? "group.announcement_none_edit" : "group.announcement_none");
  return h(
    "section.card",
    cell(t("group.name"), conversationTitle(app.store, view), { disabled: !manager, onclick: rename }),
    cell(t("group.announcement"), announcement, { disabled: !manager, onclick: announce }),
  );
}

/** The other person of a direct chat, as a tile that opens their card. @param {import("../app.js").App} app @param {any} peer */
function peerTile(app, peer) {
  const tile = peer
    ? h(
        "a.member",
        { href: `#/user/${peer.id}` },
        userAvatar(app.store, peer.id, 56),
        h("span.member-name", app.store.nameOf(peer.id)),
      )
    : null;
  return h("section.card.member-grid", tile);
}

/**
 * @param {import("../app.js").App} app
 * @param {HTMLElement} root
 * @param {string} cidText
 */
export function mount(app, root, cidText) {
  const { store, api } = app;
  const cid = Number(cidText);
  const official = store.conversations.get(cid)?.conversation;
  if (official?.kind === "official") return mountProfile(app, root, String(official.owner_id));
  /** @type {any[]} */
  let members = [];
  /** @type {HTMLElement|undefined} the group code and join requests rows (managers) */
  let invites;
  const body = h("div.scroll.info");
  root.append(topbar({ title: t("chat.info"), back: () => app.go(`chat/${cid}`) }), body);

  async function loadMembers() {
    try {
      members = (await api.members(cid)).members;
      for (const m of members) store.users.set(m.user.id, m.user);
      render();
    } catch {
      /* offline: show the rest */
    }
  }

  function render() {
    const view = store.conversations.get(cid);
    if (!view) {
      app.go("chats");
      return;
    }
    const chatState = (/** @type {{pinned?: boolean, saved?: boolean}} */ patch) =>
      run(async () => store.setChatState((await api.setChat(cid, patch)).state));
    const mute = switchCell(t("chat.mute"), view.muted, (muted) => run(() => api.setMuted(cid, muted)));
    const pin = switchCell(t("chat.pin"), Boolean(view.pinned), (pinned) => chatState({ pinned }));
    const clear = dangerCard(
      t("chat.clear"),
      t("chat.clear_confirm"),
      async () => store.setChatState((await api.clearHistory(cid)).state),
      t("chat.cleared"),
    );
    if (view.conversation.kind === "direct") {
      body.replaceChildren(peerTile(app, view.peer), h("section.card", mute, pin), clear);
      return;
    }
    const manager = view.role === "owner" || view.role === "admin";
    /** @type {Info} */
    const info = { app, cid, view, members, reload: loadMembers };
    const save = switchCell(t("group.save_to_contacts"), Boolean(view.saved), (saved) => chatState({ saved }));
    const leave = dangerCard(t("group.leave"), t("group.leave_confirm"), async () => {
      await api.removeMember(cid, store.me?.id);
      app.go("chats");
    });
    body.replaceChildren(
      memberGrid(info),
      groupTexts(info),
      ...(manager ? [(invites ??= inviteCard(app, cid))] : []), // made once: it asks the server
      h("section.card", mute, pin, save),
      clear,
      leave,
    );
  }

  render();
  loadMembers();
  const stop = store.subscribe((topics) => {
    if (topics.has("all") || topics.has(`conversation:${cid}`) || topics.has("contacts") || topics.has("users")) {
      const view = store.conversations.get(cid);
      if (view && members.length && view.conversation.member_count !== members.length) loadMembers();
      else render();
    }
  });
  return { destroy: stop };
}
