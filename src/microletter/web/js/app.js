// @ts-check
/**
 * The app shell: boots the pieces (locale, API, store, socket, outbox), routes between
 * views by the URL hash, lays out tabs, list and detail panes (one pane on a phone, side by
 * side on a wide screen), saves the store with its cursor, and draws attention to new
 * messages (title, app badge, notifications). Views live in views/*.js.
 */

import { Api } from "./api.js";
import * as db from "./db.js";
import { h, icon, empty, toast } from "./dom.js";
import { loadLocale, t } from "./i18n.js";
import { GroupAvatars, MediaUrls } from "./media.js";
import { useGroupAvatars } from "./common.js";
import { Attention } from "./attention.js";
import { Outbox } from "./outbox.js";
import { Socket } from "./socket.js";
import { Store } from "./store.js";
import * as authView from "./views/auth.js";
import * as chatsView from "./views/chats.js";
import * as conversationView from "./views/conversation.js";
import * as infoView from "./views/info.js";
import * as contactsView from "./views/contacts.js";
import * as discoverView from "./views/discover.js";
import * as meView from "./views/me.js";
import { mountFavourites } from "./views/favourites.js";
import { mountChatSearch } from "./views/search.js";
import { mountWallet } from "./views/wallet.js";
import { mountWalletAdmin } from "./views/walletadmin.js";
import { mountFinance } from "./views/merchant/finance.js";
import { mountPools } from "./views/merchant/pools.js";
import { mountShops } from "./views/merchant/shops.js";
import { mountMerchantBooks, mountMerchantWork } from "./views/merchant/books.js";
import * as officialsView from "./views/officials.js";
import * as consoleView from "./views/console.js";
import * as consentView from "./views/consent.js";
import * as inviteView from "./views/invite.js";
import * as scanView from "./views/scan.js";
import { mountUserLink } from "./views/contacts/codes.js";
import { resolveLink } from "./links.js";
import { mountAlbum, mountNotices, mountTimeline } from "./views/moments.js";
import { mountCompose } from "./views/moments/compose.js";
import { mountTag, mountTags } from "./views/contacts/tags.js";
import { mountPay } from "./views/paysheet.js";
import { mountMiniApp, mountMiniApps } from "./views/miniapp.js";
import { mountProduct, mountShop } from "./views/shop/storefront.js";
import { mountCart } from "./views/shop/cart.js";
import { mountOrder, mountOrders } from "./views/shop/orders.js";
import { mountDeliveries, mountShopOrders, mountStaffed } from "./views/shop/staff.js";
import { mountShelf } from "./views/books/shelf.js";
import { mountWork } from "./views/books/work.js";
import { mountReader } from "./views/books/reader.js";
import { mountEbook } from "./views/books/ebook.js";
import { mountBookPurchases } from "./views/books/purchases.js";

const SESSION = "ml.session";
/** Where a link opened before signing in (an invite, a person's code) goes after it. */
const AFTER_SIGN_IN = "ml.after_sign_in";
/** The auth screen's own routes (not worth coming back to). */
const AUTH_ROUTE = /^#?\/?(login|register|setup(\/.*)?)?$/;

/**
 * A view: mounted into a pane with the route's captured parts; what it returns is torn
 * down when the route changes (`destroy`), and a list hears which route is shown (`select`).
 * @typedef {{destroy?: () => void, select?: (path: string) => void}} View
 * @typedef {(app: App, root: HTMLElement, ...params: string[]) => View|null|undefined} Mount
 * @typedef {"chats"|"contacts"|"discover"|"me"} Tab
 */

/**
 * Routes: pattern → which tab's list shows, and which view (if any) fills the detail pane.
 * @type {[RegExp, Tab, Mount|null][]}
 */
const ROUTES = [
  [/^chats$/, "chats", null],
  [/^chat\/(\d+)$/, "chats", conversationView.mount],
  [/^chat\/(\d+)\/at\/(\d+)$/, "chats", conversationView.mount],
  [/^chat\/(\d+)\/search$/, "chats", mountChatSearch],
  [/^chat\/(\d+)\/info$/, "chats", infoView.mount],
  [/^chat\/(\d+)\/qr$/, "chats", inviteView.mountGroupCode],
  [/^chat\/(\d+)\/requests$/, "chats", inviteView.mountRequests],
  [/^invite\/([A-Za-z0-9_-]{1,64})$/, "chats", inviteView.mountJoin],
  [/^group\/new$/, "chats", contactsView.mountNewGroup],
  [/^contacts$/, "contacts", null],
  [/^contacts\/new$/, "contacts", contactsView.mountAdd],
  [/^contacts\/groups$/, "contacts", contactsView.mountSavedGroups],
  [/^user\/(\d+)$/, "contacts", contactsView.mountProfile],
  [/^contacts\/tags$/, "contacts", mountTags],
  [/^contacts\/tags\/(\d+)$/, "contacts", mountTag],
  [/^u\/([a-z0-9_]{3,32})$/, "contacts", mountUserLink],
  [/^discover$/, "discover", null],
  [/^scan$/, "discover", scanView.mount],
  [/^moments$/, "discover", mountTimeline],
  [/^moments\/new$/, "discover", mountCompose],
  [/^moments\/notices$/, "discover", mountNotices],
  [/^moments\/user\/(\d+)$/, "discover", mountAlbum],
  [/^officials$/, "discover", officialsView.mountList],
  [/^official\/(\d+)$/, "discover", officialsView.mountProfile],
  [/^qr\/([0-9a-f]{1,64})$/, "discover", officialsView.mountQr],
  [/^oauth\?(.*)$/, "discover", consentView.mount],
  [/^pay\/([A-Za-z0-9_-]{22})$/, "discover", mountPay], // a merchant's pay code (/p/<code>)
  [/^miniapps$/, "discover", mountMiniApps],
  [/^app\/(\d{1,20})(?:\?(.*))?$/, "discover", mountMiniApp], // a mini app (/a/<id>, cards)
  [/^shop\/(\d{1,20})$/, "discover", mountShop], // a shop's storefront (views/shop/)
  [/^shop\/(\d{1,20})\/product\/(\d{1,20})$/, "discover", mountProduct],
  [/^shop\/(\d{1,20})\/cart$/, "discover", mountCart],
  [/^shop\/(\d{1,20})\/orders$/, "me", mountShopOrders], // its clerks and owner
  [/^shop\/(\d{1,20})\/deliveries$/, "me", mountDeliveries], // its couriers
  [/^order\/(\d{1,20})$/, "me", mountOrder],
  [/^me\/orders$/, "me", mountOrders],
  [/^me\/shops$/, "me", mountStaffed],
  [/^console$/, "me", consoleView.mountList],
  [/^console\/(\d+)$/, "me", consoleView.mountAccount],
  [/^me$/, "me", null],
  [/^me\/(qr|profile|language|devices|notifications|settings|password|privacy)$/, "me", meView.mountPage],
  [/^me\/favourites$/, "me", mountFavourites],
  [/^me\/wallet$/, "me", mountWallet],
  [/^books$/, "me", mountShelf],
  [/^books\/(\d{1,20})$/, "me", mountWork],
  [/^books\/(\d{1,20})\/read\/(\d{1,5})$/, "me", mountReader], // a chapter (notices link here)
  [/^books\/ebook\/(\d{1,20})$/, "me", mountEbook], // a bought PDF, drawn by pdf.js
  [/^books\/purchases$/, "me", mountBookPurchases], // my purchases, and refund requests
  [/^admin\/wallet$/, "me", mountWalletAdmin], // operators only (the server checks each call)
  [/^merchant$/, "me", mountShops], // the shops whose money I may see
  [/^merchant\/(\d+)$/, "me", mountFinance], // a shop's money: settlement, credit, returns
  [/^merchant\/(\d+)\/books$/, "me", mountMerchantBooks], // a shop's works, their sales and refunds
  [/^merchant\/(\d+)\/books\/(\d+)$/, "me", mountMerchantWork], // one work: terms, chapters, publish
  [/^admin\/merchant$/, "me", mountPools], // operators: the cover and credit pools
];
/** @type {Record<Tab, {icon: Parameters<typeof icon>[0], mount: Mount}>} */
const TABS = {
  chats: { icon: "chats", mount: chatsView.mount },
  contacts: { icon: "contacts", mount: contactsView.mount },
  discover: { icon: "discover", mount: discoverView.mount },
  me: { icon: "me", mount: meView.mount },
};

/** Everything a view needs, in one place. */
export class App {
  /** @param {HTMLElement} root */
  constructor(root) {
    this.root = root;
    this.api = new Api();
    this.store = new Store({ storage: db });
    this.socket = new Socket(this.api, this.store);
    this.outbox = new Outbox({ api: this.api, socket: this.socket, store: this.store, storage: db });
    this.media = new MediaUrls(this.api);
    this.groupAvatars = new GroupAvatars(this.api);
    useGroupAvatars(this.groupAvatars);
    this.attention = new Attention(this);
    /** @type {Tab|null} */
    this.tab = null;
    /** @type {View|null} */
    this.listView = null;
    /** @type {View|null} */
    this.detailView = null;
    /** @type {ReturnType<typeof setTimeout>|undefined} */
    this.saveTimer = undefined;
    /** whether a route was followed inside the app (so "back" may leave the view by history) */
    this.cameFromApp = false;
    // The layout, built by buildShell() once signed in.
    /** @type {HTMLElement|null} */ this.tabbar = null;
    /** @type {HTMLElement|null} */ this.statusBar = null;
    /** @type {HTMLElement|null} */ this.listPane = null;
    /** @type {HTMLElement|null} */ this.detailPane = null;
    this.api.onUnauthorized = () => this.signedOut();
    this.socket.addEventListener("unauthorized", () => this.signedOut());
    this.socket.addEventListener("status", () => this.showStatus());
    this.socket.addEventListener("reset", () => {
      toast(t("status.resynced"));
      this.fetchAllPosts();
    });
    this.socket.addEventListener("channel", (e) => this.fetchPosts(detail(e)));
    /** @type {Map<number, {again: boolean}>} channel id → the fetch in flight */
    this.fetchingPosts = new Map();
    this.outbox.addEventListener("uploaded", (e) => this.media.primeLocal(detail(e).media.id, detail(e).blob));
    this.outbox.addEventListener("failed", (e) => {
      const key = `error.${detail(e).error}`;
      toast(t(key) === key ? t("error.generic", { code: detail(e).error }) : t(key), { kind: "error" });
    });
    this.store.subscribe((topics) => {
      this.scheduleSave();
      if (topics.has("profiles") || topics.has("all")) this.groupAvatars.forget();
    });
    this.store.addEventListener("joined", (e) => this.fetchView(detail(e)));
    this.store.addEventListener("message", (e) => {
      this.learnPeople([detail(e)]);
      this.keepPicture(detail(e));
    });
    /** @type {Set<number>} users asked for once (learnPeople) */
    this.askedUsers = new Set();
    /** @type {Map<number, string>} how a person was found ("qr": from their code), said with a friend request, since their privacy may allow one way and not another */
    this.foundVia = new Map();
    // Leaving (reload, close, app switch): write what is pending now.
    window.addEventListener("pagehide", () => this.saveTimer && this.saveNow());
    document.addEventListener("visibilitychange", () => document.hidden && this.saveTimer && this.saveNow());
    window.addEventListener("hashchange", () => {
      if (this.store.me) this.route();
      else if (this.root.classList.contains("auth-mode")) this.showAuth();
    });
  }

  async start() {
    this.followLink();
    await loadLocale();
    const session = JSON.parse(localStorage.getItem(SESSION) || "null");
    if (!session?.token) return this.showAuth();
    this.api.token = session.token;
    return this.enter(session.user_id);
  }

  /**
   * Opened at a code's link (`/i/<token>`, `/u/<name>`, ...: the server serves the client
   * there): show it at the page the link names (`/#/invite/<token>`), through links.js.
   */
  followLink() {
    if (location.pathname === "/") return;
    const found = resolveLink(location.pathname, location.origin);
    history.replaceState(null, "", found ? `/#/${found.route}` : "/");
  }

  showAuth() {
    // A page asked for before signing in (a link, a code) opens once signed in.
    if (!AUTH_ROUTE.test(location.hash)) sessionStorage.setItem(AFTER_SIGN_IN, location.hash);
    this.teardown();
    empty(this.root).className = "app auth-mode";
    authView.mount(this, this.root);
  }

  /** After register or log in. */
  async signedIn({ user, token }) {
    localStorage.setItem(SESSION, JSON.stringify({ token, user_id: user.id }));
    this.api.token = token;
    await this.enter(user.id);
    const after = sessionStorage.getItem(AFTER_SIGN_IN);
    sessionStorage.removeItem(AFTER_SIGN_IN);
    if (after) location.hash = after;
    else if (!location.hash || location.hash === "#/login") location.hash = "#/chats";
  }

  async enter(userId) {
    if (!(await this.store.open(userId))) {
      try {
        this.store.load(await this.api.syncState());
      } catch (err) {
        if (/** @type {{code?: string}} */ (err).code === "auth.invalid_token") return this.signedOut();
        return this.showBootError();
      }
    }
    await this.outbox.open(userId);
    await this.saveNow();
    this.socket.start();
    this.loadAccounts();
    this.fetchAllPosts();
    this.buildShell();
    this.route();
    this.attention.start();
    return undefined;
  }

  showBootError() {
    empty(this.root).className = "app";
    this.root.append(
      h(
        "div.boot-error",
        icon("wifi", "big"),
        h("p", t("status.cannot_start")),
        h("button.btn.btn-primary", { type: "button", onclick: () => location.reload() }, t("common.retry")),
      ),
    );
  }

  /** Log out here (and on the server when we still can). */
  async logout() {
    try {
      await this.api.logout();
    } catch {
      /* offline or already revoked: forget locally anyway */
    }
    await this.signedOut();
  }

  async signedOut() {
    const userId = this.store.me?.id;
    localStorage.removeItem(SESSION);
    this.api.token = null;
    this.socket.stop();
    this.attention.stop();
    if (userId) await db.clear().catch(() => {});
    navigator.serviceWorker?.controller?.postMessage({ type: "forget-pictures" });
    this.groupAvatars.forget();
    this.store.clear();
    this.outbox.close();
    location.hash = "#/login";
    this.showAuth();
  }

  teardown() {
    this.listView?.destroy?.();
    this.detailView?.destroy?.();
    this.listView = this.detailView = null;
    this.tab = null;
  }

  /** Save the store (with its cursor) soon: at most every 200 ms, never postponed for good. */
  scheduleSave() {
    if (!this.store.me || this.saveTimer) return;
    this.saveTimer = setTimeout(() => this.saveNow(), 200);
  }

  saveNow() {
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    return this.store.save().catch((err) => console.error("save", err));
  }

  /** Fill in a conversation we just joined (its peer, our read position). */
  async fetchView(cid) {
    try {
      const { conversation } = await this.api.conversation(cid);
      this.store.putView(conversation);
      const conv = conversation.conversation;
      if (conv.kind === "official") {
        const { account } = await this.api.officialAccount(conv.owner_id);
        this.store.putAccount(account);
        if (this.store.setChannelHead(account.id, conv.id, account.channel_head)) this.fetchPosts(account.id);
      }
    } catch {
      /* it comes with the next state load */
    }
  }

  /** The official accounts I follow (names, pictures, menus), for the chat list. */
  async loadAccounts() {
    if (![...this.store.conversations.values()].some((v) => v.conversation.kind === "official")) return;
    try {
      const { accounts } = await this.api.followedAccounts();
      for (const account of accounts) this.store.putAccount(account);
    } catch {
      /* names fall back to the accounts' users */
    }
  }

  /** Fetch the broadcasts of every channel whose head is past what we have. */
  fetchAllPosts() {
    for (const channel of this.store.channels.values()) {
      if (channel.head > this.store.fetchedUpTo(channel.channel_id)) this.fetchPosts(channel.channel_id);
    }
  }

  /** Fetch a channel's new broadcasts (read diffusion: nothing of them is in the log). */
  fetchPosts(channelId) {
    const running = this.fetchingPosts.get(channelId);
    if (running) {
      running.again = true;
      return;
    }
    const job = { again: false };
    this.fetchingPosts.set(channelId, job);
    (async () => {
      try {
        do {
          job.again = false;
          const channel = this.store.channels.get(channelId);
          let after = this.store.fetchedUpTo(channelId);
          while (channel && after < channel.head) {
            const { posts } = await this.api.broadcasts(channelId, after);
            if (!posts.length) break;
            this.store.putPosts(channelId, posts);
            after = posts[posts.length - 1].seq;
          }
        } while (job.again);
      } catch {
        /* the next channel frame or start tries again */
      } finally {
        this.fetchingPosts.delete(channelId);
      }
    })();
  }

  /**
   * A picture that just arrived in a chat: fetch its thumbnail now, while online, so the
   * service worker keeps it and the chat shows it even if opened offline later.
   * @param {import("./store.js").Message} message
   */
  keepPicture(message) {
    const media = message.data?.media;
    if (!media?.id || !["image", "sticker"].includes(message.kind) || this.media.localUrl(media.id)) return;
    this.media
      .get(media.id)
      .then((urls) => fetch(urls.thumbnail_url || urls.url))
      .catch(() => {});
  }

  /** Look up the people named in messages or notes whom we don't know yet (group members, a stranger asking to join). */
  learnPeople(messages) {
    const { store } = this;
    for (const m of messages) {
      const ids = [m.sender_id, m.data?.actor, ...(Array.isArray(m.data?.users) ? m.data.users : [])];
      for (const id of ids) {
        if (!id || store.users.has(id) || this.askedUsers.has(id)) continue;
        this.askedUsers.add(id);
        this.api
          .user(id)
          .then(({ user }) => store.putUser(user))
          .catch(() => this.askedUsers.delete(id));
      }
    }
  }

  // --- layout ---

  buildShell() {
    this.teardown();
    empty(this.root).className = "app";
    this.tabbar = h("nav.tabbar", { "aria-label": t("nav.label") });
    this.statusBar = h("div.conn-status", { role: "status", "aria-live": "polite", hidden: true });
    this.listPane = h("section.list-pane");
    this.detailPane = h("main.detail-pane", { id: "detail" });
    this.root.append(this.tabbar, h("div.panes", this.statusBar, h("div.pane-row", this.listPane, this.detailPane)));
    for (const [name, tab] of Object.entries(TABS)) {
      const badge = h("span.badge.tab-badge", { hidden: true });
      this.tabbar.append(
        h(
          "a.tab",
          { href: `#/${name}`, dataset: { tab: name } },
          h("span.tab-icon", icon(tab.icon), badge),
          h("span.tab-label", t(`nav.${name}`)),
        ),
      );
    }
    this.store.subscribe(() => this.updateBadges());
    this.updateBadges();
    this.showStatus();
  }

  updateBadges() {
    if (!this.tabbar) return;
    /** @type {Record<string, number>} */
    const counts = { chats: this.store.unreadTotal(), contacts: this.store.pendingRequests().length };
    for (const a of /** @type {NodeListOf<HTMLElement>} */ (this.tabbar.querySelectorAll(".tab"))) {
      const badge = /** @type {HTMLElement} */ (a.querySelector(".tab-badge"));
      const n = counts[a.dataset.tab || ""] || 0;
      badge.hidden = n === 0;
      badge.textContent = n > 99 ? "99+" : String(n);
      const label = t(`nav.${a.dataset.tab}`);
      a.setAttribute("aria-label", n ? `${label} (${t("a11y.unread", { count: n })})` : label);
    }
  }

  showStatus() {
    if (!this.statusBar) return;
    const status = this.socket.status;
    this.root.dataset.connection = status;
    const show = status !== "online" && !this.socket.stopped;
    this.statusBar.hidden = !show;
    this.statusBar.textContent = !navigator.onLine
      ? t("status.offline")
      : status === "connecting"
        ? t("status.connecting")
        : t("status.reconnecting");
  }

  route() {
    if (!this.store.me || !this.listPane || !this.detailPane || !this.tabbar) return;
    const path = location.hash.replace(/^#\/?/, "") || "chats";
    const found = ROUTES.find(([re]) => re.test(path));
    if (!found) {
      location.hash = "#/chats";
      return;
    }
    const [re, tab, detail] = found;
    const params = (path.match(re) || []).slice(1);
    if (tab !== this.tab) {
      this.tab = tab;
      this.listView?.destroy?.();
      empty(this.listPane);
      this.listView = TABS[tab].mount(this, this.listPane) || null;
      for (const a of /** @type {NodeListOf<HTMLElement>} */ (this.tabbar.querySelectorAll(".tab"))) {
        if (a.dataset.tab === tab) a.setAttribute("aria-current", "page");
        else a.removeAttribute("aria-current");
      }
    }
    this.listView?.select?.(path);
    this.detailView?.destroy?.();
    empty(this.detailPane);
    this.detailView = null;
    this.root.classList.toggle("show-detail", Boolean(detail));
    if (detail) {
      this.detailView = detail(this, this.detailPane, ...params) || null;
    } else {
      this.detailPane.append(
        h(
          "div.detail-empty",
          h("img", { src: new URL("../icons/icon.svg", import.meta.url).href, alt: "", width: 64, height: 64 }),
          h("p", t(`app.pick_${tab}`)),
        ),
      );
    }
  }

  /**
   * Go to a route, e.g. app.go("chat/12").
   * @param {string} path
   */
  go(path) {
    location.hash = `#/${path}`;
  }

  /** Back to the tab's list (the back button of detail views). */
  back() {
    if (history.length > 1 && this.cameFromApp) history.back();
    else this.go(this.tab || "chats");
  }
}

/**
 * The payload of a CustomEvent (the store's, the socket's and the outbox's events carry one).
 * @param {Event} e
 * @returns {any}
 */
function detail(e) {
  return /** @type {CustomEvent} */ (e).detail;
}

async function registerWorker() {
  if (!("serviceWorker" in navigator)) return;
  try {
    await navigator.serviceWorker.register("/sw.js", { scope: "/" });
  } catch (err) {
    console.warn("service worker", err);
  }
}

const app = new App(/** @type {HTMLElement} */ (document.getElementById("app")));
/** @type {any} */ (window).microletter = app; // for debugging in the console
window.addEventListener("hashchange", () => {
  app.cameFromApp = true;
});
app.start().catch((err) => {
  console.error(err);
  app.showBootError();
});
registerWorker();
