// @ts-check
/**
 * Official accounts, the user side (Discover → Official accounts): the ones I follow,
 * search by name (or AppID, or original id), an account's profile with Follow and
 * Unfollow, and a scanned or pasted account QR code (`/#/qr/<ticket>`, where the code's
 * link `/q/<ticket>` lands). Following opens the account's conversation.
 */

import { confirmDialog, h, icon, toast } from "../dom.js";
import { t, tn } from "../i18n.js";
import { accountAvatar, topbar } from "../common.js";

/** The ticket in a scanned or pasted code: a URL ending in /q/<ticket>, or the ticket. */
export function ticketFromCode(text) {
  const clean = (text || "").trim();
  const m = clean.match(/(?:\/q\/|#\/qr\/)([0-9a-f]{1,64})(?:[?#].*)?$/) || clean.match(/^([0-9a-f]{16,64})$/);
  return m ? m[1] : null;
}

/** A toast with the words for an API error. */
export function errorToast(err) {
  const key = `error.${err.code}`;
  toast(t(key) === key ? t("error.generic", { code: err.code }) : t(key), { kind: "error" });
}

/** Follow an account and open its conversation (the store learns the new view at once). */
export async function followAndOpen(app, accountId, scene) {
  const { account, conversation } = await app.api.follow(accountId, scene);
  app.store.putAccount(account);
  app.store.putView(conversation);
  app.store.setChannelHead(account.id, conversation.conversation.id, account.channel_head);
  app.go(`chat/${conversation.conversation.id}`);
}

function accountRow(account, note) {
  return h(
    "li",
    h(
      "a.row.account-row",
      { href: `#/official/${account.id}`, dataset: { account: String(account.id) } },
      accountAvatar(account, 40),
      h(
        "span.account-main",
        h("span.row-text", account.name),
        h("span.account-desc", account.description || t("official.no_description")),
      ),
      note ? h("span.row-note", note) : null,
      icon("chevron", "cell-chevron"),
    ),
  );
}

/** Discover → Official accounts: search, and the accounts I follow. */
export function mountList(app, root) {
  const { api, store } = app;
  const results = h("ul.list", { "aria-label": t("official.results") });
  const followed = h("ul.list", { "aria-label": t("official.following") });
  let asked = 0;
  const search = h("input.search-field#official-search", {
    type: "search",
    placeholder: t("official.search_placeholder"),
    "aria-label": t("official.search"),
    autocomplete: "off",
    enterKeyHint: "search",
  });
  const form = h(
    "form.search-bar",
    {
      role: "search",
      onsubmit: (e) => {
        e.preventDefault();
        find();
      },
    },
    icon("search", "search-icon"),
    search,
  );
  const code = h("input.field#official-code", {
    placeholder: t("official.code_placeholder"),
    autocomplete: "off",
    spellcheck: "false",
  });
  const codeForm = h(
    "form.inline-form",
    {
      onsubmit: (e) => {
        e.preventDefault();
        const ticket = ticketFromCode(code.value);
        if (ticket) app.go(`qr/${ticket}`);
        else toast(t("official.bad_code"), { kind: "error" });
      },
    },
    h("label.sr-only", { for: "official-code" }, t("official.paste_code")),
    code,
    h("button.btn.btn-plain", { type: "submit" }, t("contacts.open_code")),
  );
  const resultsBox = h(
    "div",
    { hidden: true },
    h("h2.section-title", t("official.results")),
    h("section.card", results),
  );
  root.append(
    topbar({ title: t("official.title_plural"), back: () => app.go("discover") }),
    form,
    h(
      "div.scroll.page",
      resultsBox,
      h("h2.section-title", t("official.following")),
      h("section.card", followed),
      h(
        "section.card.pad",
        h("h2.card-title", t("official.paste_code")),
        h("p.card-hint", t("official.paste_hint")),
        codeForm,
      ),
    ),
  );

  async function find() {
    const q = search.value.trim();
    resultsBox.hidden = !q;
    if (!q) return;
    const mine = ++asked;
    results.replaceChildren(h("li.empty-row", t("common.loading")));
    try {
      const { accounts } = await api.searchAccounts(q);
      if (mine !== asked) return;
      for (const a of accounts) store.putAccount(a);
      results.replaceChildren(
        ...(accounts.length ? accounts.map((a) => accountRow(a)) : [h("li.empty-row", t("official.none_found"))]),
      );
    } catch (caught) {
      const err = /** @type {import("../api.js").ApiError} */ (caught);
      results.replaceChildren(h("li.empty-row", t("status.offline")));
      if (err.code !== "network") errorToast(err);
    }
  }
  /** @type {ReturnType<typeof setTimeout>|undefined} */
  let timer;
  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(find, 250);
  });

  async function loadFollowed() {
    try {
      const { accounts } = await api.followedAccounts();
      for (const a of accounts) store.putAccount(a);
      followed.replaceChildren(
        ...(accounts.length ? accounts.map((a) => accountRow(a)) : [h("li.empty-row", t("official.none_followed"))]),
      );
    } catch {
      followed.replaceChildren(h("li.empty-row", t("status.offline")));
    }
  }
  loadFollowed();
  search.focus();
  return { destroy: () => clearTimeout(timer) };
}

/**
 * An account's profile: picture, name, description, followers; Follow (or: message,
 * unfollow). Also what a chat's info button shows for an official conversation.
 */
export function mountProfile(app, root, idText) {
  const { api, store } = app;
  const id = Number(idText);
  const body = h("div.scroll.page");
  root.append(topbar({ title: t("official.profile"), back: () => app.back() }), body);
  /** @type {{account: import("../store.js").Account, following: boolean, conversation_id: number|null}|null} */
  let seen = null;
  /** the account's shop, if it has one (views/shop/) */
  const shopSlot = h("div.profile-shop");
  api
    .request("GET", `/shops/${id}`)
    .then(() =>
      shopSlot.replaceChildren(
        h("a.btn.btn-plain.btn-block.open-shop", { href: `#/shop/${id}` }, icon("shop"), t("shop.visit_shop")),
      ),
    )
    .catch(() => {});

  function render() {
    if (!seen) {
      body.replaceChildren(h("div.empty-state", h("p", t("common.loading"))));
      return;
    }
    const { account, following } = seen;
    const cid = seen.conversation_id;
    body.replaceChildren(
      h(
        "section.card.account-card",
        accountAvatar(account, 72),
        h("h2.account-name", account.name),
        h("p.account-id", account.original_id),
        account.description ? h("p.account-about", account.description) : null,
        h("p.account-stats", tn("official.followers", account.follower_count)),
      ),
      h(
        "div.profile-actions.stack",
        following && cid
          ? h(
              "button.btn.btn-primary.btn-block",
              { type: "button", onclick: () => app.go(`chat/${cid}`) },
              icon("chats"),
              t("official.open_chat"),
            )
          : h(
              "button.btn.btn-primary.btn-block#follow-btn",
              {
                type: "button",
                onclick: async (e) => {
                  e.currentTarget.disabled = true;
                  try {
                    await followAndOpen(app, id, "profile");
                  } catch (err) {
                    errorToast(err);
                    e.currentTarget.disabled = false;
                  }
                },
              },
              icon("plus"),
              t("official.follow"),
            ),
        following
          ? h(
              "button.btn.btn-plain.btn-block.danger-text",
              {
                type: "button",
                onclick: async () => {
                  if (
                    !(await confirmDialog(t("official.unfollow_confirm", { name: account.name }), {
                      ok: t("official.unfollow"),
                      danger: true,
                    }))
                  )
                    return;
                  try {
                    await api.unfollow(id);
                    seen = { account, following: false, conversation_id: null };
                    render();
                    toast(t("official.unfollowed"));
                  } catch (err) {
                    errorToast(err);
                  }
                },
              },
              t("official.unfollow"),
            )
          : null,
        shopSlot,
      ),
    );
  }

  async function load() {
    try {
      const got = await api.officialAccount(id);
      seen = got;
      store.putAccount(got.account);
      render();
    } catch (caught) {
      const err = /** @type {import("../api.js").ApiError} */ (caught);
      body.replaceChildren(
        h("div.empty-state", h("p", t(err.code === "network" ? "status.offline" : "error.platform.account_not_found"))),
      );
    }
  }
  render();
  load();
  return null;
}

/** A scanned account code (`#/qr/<ticket>`): what it is, and Follow through the scan. */
export function mountQr(app, root, ticket) {
  const { api, store } = app;
  const body = h("div.scroll.page");
  root.append(topbar({ title: t("official.scanned"), back: () => app.go("officials") }), body);
  body.append(h("div.empty-state", h("p", t("common.loading"))));
  api
    .qrCode(ticket)
    .then(({ account, following }) => {
      store.putAccount(account);
      const go = h(
        "button.btn.btn-primary.btn-block#scan-follow",
        {
          type: "button",
          onclick: async () => {
            go.disabled = true;
            try {
              const { conversation } = await api.scanQr(ticket);
              store.putView(conversation);
              store.setChannelHead(account.id, conversation.conversation.id, account.channel_head);
              app.go(`chat/${conversation.conversation.id}`);
            } catch (err) {
              errorToast(err);
              go.disabled = false;
            }
          },
        },
        following ? t("official.open_chat") : t("official.follow"),
      );
      body.replaceChildren(
        h(
          "section.card.account-card",
          accountAvatar(account, 72),
          h("h2.account-name", account.name),
          account.description ? h("p.account-about", account.description) : null,
          h("p.account-stats", tn("official.followers", account.follower_count)),
        ),
        h("div.profile-actions", go),
      );
    })
    .catch((err) => {
      body.replaceChildren(
        h(
          "div.empty-state",
          icon("qr", "big"),
          h("p", t(err.code === "network" ? "status.offline" : "error.platform.qrcode_not_found")),
        ),
      );
    });
  return null;
}
