// @ts-check
/**
 * microletter's jweixin: WeChat's JS-SDK (`wx`, and the older `WeixinJSBridge`) for a page
 * that runs inside the microletter web client as a mini app. Include it from the server,
 * at WeChat's own path: <script src="https://<server>/open/js/jweixin-1.6.0.js"></script>.
 *
 * Every call is a message to the client (the parent window, at the origin this script was
 * loaded from) by postMessage: {__jweixin: 1, id, api, args, url}; the client answers
 * {__jweixin: 1, id, result} with the SDK's `errMsg` ("<api>:ok", "<api>:fail ...",
 * "<api>:cancel"), and the SDK calls success/fail/cancel/complete as WeChat's does.
 * Events the page listens for (wx.onVoiceRecordEnd, wx.onVoicePlayEnd: the call registers
 * the listener, the client checks it like any call) come as {__jweixin: 1, event, result},
 * and call the listener's success and complete, as often as they happen. The
 * client decides everything (which origin may ask, what was configured); this script only
 * carries messages, and it never sees the client's token. Calls the client does not
 * provide answer "<api>:fail not supported" (docs/miniapps.md).
 */
(function () {
  "use strict";
  /** @type {any} */
  const w = window;
  if (w.wx && w.wx.microletter) return;
  const script = /** @type {HTMLScriptElement|null} */ (document.currentScript);
  const host = script && script.src ? new URL(script.src, location.href).origin : location.origin;
  const parent = window.parent !== window ? window.parent : null;
  let seq = 0;
  /** @type {Map<number, (result: any) => void>} */
  const pending = new Map();
  // The SDK's event calls: their callbacks run when the client says it happened, not
  // when the call is answered.
  const EVENTS = ["onVoiceRecordEnd", "onVoicePlayEnd"];
  /** @type {Record<string, any>} the args (callbacks) of each event call */
  const listeners = {};

  window.addEventListener("message", (event) => {
    if (event.source !== parent || event.origin !== host) return;
    const data = event.data;
    if (!data || data.__jweixin !== 1) return;
    if (typeof data.event === "string" && data.result && typeof data.result === "object") {
      const args = Object.prototype.hasOwnProperty.call(listeners, data.event) ? listeners[data.event] : null;
      if (args) settle(args, data.result);
      return;
    }
    if (typeof data.id !== "number") return;
    const resolve = pending.get(data.id);
    if (resolve) {
      pending.delete(data.id);
      resolve(data.result && typeof data.result === "object" ? data.result : { errMsg: "bridge:fail" });
    }
  });

  /**
   * Only data crosses: functions (the callbacks) stay here.
   * @param {any} args
   */
  function plain(args) {
    try {
      return JSON.parse(JSON.stringify(args || {}));
    } catch {
      return {};
    }
  }

  /**
   * Send one call to the client.
   * @param {string} api
   * @param {any} args
   * @returns {Promise<any>}
   */
  function send(api, args) {
    if (!parent) return Promise.resolve({ errMsg: `${api}:fail not running in microletter` });
    const id = ++seq;
    return new Promise((resolve) => {
      pending.set(id, resolve);
      parent.postMessage({ __jweixin: 1, id, api, args: plain(args), url: location.href }, host);
    });
  }

  /**
   * Call the callbacks of `args` as the SDK does, by the errMsg of `result`.
   * @param {any} args
   * @param {any} result
   */
  function settle(args, result) {
    const message = String(result.errMsg || "");
    const status = message.slice(message.indexOf(":") + 1);
    const name = status === "ok" ? "success" : status.startsWith("cancel") ? "cancel" : "fail";
    if (args && typeof args[name] === "function") args[name](result);
    if (args && typeof args.complete === "function") args.complete(result);
  }

  /**
   * @param {string} api
   * @param {any} [args]
   */
  function call(api, args) {
    return send(api, args).then((result) => {
      if (EVENTS.includes(api) && result.errMsg === `${api}:ok`) listeners[api] = args || {};
      else settle(args, result);
      return result;
    });
  }

  // wx.config → ready / error
  /** @type {"idle"|"checking"|"ready"|"failed"} */
  let state = "idle";
  /** @type {any} */
  let configError = null;
  /** @type {Array<() => void>} */
  const onReady = [];
  /** @type {Array<(e: any) => void>} */
  const onError = [];

  // Every JS-SDK 1.6 name: those the client provides and those it answers "not supported".
  const NAMES = [
    "checkJsApi",
    "updateAppMessageShareData",
    "updateTimelineShareData",
    "onMenuShareTimeline",
    "onMenuShareAppMessage",
    "onMenuShareQQ",
    "onMenuShareWeibo",
    "onMenuShareQZone",
    "startRecord",
    "stopRecord",
    "onVoiceRecordEnd",
    "playVoice",
    "pauseVoice",
    "stopVoice",
    "onVoicePlayEnd",
    "uploadVoice",
    "downloadVoice",
    "translateVoice",
    "chooseImage",
    "previewImage",
    "uploadImage",
    "downloadImage",
    "getLocalImgData",
    "getNetworkType",
    "openLocation",
    "getLocation",
    "hideOptionMenu",
    "showOptionMenu",
    "hideMenuItems",
    "showMenuItems",
    "hideAllNonBaseMenuItem",
    "showAllNonBaseMenuItem",
    "closeWindow",
    "scanQRCode",
    "chooseWXPay",
    "openProductSpecificView",
    "addCard",
    "chooseCard",
    "openCard",
    "openAddress",
    // microletter's extensions from WeChat's mini-program API (docs/miniapps.md)
    "login",
    "getShareInfo",
    "getLaunchOptions",
    // games: the player's records, their rank, and the ranking the client draws
    "setUserCloudStorage",
    "getUserCloudStorage",
    "removeUserCloudStorage",
    "getRank",
    "openRanking",
  ];

  /** @type {Record<string, any>} */
  const wx = {
    microletter: 1,
    /** @param {any} options */
    config(options) {
      state = "checking";
      send("config", options).then((result) => {
        if (result.errMsg === "config:ok") {
          state = "ready";
          onReady.splice(0).forEach((fn) => fn());
        } else {
          state = "failed";
          configError = result;
          onError.splice(0).forEach((fn) => fn(result));
        }
        if (options && options.debug) alert(JSON.stringify(result));
      });
    },
    /** @param {() => void} fn */
    ready(fn) {
      if (state === "ready") fn();
      else onReady.push(fn);
    },
    /** @param {(e: any) => void} fn */
    error(fn) {
      if (state === "failed") fn(configError);
      else onError.push(fn);
    },
  };
  for (const name of NAMES) wx[name] = (/** @type {any} */ args) => call(name, args);

  w.wx = w.jWeixin = wx;
  w.WeixinJSBridge = {
    /**
     * The older bridge: WeixinJSBridge.invoke(name, args, callback); the callback gets
     * {err_msg: "<name>:ok", ...}. The same calls as wx's.
     * @param {string} name
     * @param {any} args
     * @param {(res: any) => void} [callback]
     */
    invoke(name, args, callback) {
      const run = name === "config" ? send("config", args) : send(name, args);
      run.then((result) => callback && callback({ ...result, err_msg: result.errMsg }));
    },
    on() {},
    call(/** @type {string} */ name) {
      send(name, {});
    },
  };
  setTimeout(() => document.dispatchEvent(new Event("WeixinJSBridgeReady")), 0);
})();
