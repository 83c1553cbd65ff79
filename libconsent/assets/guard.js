/* libconsent runtime guard: until the visitor allows a provider, the
 * page's scripts cannot reach it (setters, setAttribute, HTML insertion,
 * fetch, XHR, beacons, sockets).  The provider rules are the JSON of its
 * own <script data-consent-guard="..."> (inline or by URL):
 * {h: {id: "host host/path ..."}, a: [allowed ids],
 *  t: [title, intro, button], n: {id: name}}.  Cannot stop: import(),
 * CSS set through the CSSOM, code in cross-origin frames, a provider
 * script that already runs after consent. */
(function (c) {
  "use strict";
  var d = document, W = window, P = "data-consent-", on = {}, H = {},
    E = Element.prototype, sa = E.setAttribute, ga = E.getAttribute,
    ih = Object.getOwnPropertyDescriptor(E, "innerHTML"),
    R = /^(src|href|data|srcset|poster|background|lowsrc|xlink:href|imagesrcset|codebase|ping)$/,
    i;
  for (i = 0; i < c.a.length; i++) on[c.a[i]] = 1;
  Object.keys(c.h).forEach(function (p) {
    c.h[p].split(" ").forEach(function (k) { H[k] = p; });
  });
  /* The provider of a URL (or of every URL in a srcset / ping list). */
  function prov(u) {
    var m = String(u).split(/[\s,]+/), j, a, h, s, k, p;
    for (j = 0; j < m.length; j++) {
      try { a = new URL(m[j], d.baseURI); } catch (e) { continue; }
      if (!/^(https?|wss?):$/.test(a.protocol)) continue;
      h = a.hostname.toLowerCase().replace(/\.$/, "");
      s = a.pathname.split("/");
      for (;;) {
        for (k = s.length; k > 1; k--)
          if ((p = H[h + s.slice(0, k).join("/")])) return p;
        if ((p = H[h])) return p;
        if ((k = h.indexOf(".")) < 0) break;
        h = h.slice(k + 1);
      }
    }
    return "";
  }
  function blocked(u) { var p = prov(u); return p && !on[p] ? p : ""; }
  /* The URLs in script text. */
  function urls(s) { return (String(s).match(/\/\/[\w.-]+[^\s"'`)]*/g) || []).join(" "); }
  /* Whether an attribute fetches (a link's href is navigation). */
  function fetches(el, n) {
    return R.test(n) && !(n == "href" && /^(a|area)$/i.test(el.tagName));
  }
  /* Keeps a blocked attribute as data-consent-off-NAME for consent.js. */
  function hold(el, n, v, p) {
    var l = ga.call(el, P + "attrs") || "";
    sa.call(el, P + "off-" + n, v);
    if ((" " + l + " ").indexOf(" " + p + " ") < 0) sa.call(el, P + "attrs", (l + " " + p).trim());
  }
  function check(el, n, v) {
    var p = fetches(el, n) && blocked(v);
    if (p) hold(el, n, v, p);
    return !p;
  }
  E.setAttribute = function (n, v) {
    if (check(this, String(n).toLowerCase(), v)) sa.call(this, n, v);
  };
  [["HTMLScriptElement", "src"], ["HTMLIFrameElement", "src"], ["HTMLFrameElement", "src"],
   ["HTMLImageElement", "src"], ["HTMLImageElement", "srcset"], ["HTMLSourceElement", "src"],
   ["HTMLSourceElement", "srcset"], ["HTMLMediaElement", "src"], ["HTMLVideoElement", "poster"],
   ["HTMLEmbedElement", "src"], ["HTMLObjectElement", "data"], ["HTMLLinkElement", "href"],
   ["HTMLInputElement", "src"], ["HTMLTrackElement", "src"], ["HTMLAnchorElement", "ping"]
  ].forEach(function (x) {
    var C = W[x[0]], q = C && C.prototype, o = q && Object.getOwnPropertyDescriptor(q, x[1]);
    if (o && o.set) Object.defineProperty(q, x[1], { configurable: true, get: o.get,
      set: function (v) { if (check(this, x[1], v)) o.set.call(this, v); } });
  });
  /* Markup: parsed inert first, provider parts held or made boxes. */
  function clean(html) {
    var t, s = String(html);
    if (s.indexOf("//") < 0 && s.indexOf("\\/") < 0) return s;
    t = d.createElement("template");
    ih.set.call(t, s);
    [].slice.call(t.content.querySelectorAll("*")).forEach(function (el) {
      var k, a, p = "", b;
      if (/^(script|style)$/i.test(el.tagName)) p = blocked(urls(el.textContent));
      for (k = el.attributes.length - 1; k >= 0 && !p; k--) {
        a = el.attributes[k];
        p = /^on|^style$/.test(a.name) ? blocked(urls(a.value)) : fetches(el, a.name) && blocked(a.value);
      }
      if (!p) return;
      b = d.createElement(/^(IFRAME|EMBED|OBJECT|VIDEO)$/.test(el.tagName) ? "div" : "template");
      sa.call(b, P + "provider", p);
      sa.call(b, P + "original", el.outerHTML);
      if (b.tagName == "DIV") {
        b.className = "consent-embed consent-embed--frame";
        ih.set.call(b, '<div class="consent-embed__box"><p class="consent-embed__title"></p><p></p><button type="button" class="consent-embed__button" ' + P + 'allow></button></div>');
        b.querySelector("p").textContent = c.t[0];
        b.querySelectorAll("p")[1].textContent = c.t[1].replace("{provider}", c.n[p] || p);
        b.querySelector("button").textContent = c.t[2];
      }
      el.parentNode.replaceChild(b, el);
    });
    return ih.get.call(t);
  }
  function html(C, n) {
    var o = Object.getOwnPropertyDescriptor(C.prototype, n);
    if (o && o.set) Object.defineProperty(C.prototype, n, { configurable: true, get: o.get,
      set: function (v) { o.set.call(this, clean(v)); } });
  }
  html(Element, "innerHTML");
  html(Element, "outerHTML");
  html(HTMLIFrameElement, "srcdoc");
  var iah = E.insertAdjacentHTML, dw = d.write, dwl = d.writeln;
  E.insertAdjacentHTML = function (w, v) { iah.call(this, w, clean(v)); };
  d.write = function () { dw.call(d, clean([].join.call(arguments, ""))); };
  d.writeln = function () { dwl.call(d, clean([].join.call(arguments, ""))); };
  var F = W.fetch, X = XMLHttpRequest.prototype, xo = X.open, N = navigator, sb = N.sendBeacon;
  if (F) W.fetch = function (r) {
    var p = blocked(r && r.url || r);
    return p ? Promise.reject(new TypeError("consent: " + p + " is not allowed")) : F.apply(this, arguments);
  };
  X.open = function (m, u) {
    var a = [].slice.call(arguments);
    if (blocked(u)) a[1] = "data:,";
    return xo.apply(this, a);
  };
  if (sb) N.sendBeacon = function (u) { return blocked(u) ? false : sb.apply(N, arguments); };
  ["WebSocket", "EventSource"].forEach(function (n) {
    var C = W[n];
    if (C) W[n] = function (u, o) {
      if (blocked(u)) throw new DOMException("consent: not allowed", "SecurityError");
      return new C(u, o);
    }, W[n].prototype = C.prototype;
  });
  d.addEventListener("consent:allow", function (ev) { on[ev.detail] = 1; });
})(JSON.parse(document.currentScript.getAttribute("data-consent-guard")));
