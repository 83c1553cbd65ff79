/* libconsent: puts back the embeds the visitor allows (no dependencies). */
(function () {
  "use strict";
  var d = document, P = "data-consent-", N = P + "notice", C = "consent_allowed", D = "consent_decided",
    me = d.currentScript, S = me && me.getAttribute(P + "state");
  function all(sel, root) {
    return [].slice.call((root || d).querySelectorAll(sel));
  }
  /* Provider ids in a list ("a.b", "a b"): nothing else. */
  function ids(v) {
    return (v || "").split(/[.,\s]+/).filter(function (p) { return /^[a-z0-9._-]+$/.test(p); });
  }
  function stored(k) {
    try { return localStorage.getItem(k) || ""; } catch (e) { return ""; }
  }
  function allowed() {
    var m = d.cookie.match(/(?:^|;\s*)consent_allowed=([^;]*)/);
    return ids((m ? decodeURIComponent(m[1]) : "") + "." + stored(C));
  }
  /* Posts a form to the endpoint in the background. */
  function post(f, body) {
    if (f && window.fetch)
      fetch(f.action, { method: "POST", credentials: "same-origin",
        body: body || new URLSearchParams(new FormData(f)) }).catch(function () {});
  }
  function remember(p) {
    var list = allowed();
    if (list.indexOf(p) < 0) list.push(p);
    d.cookie = C + "=" + list.join(".") + "; Path=/; Max-Age=31536000; SameSite=Lax" +
      (location.protocol == "https:" ? "; Secure" : "");
    try { localStorage.setItem(C, list.join(".")); } catch (e) {}
  }
  function restore(el) {
    var html = el.getAttribute(P + "original"), t;
    if (html == null || !el.parentNode) return;
    t = d.createElement("template");
    t.innerHTML = html;
    all("script", t.content).forEach(function (s) {
      var n = d.createElement("script");
      [].forEach.call(s.attributes, function (a) { n.setAttribute(a.name, a.value); });
      n.text = s.text;
      s.replaceWith(n);
    });
    el.replaceWith(t.content);
  }
  /* Attributes renamed to data-consent-off-NAME: back once every
   * provider data-consent-attrs names is allowed. */
  var on = {};
  function attrs() {
    all("[" + P + "attrs]").forEach(function (el) {
      var ids = el.getAttribute(P + "attrs").split(" "), i, a;
      for (i = 0; i < ids.length; i++) if (ids[i] && !on[ids[i]]) return;
      for (i = el.attributes.length - 1; i >= 0; i--) {
        a = el.attributes[i];
        if (a.name.indexOf(P + "off-") == 0) {
          el.removeAttribute(a.name);
          el.setAttribute(a.name.slice(P.length + 4), a.value);
        }
      }
      el.removeAttribute(P + "attrs");
    });
  }
  /* One box, or (box null) every embed of the provider; its hidden
   * scripts and styles come along either way. */
  function activate(p, box) {
    on[p] = 1;
    /* The runtime guard, when the page has it, lets the provider in. */
    d.dispatchEvent(new CustomEvent("consent:allow", { detail: p }));
    if (box) restore(box);
    all("[" + P + "provider]").forEach(function (el) {
      if (el.getAttribute(P + "provider") == p && (!box || el.tagName == "TEMPLATE")) restore(el);
    });
    attrs();
  }
  d.addEventListener("click", function (ev) {
    var b = ev.target.closest && ev.target.closest("[" + P + "allow]"), box, p, al;
    if (!b || !(box = b.closest("[" + P + "provider]"))) return notice(ev);
    ev.preventDefault();
    p = box.getAttribute(P + "provider");
    al = box.querySelector("[" + P + "always]");
    if (al && al.checked) {
      remember(p);
      post(box.querySelector("form"));
      activate(p, null);
    } else {
      activate(p, box);
    }
  });
  /* A page gated for each visitor (data-consent-state="") came with what
   * the visitor allows.  A cache-safe page (data-consent-state: the
   * endpoint) is the same for everyone: it asks the endpoint, which reads
   * the signed cookie, and trusts nothing else (a cookie planted from a
   * sibling domain, or storage left from before a withdrawal, only makes
   * it ask).  Without an endpoint only this origin's own storage, which
   * no other site can write, remembers. */
  function some(list) {
    ids((list || []).join(".")).forEach(function (p) { activate(p, null); });
  }
  /* Takes the notice away when the visitor decided on all it lists. */
  function covered(n, list) {
    if (n && ids(n.getAttribute(N)).every(function (p) { return list.indexOf(p) >= 0; })) n.remove();
  }
  /* The notice: its buttons post its form (the server remembers) and act
     in place; without an endpoint this origin's storage remembers. */
  function notice(ev) {
    var b = ev.target.closest &&
        ev.target.closest("[" + N + "-allow],[" + N + "-deny]"),
      n, f, yes, body;
    if (!b || !(n = b.closest("[" + N + "]"))) return;
    f = n.querySelector("form");
    if (f && !window.fetch) return;
    ev.preventDefault();
    yes = b.hasAttribute(N + "-allow");
    if (f) {
      body = new URLSearchParams(new FormData(f));
      body.set("decision", yes ? "allow" : "necessary");
      post(f, body);
    }
    if (yes) ids(n.getAttribute(N)).forEach(function (p) { remember(p); activate(p, null); });
    else try { localStorage.setItem(D, stored(D) + "." + ids(n.getAttribute(N)).join(".")); } catch (e) {}
    n.remove();
  }
  function auto() {
    var n = d.querySelector("[" + N + "]"), m = d.querySelector("consent-notice");
    /* The site's own place for the notice (<consent-notice></consent-notice>). */
    if (n && m && !m.contains(n)) m.appendChild(n);
    if (S == null) {
      some([stored(C)]);
      covered(n, allowed().concat(ids(stored(D))));
    } else if (S && (allowed().length || n) && window.fetch) {
      fetch(S + "?state")
        .then(function (r) { return r.json(); })
        .then(function (j) {
          some(j.allowed);
          covered(n, (j.allowed || []).concat(j.decided || []));
        }, function () {});
    }
  }
  if (d.readyState == "loading") d.addEventListener("DOMContentLoaded", auto); else auto();
})();
