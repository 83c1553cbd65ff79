/*
 * tap.cjs: TAP output for the browser tests.
 *
 *   const tap = require("./tap.cjs")();      // or require(...)("name: ")
 *   tap.ok(cond, "what", diag);  ...  tap.done();   // prints 1..N, exits
 */
"use strict";
module.exports = function tap(prefix = "") {
  const t = { n: 0, failed: 0 };
  t.ok = (cond, what, diag) => {
    t.n++;
    console.log(`${cond ? "ok" : "not ok"} ${t.n} - ${prefix}${what}`);
    if (!cond) {
      t.failed++;
      if (diag) console.log("# " + String(diag).replace(/\n/g, "\n# "));
    }
  };
  t.skip = (what, why) => console.log(`ok ${++t.n} - ${prefix}${what} # SKIP ${why}`);
  t.done = () => {
    console.log(`1..${t.n}`);
    process.exit(t.failed ? 1 : 0);
  };
  return t;
};
