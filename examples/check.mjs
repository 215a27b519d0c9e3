#!/usr/bin/env node
// Runs every example guest built by build.sh under node's own WebAssembly engine and
// compares apply(x) with an independent BigInt reference implementation, on ~1000 inputs
// (negatives, 0, 1, Long.MIN_VALUE / MAX_VALUE, powers of two, squares, random values).
// Also checks the error guests: each trap kind, the endless loop, the unresolved import
// and the wrong signature.
//
// Usage: node examples/check.mjs [outDir]      (default: examples/out)
// Exit status 0 when everything matches.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

const outDir = process.argv[2] ?? fileURLToPath(new URL('./out/', import.meta.url));

const i64 = (v) => BigInt.asIntN(64, v);
const u64 = (v) => BigInt.asUintN(64, v);
const MIN = -(1n << 63n);
const MAX = (1n << 63n) - 1n;

// ----------------------------------------------------------------------- references
// Written independently of the guests (e.g. isqrt by Newton, not by binary search).

function collatz(x) {
  if (x <= 0n) return 0n;
  let n = u64(x);
  let steps = 0n;
  while (n !== 1n && steps < 10000n) {
    n = n % 2n === 0n ? n / 2n : u64(3n * n + 1n);
    steps++;
  }
  return steps;
}

function splitmix64(x) {
  let z = u64(x + 0x9e3779b97f4a7c15n);
  z = u64((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
  z = u64((z ^ (z >> 27n)) * 0x94d049bb133111ebn);
  return i64(z ^ (z >> 31n));
}

function isqrt(x) {
  if (x < 0n) return -1n;
  if (x < 2n) return x;
  let r = x;
  let y = (r + 1n) / 2n;
  while (y < r) {
    r = y;
    y = (r + x / r) / 2n;
  }
  if (r * r > x || (r + 1n) * (r + 1n) <= x) throw new Error(`isqrt reference broken at ${x}`);
  return r;
}

function fib(x) {
  const n = Number(u64(x) % 1000n);
  let a = 0n;
  let b = 1n;
  for (let i = 0; i < n; i++) [a, b] = [b, u64(a + b)];
  return i64(a);
}

const mix = (x) => i64((x * 31n + 7n) ^ (u64(x) >> 17n));
const plus1 = (x) => i64(x + 1n);
const identity = (x) => x;
const double = (x) => i64(x * 2n);

// ----------------------------------------------------------------------- inputs

function makeInputs() {
  const set = new Set();
  const add = (v) => set.add(i64(v));
  for (let v = -64n; v <= 300n; v++) add(v);
  for (const v of [MIN, MIN + 1n, MIN + 2n, MAX, MAX - 1n, MAX - 2n, -1000n, -999n, -1001n,
    999n, 1000n, 1001n, 1999n, 2000n, 27n, 97n, 871n, 77031n, 837799n, 63728127n,
    0x5555555555555555n, 0x5555555555555555n * 2n, 0x5555555555555555n * 4n,
    0x2aaaaaaaaaaaaaabn, 0xaaaaaaaaaaaaaaabn, 0x9e3779b97f4a7c15n, -0x9e3779b97f4a7c15n]) {
    add(v);
  }
  for (let k = 0n; k < 64n; k++) {
    add(1n << k);
    add((1n << k) - 1n);
    add((1n << k) + 1n);
    add(-(1n << k));
  }
  for (const r of [2n, 3n, 1000n, 65535n, 65536n, 1n << 31n, 3037000498n, 3037000499n]) {
    add(r * r - 1n);
    add(r * r);
    add(r * r + 1n);
  }
  // xorshift64*: deterministic pseudo-random values of every magnitude and sign
  let s = 0x243f6a8885a308d3n;
  const next = () => {
    s ^= s >> 12n;
    s = u64(s ^ (s << 25n));
    s ^= s >> 27n;
    return u64(s * 0x2545f4914f6cdd1dn);
  };
  for (let i = 0; set.size < 1000; i++) add(next() >> BigInt(i % 64));
  return [...set];
}

// ----------------------------------------------------------------------- harness

let passed = 0;
let failed = 0;

function fail(msg) {
  failed++;
  console.error(`FAIL ${msg}`);
}

function load(file, imports = {}) {
  const module = new WebAssembly.Module(readFileSync(join(outDir, file)));
  return { module, instance: new WebAssembly.Instance(module, imports) };
}

function checkPure(file, ref, inputs) {
  let module, instance;
  try {
    ({ module, instance } = load(file));
  } catch (e) {
    fail(`${file}: cannot instantiate without imports: ${e.message}`);
    return;
  }
  if (WebAssembly.Module.imports(module).length !== 0) {
    fail(`${file}: has imports ${JSON.stringify(WebAssembly.Module.imports(module))}`);
    return;
  }
  const { apply } = instance.exports;
  // An i64 parameter only accepts a BigInt; a Number must be rejected.
  try {
    apply(1);
    fail(`${file}: apply accepted a Number: its parameter is not i64`);
    return;
  } catch (e) {
    if (!(e instanceof TypeError)) throw e;
  }
  let bad = 0;
  for (const x of inputs) {
    const want = ref(x);
    let got;
    try {
      got = apply(x);
    } catch (e) {
      got = `trap: ${e.message}`;
    }
    if (got !== want) {
      if (bad++ < 5) console.error(`  ${file}: apply(${x}) = ${got}, expected ${want}`);
    }
  }
  if (bad) fail(`${file}: ${bad} of ${inputs.length} inputs differ`);
  else {
    passed++;
    console.log(`ok   ${file.padEnd(16)} ${inputs.length} inputs`);
  }
}

function expectTrap(file, apply, x, kind, pattern) {
  try {
    const got = apply(x);
    fail(`${file}: apply(${x}) returned ${got}, expected a trap (${pattern})`);
    return false;
  } catch (e) {
    if (e instanceof kind && pattern.test(e.message)) return true;
    fail(`${file}: apply(${x}) threw ${e.constructor.name}: ${e.message}, expected ${pattern}`);
    return false;
  }
}

function checkTrap(inputs) {
  const file = 'trap.wasm';
  const { apply } = load(file).instance.exports;
  const RE = WebAssembly.RuntimeError;
  let ok = true;
  for (const x of [-1n, -2n, MIN, -1000n]) ok &&= expectTrap(file, apply, x, RE, /unreachable/);
  ok &&= expectTrap(file, apply, 0n, RE, /divi(de|sion) by zero/);
  ok &&= expectTrap(file, apply, 1n, RE, /out of bounds/);
  ok &&= expectTrap(file, apply, 2n, RangeError, /call stack/);
  // The instance is still usable after traps (and after the stack overflow).
  for (const x of inputs.filter((v) => v > 2n)) {
    if (apply(x) !== double(x)) {
      fail(`${file}: apply(${x}) = ${apply(x)}, expected ${double(x)}`);
      ok = false;
      break;
    }
  }
  if (ok) {
    passed++;
    console.log(`ok   ${file.padEnd(16)} traps: unreachable, div by 0, out of bounds, stack overflow`);
  }
}

// apply(0) grows memory until memory.grow fails (4 GiB here, the cap in the library), then traps.
function checkMembomb(inputs) {
  const file = 'membomb.wasm';
  const { apply, memory } = load(file).instance.exports;
  for (const x of inputs.filter((v) => v !== 0n)) {
    if (apply(x) !== x) return fail(`${file}: apply(${x}) = ${apply(x)}, expected ${x}`);
  }
  let outcome = 'returned';
  try {
    apply(0n);
  } catch (e) {
    outcome = `trap: ${e.message}`;
  }
  const pages = memory.buffer.byteLength / 65536;
  if (!/unreachable/.test(outcome) || pages < 1024) {
    return fail(`${file}: apply(0n): ${outcome} with ${pages} pages, expected an unreachable trap after growing`);
  }
  passed++;
  console.log(`ok   ${file.padEnd(16)} apply(0) grew to ${pages} pages, then trapped; identity otherwise`);
}

// apply(0) must never return: run it in a worker and kill the worker after a while.
async function checkLoop(inputs) {
  const file = 'loop.wasm';
  const { apply } = load(file).instance.exports;
  for (const x of inputs.filter((v) => v !== 0n)) {
    if (apply(x) !== x) return fail(`${file}: apply(${x}) = ${apply(x)}, expected ${x}`);
  }
  const code = `
    const { workerData, parentPort } = require('node:worker_threads');
    const { readFileSync } = require('node:fs');
    const m = new WebAssembly.Module(readFileSync(workerData));
    parentPort.postMessage('started');
    const r = new WebAssembly.Instance(m, {}).exports.apply(0n);
    parentPort.postMessage('returned ' + r);`;
  const worker = new Worker(code, { eval: true, workerData: join(outDir, file) });
  const result = await new Promise((resolve) => {
    let started = false;
    worker.on('message', (m) => {
      if (m === 'started') {
        started = true;
        setTimeout(() => worker.terminate().then(() => resolve('still running')), 300);
      } else resolve(m);
    });
    worker.on('error', (e) => resolve(`error: ${e.message}`));
    setTimeout(() => { if (!started) worker.terminate().then(() => resolve('never started')); }, 10000);
  });
  if (result !== 'still running') return fail(`${file}: apply(0n): ${result}, expected it to loop`);
  passed++;
  console.log(`ok   ${file.padEnd(16)} apply(0) still running after 300 ms; identity otherwise`);
}

// Each compiled language's `trap` export: the identity, but a trap (unreachable) at 0.
function checkLanguageTraps(inputs) {
  for (const file of ['collatz_c.wasm', 'hash_rust.wasm', 'isqrt_as.wasm', 'fib_zig.wasm']) {
    const { trap } = load(file).instance.exports;
    if (typeof trap !== 'function') {
      fail(`${file}: no trap export`);
      continue;
    }
    if (!expectTrap(file, trap, 0n, WebAssembly.RuntimeError, /unreachable/)) continue;
    const wrong = inputs.filter((x) => x !== 0n && trap(x) !== x);
    if (wrong.length) {
      fail(`${file}: trap(${wrong[0]}) = ${trap(wrong[0])}, expected ${wrong[0]}`);
      continue;
    }
    passed++;
    console.log(`ok   ${file.padEnd(16)} trap(0) traps (unreachable); trap(x) = x otherwise`);
  }
}

function checkImports() {
  const file = 'imports.wasm';
  const module = new WebAssembly.Module(readFileSync(join(outDir, file)));
  const imports = WebAssembly.Module.imports(module);
  const want = [{ module: 'env', name: 'host_log', kind: 'function' }];
  if (JSON.stringify(imports) !== JSON.stringify(want)) {
    return fail(`${file}: imports ${JSON.stringify(imports)}, expected ${JSON.stringify(want)}`);
  }
  try {
    new WebAssembly.Instance(module, {});
    return fail(`${file}: instantiated without its import`);
  } catch (e) {
    if (!(e instanceof TypeError || e instanceof WebAssembly.LinkError)) throw e;
  }
  const logged = [];
  const { apply } = new WebAssembly.Instance(module, {
    env: { host_log: (v) => logged.push(v) },
  }).exports;
  if (apply(42n) !== 42n || logged.length !== 1 || logged[0] !== 42n) {
    return fail(`${file}: apply(42n) with a host_log: logged ${logged}`);
  }
  passed++;
  console.log(`ok   ${file.padEnd(16)} imports env.host_log, unlinkable without it`);
}

function checkWrongSig() {
  const file = 'wrongsig.wasm';
  const { apply } = load(file).instance.exports;
  // (i32) -> i32: takes and returns Numbers, rejects a BigInt.
  if (apply(41) !== 42 || apply(-1) !== 0 || apply(0x7fffffff) !== -0x80000000) {
    return fail(`${file}: apply is not i32 + 1`);
  }
  try {
    apply(1n);
    return fail(`${file}: apply accepted a BigInt`);
  } catch (e) {
    if (!(e instanceof TypeError)) throw e;
  }
  passed++;
  console.log(`ok   ${file.padEnd(16)} apply is (i32) -> i32`);
}

const inputs = makeInputs();
const guests = [
  ['collatz_c.wasm', collatz],
  ['hash_rust.wasm', splitmix64],
  ['isqrt_as.wasm', isqrt],
  ['fib_zig.wasm', fib],
  ['mix_wat.wasm', mix],
  ['plus1.wasm', plus1],
  ['noop.wasm', identity],
];
for (const [file, ref] of guests) checkPure(file, ref, inputs);
checkTrap(inputs);
checkLanguageTraps(inputs);
await checkLoop(inputs);
checkMembomb(inputs);
checkImports();
checkWrongSig();

console.log(`check.mjs: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
