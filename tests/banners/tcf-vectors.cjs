/*
 * tcf-vectors.cjs: TC strings made by IAB's own library (@iabtcf/core,
 * used only here) decoded by `consent-gate tcf`, field by field against
 * the IAB library's decoding: fixed cases for the bit-field and range
 * encodings and publisher restrictions, then COUNT random ones.  The
 * vendor list is a synthetic one built here (nothing is fetched).
 *
 *   node tcf-vectors.cjs CONSENT_GATE COUNT
 *   node tcf-vectors.cjs - make PURPOSES VENDORS [RESTRICTIONS]
 *
 * Prints TAP.
 */
"use strict";
const { execFileSync } = require("child_process");
const iab = require(process.env.IABTCF_CORE || "@iabtcf/core");
const { TCModel, TCString, GVL, PurposeRestriction } = iab;

const [gate, countArg] = process.argv.slice(2);
const COUNT = parseInt(countArg || "300", 10);
let n = 0, failed = 0;
function ok(cond, what, diag) {
  n++;
  console.log(`${cond ? "ok" : "not ok"} ${n} - tcf: ${what}`);
  if (!cond) {
    failed++;
    if (diag) console.log("# " + String(diag).replace(/\n/g, "\n# ").slice(0, 2000));
  }
}

/* A deterministic PRNG, so a failure can be replayed. */
let seed = 20261129;
function rnd() {
  seed = (seed * 1103515245 + 12345) >>> 0;
  return seed / 4294967296;
}
const int = (a, b) => a + Math.floor(rnd() * (b - a + 1));

const MAX_VENDOR = 1200;
function makeGVL() {
  const named = (k) => ({ id: k, name: "x" + k, description: "", illustrations: [] });
  const range = (a, b) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
  const obj = (ids) => Object.fromEntries(ids.map((k) => [k, named(k)]));
  const vendors = {};
  for (let id = 1; id <= MAX_VENDOR; id++) {
    vendors[id] = {
      id, name: "Vendor " + id, purposes: range(1, 10), legIntPurposes: [2, 7, 8, 9, 10],
      flexiblePurposes: [2, 7], specialPurposes: [1], features: [1], specialFeatures: [1],
      cookieMaxAgeSeconds: 86400, usesCookies: true, cookieRefresh: false,
      usesNonCookieAccess: false, deviceStorageDisclosureUrl: "https://v.test/d.json",
      urls: [{ langId: "en", privacy: "https://v.test/p", legIntClaim: "https://v.test/l" }],
    };
  }
  return new GVL({
    gvlSpecificationVersion: 3, vendorListVersion: 150, tcfPolicyVersion: 5,
    lastUpdated: "2026-11-01T00:00:00Z", purposes: obj(range(1, 11)),
    specialPurposes: obj([1, 2]), features: obj([1, 2, 3]), specialFeatures: obj([1, 2]),
    stacks: {}, dataCategories: {}, vendors,
  });
}
const gvl = makeGVL();

function model(o) {
  const m = new TCModel(gvl);
  m.cmpId = o.cmpId ?? 10;
  m.cmpVersion = o.cmpVersion ?? 2;
  m.consentScreen = o.consentScreen ?? 1;
  m.publisherCountryCode = o.cc ?? "DE";
  m.isServiceSpecific = o.serviceSpecific ?? true;
  m.purposeOneTreatment = !!o.p1t;
  m.purposeConsents.set(o.purposes || []);
  m.purposeLegitimateInterests.set(o.purposesLi || []);
  m.specialFeatureOptins.set(o.special || []);
  m.vendorConsents.set(o.vendors || []);
  m.vendorLegitimateInterests.set(o.vendorsLi || []);
  for (const [v, p, t] of o.restrictions || [])
    m.publisherRestrictions.add(v, new PurposeRestriction(p, t));
  return m;
}

function expected(tc) {
  const d = TCString.decode(tc);
  const ids = (vec) => { const a = []; vec.forEach((v, id) => { if (v) a.push(id); }); return a.sort((x, y) => x - y); };
  const restr = [];
  for (const pr of d.publisherRestrictions.getRestrictions())
    for (const v of d.publisherRestrictions.getVendors(pr))
      restr.push(`${pr.purposeId}:${pr.restrictionType}:${v}`);
  return {
    version: d.version, created: Math.round(d.created.getTime() / 100),
    last_updated: Math.round(d.lastUpdated.getTime() / 100), cmp_id: d.cmpId,
    cmp_version: d.cmpVersion, consent_screen: d.consentScreen,
    consent_language: d.consentLanguage, vendor_list_version: d.vendorListVersion,
    policy_version: d.policyVersion, is_service_specific: d.isServiceSpecific,
    use_non_standard_texts: !!(d.useNonStandardTexts ?? d.useNonStandardStacks),
    purpose_one_treatment: d.purposeOneTreatment, publisher_cc: d.publisherCountryCode,
    special_feature_optins: ids(d.specialFeatureOptins), purpose_consents: ids(d.purposeConsents),
    purpose_legitimate_interests: ids(d.purposeLegitimateInterests),
    vendor_consents: ids(d.vendorConsents), vendor_legitimate_interests: ids(d.vendorLegitimateInterests),
    restrictions: restr.sort(),
  };
}

function ours(tc) {
  const j = JSON.parse(execFileSync(gate, ["tcf", tc], { encoding: "utf8" }));
  const restr = [];
  for (const r of j.publisher_restrictions)
    for (let v = r.start; v <= r.end; v++) restr.push(`${r.purpose}:${r.type}:${v}`);
  j.restrictions = restr.sort();
  delete j.publisher_restrictions;
  delete j.max_vendor_id;
  delete j.max_vendor_id_li;
  return j;
}

function compare(tc) {
  const want = expected(tc), got = ours(tc);
  const bad = Object.keys(want).filter((k) => JSON.stringify(want[k]) !== JSON.stringify(got[k]));
  return { bad, want, got };
}

function vendorEncoding(tc) {
  /* The bit after MaxVendorId (16 bits at offset 213) says range (1) or
   * bit field (0). */
  const core = tc.split(".")[0];
  const alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const bits = [...core].map((c) => alpha.indexOf(c).toString(2).padStart(6, "0")).join("");
  return bits[229] === "1" ? "range" : "bitfield";
}

function check(name, o) {
  let tc;
  try {
    tc = TCString.encode(model(o));
  } catch (e) {
    ok(false, `${name}: IAB library encodes`, e.stack);
    return null;
  }
  let r;
  try {
    r = compare(tc);
  } catch (e) {
    ok(false, `${name}: consent-gate decodes ${tc}`, e.message);
    return null;
  }
  ok(r.bad.length === 0, `${name} (${vendorEncoding(tc)}, ${tc.length} chars)`,
     r.bad.map((k) => `${k}: want ${JSON.stringify(r.want[k])} got ${JSON.stringify(r.got[k])}`).join("\n") + "\n" + tc);
  return tc;
}

/* node tcf-vectors.cjs - make PURPOSES VENDORS [RESTRICTIONS]: prints one
 * TC string (lists comma-separated; restrictions as vendor:purpose:type). */
if (countArg === "make") {
  const list = (s) => (s || "").split(",").filter(Boolean).map(Number);
  const restrictions = (process.argv[6] || "").split(",").filter(Boolean)
    .map((r) => r.split(":").map(Number));
  console.log(TCString.encode(model({ purposes: list(process.argv[4]),
                                      vendors: list(process.argv[5]), restrictions })));
  process.exit(0);
}

/* Fixed cases. */
const range = (a, b) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
const bf = check("dense vendors: bit-field encoding",
                 { purposes: [1, 2, 3, 4], vendors: range(1, 300).filter((v) => v % 3), vendorsLi: [2, 8] });
const rg = check("long runs: range encoding",
                 { purposes: [1, 3], vendors: [...range(1, 400), ...range(700, 1100), 1200], vendorsLi: range(10, 600) });
ok(bf && vendorEncoding(bf) === "bitfield" && rg && vendorEncoding(rg) === "range",
   "the fixed cases cover both vendor encodings");
check("publisher restrictions of all three types",
      { purposes: [1, 2, 7], vendors: [5, 6, 7, 755],
        restrictions: [[5, 2, 0], [6, 2, 0], [7, 7, 1], [755, 2, 2], [8, 7, 0]] });
check("no consent at all", { serviceSpecific: false });
check("everything", { purposes: range(1, 11), purposesLi: [2, 7, 8], special: [1, 2], p1t: true,
                      vendors: range(1, MAX_VENDOR), vendorsLi: range(1, MAX_VENDOR), cc: "FR" });

/* Random ones. */
let both = { range: 0, bitfield: 0 };
for (let i = 0; i < COUNT; i++) {
  const o = { cmpId: int(2, 4095), cmpVersion: int(0, 4095), consentScreen: int(0, 63),
              cc: String.fromCharCode(65 + int(0, 25), 65 + int(0, 25)), p1t: rnd() < 0.1,
              serviceSpecific: rnd() < 0.8, purposes: [], purposesLi: [], special: [],
              vendors: [], vendorsLi: [], restrictions: [] };
  for (let p = 1; p <= 11; p++) if (rnd() < 0.5) o.purposes.push(p);
  for (const p of [2, 7, 8, 9, 10]) if (rnd() < 0.3) o.purposesLi.push(p);
  for (const f of [1, 2]) if (rnd() < 0.3) o.special.push(f);
  const max = int(1, MAX_VENDOR);
  if (rnd() < 0.5) {
    for (let v = 1; v <= max; v++) if (rnd() < 0.4) o.vendors.push(v);        /* scattered */
  } else {
    for (let k = int(1, 6); k > 0; k--) { const a = int(1, max); o.vendors.push(...range(a, Math.min(max, a + int(0, 200)))); }
  }
  for (let v = 1; v <= max; v++) if (rnd() < 0.05) o.vendorsLi.push(v);
  for (let k = int(0, 4); k > 0; k--) o.restrictions.push([int(1, max), [2, 7][int(0, 1)], int(0, 2)]);
  let tc;
  try {
    tc = TCString.encode(model(o));
  } catch (e) {
    ok(false, `random ${i}: IAB library encodes`, e.stack);
    continue;
  }
  both[vendorEncoding(tc)]++;
  let r;
  try {
    r = compare(tc);
  } catch (e) {
    ok(false, `random ${i}: consent-gate decodes`, e.message + "\n" + tc);
    continue;
  }
  if (r.bad.length) ok(false, `random ${i} agrees`, r.bad.map((k) => `${k}: want ${JSON.stringify(r.want[k])} got ${JSON.stringify(r.got[k])}`).join("\n") + "\n" + tc);
  else n++, console.log(`ok ${n} - tcf: random ${i} agrees`);
}
ok(both.range > 0 && both.bitfield > 0,
   `random strings used both encodings (range ${both.range}, bit field ${both.bitfield})`);

/* Segments after the core are skipped safely. */
const withSegments = TCString.encode(model({ purposes: [1], vendors: [755] }), { isForVendors: false });
const more = withSegments.includes(".") ? withSegments : withSegments + ".YAAAAAAAAAAA";
ok(compare(more).bad.length === 0, `a string with more segments (${more.split(".").length}) decodes its core`);

console.log(`1..${n}`);
process.exit(failed ? 1 : 0);
