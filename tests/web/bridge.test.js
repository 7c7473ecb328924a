// @ts-check
/**
 * The JS bridge's rules, under node: which messages are calls, which origins may make
 * them, which calls a configured page may make, and the SDK's errMsg for each refusal.
 */

import assert from "node:assert/strict";
import { test } from "node:test";

import {
  configError,
  isJsSafe,
  jsApis,
  MAX_MESSAGE_BYTES,
  pageUrl,
  readCall,
  refusal,
} from "../../src/microletter/web/js/miniapps/bridge.js";

/** A few of the server's lists (GET /miniapps/{app_id}'s js_apis): the rules, not the lists, are tested. */
const APIS = jsApis({ supported: ["chooseImage", "getLocation", "login"], open: ["login"] });

const APP = { entry_url: "https://h5.example.com/index.html", domains: ["h5.example.com", "127.0.0.1:8080"] };

test("only bridge messages are read, and oversized or malformed ones are refused", () => {
  assert.equal(readCall("hello"), null);
  assert.equal(readCall({ __jweixin: 2, id: 1 }), null);
  assert.equal(readCall({ __jweixin: 1, id: "x" }), null);
  const ok = readCall({ __jweixin: 1, id: 3, api: "getNetworkType", args: {}, url: "https://h5.example.com/" });
  assert.deepEqual(ok, { call: { id: 3, api: "getNetworkType", args: {}, url: "https://h5.example.com/" } });
  const big = {
    __jweixin: 1,
    id: 4,
    api: "checkJsApi",
    args: { a: "x".repeat(MAX_MESSAGE_BYTES) },
    url: "https://h5.example.com/",
  };
  assert.deepEqual(readCall(big), { id: 4, error: "checkJsApi:fail message too large" });
  assert.deepEqual(readCall({ __jweixin: 1, id: 5, api: "<script>", url: "x" }), {
    id: 5,
    error: "bridge:fail malformed message",
  });
});

test("a page may use the bridge only from a JS-safe domain, reporting its own URL", () => {
  assert.ok(isJsSafe("https://h5.example.com", "https://h5.example.com/a?b=1", APP.domains));
  assert.ok(isJsSafe("http://127.0.0.1:8080", "http://127.0.0.1:8080/", APP.domains));
  assert.ok(!isJsSafe("http://127.0.0.1:8081", "http://127.0.0.1:8081/", APP.domains));
  assert.ok(!isJsSafe("https://evil.example", "https://h5.example.com/", APP.domains));
  assert.ok(!isJsSafe("https://h5.example.com", "https://evil.example/", APP.domains));
  assert.ok(!isJsSafe("null", "https://h5.example.com/", APP.domains));
});

test("calls are refused with the SDK's messages until and unless configured", () => {
  const granted = new Set(["chooseImage"]);
  assert.equal(
    refusal("chooseImage", { state: "none", granted }, APIS),
    "chooseImage:fail, the permission value is offline verifying",
  );
  assert.equal(refusal("chooseImage", { state: "failed", granted }, APIS), "chooseImage:fail, config failed");
  assert.equal(refusal("chooseImage", { state: "ok", granted }, APIS), null);
  assert.equal(refusal("getLocation", { state: "ok", granted }, APIS), "getLocation:permission denied");
  assert.equal(refusal("openLocation", { state: "ok", granted }, APIS), "openLocation:fail not supported");
  assert.equal(refusal("login", { state: "none", granted }, APIS), null);
  assert.equal(configError("platform.js_signature_invalid"), "config:invalid signature");
});

test("a card's path opens a page of the app, never another site", () => {
  assert.equal(pageUrl(APP, "/q?id=7"), "https://h5.example.com/q?id=7");
  assert.equal(pageUrl(APP, "http://127.0.0.1:8080/x"), "http://127.0.0.1:8080/x");
  assert.equal(pageUrl(APP, "https://evil.example/"), APP.entry_url);
  assert.equal(pageUrl(APP, "//evil.example/"), APP.entry_url);
  assert.equal(pageUrl(APP, null), APP.entry_url);
});
