// What gateway/webapp.py writes into sw.js when it serves it: the app shell's URLs (this
// version's files) and the first letters of the links that codes carry. Types only, for tsc
// (tsconfig.sw.json); nothing here is served.
declare const __ASSETS__: string[];
declare const __LINK_PREFIXES__: string[];
