// @ts-check
/**
 * @mentions in a group's composer: typing "@" opens a list of the members (owners and
 * admins also get "@All") that narrows as the name is typed; picking one writes "@Name "
 * into the text and remembers whom it names. At sending, `take(text)` says who is still
 * named in the text (a name the user deleted mentions nobody). Arrow keys move in the
 * list, Enter or Tab picks, Escape closes.
 */

import { h } from "../../dom.js";
import { t } from "../../i18n.js";
import { userAvatar } from "../../common.js";

/** The "@word" being typed just before the caret. */
const TYPING_MENTION = /(?:^|\s)@([^\s@]{0,32})$/;
const ALL = -1;

/** @typedef {{id: number, name: string, username: string}} Member */
/** @typedef {{id: number, label: string}} Option a row of the list (id ALL for @All) */

/**
 * @param {import("../../app.js").App} app
 * @param {number} cid
 * @param {HTMLTextAreaElement} input
 */
export function mentionPicker(app, cid, input) {
  const { store, api } = app;
  /** @type {Member[]|null} */
  let members = null;
  let loading = false;
  /** @type {Map<string, number>} "@Name" written by picking → user id (ALL for @All) */
  const picked = new Map();
  /** @type {Option[]} */
  let shown = [];
  let active = 0;
  const list = h("ul.mention-picker", {
    role: "listbox",
    id: `mention-picker-${cid}`,
    "aria-label": t("mention.pick"),
    hidden: true,
  });

  const view = () => store.conversations.get(cid);
  const isGroup = () => view()?.conversation.kind === "group";
  const canAll = () => ["owner", "admin"].includes(view()?.role || "");

  async function loadMembers() {
    if (members || loading) return;
    loading = true;
    try {
      const reply = await api.members(cid);
      members = reply.members
        .map((/** @type {any} */ m) => {
          store.users.set(m.user.id, m.user);
          return { id: m.user.id, name: store.nameOf(m.user.id), username: m.user.username };
        })
        .filter((/** @type {{id: number}} */ m) => m.id !== store.me?.id);
      update();
    } catch {
      /* offline: no list, the text is sent as typed */
    } finally {
      loading = false;
    }
  }

  /** Open, narrow or close the list after each keystroke. */
  function update() {
    const q = isGroup() ? query(input) : null;
    if (q == null) return close();
    if (!members) {
      loadMembers();
      return close();
    }
    shown = options(members, q.toLowerCase(), canAll());
    if (!shown.length) return close();
    active = Math.min(active, shown.length - 1);
    render();
  }

  function render() {
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    input.setAttribute("aria-controls", list.id);
    list.replaceChildren(...shown.map((option, i) => optionRow(store, `${list.id}-${i}`, option, i === active, pick)));
    input.setAttribute("aria-activedescendant", `${list.id}-${active}`);
  }

  function close() {
    if (list.hidden) return;
    list.hidden = true;
    shown = [];
    active = 0;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  /** Write the option into the text and remember whom it names. @param {Option} option */
  function pick(option) {
    picked.set(insertMention(input, option.label), option.id);
    close();
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.focus();
  }

  /**
   * Keys while the list is open. @param {KeyboardEvent} e
   * @returns {boolean} true when the key was the picker's
   */
  function onKey(e) {
    if (list.hidden || !shown.length) return false;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      active = (active + (e.key === "ArrowDown" ? 1 : shown.length - 1)) % shown.length;
      render();
    } else if ((e.key === "Enter" && !e.isComposing) || e.key === "Tab") {
      pick(shown[active]);
    } else if (e.key === "Escape") {
      close();
    } else return false;
    e.preventDefault();
    e.stopPropagation();
    return true;
  }

  /**
   * Who the text mentions (names picked and still in it), then forget them.
   * @param {string} text
   * @returns {{mentions: number[], mention_all: boolean}}
   */
  function take(text) {
    const named = namedIn(picked, text, canAll());
    picked.clear();
    return named;
  }

  input.setAttribute("aria-autocomplete", "list");
  input.addEventListener("blur", () => setTimeout(close, 150));
  return { el: list, update, onKey, take, close };
}

/** @param {HTMLTextAreaElement} input @returns {string|null} the name being typed after "@", or null */
function query(input) {
  const before = input.value.slice(0, input.selectionStart ?? input.value.length);
  const m = before.match(TYPING_MENTION);
  return m ? m[1] : null;
}

/**
 * The rows for what is typed: "@All" first where I may, then the members whose name or
 * username holds it.
 * @param {Member[]} members @param {string} needle lower case @param {boolean} withAll
 * @returns {Option[]}
 */
function options(members, needle, withAll) {
  return [
    ...(withAll && t("mention.all").toLowerCase().startsWith(needle) ? [{ id: ALL, label: t("mention.all") }] : []),
    ...members
      .filter((m) => !needle || m.name.toLowerCase().includes(needle) || m.username.toLowerCase().includes(needle))
      .map((m) => ({ id: m.id, label: m.name || m.username })),
  ];
}

/**
 * @param {import("../../store.js").Store} store @param {string} id @param {Option} option
 * @param {boolean} active @param {(option: Option) => void} pick
 */
function optionRow(store, id, option, active, pick) {
  return h(
    `li.mention-option${active ? ".active" : ""}`,
    {
      role: "option",
      id,
      "aria-selected": String(active),
      "aria-label": option.id === ALL ? `@${option.label}` : option.label,
      dataset: { uid: String(option.id) },
      onmousedown: (/** @type {MouseEvent} */ e) => e.preventDefault(), // keep the caret in the input
      onclick: () => pick(option),
    },
    option.id === ALL ? h("span.mention-all-mark", "@") : userAvatar(store, option.id, 28),
    h("span.mention-name", option.label),
  );
}

/**
 * Replace the "@partial" before the caret with "@Name " and put the caret after it.
 * @param {HTMLTextAreaElement} input @param {string} label
 * @returns {string} the token written ("@Name")
 */
function insertMention(input, label) {
  const at = input.selectionStart ?? input.value.length;
  const before = input.value.slice(0, at).replace(/@[^\s@]{0,32}$/, "");
  const token = `@${label}`;
  input.value = `${before}${token} ${input.value.slice(at)}`;
  const caret = before.length + token.length + 1;
  input.setSelectionRange(caret, caret);
  return token;
}

/**
 * Who the text mentions: the names picked that are still in it.
 * @param {Map<string, number>} picked @param {string} text @param {boolean} mayAll
 * @returns {{mentions: number[], mention_all: boolean}}
 */
function namedIn(picked, text, mayAll) {
  const mentions = new Set();
  let all = false;
  for (const [token, id] of picked) {
    if (!text.includes(token)) continue;
    if (id === ALL) all = mayAll;
    else mentions.add(id);
  }
  return { mentions: [...mentions], mention_all: all };
}
