// @ts-check
/**
 * A person's card: message them, their remark and description, Moments' two switches, and
 * add, delete or block them. The page is rebuilt from the store whenever contacts, users,
 * blocks or requests change, so a request accepted on another device shows at once.
 */

import { confirmDialog, dialog, h, icon, promptDialog, toast } from "../../dom.js";
import { t } from "../../i18n.js";
import { topbar, userAvatar } from "../../common.js";
import { errorText } from "./request.js";

/** @typedef {import("../../app.js").App} App */
/** @typedef {import("../../store.js").Contact} Contact */
/** @typedef {import("../../store.js").User} User */

/** Run an action, showing its error as a toast. @param {() => Promise<unknown>} fn */
async function run(fn) {
  try {
    await fn();
  } catch (err) {
    toast(errorText(err), { kind: "error" });
  }
}

/**
 * Ask to add someone: a dialog with the greeting they will read and the remark I will know
 * them by, both editable, then Send.
 * @param {App} app
 * @param {User} user
 * @returns {Promise<boolean>} whether the request went out
 */
export async function askToAdd(app, user) {
  const sent = await dialog(
    (close) => {
      const greeting = h("textarea.field#add-greeting", {
        maxLength: 64,
        rows: 2,
        value: t("contacts.default_greeting", { name: app.store.me?.display_name || app.store.me?.username }),
      });
      const remark = h("input.field#add-remark", { maxLength: 64, value: user.display_name || user.username });
      const send = h("button.btn.btn-primary", { type: "submit" }, t("contacts.send_request"));
      return h(
        "form.dialog-body",
        {
          onsubmit: async (/** @type {SubmitEvent} */ e) => {
            e.preventDefault();
            send.disabled = true;
            try {
              const { request } = await app.api.requestContact({
                user_id: user.id,
                greeting: greeting.value.trim(),
                remark: remark.value.trim(),
                via: app.foundVia.get(user.id),
              });
              app.store.putRequest(request);
              toast(request.status === "accepted" ? t("contacts.now_friends") : t("contacts.request_sent"));
              close(true);
            } catch (err) {
              toast(errorText(err), { kind: "error" });
              send.disabled = false;
            }
          },
        },
        h("h2.dialog-title", t("contacts.add_to_contacts")),
        h("label.field-label", { for: "add-greeting" }, t("contacts.greeting")),
        greeting,
        h("label.field-label", { for: "add-remark" }, t("contacts.remark")),
        remark,
        h(
          "div.dialog-actions",
          h("button.btn.btn-plain", { type: "button", onclick: () => close(false) }, t("common.cancel")),
          send,
        ),
      );
    },
    { label: t("contacts.add_to_contacts") },
  );
  return Boolean(sent);
}

/**
 * Moments' two per-contact switches ("don't let them see my Moments", "hide theirs"),
 * filled in when the server answers; a switch the server refuses flips back.
 * @param {App} app @param {number} uid
 */
function momentSwitches(app, uid) {
  const section = h("section.card.moment-switches");
  /** @param {"hide_mine"|"hide_theirs"} key @param {boolean} on */
  const toggle = (key, on) =>
    h(
      "label.cell.switch-cell",
      h("span.cell-label", t(`moments.${key}`)),
      h("input.switch", {
        type: "checkbox",
        role: "switch",
        name: key,
        checked: on,
        onchange: async (/** @type {Event} */ e) => {
          const box = /** @type {HTMLInputElement} */ (e.target);
          try {
            await app.api.setMomentSwitches(uid, { [key]: box.checked });
          } catch (err) {
            box.checked = !box.checked;
            toast(errorText(err), { kind: "error" });
          }
        },
      }),
    );
  if (uid !== app.store.me?.id) {
    app.api
      .momentSwitches(uid)
      .then(({ switches: s }) =>
        section.replaceChildren(toggle("hide_mine", s.hide_mine), toggle("hide_theirs", s.hide_theirs)),
      )
      .catch(() => {});
  }
  return section;
}

/**
 * A cell that edits the remark or the description of a contact in a dialog.
 * @param {App} app @param {number} uid @param {"remark"|"description"} field @param {Contact} contact
 */
function editCell(app, uid, field, contact) {
  const edit = async () => {
    const value = await promptDialog({
      title: t(field === "remark" ? "contacts.set_remark" : "contacts.set_description"),
      value: contact[field] || "",
      maxLength: field === "remark" ? 64 : 500,
      multiline: field === "description",
    });
    if (value === undefined) return;
    run(async () => {
      const { contact: updated } = await app.api.updateContact(uid, { [field]: value.trim() });
      app.store.putContact(updated);
    });
  };
  return h(
    "button.cell",
    { type: "button", dataset: { field }, onclick: edit },
    h("span.cell-label", t(`contacts.${field}`)),
    h("span.cell-value", contact[field] || t(`contacts.${field}_none`)),
    icon("chevron", "cell-chevron"),
  );
}

/** The avatar and the names. @param {App} app @param {number} uid @param {User} user @param {Contact|undefined} contact */
function header(app, uid, user, contact) {
  const { store } = app;
  return h(
    "section.card.profile-card",
    userAvatar(store, uid, 72),
    h(
      "div.profile-names",
      h("h2.profile-name", store.nameOf(uid) || user.username),
      contact?.remark && user.display_name
        ? h("p.profile-line", t("contacts.nickname", { name: user.display_name }))
        : "",
      h("p.profile-line", t("contacts.username_line", { name: user.username })),
    ),
  );
}

/**
 * @typedef {object} Profile what one render of the card knows
 * @property {App} app
 * @property {number} uid
 * @property {User} user
 * @property {Contact|undefined} contact
 * @property {boolean} blocked
 * @property {boolean} pending whether my friend request to them is waiting
 * @property {() => void} render draw the card again
 * @property {() => void} asked note that this page sent a request
 */

/** The one big button: message a contact, unblock, "request sent", or add. @param {Profile} p */
function primaryAction(p) {
  const { app, uid } = p;
  if (uid === app.store.me?.id) return ""; // my own card: nothing to do with myself
  if (p.contact) {
    const message = () =>
      run(async () => {
        const { conversation } = await app.api.openDirect(uid);
        app.store.putView(conversation);
        app.go(`chat/${conversation.conversation.id}`);
      });
    return h(
      "button.btn.btn-primary.btn-block",
      { type: "button", onclick: message },
      icon("chats"),
      t("contacts.send_message"),
    );
  }
  if (p.blocked) {
    const unblock = () => run(async () => (await app.api.unblock(uid), app.store.blocks.delete(uid), p.render()));
    return h("button.btn.btn-block", { type: "button", onclick: unblock }, t("contacts.unblock"));
  }
  if (p.pending)
    return h(
      "button.btn.btn-block.request-sent",
      { type: "button", disabled: true },
      icon("check"),
      t("contacts.request_sent_state"),
    );
  const add = async () => {
    if (await askToAdd(app, p.user)) p.asked();
  };
  return h(
    "button.btn.btn-primary.btn-block",
    { type: "button", onclick: add },
    icon("user-plus"),
    t("contacts.add_to_contacts"),
  );
}

/**
 * A red cell that asks first, then acts.
 * @param {string} label @param {string} question @param {() => Promise<unknown>} act
 */
function dangerCell(label, question, act) {
  const onclick = async () => {
    if (await confirmDialog(question, { ok: label, danger: true })) run(act);
  };
  return h("button.cell.danger-cell", { type: "button", onclick }, label);
}

/** Block them, and delete them when they are a contact. @param {Profile} p */
function dangerZone(p) {
  const { app, uid } = p;
  const { store, api } = app;
  const name = store.nameOf(uid);
  const block = dangerCell(t("contacts.block"), t("contacts.block_confirm", { name }), async () => {
    await api.block(uid);
    store.blocks.set(uid, p.user);
    p.render();
  });
  const remove = p.contact
    ? dangerCell(t("contacts.delete"), t("contacts.delete_confirm", { name }), async () => {
        await api.removeContact(uid);
        store.contacts.delete(uid);
        store.changed("contacts");
      })
    : "";
  return h("section.card.profile-more", block, remove);
}

/**
 * @param {App} app
 * @param {HTMLElement} root
 * @param {string} uidText
 */
export function mountProfile(app, root, uidText) {
  const { store, api } = app;
  const uid = Number(uidText);
  const body = h("div.scroll.page");
  root.append(topbar({ title: t("contacts.profile"), back: () => app.back() }), body);
  const switches = momentSwitches(app, uid);
  /** whether this page sent a request (the store may not hear of it when offline) */
  let asked = false;

  function render() {
    const user = store.users.get(uid);
    if (!user) {
      body.replaceChildren(h("div.empty-state", h("p", t("common.loading"))));
      return;
    }
    const contact = store.contacts.get(uid);
    const blocked = store.blocks.has(uid);
    const me = store.me?.id;
    const pending =
      asked ||
      [...store.requests.values()].some((r) => r.status === "pending" && r.from_user.id === me && r.to_user.id === uid);
    /** @type {Profile} */
    const profile = {
      app,
      uid,
      user,
      contact,
      blocked,
      pending,
      render,
      asked: () => ((asked = true), render()),
    };
    const moments = h(
      "a.cell.profile-moments",
      { href: `#/moments/user/${uid}` },
      h("span.cell-label", t("discover.moments")),
      icon("chevron", "cell-chevron"),
    );
    const sections = [
      header(app, uid, user, contact),
      contact
        ? h("section.card", editCell(app, uid, "remark", contact), editCell(app, uid, "description", contact))
        : "",
      h("section.card", moments),
      contact ? switches : "",
      h("div.profile-actions", primaryAction(profile)),
      uid !== me && (contact || !blocked) ? dangerZone(profile) : "",
    ];
    body.replaceChildren(...sections.filter(Boolean));
  }
  render();
  if (!store.users.has(uid)) {
    api
      .user(uid)
      .then(({ user }) => {
        store.users.set(uid, user);
        render();
      })
      .catch(() => {});
  }
  const stop = store.subscribe((topics) => {
    if (["all", "contacts", "users", "blocks", "requests"].some((topic) => topics.has(topic))) render();
  });
  return { destroy: stop };
}
