// @ts-check
/**
 * Contacts: the list (A–Z by initial, pinyin for Chinese names), saved groups, a person's
 * profile (remark, description, add, delete, block), and starting a group.
 * Adding someone (by username or a code) and answering friend requests is the "New
 * friends" screen in contacts/add.js.
 */

import { h, icon, toast } from "../dom.js";
import { locale, t, tn } from "../i18n.js";
import { byLetter, nameCollator } from "../collate.js";
import { conversationAvatar, conversationTitle, topbar, userAvatar } from "../common.js";
import { errorText } from "./contacts/request.js";

export { mountAdd } from "./contacts/add.js";
export { mountProfile } from "./contacts/profile.js";

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
