// @ts-check
/**
 * Contacts: the list (A–Z by initial, pinyin for Chinese names), saved groups, a person's
 * profile (remark, description, add, delete, block), and starting a group.
 * Adding someone (by username or a code) and answering friend requests is the "New
 * friends" screen in contacts/add.js.
 */

import { confirmDialog, dialog, h, icon, promptDialog, toast } from "../dom.js";
import { locale, t, tn } from "../i18n.js";
import { byLetter, nameCollator } from "../collate.js";
import { conversationAvatar, conversationTitle, topbar, userAvatar } from "../common.js";
import { errorText } from "./contacts/request.js";

export { mountAdd } from "./contacts/add.js";

/** The contact list (the Contacts tab): new friends, saved groups, then everyone A–Z. */
export function mount(app, root) {
  const { store } = app;
  let selected = null;
  const list = h("div.scroll");
  root.append(
    topbar({
      title: t("nav.contacts"),
      actions: [h("a.icon-btn", { href: "#/contacts/new", "aria-label": t("contacts.add") }, icon("user-plus"))],
    }),
    list,
  );

  function render() {
    const pending = store.pendingRequests().length;
    const contacts = [...store.contacts.values()].map((c) => ({ id: c.user.id, name: store.nameOf(c.user.id) }));
    const groups = byLetter(contacts, (c) => c.name, locale());
    const saved = store.savedGroups().length;
    const rowLink = (path, iconName, cls, label, extra) =>
      h(
        "li",
        h(
          `a.row${selected === path ? ".active" : ""}`,
          { href: `#/${path}`, "aria-current": selected === path ? "true" : null },
          h(`span.row-icon.${cls}`, icon(iconName)),
          h("span.row-text", label),
          extra,
        ),
      );
    list.replaceChildren(
      h(
        "ul.list",
        rowLink(
          "contacts/new",
          "user-plus",
          "orange",
          t("contacts.new_friends"),
          pending ? h("span.badge", String(pending)) : null,
        ),
        rowLink(
          "contacts/groups",
          "group",
          "green",
          t("contacts.saved_groups"),
          saved ? h("span.row-note", String(saved)) : null,
        ),
        h(
          "li",
          h(
            "a.row.tags-row",
            { href: "#/contacts/tags", "aria-current": selected === "contacts/tags" ? "true" : null },
            h("span.row-icon.blue", icon("list")),
            h("span.row-text", t("tags.title")),
          ),
        ),
      ),
      ...(contacts.length
        ? groups.map(([letter, people]) =>
            h(
              "section.contact-group",
              { "aria-label": letter, dataset: { letter } },
              h("h2.group-letter", { id: `letter-${letter === "#" ? "hash" : letter}` }, letter),
              h(
                "ul.list",
                people.map((c) =>
                  h(
                    "li",
                    h(
                      `a.row${selected === `user/${c.id}` ? ".active" : ""}`,
                      { href: `#/user/${c.id}`, dataset: { uid: String(c.id) } },
                      userAvatar(store, c.id, 40),
                      h("span.row-text", c.name),
                    ),
                  ),
                ),
              ),
            ),
          )
        : [h("div.empty-state", h("p", t("contacts.empty")))]),
      contacts.length ? h("p.list-footer", tn("contacts.count", contacts.length)) : "",
      contacts.length > 8
        ? h(
            "nav.letter-index",
            { "aria-label": t("contacts.index") },
            groups.map(([letter]) =>
              h(
                "button",
                {
                  type: "button",
                  onclick: () =>
                    list
                      .querySelector(`#letter-${letter === "#" ? "hash" : letter}`)
                      ?.scrollIntoView({ block: "start" }),
                },
                letter,
              ),
            ),
          )
        : "",
    );
  }
  render();
  const stop = store.subscribe((topics) => {
    if (
      topics.has("all") ||
      topics.has("contacts") ||
      topics.has("requests") ||
      topics.has("users") ||
      topics.has("conversations")
    )
      render();
  });
  return {
    destroy: stop,
    select(path) {
      selected = path;
      render();
    },
  };
}

/** Contacts → Saved groups: the groups I saved, including those deleted from my chat list. */
export function mountSavedGroups(app, root) {
  const { store, api } = app;
  const list = h("ul.list.saved-groups", { "aria-label": t("contacts.saved_groups") });
  root.append(
    topbar({ title: t("contacts.saved_groups"), back: () => app.back() }),
    h("div.scroll.page", h("section.card", list), h("p.card-hint.outside", t("contacts.saved_groups_hint"))),
  );
  /** @type {import("../store.js").ConversationView[]|null} */
  let fetched = null;
  function render() {
    const collator = nameCollator(locale());
    const views = (fetched || store.savedGroups()).map((v) => store.conversations.get(v.conversation.id) || v);
    const shown = views.filter((v) => v.saved !== false);
    shown.sort((a, b) => collator.compare(conversationTitle(store, a), conversationTitle(store, b)));
    list.replaceChildren(
      ...(shown.length
        ? shown.map((v) =>
            h(
              "li",
              h(
                "a.row",
                { href: `#/chat/${v.conversation.id}`, dataset: { cid: String(v.conversation.id) } },
                conversationAvatar(store, v, 40),
                h("span.row-text", conversationTitle(store, v)),
                h("span.row-note", String(v.conversation.member_count)),
              ),
            ),
          )
        : [h("li.empty-row", t("contacts.saved_groups_none"))]),
    );
  }
  render();
  api
    .savedGroups()
    .then(({ conversations }) => {
      fetched = conversations;
      for (const v of conversations) if (!store.conversations.has(v.conversation.id)) store.putView(v);
      render();
    })
    .catch(() => {});
  const stop = store.subscribe((topics) => {
    if (topics.has("all") || topics.has("conversations")) {
      if (fetched) fetched = fetched.filter((v) => store.conversations.get(v.conversation.id)?.saved !== false);
      render();
    }
  });
  return { destroy: stop };
}

/**
 * Ask to add someone: a dialog with the greeting they will read and the remark I will know
 * them by, both editable, then Send.
 * @param {import("../app.js").App} app
 * @param {import("../store.js").User} user
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
          onsubmit: async (e) => {
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

/** A person's card: message them, remark and description, add, delete or block them. */
export function mountProfile(app, root, uidText) {
  const { store, api } = app;
  const uid = Number(uidText);
  const body = h("div.scroll.page");
  root.append(topbar({ title: t("contacts.profile"), back: () => app.back() }), body);
  /** whether this page sent a request (the store may not hear of it when offline) */
  let asked = false;

  async function message() {
    try {
      const { conversation } = await api.openDirect(uid);
      store.putView(conversation);
      app.go(`chat/${conversation.conversation.id}`);
    } catch (err) {
      toast(errorText(err), { kind: "error" });
    }
  }

  const run = async (/** @type {() => Promise<unknown>} */ fn) => {
    try {
      await fn();
    } catch (err) {
      toast(errorText(err), { kind: "error" });
    }
  };

  /** @param {"remark"|"description"} field @param {import("../store.js").Contact} contact */
  async function edit(field, contact) {
    const value = await promptDialog({
      title: t(field === "remark" ? "contacts.set_remark" : "contacts.set_description"),
      value: contact[field] || "",
      maxLength: field === "remark" ? 64 : 500,
      multiline: field === "description",
    });
    if (value === undefined) return;
    run(async () => {
      const { contact: updated } = await api.updateContact(uid, { [field]: value.trim() });
      store.putContact(updated);
    });
  }

  // Moments' two per-contact switches ("don't let them see my Moments", "hide theirs").
  const switches = h("section.card.moment-switches");
  /** @param {"hide_mine"|"hide_theirs"} key @param {boolean} on */
  function toggle(key, on) {
    return h(
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
            await api.setMomentSwitches(uid, { [key]: box.checked });
          } catch (err) {
            box.checked = !box.checked;
            toast(errorText(err), { kind: "error" });
          }
        },
      }),
    );
  }
  if (uid !== store.me?.id) {
    api
      .momentSwitches(uid)
      .then(({ switches: s }) =>
        switches.replaceChildren(toggle("hide_mine", s.hide_mine), toggle("hide_theirs", s.hide_theirs)),
      )
      .catch(() => {});
  }

  function render() {
    const user = store.users.get(uid);
    const contact = store.contacts.get(uid);
    const blocked = store.blocks.has(uid);
    const isMe = uid === store.me?.id;
    if (!user) {
      body.replaceChildren(h("div.empty-state", h("p", t("common.loading"))));
      return;
    }
    const pending =
      asked ||
      [...store.requests.values()].some(
        (r) => r.status === "pending" && r.from_user.id === store.me?.id && r.to_user.id === uid,
      );
    const editCell = (/** @type {"remark"|"description"} */ field, /** @type {any} */ c) =>
      h(
        "button.cell",
        { type: "button", dataset: { field }, onclick: () => edit(field, c) },
        h("span.cell-label", t(`contacts.${field}`)),
        h("span.cell-value", c[field] || t(`contacts.${field}_none`)),
        icon("chevron", "cell-chevron"),
      );
    /** @type {Node[]} */
    const sections = [
      h(
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
      ),
    ];
    if (contact) sections.push(h("section.card", editCell("remark", contact), editCell("description", contact)));
    sections.push(
      h(
        "section.card",
        h(
          "a.cell.profile-moments",
          { href: `#/moments/user/${uid}` },
          h("span.cell-label", t("discover.moments")),
          icon("chevron", "cell-chevron"),
        ),
      ),
    );
    if (contact) sections.push(switches);
    /** @type {Node|string} */
    let action = "";
    if (isMe) {
      /* my own card: nothing to do with myself */
    } else if (contact)
      action = h(
        "button.btn.btn-primary.btn-block",
        { type: "button", onclick: message },
        icon("chats"),
        t("contacts.send_message"),
      );
    else if (blocked)
      action = h(
        "button.btn.btn-block",
        {
          type: "button",
          onclick: () => run(async () => (await api.unblock(uid), store.blocks.delete(uid), render())),
        },
        t("contacts.unblock"),
      );
    else if (pending)
      action = h(
        "button.btn.btn-block.request-sent",
        { type: "button", disabled: true },
        icon("check"),
        t("contacts.request_sent_state"),
      );
    else
      action = h(
        "button.btn.btn-primary.btn-block",
        {
          type: "button",
          onclick: async () => {
            if (await askToAdd(app, user)) {
              asked = true;
              render();
            }
          },
        },
        icon("user-plus"),
        t("contacts.add_to_contacts"),
      );
    sections.push(h("div.profile-actions", action));
    if (!isMe && (contact || !blocked))
      sections.push(
        h(
          "section.card.profile-more",
          h(
            "button.cell.danger-cell",
            {
              type: "button",
              onclick: async () => {
                if (
                  !(await confirmDialog(t("contacts.block_confirm", { name: store.nameOf(uid) }), {
                    ok: t("contacts.block"),
                    danger: true,
                  }))
                )
                  return;
                run(async () => {
                  await api.block(uid);
                  store.blocks.set(uid, user);
                  render();
                });
              },
            },
            t("contacts.block"),
          ),
          contact
            ? h(
                "button.cell.danger-cell",
                {
                  type: "button",
                  onclick: async () => {
                    if (
                      !(await confirmDialog(t("contacts.delete_confirm", { name: store.nameOf(uid) }), {
                        ok: t("contacts.delete"),
                        danger: true,
                      }))
                    )
                      return;
                    run(async () => {
                      await api.removeContact(uid);
                      store.contacts.delete(uid);
                      store.changed("contacts");
                    });
                  },
                },
                t("contacts.delete"),
              )
            : "",
        ),
      );
    body.replaceChildren(...sections);
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
    if (
      topics.has("all") ||
      topics.has("contacts") ||
      topics.has("users") ||
      topics.has("blocks") ||
      topics.has("requests")
    )
      render();
  });
  return { destroy: stop };
}

/** Start a group with some contacts. */
export function mountNewGroup(app, root) {
  const { store, api } = app;
  const chosen = new Set();
  const name = h("input.field#group-name", { maxLength: 64, placeholder: t("group.name_placeholder") });
  const create = h("button.btn.btn-primary", { type: "submit", disabled: true }, t("group.create"));
  const collator = nameCollator(locale());
  const people = [...store.contacts.keys()].sort((a, b) => collator.compare(store.nameOf(a), store.nameOf(b)));
  const form = h(
    "form.scroll.page",
    {
      onsubmit: async (e) => {
        e.preventDefault();
        create.disabled = true;
        try {
          const { conversation } = await api.createGroup(name.value.trim(), [...chosen]);
          store.putView(conversation);
          app.go(`chat/${conversation.conversation.id}`);
        } catch (err) {
          toast(errorText(err), { kind: "error" });
          create.disabled = false;
        }
      },
    },
    h("section.card.pad", h("label.field-label", { for: "group-name" }, t("group.name")), name),
    h("h2.section-title", t("group.choose_members")),
    h(
      "section.card",
      people.length
        ? h(
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
                      create.disabled = chosen.size === 0;
                      create.textContent = chosen.size ? `${t("group.create")} (${chosen.size})` : t("group.create");
                    },
                  }),
                  userAvatar(store, id, 36),
                  h("span.pick-name", store.nameOf(id)),
                ),
              ),
            ),
          )
        : h("p.empty-row", t("group.need_contacts")),
    ),
    h("div.profile-actions", create),
  );
  root.append(topbar({ title: t("chats.new_group"), back: () => app.back() }), form);
  return null;
}
