// @ts-check
/**
 * Me: my profile (display name, avatar), my QR code, language, notifications, my
 * logged-in devices, settings (views/settings.js), the developer console (views/console.js;
 * shown in developer mode or to someone who owns an official account), the operators'
 * wallet page (views/walletadmin.js, to operators only), my orders (with returns and their
 * cover claims) and the shops I work for (views/shop/), a shop's money (views/merchant/),
 * and logging out.
 */

import { confirmDialog, h, icon, promptDialog, toast } from "../dom.js";
import { chooseLocale, formatFull, LOCALES, locale, t } from "../i18n.js";
import { topbar, userAvatar } from "../common.js";
import { linkFor } from "../links.js";
import { qrImageUrl } from "../qrcode.js";
import { developerMode, learnDeveloper, passwordPage, privacyPage, settingsPage } from "./settings.js";

/** The Me tab. */
export function mount(app, root) {
  const { store } = app;
  /** @type {string|null} the route shown in the detail pane */
  let selected = null;
  const body = h("div.scroll");
  root.append(topbar({ title: t("nav.me") }), body);
  const row = (path, name, cls, key) =>
    h(
      "li",
      h(
        `a.row${selected === path || selected?.startsWith(`${path}/`) ? ".active" : ""}`,
        { href: `#/${path}` },
        h(`span.row-icon.${cls}`, icon(name)),
        h("span.row-text", t(key)),
        icon("chevron", "cell-chevron"),
      ),
    );
  /** whether I work for a shop (clerk, courier): then "Shops I work for" shows */
  let staffs = false;
  function render() {
    const me = store.me;
    const staffed = staffs ? row("me/shops", "shop", "blue", "me.shops") : "";
    body.replaceChildren(
      h(
        "a.me-card",
        { href: "#/me/profile", "aria-label": t("me.edit_profile") },
        userAvatar(store, me.id, 64),
        h(
          "span.me-names",
          h("span.me-name", me.display_name || me.username),
          h("span.me-username", t("contacts.username_line", { name: me.username })),
        ),
        icon("qr", "me-qr"),
        icon("chevron", "cell-chevron"),
      ),
      h(
        "ul.list.card-list",
        row("me/wallet", "wallet", "green", "me.wallet"),
        row("me/orders", "shop", "orange", "me.orders"),
        row("me/favourites", "sparkle", "orange", "me.favourites"),
        staffed,
        row("books", "list", "blue", "me.books"),
      ),
      h("ul.list.card-list", row("me/qr", "qr", "green", "me.my_qr")),
      h(
        "ul.list.card-list",
        row("me/language", "globe", "blue", "me.language"),
        row("me/notifications", "bell", "orange", "me.notifications"),
        row("me/devices", "devices", "purple", "me.devices"),
        row("me/settings", "settings", "gray", "me.settings"),
      ),
      developerMode()
        ? h(
            "ul.list.card-list",
            row("console", "code", "gray", "me.console"),
            row("merchant", "wallet", "blue", "me.merchant"),
          )
        : "",
      store.operator
        ? h(
            "ul.list.card-list",
            row("admin/wallet", "shield", "orange", "me.wallet_admin"),
            row("admin/merchant", "shield", "blue", "me.merchant_pools"),
          )
        : "",
      h(
        "ul.list.card-list",
        h(
          "li",
          h(
            "button.row.danger-row",
            {
              type: "button",
              onclick: async () => {
                if (await confirmDialog(t("me.logout_confirm"), { ok: t("me.logout"), danger: true })) app.logout();
              },
            },
            h("span.row-icon.gray", icon("logout")),
            h("span.row-text", t("me.logout")),
          ),
        ),
      ),
      h("p.list-footer", t("me.version", { version: document.getElementById("app")?.dataset.version || "" })),
    );
  }
  render();
  learnDeveloper(app).then((show) => show && render());
  app.api
    .request("GET", "/shop/staffed")
    .then((/** @type {any} */ reply) => {
      staffs = reply.shops.length > 0;
      if (staffs) render();
    })
    .catch(() => {});
  const stop = store.subscribe((topics) => {
    if (topics.has("all") || topics.has("me") || topics.has("users")) render();
  });
  return {
    destroy: stop,
    select(path) {
      selected = path;
      render();
    },
  };
}

const PAGES = {
  qr: qrPage,
  profile: profilePage,
  language: languagePage,
  devices: devicesPage,
  notifications: notificationsPage,
  settings: settingsPage,
  password: passwordPage,
  privacy: privacyPage,
};

/** A settings page in the detail pane. */
export function mountPage(app, root, page) {
  return PAGES[page](app, root);
}

/** My "add me" code: a link to my profile, which a phone's own camera app opens too. */
function qrPage(app, root) {
  const { store } = app;
  const payload = linkFor("user", store.me.username, location.origin);
  const img = h("img.qr-img", {
    src: qrImageUrl(payload),
    alt: t("me.qr_alt", { name: store.me.username }),
    width: 240,
    height: 240,
  });
  root.append(
    topbar({ title: t("me.my_qr"), back: () => app.go("me") }),
    h(
      "div.scroll.page",
      h(
        "section.card.qr-card",
        h(
          "div.qr-head",
          userAvatar(store, store.me.id, 48),
          h("div", h("div.me-name", store.me.display_name), h("div.me-username", store.me.username)),
        ),
        h("div.qr-frame", img),
        h("p.card-hint", t("me.qr_hint")),
        h(
          "div.qr-payload",
          h("code#qr-payload", payload),
          h(
            "button.btn.btn-small.btn-plain",
            {
              type: "button",
              onclick: async () => {
                try {
                  await navigator.clipboard.writeText(payload);
                  toast(t("msg.copied"));
                } catch {
                  toast(payload);
                }
              },
            },
            icon("paste"),
            t("me.copy_code"),
          ),
        ),
      ),
    ),
  );
  return null;
}

function profilePage(app, root) {
  const { store, api } = app;
  const body = h("div.scroll.page");
  root.append(topbar({ title: t("me.edit_profile"), back: () => app.go("me") }), body);
  const picker = h("input#avatar-file", {
    type: "file",
    accept: "image/*",
    hidden: true,
    tabindex: "-1",
    "aria-hidden": "true",
    onchange: async (e) => {
      const file = e.target.files[0];
      e.target.value = "";
      if (!file) return;
      try {
        const { media } = await api.uploadMedia(file, "image", file.name);
        const { user } = await api.updateMe({ avatar: media.id });
        store.setMe(user);
        store.putUser(user);
        toast(t("me.avatar_changed"));
      } catch (caught) {
        const err = /** @type {import("../api.js").ApiError} */ (caught);
        const key = `error.${err.code}`;
        toast(t(key) === key ? t("error.generic", { code: err.code }) : t(key), { kind: "error" });
      }
    },
  });
  root.append(picker);
  function render() {
    const me = store.me;
    body.replaceChildren(
      h(
        "section.card.profile-card.center.avatar-edit",
        userAvatar(store, me.id, 88),
        h(
          "button.btn.btn-plain",
          { type: "button", onclick: () => picker.click() },
          icon("camera"),
          t("me.change_avatar"),
        ),
      ),
      h(
        "section.card",
        h(
          "button.cell",
          {
            type: "button",
            onclick: async () => {
              const name = await promptDialog({ title: t("me.display_name"), value: me.display_name, maxLength: 64 });
              if (name === undefined || !name.trim()) return;
              try {
                const { user } = await api.updateMe({ display_name: name.trim() });
                store.setMe(user);
                store.putUser(user);
              } catch (caught) {
                const err = /** @type {import("../api.js").ApiError} */ (caught);
                toast(t("error.generic", { code: err.code }), { kind: "error" });
              }
            },
          },
          h("span.cell-label", t("me.display_name")),
          h("span.cell-value", me.display_name),
          icon("chevron", "cell-chevron"),
        ),
        h("div.cell", h("span.cell-label", t("auth.username")), h("span.cell-value", me.username)),
      ),
    );
  }
  render();
  return { destroy: store.subscribe(render) };
}

function languagePage(app, root) {
  const body = h("div.scroll.page");
  root.append(topbar({ title: t("me.language"), back: () => app.go("me") }), body);
  body.append(
    h(
      "section.card",
      { role: "radiogroup", "aria-label": t("me.language") },
      LOCALES.map((tag) =>
        h(
          "label.cell.radio-cell",
          h("span.cell-label", t(`lang.${tag}`)),
          h("input", {
            type: "radio",
            name: "lang",
            value: tag,
            checked: tag === locale(),
            onchange: async () => {
              await chooseLocale(tag);
              try {
                const { user } = await app.api.updateMe({ locale: tag });
                app.store.setMe(user);
              } catch {
                /* the server copy is a hint for notifications; the local choice is what counts */
              }
              app.buildShell();
              app.route();
            },
          }),
        ),
      ),
    ),
  );
  return null;
}

function notificationsPage(app, root) {
  const body = h("div.scroll.page");
  root.append(topbar({ title: t("me.notifications"), back: () => app.go("me") }), body);
  const render = () => {
    const state = "Notification" in window ? Notification.permission : "unsupported";
    body.replaceChildren(
      h(
        "section.card.pad",
        h("p", t(`notify.state_${state}`)),
        state === "default"
          ? h(
              "button.btn.btn-primary",
              {
                type: "button",
                onclick: async () => {
                  await app.attention.ask();
                  render();
                },
              },
              t("notify.enable"),
            )
          : null,
      ),
      h("p.card-hint.outside", t("notify.mute_hint")),
    );
  };
  render();
  return null;
}

function devicesPage(app, root) {
  const { api } = app;
  const body = h("div.scroll.page");
  root.append(topbar({ title: t("me.devices"), back: () => app.go("me") }), body);
  async function load() {
    try {
      const { devices, current } = await api.devices();
      body.replaceChildren(
        h(
          "section.card",
          h(
            "ul.list",
            devices
              .sort((a, b) => b.last_seen_at - a.last_seen_at)
              .map((d) =>
                h(
                  "li.device-row",
                  h("span.row-icon.gray", icon("devices")),
                  h(
                    "span.request-main",
                    h("span.row-text", d.name || t("me.device_unnamed")),
                    h(
                      "span.request-greeting",
                      d.id === current ? t("me.this_device") : t("me.last_seen", { when: formatFull(d.last_seen_at) }),
                    ),
                  ),
                  d.id === current
                    ? null
                    : h(
                        "button.btn.btn-small.btn-plain",
                        {
                          type: "button",
                          onclick: async () => {
                            if (
                              !(await confirmDialog(
                                t("me.revoke_confirm", { name: d.name || t("me.device_unnamed") }),
                                { ok: t("me.revoke"), danger: true },
                              ))
                            )
                              return;
                            try {
                              await api.revokeDevice(d.id);
                              load();
                            } catch (err) {
                              const code = /** @type {import("../api.js").ApiError} */ (err).code;
                              toast(t("error.generic", { code }), { kind: "error" });
                            }
                          },
                        },
                        t("me.revoke"),
                      ),
                ),
              ),
          ),
        ),
      );
    } catch {
      body.replaceChildren(h("p.empty-row", t("status.offline")));
    }
  }
  load();
  return null;
}
