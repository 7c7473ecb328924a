// @ts-check
// ESLint's flat config for the web client (src/microletter/web/) and its node tests
// (tests/web/). Style is prettier's job; these rules catch mistakes.
import js from "@eslint/js";
import globals from "globals";

export default [
  // vendor/: libraries copied as published (pinned in package.json), never edited here.
  {
    ignores: ["node_modules/", ".venv/", "build/", "dist/", "artifacts/", "data/", "src/microletter/web/vendor/"],
  },
  js.configs.recommended,
  {
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      eqeqeq: ["error", "always", { null: "ignore" }],
      "no-unused-vars": ["error", { args: "after-used", caughtErrors: "none" }],
      "prefer-const": "error",
      "no-var": "error",
    },
  },
  {
    files: ["src/microletter/web/**/*.js"],
    languageOptions: { globals: globals.browser },
  },
  {
    files: ["src/microletter/web/sw.js"],
    // __ASSETS__ (the shell's URLs) and __LINK_PREFIXES__ (the links' first letters) are
    // replaced when gateway/webapp.py serves the file.
    languageOptions: {
      sourceType: "script",
      globals: { ...globals.serviceworker, __ASSETS__: "readonly", __LINK_PREFIXES__: "readonly" },
    },
  },
  {
    // The JS-SDK a mini app's page includes (served at /open/js/jweixin-1.6.0.js): a
    // classic script of the page's, not a module of the client.
    files: ["src/microletter/miniapps/*.js"],
    languageOptions: { sourceType: "script", globals: globals.browser },
  },
  {
    files: ["tests/web/**/*.js", "eslint.config.js"],
    languageOptions: { globals: globals.node },
  },
];
