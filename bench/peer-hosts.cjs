/*
 * peer-hosts.cjs: what the benchmark's peers share: the built-in
 * providers' hosts (consent-gate providers --json) and whether a URL
 * goes to one of them (the host or a parent domain).
 */
"use strict";
const fs = require("fs");

module.exports = function providerCheck(providersJson) {
  const hosts = new Set();
  for (const p of JSON.parse(fs.readFileSync(providersJson, "utf8")))
    for (const h of (p.hosts || "").split(" "))
      if (h) hosts.add(h.split("/")[0]);
  return function isProvider(url) {
    if (!url) return false;
    let host;
    try { host = new URL(url, "https://site.test/").hostname; } catch (e) { return false; }
    for (;;) {
      if (hosts.has(host)) return true;
      const dot = host.indexOf(".");
      if (dot < 0) return false;
      host = host.slice(dot + 1);
    }
  };
};
