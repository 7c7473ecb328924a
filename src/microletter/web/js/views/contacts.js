/**
 * Contacts: the list (grouped by initial), friend requests with accept and decline,
 * adding by username or by a QR code (scanned with the camera or from a picture where the
 * browser has BarcodeDetector, or pasted as text, which always works), a person's
 * profile, and starting a group.
 */

import { dialog, h, icon, promptDialog, toast } from "../dom.js";
import { formatListTime, locale, t, tn } from "../i18n.js";
import { topbar, userAvatar } from "../common.js";
import { ticketFromCode } from "./officials.js";

const QR_PREFIX = "microletter:user:";

/**
 * The username in a scanned or pasted code: "microletter:user:<name>" or a bare username.
 * @param {string} text
 * @returns {string|null}
 */
export function usernameFromCode(text) {
  const clean = (text || "").trim();
  const body = clean.startsWith(QR_PREFIX) ? clean.slice(QR_PREFIX.length) : clean.replace(/^@/, "");
  return /^[a-z0-9_]{3,32}$/.test(body.toLowerCase()) ? body.toLowerCase() : null;
}

function errorText(err) {
  const key = `error.${err.code}`;
  return t(key) === key ? t("error.generic", { code: err.code }) : t(key);
}

async function addByUsername(app, username, greeting) {
  try {
    const { request } = await app.api.requestContact(username, greeting ?? t("contacts.default_greeting", { name: app.store.me.display_name }));
    app.store.putRequest(request);
    toast(request.status === "accepted" ? t("contacts.now_friends") : t("contacts.request_sent"));
    return true;
  } catch (err) {
    toast(errorText(err), { kind: "error" });
    return false;
  }
}

/** The contact list (the Contacts tab). */
export function mount(app, root) {
  const { store } = app;
  let selected = null;
  const list = h("div.scroll");
  root.append(topbar({
    title: t("nav.contacts"),
    actions: [h("a.icon-btn", { href: "#/contacts/new", "aria-label": t("contacts.add") }, icon("user-plus"))],
  }), list);

  function render() {
    const pending = store.pendingRequests().length;
    const collator = new Intl.Collator(locale(), { sensitivity: "base" });
    const contacts = [...store.contacts.values()]
      .map((c) => ({ id: c.user.id, name: store.nameOf(c.user.id) }))
      .sort((a, b) => collator.compare(a.name, b.name));
    const groups = new Map();
    for (const c of contacts) {
      const first = [...c.name][0] || "#";
      const letter = /[a-z]/i.test(first) ? first.toUpperCase() : "#";
      if (!groups.has(letter)) groups.set(letter, []);
      groups.get(letter).push(c);
    }
    const groupChats = store.chatList().filter((v) => v.conversation.kind === "group").length;
    list.replaceChildren(
      h("ul.list",
        h("li", h("a.row", { href: "#/contacts/new", "aria-current": selected === "contacts/new" ? "true" : null },
          h("span.row-icon.orange", icon("user-plus")), h("span.row-text", t("contacts.new_friends")),
          pending ? h("span.badge", String(pending)) : null)),
        h("li", h("a.row", { href: "#/group/new" }, h("span.row-icon.green", icon("group")), h("span.row-text", t("chats.new_group")),
          groupChats ? h("span.row-note", String(groupChats)) : null))),
      ...(contacts.length
        ? [...groups].map(([letter, people]) => h("section.contact-group", { "aria-label": letter },
          h("h2.group-letter", letter),
          h("ul.list", people.map((c) => h("li", h(`a.row${selected === `user/${c.id}` ? ".active" : ""}`, { href: `#/user/${c.id}`, dataset: { uid: String(c.id) } },
            userAvatar(store, c.id, 40), h("span.row-text", c.name)))))))
        : [h("div.empty-state", h("p", t("contacts.empty")))]),
      contacts.length ? h("p.list-footer", tn("contacts.count", contacts.length)) : "");
  }
  render();
  const stop = store.subscribe((topics) => {
    if (topics.has("all") || topics.has("contacts") || topics.has("requests") || topics.has("users") || topics.has("conversations")) render();
  });
  return { destroy: stop, select(path) { selected = path; render(); } };
}

async function scanWithCamera() {
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices?.getUserMedia) return { unsupported: true };
  const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
  } catch {
    return { error: "camera" };
  }
  const video = h("video.scan-video", { autoplay: true, muted: true, playsInline: true });
  video.srcObject = stream;
  let timer = null;
  const text = await dialog((close) => {
    const look = async () => {
      try {
        const codes = video.readyState >= 2 ? await detector.detect(video) : [];
        if (codes.length) return close(codes[0].rawValue);
      } catch { /* keep looking */ }
      timer = setTimeout(look, 250);
      return undefined;
    };
    look();
    return h("div.dialog-body.scan", h("h2.dialog-title", t("contacts.scan")), video, h("p.dialog-text", t("contacts.scan_hint")),
      h("div.dialog-actions", h("button.btn.btn-plain", { type: "button", onclick: () => close() }, t("common.cancel"))));
  }, { label: t("contacts.scan") });
  clearTimeout(timer);
  stream.getTracks().forEach((tr) => tr.stop());
  return { text };
}

async function scanImage(file) {
  if (!("BarcodeDetector" in window)) return { unsupported: true };
  try {
    const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    const codes = await detector.detect(await createImageBitmap(file));
    return { text: codes[0]?.rawValue };
  } catch {
    return { text: undefined };
  }
}

/** Add contacts and answer friend requests (detail pane). */
export function mountAdd(app, root) {
  const { store, api } = app;
  const body = h("div.scroll.page");
  root.append(topbar({ title: t("contacts.new_friends"), back: () => app.go("contacts") }), body);

  const handleCode = async (text) => {
    if (text === undefined) return;
    const ticket = ticketFromCode(text);
    if (ticket && !usernameFromCode(text)) {
      app.go(`qr/${ticket}`); // an official account's code
      return;
    }
    const username = usernameFromCode(text);
    if (!username) {
      toast(t("contacts.bad_code"), { kind: "error" });
      return;
    }
    if (username === store.me.username) {
      toast(t("contacts.thats_you"));
      return;
    }
    try {
      const { user } = await api.findUser(username);
      store.users.set(user.id, user);
      app.go(`user/${user.id}`);
    } catch (err) {
      toast(errorText(err), { kind: "error" });
    }
  };

  const username = h("input.field#add-username", {
    autocapitalize: "none", spellcheck: "false", placeholder: t("contacts.username_placeholder"), autocomplete: "off",
  });
  const addForm = h("form.inline-form", {
    onsubmit: async (e) => {
      e.preventDefault();
      const name = usernameFromCode(username.value);
      if (!name) {
        toast(t("error.user.username_invalid"), { kind: "error" });
        return;
      }
      if (await addByUsername(app, name)) username.value = "";
    },
  }, h("label.sr-only", { for: "add-username" }, t("contacts.username")), username,
  h("button.btn.btn-primary", { type: "submit" }, t("contacts.send_request")));

  const pasteInput = h("input.field#paste-code", { placeholder: "microletter:user:…", autocomplete: "off", spellcheck: "false" });
  const pasteForm = h("form.inline-form", {
    onsubmit: (e) => {
      e.preventDefault();
      handleCode(pasteInput.value);
    },
  }, h("label.sr-only", { for: "paste-code" }, t("contacts.paste_code")), pasteInput,
  h("button.btn.btn-plain", { type: "submit" }, t("contacts.open_code")));

  const imageInput = h("input", { type: "file", accept: "image/*", hidden: true, tabindex: "-1", "aria-hidden": "true",
    onchange: async (e) => {
      const file = e.target.files[0];
      e.target.value = "";
      if (!file) return;
      const result = await scanImage(file);
      if (result.unsupported) toast(t("contacts.scan_unsupported"), { kind: "error" });
      else if (!result.text) toast(t("contacts.no_code_found"), { kind: "error" });
      else handleCode(result.text);
    } });

  const requestsBox = h("ul.list.requests", { "aria-label": t("contacts.requests") });
  body.append(
    h("section.card.pad", h("h2.card-title", t("contacts.add_by_username")), addForm),
    h("section.card",
      h("button.row", { type: "button", onclick: async () => {
        const result = await scanWithCamera();
        if (result.unsupported) toast(t("contacts.scan_unsupported"), { kind: "error" });
        else if (result.error) toast(t("contacts.no_camera"), { kind: "error" });
        else handleCode(result.text);
      } }, h("span.row-icon.blue", icon("scan")), h("span.row-text", t("contacts.scan")), icon("chevron", "cell-chevron")),
      h("button.row", { type: "button", onclick: () => imageInput.click() },
        h("span.row-icon.green", icon("image")), h("span.row-text", t("contacts.scan_image")), icon("chevron", "cell-chevron")),
      h("a.row", { href: "#/me/qr" }, h("span.row-icon.gray", icon("qr")), h("span.row-text", t("me.my_qr")), icon("chevron", "cell-chevron")),
      imageInput),
    h("section.card.pad", h("h2.card-title", t("contacts.paste_code")), h("p.card-hint", t("contacts.paste_hint")), pasteForm),
    h("h2.section-title", t("contacts.requests")), h("section.card", requestsBox));

  function render() {
    const all = [...store.requests.values()].sort((a, b) => b.created_at - a.created_at);
    if (!all.length) {
      requestsBox.replaceChildren(h("li.empty-row", t("contacts.no_requests")));
      return;
    }
    requestsBox.replaceChildren(...all.map((r) => {
      const incoming = r.to_user.id === store.me.id;
      const other = incoming ? r.from_user : r.to_user;
      let action;
      if (incoming && r.status === "pending") {
        action = h("span.request-actions",
          h("button.btn.btn-small.btn-primary", { type: "button", "aria-label": t("contacts.accept_from", { name: other.display_name }), onclick: async () => {
            try {
              const { request } = await api.accept(r.id);
              store.putRequest(request);
              toast(t("contacts.now_friends"));
            } catch (err) {
              toast(errorText(err), { kind: "error" });
            }
          } }, t("contacts.accept")),
          h("button.btn.btn-small.btn-plain", { type: "button", "aria-label": t("contacts.decline_from", { name: other.display_name }), onclick: async () => {
            try {
              const { request } = await api.decline(r.id);
              store.putRequest(request);
            } catch (err) {
              toast(errorText(err), { kind: "error" });
            }
          } }, t("contacts.decline")));
      } else {
        const status = r.status === "pending" ? "contacts.status_waiting" : `contacts.status_${r.status}`;
        action = h("span.row-note", t(status));
      }
      return h("li.request-row", { dataset: { request: String(r.id), status: r.status } },
        userAvatar(store, other.id, 44),
        h("span.request-main", h("span.row-text", other.display_name || other.username),
          h("span.request-greeting", r.greeting || (incoming ? t("contacts.wants_to_add") : t("contacts.you_asked"))),
          h("time.request-time", formatListTime(r.created_at))),
        action);
    }));
  }
  render();
  const stop = store.subscribe((topics) => {
    if (topics.has("all") || topics.has("requests") || topics.has("users")) render();
  });
  return { destroy: stop };
}

/** A person's card: message them, set a remark, add or remove them. */
export function mountProfile(app, root, uidText) {
  const { store, api } = app;
  const uid = Number(uidText);
  const body = h("div.scroll.page");
  root.append(topbar({ title: t("contacts.profile"), back: () => app.back() }), body);

  async function message() {
    try {
      const { conversation } = await api.openDirect(uid);
      store.putView(conversation);
      app.go(`chat/${conversation.conversation.id}`);
    } catch (err) {
      toast(errorText(err), { kind: "error" });
    }
  }

  function render() {
    const user = store.users.get(uid);
    const contact = store.contacts.get(uid);
    const isMe = uid === store.me.id;
    if (!user) {
      body.replaceChildren(h("div.empty-state", h("p", t("common.loading"))));
      return;
    }
    body.replaceChildren(
      h("section.card.profile-card", userAvatar(store, uid, 72),
        h("div.profile-names", h("h2.profile-name", store.nameOf(uid)),
          contact?.remark ? h("p.profile-line", t("contacts.nickname", { name: user.display_name })) : null,
          h("p.profile-line", t("contacts.username_line", { name: user.username })))),
      contact ? h("section.card",
        h("button.cell", { type: "button", onclick: async () => {
          const remark = await promptDialog({ title: t("contacts.set_remark"), value: contact.remark, maxLength: 64 });
          if (remark === undefined) return;
          try {
            const { contact: updated } = await api.setRemark(uid, remark.trim());
            store.putContact(updated);
          } catch (err) {
            toast(errorText(err), { kind: "error" });
          }
        } }, h("span.cell-label", t("contacts.remark")), h("span.cell-value", contact.remark || t("contacts.remark_none")), icon("chevron", "cell-chevron"))) : null,
      h("div.profile-actions",
        isMe ? null : contact
          ? h("button.btn.btn-primary.btn-block", { type: "button", onclick: message }, icon("chats"), t("contacts.send_message"))
          : h("button.btn.btn-primary.btn-block", { type: "button", onclick: () => addByUsername(app, user.username) }, icon("user-plus"), t("contacts.add_to_contacts"))));
  }
  render();
  if (!store.users.has(uid)) {
    api.user(uid).then(({ user }) => { store.users.set(uid, user); render(); }).catch(() => {});
  }
  const stop = store.subscribe((topics) => {
    if (topics.has("all") || topics.has("contacts") || topics.has("users")) render();
  });
  return { destroy: stop };
}

/** Start a group with some contacts. */
export function mountNewGroup(app, root) {
  const { store, api } = app;
  const chosen = new Set();
  const name = h("input.field#group-name", { maxLength: 64, placeholder: t("group.name_placeholder") });
  const create = h("button.btn.btn-primary", { type: "submit", disabled: true }, t("group.create"));
  const people = [...store.contacts.keys()].sort((a, b) => store.nameOf(a).localeCompare(store.nameOf(b), locale()));
  const form = h("form.scroll.page", {
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
  h("section.card", people.length ? h("ul.pick-list", people.map((id) => h("li", h("label.pick-row",
    h("input", { type: "checkbox", value: String(id), onchange: (e) => {
      if (e.target.checked) chosen.add(id);
      else chosen.delete(id);
      create.disabled = chosen.size === 0;
      create.textContent = chosen.size ? `${t("group.create")} (${chosen.size})` : t("group.create");
    } }),
    userAvatar(store, id, 36), h("span.pick-name", store.nameOf(id)))))) : h("p.empty-row", t("group.need_contacts"))),
  h("div.profile-actions", create));
  root.append(topbar({ title: t("chats.new_group"), back: () => app.back() }), form);
  return null;
}
