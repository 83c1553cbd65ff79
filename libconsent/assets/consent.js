/* libconsent: puts back the embeds the visitor allows (no dependencies). */
(function () {
  "use strict";
  var d = document, P = "data-consent-", C = "consent_allowed", D = "consent_decided",
    me = d.currentScript, S = me && me.getAttribute(P + "state");
  function all(sel, root) {
    return [].slice.call((root || d).querySelectorAll(sel));
  }
  function allowed() {
    var m = d.cookie.match(/(?:^|;\s*)consent_allowed=([^;]*)/), v = "";
    if (m) v = decodeURIComponent(m[1]);
    try { v += "." + (localStorage.getItem(C) || ""); } catch (e) {}
    return v.split(/[.,\s]+/).filter(function (p) { return /^[a-z0-9._-]+$/.test(p); });
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
      var n = d.createElement("script"), i;
      for (i = 0; i < s.attributes.length; i++) n.setAttribute(s.attributes[i].name, s.attributes[i].value);
      n.text = s.text;
      s.parentNode.replaceChild(n, s);
    });
    el.parentNode.replaceChild(t.content, el);
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
    var b = ev.target.closest && ev.target.closest("[" + P + "allow]"), box, p, al, f;
    if (!b || !(box = b.closest("[" + P + "provider]"))) return;
    ev.preventDefault();
    p = box.getAttribute(P + "provider");
    al = box.querySelector("[" + P + "always]");
    f = box.querySelector("form");
    if (al && al.checked) {
      remember(p);
      if (f && window.fetch) {
        fetch(f.action, { method: "POST", credentials: "same-origin",
          body: new URLSearchParams(new FormData(f)) }).catch(function () {});
      }
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
    (list || []).forEach(function (p) { if (/^[a-z0-9_-]+$/.test(p)) activate(p, null); });
  }
  function decided() {
    try { return (localStorage.getItem(D) || "").split("."); } catch (e) { return []; }
  }
  function listed(n) {
    return n.getAttribute(P + "notice").split(" ").filter(function (p) {
      return /^[a-z0-9._-]+$/.test(p);
    });
  }
  function covered(n, list) {
    return listed(n).every(function (p) { return list.indexOf(p) >= 0; });
  }
  function drop(n) {
    if (n.parentNode) n.parentNode.removeChild(n);
  }
  /* The notice: its buttons post its form (the server remembers) and act
     in place; without an endpoint this origin's storage remembers. */
  d.addEventListener("click", function (ev) {
    var b = ev.target.closest &&
        ev.target.closest("[" + P + "notice-allow],[" + P + "notice-deny]"),
      n, f, yes, list, body;
    if (!b || !(n = b.closest("[" + P + "notice]"))) return;
    f = n.querySelector("form");
    if (f && !window.fetch) return;
    ev.preventDefault();
    yes = b.hasAttribute(P + "notice-allow");
    list = listed(n);
    if (f) {
      body = new URLSearchParams(new FormData(f));
      body.set("decision", yes ? "allow" : "necessary");
      fetch(f.action, { method: "POST", credentials: "same-origin", body: body })
        .catch(function () {});
    }
    if (yes) {
      list.forEach(function (p) { remember(p); activate(p, null); });
    } else {
      try { localStorage.setItem(D, decided().concat(list).join(".")); } catch (e) {}
    }
    drop(n);
  });
  function auto() {
    var n = d.querySelector("[" + P + "notice]"), m = d.querySelector("consent-notice");
    /* The site's own place for the notice (<consent-notice></consent-notice>). */
    if (n && m && !m.contains(n)) m.appendChild(n);
    if (S == null) {
      try { some((localStorage.getItem(C) || "").split(".")); } catch (e) {}
      if (n && covered(n, allowed().concat(decided()))) drop(n);
    } else if (S && (allowed().length || n) && window.fetch) {
      fetch(S + "?state")
        .then(function (r) { return r.json(); })
        .then(function (j) {
          some(j.allowed);
          if (n && covered(n, (j.allowed || []).concat(j.decided || []))) drop(n);
        }, function () {});
    }
  }
  if (d.readyState == "loading") d.addEventListener("DOMContentLoaded", auto); else auto();
})();
