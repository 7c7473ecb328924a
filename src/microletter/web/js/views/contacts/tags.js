// @ts-check
/**
 * Contacts → Tags: labels I give my contacts ("Family", "Work"), private to me, which
 * Moments audiences are made of. Create, rename, delete; tick the contacts in a tag.
 * The list is fetched again when my tags change on any device (`collection`, "tags").
 */

import { confirmDialog, h, icon, promptDialog, toast } from "../../dom.js";
import { t } from "../../i18n.js";
import { topbar, userAvatar } from "../../common.js";

/**
 * @param {import("../../app.js").App} app
 * @param {HTMLElement} root
 */
export function mountTags(app, root) {
  const { api, store } = app;
  const list = h("ul.list.tag-list", { "aria-label": t("tags.title"), "aria-busy": "true" });
  const create = h(
    "button.icon-btn.tag-new",
    {
      type: "button",
      "aria-label": t("tags.new"),
      onclick: async () => {
        const name = await promptDialog({ title: t("tags.new"), maxLength: 30 });
        if (!name?.trim()) return;
        try {
          const { tag } = await api.createTag(name.trim(), []);
          app.go(`contacts/tags/${tag.id}`);
        } catch (err) {
          toast(problem(err), { kind: "error" });
        }
      },
    },
    icon("plus"),
  );
  root.append(
    topbar({ title: t("tags.title"), back: () => app.go("contacts"), actions: [create] }),
    h("div.scroll.page", list),
  );
  async function load() {
    try {
      const { tags } = await api.tags();
      list.replaceChildren(
        ...(tags.length
          ? tags.map((tag) =>
              h(
                "li",
                h(
                  "a.row.tag-row",
                  { href: `#/contacts/tags/${tag.id}`, dataset: { id: String(tag.id) } },
                  h("span.row-text", `${tag.name} (${tag.members.length})`),
                  h("span.row-note", tag.members.map((u) => store.nameOf(u)).join(", ")),
                  icon("chevron", "cell-chevron"),
                ),
              ),
            )
          : [h("li.empty-row", t("tags.empty"))]),
      );
    } catch {
      list.replaceChildren(h("li.empty-row", t("moments.failed")));
    } finally {
      list.setAttribute("aria-busy", "false");
    }
  }
  load();
  return { destroy: store.subscribe((topics) => topics.has("collection:tags") && load()) };
}

/**
 * One tag: its name and the contacts in it.
 * @param {import("../../app.js").App} app
 * @param {HTMLElement} root
 * @param {string} idText
 */
export function mountTag(app, root, idText) {
  const { api, store } = app;
  const id = Number(idText);
  const body = h("div.scroll.page");
  root.append(topbar({ title: t("tags.title"), back: () => app.go("contacts/tags") }), body);

  async function load() {
    const tag = (await api.tags()).tags.find((x) => x.id === id);
    if (!tag) return app.go("contacts/tags");
    const contacts = [...store.contacts.values()].sort((a, b) =>
      store.nameOf(a.user.id).localeCompare(store.nameOf(b.user.id)),
    );
    body.replaceChildren(
      h(
        "section.card",
        h(
          "button.cell.tag-rename",
          {
            type: "button",
            onclick: async () => {
              const name = await promptDialog({ title: t("tags.rename"), value: tag.name, maxLength: 30 });
              if (!name?.trim() || name.trim() === tag.name) return;
              await change({ name: name.trim() });
            },
          },
          h("span.cell-label", t("tags.name")),
          h("span.cell-value.tag-name", tag.name),
          icon("chevron", "cell-chevron"),
        ),
      ),
      h(
        "fieldset.card.tag-members",
        h("legend", t("tags.members")),
        contacts.map((c) =>
          h(
            "label.pick-row",
            h("input", {
              type: "checkbox",
              value: String(c.user.id),
              checked: tag.members.includes(c.user.id),
              onchange: (/** @type {Event} */ e) => {
                const on = /** @type {HTMLInputElement} */ (e.target).checked;
                change(on ? { add: [c.user.id] } : { remove: [c.user.id] });
              },
            }),
            userAvatar(store, c.user.id, 28),
            store.nameOf(c.user.id),
          ),
        ),
      ),
      h(
        "div.profile-actions",
        h(
          "button.btn.btn-danger.btn-block.tag-delete",
          {
            type: "button",
            onclick: async () => {
              if (
                !(await confirmDialog(t("tags.delete_confirm", { name: tag.name }), {
                  ok: t("msg.delete"),
                  danger: true,
                }))
              )
                return;
              try {
                await api.deleteTag(id);
                app.go("contacts/tags");
              } catch (err) {
                toast(problem(err), { kind: "error" });
              }
            },
          },
          t("tags.delete"),
        ),
      ),
    );
  }

  /** @param {{name?: string, add?: number[], remove?: number[]}} patch */
  async function change(patch) {
    try {
      await api.updateTag(id, patch);
      if (patch.name) load();
    } catch (err) {
      toast(problem(err), { kind: "error" });
      load();
    }
  }
  load().catch(() => body.replaceChildren(h("p.empty-row", t("moments.failed"))));
  return {};
}

/** @param {unknown} err */
function problem(err) {
  const code = /** @type {any} */ (err)?.code;
  return code === "contact.tag_name_taken" ? t("tags.taken") : t("moments.failed");
}
