// @ts-check
/**
 * An official account's custom menu under the conversation, as in WeChat: a row of up to
 * three buttons in place of the composer, a keyboard button to switch to typing (and a
 * menu button in the composer to switch back). A button with sub-buttons opens a small
 * popup menu above it. Pressing a button calls the menu press route (the account's
 * webhook hears CLICK or VIEW); a view button opens its page in a new tab.
 */

import { h, icon, toast } from "../dom.js";
import { t } from "../i18n.js";
import { openPage } from "./bubbles.js";
import { errorToast } from "./officials.js";

/**
 * @param {import("../app.js").App} app
 * @param {number} accountId
 * @param {HTMLElement} composer the conversation's composer (gets a "show menu" button)
 */
export function officialMenu(app, accountId, composer) {
  const { api, store } = app;
  const toKeyboard = h(
    "button.icon-btn.oa-switch",
    { type: "button", "aria-label": t("official.show_keyboard") },
    icon("keyboard"),
  );
  const buttons = h("div.oa-buttons");
  const bar = h(
    "footer.oa-menu",
    { hidden: true, role: "toolbar", "aria-label": t("official.menu") },
    toKeyboard,
    buttons,
  );
  const toMenu = h(
    "button.icon-btn.oa-switch.composer-menu",
    { type: "button", hidden: true, "aria-label": t("official.show_menu") },
    icon("menu"),
  );
  composer.prepend(toMenu);
  let shown = false;
  let decided = false;
  /** @type {{popup: HTMLElement, opener: HTMLElement}|null} the popup that is open */
  let open = null;

  function closePopup() {
    if (!open) return;
    open.popup.remove();
    open.opener.setAttribute("aria-expanded", "false");
    open = null;
  }

  function show(menuMode) {
    closePopup();
    shown = menuMode && Boolean(menu()?.length);
    bar.hidden = !shown;
    composer.hidden = shown;
    if (shown) buttons.querySelector("button")?.focus();
    else if (decided) /** @type {HTMLElement|null} */ (composer.querySelector(".composer-input"))?.focus();
  }
  toKeyboard.addEventListener("click", () => show(false));
  toMenu.addEventListener("click", () => show(true));

  const menu = () => store.accounts.get(accountId)?.menu || null;

  async function press(path, button) {
    closePopup();
    if (button.type === "view") openPage(button.url); // now, while the tap still counts as one
    try {
      const pressed = await api.pressMenu(accountId, path);
      if (pressed.url && button.type !== "view") openPage(pressed.url);
      // A click goes to the account's server; without one, nothing would ever come back.
      else if (button.type !== "view" && pressed.answers === false) toast(t("official.cannot_answer"));
    } catch (err) {
      errorToast(err);
    }
  }

  function popup(top, i, opener) {
    if (open?.opener === opener) {
      closePopup();
      return;
    }
    closePopup();
    const items = top.sub_button.map((sub, j) =>
      h(
        "button.oa-sub",
        {
          type: "button",
          role: "menuitem",
          onclick: () => press([i, j], sub),
          onkeydown: (e) => {
            const all = [...e.currentTarget.parentElement.children];
            const at = all.indexOf(e.currentTarget);
            if (e.key === "ArrowUp" || e.key === "ArrowDown") {
              e.preventDefault();
              all[(at + (e.key === "ArrowUp" ? -1 : 1) + all.length) % all.length].focus();
            }
          },
        },
        sub.name,
      ),
    );
    const box = h("div.oa-popup", { role: "menu", "aria-label": top.name }, items);
    opener.parentElement.append(box);
    opener.setAttribute("aria-expanded", "true");
    open = { popup: box, opener };
    items[items.length - 1]?.focus();
  }

  function render() {
    const buttonsNow = menu();
    toMenu.hidden = !buttonsNow?.length;
    buttons.replaceChildren(
      ...(buttonsNow || []).map((top, i) => {
        const subs = top.sub_button || [];
        const opener = h(
          "button.oa-button",
          {
            type: "button",
            "aria-haspopup": subs.length ? "menu" : null,
            "aria-expanded": subs.length ? "false" : null,
            onclick: (e) => (subs.length ? popup(top, i, e.currentTarget) : press([i], top)),
          },
          subs.length ? icon("list", "oa-list") : null,
          h("span", top.name),
        );
        return h("div.oa-slot", opener);
      }),
    );
    if (!buttonsNow?.length) show(false);
    else if (!decided) {
      decided = true;
      show(true); // a conversation with a menu opens on it, as in WeChat
    }
  }

  const onDocument = (e) => {
    if (open && !open.popup.contains(e.target) && !open.opener.contains(e.target)) closePopup();
  };
  const onKey = (e) => {
    if (e.key === "Escape" && open) {
      const opener = open.opener;
      closePopup();
      opener.focus();
    }
  };
  document.addEventListener("pointerdown", onDocument);
  document.addEventListener("keydown", onKey);
  const stop = store.subscribe((topics) => {
    if (topics.has("all") || topics.has(`account:${accountId}`)) render();
  });
  render();
  api
    .officialAccount(accountId)
    .then(({ account }) => store.putAccount(account))
    .catch(() => {});
  return {
    bar,
    menuShown: () => shown,
    destroy() {
      stop();
      document.removeEventListener("pointerdown", onDocument);
      document.removeEventListener("keydown", onKey);
    },
  };
}
