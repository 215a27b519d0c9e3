#!/usr/bin/env node
// Checks an "enrich" example guest (C, Zig, Rust, AssemblyScript) against an independent JS
// reference of its behaviour, under a mock of the pulsar-wasm host that follows docs/abi.md
// (ABI v1): the input-buffer protocol, the record envelope, every `pulsar_v1` function with its
// statuses, the out-buffer convention with `result_get`, out-of-bounds pointers trapping, the
// per-record effect list, and a `pulsar_user.score` host function (score(n) = n * 7 + 3).
//
// Usage: node examples/check_enrich.mjs <file.wasm> <lang>      (lang: c, zig, rust, assemblyscript)
// Exit status 0 only when every record gives the expected output and effects.
//
// The mock host is exported for reuse (import { MockHost, encodeInputRecord, ... } from
// './check_enrich.mjs'); nothing runs on import.
//
// What enrich does (the reference below is the specification, written independently of the
// guests; LANG is the lang argument):
//   - property `drop` = "true"                      -> filtered (0), no effects, no host calls
//   - value trimmed of ' ', \t, \r, \n at both ends; shorter than 2 bytes, or not `{...}`
//                                                   -> error "not a JSON object", no effects
//   - source = property `source` or "unknown"; env = config `env` or "none";
//     score = pulsar_user.score(trimmed length)
//   - value = trimmed minus its last `}`, then `,` if the bytes between the braces hold a
//     non-whitespace byte, then "source":"<source>","env":"<env>","score":<score>,"lang":"<LANG>"}
//   - effects, in this order: log info "enriched <key>" (or "(no key)"); counter_incr
//     ("enriched", 1); if config `side_topic` exists, publish an output record (value = score in
//     decimal, key = input key if any) to it, and when publish returns a negative status, log
//     warn "publish to <topic> refused: <status>" (the host's own refusal warning, a log effect
//     marked origin 'host', is left out of the comparison)
//   - result: an output record, value above, key = input key if any, properties = the input's
//     in order followed by ("lang", LANG)

import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

// ============================================================================ mock host

export const NOT_FOUND = -1;
export const BAD_ARGUMENT = -2;
export const NOT_PERMITTED = -3;
export const UNAVAILABLE = -4;
export const HOST_ERROR = -5;
export const TOO_LARGE = -6;

const MAX_EFFECTS = 10000;
const MAX_EFFECT_BYTES = 16 * 1024 * 1024;
const MAX_LOG_LINE = 8 * 1024;
const MIN_INPUT_BUFFER = 1024;

const utf8Lossy = new TextDecoder('utf-8');
const utf8Strict = new TextDecoder('utf-8', { fatal: true });
const utf8Encode = new TextEncoder();

/** A trap, as the host reports it (the instance is discarded). */
export class Trap extends Error {}

/**
 * A topic name as Pulsar resolves it (docs/abi.md; as native/host.rs normalize_topic): `name` is
 * persistent://public/default/name, `tenant/ns/name` persistent://tenant/ns/name; null for a
 * name Pulsar refuses (publish answers BAD_ARGUMENT).
 */
export function resolveTopic(name) {
  if (name === '' || /\s/u.test(name)) return null;
  const sep = name.indexOf('://');
  if (sep >= 0) {
    const domain = name.slice(0, sep);
    const parts = name.slice(sep + 3).split('/');
    const ok = (domain === 'persistent' || domain === 'non-persistent') && parts.length >= 3 && !parts.includes('');
    return ok ? name : null;
  }
  const parts = name.split('/');
  if (parts.length === 1) return `persistent://public/default/${name}`;
  if (parts.length >= 3 && !parts.includes('')) return `persistent://${name}`;
  return null;
}

function bytesOf(v) {
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'string') return utf8Encode.encode(v);
  return utf8Encode.encode(JSON.stringify(v)); // config: non-strings as JSON
}

/**
 * A mock of the pulsar-wasm host for one module. Options:
 *   config:   { key: value }: strings as they are, other values as JSON (snapshot at load)
 *   state:    'granted' (default) | 'denied' (NOT_PERMITTED) | 'none' (no state store: reads
 *             answer UNAVAILABLE, writes are effects as usual, as in native/abi.rs)
 *   publish:  (resolvedTopic, rawTopic) => status; 0 (default) accepts, NOT_PERMITTED refuses as
 *             the host does (its first refusal adds a host warning), other negative statuses
 *             are returned as they are (a mock-only way to test unknown statuses)
 *   user:     { name: { shape: 'long' | 'long2' | 'bytes', fn } }: the pulsar_user functions;
 *             bytes: fn(Uint8Array) -> Uint8Array | null (null gives NOT_FOUND)
 *   initialState: { key: Uint8Array | string }, initialCounters: { key: bigint }
 *
 * process(input) runs one record and returns
 *   { kind: 'filtered' | 'value' | 'record' | 'error' | 'trap' | 'limit',
 *     value?, record?, message?, effects, applied, userCalls }
 * where effects is the record's effect list in order (the guest's, plus the host's own
 * refusal warnings marked origin: 'host'), applied the part the host would apply (all on
 * success; logs and metrics only otherwise).
 *
 * Where docs/abi.md leaves details open, the mock follows native/abi.rs (order of the checks,
 * refusal warnings), except that it is stricter in two ways: an out-buffer (buf, cap) must lie
 * inside memory as a whole, and the value kept for result_get is dropped at the guest's next
 * host call of any kind (the ABI's guarantee; the host keeps it longer).
 */
export class MockHost {
  constructor(module, opts = {}) {
    this.module = module;
    this.config = new Map(Object.entries(opts.config ?? {}).map(([k, v]) => [k, bytesOf(v)]));
    this.stateMode = opts.state ?? 'granted';
    this.publishPolicy = opts.publish ?? (() => 0);
    this.user = opts.user ?? {};
    this.state = new Map(Object.entries(opts.initialState ?? {}).map(([k, v]) => [k, bytesOf(v)]));
    this.counters = new Map(Object.entries(opts.initialCounters ?? {}).map(([k, v]) => [k, BigInt(v)]));
    this.warned = new Set();
    this.instances = 0;
    this.calls = {}; // pulsar_v1 calls by name, over the host's life
    this.linkCheck();
    this.instance = null;
  }

  /** The host's load-time import check: pulsar_v1 functions it knows, registered pulsar_user. */
  linkCheck() {
    const known = new Set(Object.keys(this.v1Imports()));
    for (const imp of WebAssembly.Module.imports(this.module)) {
      if (imp.module === 'pulsar_v1' && imp.kind === 'function' && known.has(imp.name)) continue;
      if (imp.module === 'pulsar_user' && imp.kind === 'function' && imp.name in this.user) continue;
      throw new Error(`link error: import ${imp.module}.${imp.name} (${imp.kind}) is not provided; ` +
        `pulsar_v1: ${[...known].join(', ')}; pulsar_user: ${Object.keys(this.user).join(', ') || '(none)'}`);
    }
    const exports = new Map(WebAssembly.Module.exports(this.module).map((e) => [e.name, e.kind]));
    for (const [name, kind] of [['memory', 'memory'], ['pulsar_abi_version_1', 'function'],
      ['pulsar_alloc', 'function'], ['pulsar_process', 'function']]) {
      if (exports.get(name) !== kind) throw new Error(`module does not export ${kind} ${name}`);
    }
    this.wantsRecord = exports.get('pulsar_wants_record') === 'function';
  }

  // ------------------------------------------------------------------ instance and memory

  ensureInstance() {
    if (this.instance) return;
    this.instance = new WebAssembly.Instance(this.module, {
      pulsar_v1: this.v1Imports(),
      pulsar_user: this.userImports(),
    });
    this.instances++;
    this.ex = this.instance.exports;
    this.inBuf = 0;
    this.inSize = 0;
    this.stash = null;
    this.inProcess = false;
    if (typeof this.ex._initialize === 'function') this.ex._initialize();
  }

  discard() {
    this.instance = null;
  }

  mem() {
    return new Uint8Array(this.ex.memory.buffer); // re-read: memory.grow detaches old views
  }

  /** The bytes at (ptr, len); out of bounds traps, as in the host. */
  read(ptr, len) {
    ptr >>>= 0;
    len >>>= 0;
    const m = this.mem();
    if (ptr + len > m.length) throw new Trap(`out of bounds: (${ptr}, ${len}) in ${m.length} bytes`);
    return m.slice(ptr, ptr + len);
  }

  checkRange(ptr, len) {
    ptr >>>= 0;
    len >>>= 0;
    if (ptr + len > this.ex.memory.buffer.byteLength) {
      throw new Trap(`out of bounds: (${ptr}, ${len}) in ${this.ex.memory.buffer.byteLength} bytes`);
    }
  }

  name(ptr, len) {
    try {
      return utf8Strict.decode(this.read(ptr, len));
    } catch (e) {
      if (e instanceof Trap) throw e;
      return null; // not UTF-8
    }
  }

  /** The out-buffer convention: copy when it fits, else keep for result_get. */
  answer(value, buf, cap) {
    buf >>>= 0;
    cap >>>= 0;
    this.checkRange(buf, cap); // the whole (buf, cap) must be inside memory
    if (value.length <= cap) {
      this.mem().set(value, buf);
    } else {
      this.stash = value;
    }
    return value.length;
  }

  // ------------------------------------------------------------------ effects

  effect(e, bytes) {
    if (this.effectList.length >= MAX_EFFECTS || this.effectBytes + bytes > MAX_EFFECT_BYTES) {
      this.limitExceeded = true;
      return TOO_LARGE;
    }
    this.effectBytes += bytes;
    this.effectList.push(e);
    return 0;
  }

  /**
   * The checks of a state call, in the host's order: NOT_PERMITTED without the capability,
   * UNAVAILABLE outside pulsar_process, BAD_ARGUMENT for a key that is not UTF-8.
   */
  stateGate(key, what) {
    if (this.stateMode === 'denied') return this.refuse('state', `the guest called ${what}, but this function was not granted state`);
    if (!this.inProcess) return UNAVAILABLE;
    if (key === null) return BAD_ARGUMENT;
    return 0;
  }

  /**
   * NOT_PERMITTED; the first refusal of each kind (state, publish) per function also adds the
   * host's own warning to the effect list, marked origin 'host' (not the guest's doing).
   */
  refuse(kind, line) {
    if (!this.warned.has(kind)) {
      this.warned.add(kind);
      this.effect({ kind: 'log', level: 3, message: `${line}; the call returned NOT_PERMITTED`, origin: 'host' }, line.length);
    }
    return NOT_PERMITTED;
  }

  /** A read that needs the state store: UNAVAILABLE without one (state mode 'none'). */
  storeGate() {
    return this.stateMode === 'none' ? UNAVAILABLE : 0;
  }

  // ------------------------------------------------------------------ pulsar_v1

  v1Imports() {
    // Every function starts with begin(): the stored result of an earlier call is kept only
    // until the guest's next host call.
    const begin = () => {
      this.stash = null;
    };
    const fns = {
      log: (level, ptr, len) => {
        begin();
        const bytes = this.read(ptr, len);
        if (level < 0 || level > 4) return BAD_ARGUMENT;
        const message = utf8Lossy.decode(bytes.subarray(0, MAX_LOG_LINE));
        return this.effect({ kind: 'log', level, message }, bytes.length);
      },
      config_get: (kptr, klen, buf, cap) => {
        begin();
        const key = this.name(kptr, klen);
        this.checkRange(buf, cap);
        if (key === null) return BAD_ARGUMENT;
        const value = this.config.get(key);
        if (value === undefined) return NOT_FOUND;
        return this.answer(value, buf, cap);
      },
      state_get: (kptr, klen, buf, cap) => {
        begin();
        const key = this.name(kptr, klen);
        this.checkRange(buf, cap);
        const gate = this.stateGate(key, 'state_get');
        if (gate < 0) return gate;
        let value;
        if (this.recState.has(key)) {
          value = this.recState.get(key); // this record's own put / delete
        } else {
          const store = this.storeGate();
          if (store < 0) return store;
          value = this.state.get(key);
        }
        if (value === undefined || value === null) return NOT_FOUND;
        return this.answer(value, buf, cap);
      },
      state_put: (kptr, klen, vptr, vlen) => {
        begin();
        const value = this.read(vptr, vlen);
        const key = this.name(kptr, klen);
        const gate = this.stateGate(key, 'state_put');
        if (gate < 0) return gate;
        const st = this.effect({ kind: 'state_put', key, value }, key.length + value.length);
        if (st === 0) this.recState.set(key, value);
        return st;
      },
      state_delete: (kptr, klen) => {
        begin();
        const key = this.name(kptr, klen);
        const gate = this.stateGate(key, 'state_delete');
        if (gate < 0) return gate;
        const st = this.effect({ kind: 'state_delete', key }, key.length);
        if (st === 0) this.recState.set(key, null);
        return st;
      },
      counter_incr: (kptr, klen, delta) => {
        begin();
        const key = this.name(kptr, klen);
        const gate = this.stateGate(key, 'counter_incr');
        if (gate < 0) return gate;
        const st = this.effect({ kind: 'counter_incr', key, delta }, key.length + 8);
        if (st === 0) this.recCounters.set(key, BigInt.asIntN(64, this.counterValue(key) + delta));
        return st;
      },
      counter_get: (kptr, klen, out) => {
        begin();
        this.checkRange(out, 8);
        const key = this.name(kptr, klen);
        const gate = this.stateGate(key, 'counter_get');
        if (gate < 0) return gate;
        const store = this.storeGate();
        if (store < 0) return store;
        new DataView(this.ex.memory.buffer).setBigInt64(out >>> 0, this.counterValue(key), true);
        return 0;
      },
      metric: (nptr, nlen, value) => {
        begin();
        const name = this.name(nptr, nlen);
        if (name === null) return BAD_ARGUMENT;
        if (!this.inProcess) return UNAVAILABLE;
        return this.effect({ kind: 'metric', name, value }, name.length + 8);
      },
      publish: (tptr, tlen, ptr, len, flags) => {
        begin();
        const bytes = this.read(ptr, len);
        const topic = this.name(tptr, tlen);
        if (topic === null) return BAD_ARGUMENT;
        const resolved = resolveTopic(topic);
        if (resolved === null) return BAD_ARGUMENT;
        const st = this.publishPolicy(resolved, topic);
        if (st === NOT_PERMITTED) return this.refuse('publish', `the guest tried to publish to ${resolved}, which this function was not granted`);
        if (st < 0) return st; // other refusals: mock only
        if (!this.inProcess) return UNAVAILABLE;
        let record = null;
        if (flags & 1) {
          record = decodeOutputRecord(bytes);
          if (record === null) return BAD_ARGUMENT;
        }
        return this.effect(
          record ? { kind: 'publish', topic: resolved, record } : { kind: 'publish', topic: resolved, value: bytes },
          topic.length + bytes.length);
      },
      result_get: (buf, cap) => {
        const value = this.stash;
        this.stash = null;
        this.checkRange(buf, cap);
        if (value === null) return NOT_FOUND;
        if (value.length <= cap >>> 0) {
          this.mem().set(value, buf >>> 0);
        } else {
          this.stash = value; // still too small: kept for another try
        }
        return value.length;
      },
    };
    for (const [name, fn] of Object.entries(fns)) {
      fns[name] = (...args) => {
        this.calls[name] = (this.calls[name] ?? 0) + 1;
        return fn(...args);
      };
    }
    return fns;
  }

  counterValue(key) {
    if (this.recCounters.has(key)) return this.recCounters.get(key);
    return this.counters.get(key) ?? 0n;
  }

  userImports() {
    const out = {};
    for (const [name, { shape, fn }] of Object.entries(this.user)) {
      const calls = () => this.userCalls;
      if (shape === 'long') {
        out[name] = (a) => {
          this.stash = null;
          calls().push({ name, args: [a] });
          return BigInt.asIntN(64, BigInt(fn(a)));
        };
      } else if (shape === 'long2') {
        out[name] = (a, b) => {
          this.stash = null;
          calls().push({ name, args: [a, b] });
          return BigInt.asIntN(64, BigInt(fn(a, b)));
        };
      } else if (shape === 'bytes') {
        out[name] = (ptr, len, buf, cap) => {
          this.stash = null;
          const arg = this.read(ptr, len);
          this.checkRange(buf, cap);
          calls().push({ name, args: [arg] });
          const r = fn(arg);
          if (r === null || r === undefined) return NOT_FOUND;
          return this.answer(bytesOf(r), buf, cap);
        };
      } else {
        throw new Error(`unknown shape ${shape} for pulsar_user.${name}`);
      }
    }
    return out;
  }

  // ------------------------------------------------------------------ one record

  /** The host's input buffer: grow-only, power of two, at least 1 KiB, old one freed first. */
  inputBuffer(len) {
    if (this.inBuf !== 0 && len <= this.inSize) return this.inBuf;
    let size = MIN_INPUT_BUFFER;
    while (size < len) size *= 2;
    if (this.inBuf !== 0 && typeof this.ex.pulsar_free === 'function') {
      this.ex.pulsar_free(this.inBuf, this.inSize);
    }
    this.inBuf = 0;
    this.inSize = 0;
    const ptr = this.ex.pulsar_alloc(size) >>> 0;
    if (ptr === 0) throw new Trap(`pulsar_alloc(${size}) returned 0 (out of memory)`);
    this.checkRange(ptr, size);
    this.inBuf = ptr;
    this.inSize = size;
    this.maxInSize = Math.max(this.maxInSize ?? 0, size);
    return ptr;
  }

  /** Runs one input (Uint8Array: the bare value, or an encoded envelope). */
  process(input) {
    this.ensureInstance();
    this.effectList = [];
    this.effectBytes = 0;
    this.limitExceeded = false;
    this.recState = new Map();
    this.recCounters = new Map();
    this.userCalls = [];
    let out;
    try {
      const ptr = this.inputBuffer(input.length);
      this.mem().set(input, ptr);
      this.stash = null;
      this.inProcess = true;
      let r;
      try {
        r = this.ex.pulsar_process(ptr, input.length);
      } finally {
        this.inProcess = false;
        this.stash = null;
      }
      out = this.decodeResult(r);
      const after = this.mem().subarray(ptr, ptr + input.length);
      if (Buffer.compare(Buffer.from(after), Buffer.from(input)) !== 0) {
        out.inputModified = true; // the guest wrote into the host's input buffer
      }
    } catch (e) {
      this.discard();
      out = { kind: 'trap', message: e instanceof Trap ? e.message : `${e.name}: ${e.message}` };
    }
    if (this.limitExceeded && out.kind !== 'trap') out = { kind: 'limit', inner: out };
    const ok = out.kind === 'filtered' || out.kind === 'value' || out.kind === 'record';
    out.effects = this.effectList;
    out.applied = ok ? this.effectList : this.effectList.filter((e) => e.kind === 'log' || e.kind === 'metric');
    out.userCalls = this.userCalls;
    if (ok) {
      for (const [k, v] of this.recState) {
        if (v === null) this.state.delete(k);
        else this.state.set(k, v);
      }
      for (const [k, v] of this.recCounters) this.counters.set(k, v);
    }
    return out;
  }

  decodeResult(r) {
    const u = BigInt.asUintN(64, BigInt(r));
    if (u === 0n) return { kind: 'filtered' };
    const ptr = Number(u & 0xffffffffn);
    const len = Number((u >> 32n) & 0x3fffffffn);
    const bytes = this.read(ptr, len); // outside memory: reported like a trap
    if (u >> 63n) return { kind: 'error', message: utf8Lossy.decode(bytes), raw: bytes };
    if ((u >> 62n) & 1n) {
      const record = decodeOutputRecord(bytes);
      if (record === null) throw new Trap('malformed output record envelope');
      return { kind: 'record', record };
    }
    return { kind: 'value', value: bytes };
  }
}

// ============================================================================ envelopes

/**
 * The input record envelope (version 1). rec: { value, key? (undefined = no key), eventTime?,
 * publishTime, redelivery, topic, messageId, props: [[k, v], ...], extraFlags, trailing }.
 * Byte fields are Uint8Array or string.
 */
export function encodeInputRecord(rec) {
  const parts = [];
  const u32 = (n) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n >>> 0);
    parts.push(b);
  };
  const field = (v) => {
    const b = Buffer.from(bytesOf(v ?? ''));
    u32(b.length);
    parts.push(b);
  };
  const head = Buffer.alloc(24);
  head[0] = 1;
  head[1] = 0;
  let flags = rec.extraFlags ?? 0;
  if (rec.key !== undefined) flags |= 1;
  if (rec.eventTime !== undefined) flags |= 2;
  head.writeUInt16LE(flags, 2);
  head.writeBigInt64LE(BigInt(rec.eventTime ?? 0), 4);
  head.writeBigInt64LE(BigInt(rec.publishTime ?? 0), 12);
  head.writeUInt32LE(rec.redelivery ?? 0, 20);
  parts.push(head);
  field(rec.value);
  field(rec.key);
  field(rec.topic);
  field(rec.messageId);
  u32(rec.props?.length ?? 0);
  for (const [k, v] of rec.props ?? []) {
    field(k);
    field(v);
  }
  if (rec.trailing) parts.push(Buffer.from(rec.trailing));
  return new Uint8Array(Buffer.concat(parts));
}

/**
 * The output record envelope (version 1), decoded: { flags, eventTime, value, key, topic, props,
 * trailing } with key / topic / props null unless their flag bit is set; null when malformed.
 */
export function decodeOutputRecord(bytes) {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  let at = 12;
  if (b.length < 12 || b[0] !== 1) return null;
  const flags = b.readUInt16LE(2);
  const eventTime = b.readBigInt64LE(4);
  const field = () => {
    if (at + 4 > b.length) throw new RangeError('short');
    const n = b.readUInt32LE(at);
    at += 4;
    if (at + n > b.length) throw new RangeError('short');
    const v = new Uint8Array(b.subarray(at, at + n));
    at += n;
    return v;
  };
  try {
    const value = field();
    const key = field();
    const topic = field();
    if (at + 4 > b.length) return null;
    const count = b.readUInt32LE(at);
    at += 4;
    const props = [];
    for (let i = 0; i < count; i++) props.push([field(), field()]);
    return {
      flags,
      eventTime: flags & 2 ? eventTime : null,
      value,
      key: flags & 1 ? key : null,
      topic: flags & 4 ? utf8Lossy.decode(topic) : null,
      props: flags & 8 ? props : null,
      trailing: b.length - at,
    };
  } catch {
    return null;
  }
}

// ============================================================================ reference

const WS = new Set([0x20, 0x09, 0x0d, 0x0a]);
const score = (n) => BigInt.asIntN(64, BigInt(n) * 7n + 3n);

function propOf(rec, name) {
  const want = Buffer.from(name);
  for (const [k, v] of rec.props) if (Buffer.from(bytesOf(k)).equals(want)) return Buffer.from(bytesOf(v));
  return null;
}

/**
 * The expected outcome of enrich for one record: { kind, value?, record?, message?, effects,
 * userCalls }. config: the mock's config object; publish: the mock's publish policy.
 */
export function enrichReference(rec, config, lang, publish) {
  const none = { effects: [], userCalls: [] };
  const drop = propOf(rec, 'drop');
  if (drop !== null && drop.equals(Buffer.from('true'))) return { kind: 'filtered', ...none };
  const v = Buffer.from(bytesOf(rec.value));
  let s = 0;
  let e = v.length;
  while (s < e && WS.has(v[s])) s++;
  while (e > s && WS.has(v[e - 1])) e--;
  const t = v.subarray(s, e);
  if (t.length < 2 || t[0] !== 0x7b || t[t.length - 1] !== 0x7d) {
    return { kind: 'error', message: 'not a JSON object', ...none };
  }
  const source = propOf(rec, 'source') ?? Buffer.from('unknown');
  const env = config.env !== undefined ? Buffer.from(bytesOf(config.env)) : Buffer.from('none');
  const sc = score(t.length);
  const inner = t.subarray(1, t.length - 1);
  const comma = inner.some((c) => !WS.has(c));
  const value = Buffer.concat([
    t.subarray(0, t.length - 1),
    Buffer.from(comma ? ',' : ''),
    Buffer.from('"source":"'), source,
    Buffer.from('","env":"'), env,
    Buffer.from(`","score":${sc},"lang":"${lang}"}`),
  ]);
  const key = rec.key === undefined ? null : Buffer.from(bytesOf(rec.key));
  const effects = [
    { kind: 'log', level: 2, message: `enriched ${key === null ? '(no key)' : utf8Lossy.decode(key)}` },
    { kind: 'counter_incr', key: 'enriched', delta: 1n },
  ];
  if (config.side_topic !== undefined) {
    const topic = utf8Lossy.decode(bytesOf(config.side_topic));
    const resolved = resolveTopic(topic);
    const st = resolved === null ? BAD_ARGUMENT : publish(resolved, topic);
    if (st >= 0) {
      effects.push({ kind: 'publish', topic: resolved, record: { value: Buffer.from(`${sc}`), key } });
    } else {
      effects.push({ kind: 'log', level: 3, message: `publish to ${topic} refused: ${st}` });
    }
  }
  const props = rec.props.map(([k, val]) => [Buffer.from(bytesOf(k)), Buffer.from(bytesOf(val))]);
  props.push([Buffer.from('lang'), Buffer.from(lang)]);
  return {
    kind: 'record',
    record: { value, key, props },
    effects,
    userCalls: [{ name: 'score', args: [BigInt(t.length)] }],
  };
}

// ============================================================================ comparison

const show = (b, max = 80) => {
  if (b === null || b === undefined) return String(b);
  const s = JSON.stringify(utf8Lossy.decode(b.subarray(0, max)));
  return b.length > max ? `${s}... (${b.length} bytes)` : s;
};
const eqBytes = (a, b) => a !== null && b !== null && Buffer.from(a).equals(Buffer.from(b));

/** Differences between the guest's output and the expected one, as strings (empty: same). */
function compareRecordLike(prefix, got, want, { requireProps }) {
  const d = [];
  if (!eqBytes(got.value, want.value)) {
    let at = 0;
    while (at < got.value.length && at < want.value.length && got.value[at] === want.value[at]) at++;
    d.push(`${prefix} value ${show(got.value)} != expected ${show(want.value)}; first difference at byte ${at}: ` +
      `${show(got.value.subarray(at, at + 40))} != ${show(want.value.subarray(at, at + 40))}`);
  }
  if (want.key === null) {
    if (got.key !== null) d.push(`${prefix} has key ${show(got.key)}, expected none (flag bit0 clear)`);
  } else if (got.key === null) {
    d.push(`${prefix} has no key (flag bit0 clear), expected ${show(want.key)}`);
  } else if (!eqBytes(got.key, want.key)) {
    d.push(`${prefix} key ${show(got.key)} != expected ${show(want.key)}`);
  }
  if (got.flags & 2) d.push(`${prefix} sets an event time (flag bit1)`);
  if (got.flags & 4) d.push(`${prefix} sets a destination topic (flag bit2)`);
  if (got.trailing) d.push(`${prefix} envelope has ${got.trailing} trailing byte(s)`);
  if (requireProps) {
    if (got.props === null) {
      d.push(`${prefix} properties flag (bit3) not set`);
    } else {
      const g = got.props.map(([k, v]) => `${show(k)}=${show(v)}`).join(', ');
      const w = want.props.map(([k, v]) => `${show(k)}=${show(v)}`).join(', ');
      if (got.props.length !== want.props.length ||
        got.props.some(([k, v], i) => !eqBytes(k, want.props[i][0]) || !eqBytes(v, want.props[i][1]))) {
        d.push(`${prefix} properties [${g}] != expected [${w}]`);
      }
    }
  } else if (got.props !== null && got.props.length !== 0) {
    d.push(`${prefix} has properties, expected none`);
  }
  return d;
}

function effectString(e) {
  switch (e.kind) {
    case 'log': return `log(${e.level}, ${JSON.stringify(e.message.length > 200 ? `${e.message.slice(0, 200)}...` : e.message)})`;
    case 'counter_incr': return `counter_incr(${JSON.stringify(e.key)}, ${e.delta})`;
    case 'publish': return e.record
      ? `publish(${e.topic}, record value=${show(e.record.value)} key=${show(e.record.key)})`
      : `publish(${e.topic}, bytes ${show(e.value)})`;
    case 'state_put': return `state_put(${JSON.stringify(e.key)}, ${show(e.value)})`;
    case 'state_delete': return `state_delete(${JSON.stringify(e.key)})`;
    case 'metric': return `metric(${JSON.stringify(e.name)}, ${e.value})`;
    default: return JSON.stringify(e);
  }
}

export function compareEnrich(got, want) {
  const d = [];
  if (got.kind !== want.kind) {
    const detail = got.kind === 'error' || got.kind === 'trap' ? `: ${got.message}` : '';
    d.push(`result is ${got.kind}${detail}, expected ${want.kind}`);
    return d;
  }
  if (got.inputModified) d.push('the guest modified its input buffer');
  if (want.kind === 'error' && got.message !== want.message) {
    d.push(`error message ${JSON.stringify(got.message)} != expected ${JSON.stringify(want.message)}`);
  }
  if (want.kind === 'record') d.push(...compareRecordLike('output', got.record, want.record, { requireProps: true }));
  const ge = got.effects.filter((e) => e.origin !== 'host'); // the host's own warnings aside
  const we = want.effects;
  for (let i = 0; i < Math.max(ge.length, we.length); i++) {
    const g = ge[i];
    const w = we[i];
    if (!g || !w) {
      d.push(`effect #${i}: got ${g ? effectString(g) : 'none'}, expected ${w ? effectString(w) : 'none'}`);
      break;
    }
    if (w.kind === 'publish' && g.kind === 'publish') {
      if (g.topic !== w.topic) d.push(`effect #${i}: publish to ${g.topic}, expected ${w.topic}`);
      if (!g.record) {
        d.push(`effect #${i}: publish without the record flag, expected an output-record envelope`);
      } else {
        d.push(...compareRecordLike(`effect #${i} published record`, g.record, { ...w.record, props: [] }, { requireProps: false }));
      }
    } else if (effectString(g) !== effectString(w)) {
      d.push(`effect #${i}: got ${effectString(g)}, expected ${effectString(w)}`);
    }
  }
  const gc = got.userCalls.map((c) => `${c.name}(${c.args.join(', ')})`).join('; ');
  const wc = want.userCalls.map((c) => `${c.name}(${c.args.join(', ')})`).join('; ');
  if (gc !== wc) d.push(`pulsar_user calls [${gc}] != expected [${wc}]`);
  return d;
}

// ============================================================================ inputs

/** Deterministic PRNG (mulberry32). */
function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n) => Math.floor(next() * n);
  const pick = (xs) => xs[int(xs.length)];
  return { next, int, pick, chance: (p) => next() < p };
}

const WS_CHARS = [' ', '\t', '\r', '\n'];

function bigObject(r, size) {
  // A JSON-ish object of exactly `size` bytes: {"k":"xxxx..."}
  const headTail = '{"k":""}'.length;
  const fill = Buffer.alloc(Math.max(0, size - headTail), 0x61 + r.int(26));
  return Buffer.concat([Buffer.from('{"k":"'), fill, Buffer.from('"}')]);
}

function makeValue(r, i) {
  const ws = () => Array.from({ length: r.int(4) }, () => r.pick(WS_CHARS)).join('');
  const valid = [
    '{"a":1}', '{}', '{ }', '{\n\t}', '{\r\n}', '{"x":"y","n":[1,2,{"z":null}]}', '{"é":"ü€"}',
    '{}}', '{{}', '{ "k" : true }', '{\f}', '{\u000b}', '{ x }',
  ];
  const invalid = [
    '', ' ', '\t\r\n', '{', '}', '[]', '{ x', 'x }', 'null', '"{}"', ' {a} x', '{]', '[}', 'a{}',
    '{}a', '\u000b{}', '{}\u000b', '\f{"a":1}',
  ];
  const roll = r.next();
  if (i % 23 === 5) return bigObject(r, [1 << 20, (1 << 20) - 37, 300 * 1024, 65536][(i / 23 | 0) % 4]);
  if (roll < 0.6) return Buffer.from(ws() + r.pick(valid) + ws());
  if (roll < 0.85) return Buffer.from(ws() + r.pick(invalid) + ws());
  if (roll < 0.92) return Buffer.concat([Buffer.from(`${ws()}{"bin":"`), Buffer.from([0xff, 0x00, 0xc3, 0x28]), Buffer.from(`"}${ws()}`)]);
  return Buffer.concat([Buffer.from(ws()), bigObject(r, 1000 + r.int(20000)), Buffer.from(ws())]);
}

function makeRecord(r, i) {
  const rec = { value: makeValue(r, i), props: [] };
  const k = r.next();
  if (k < 0.25) rec.key = undefined;
  else if (k < 0.32) rec.key = '';
  else if (k < 0.4) rec.key = 'clé-ü€';
  else rec.key = `key-${i}-${r.int(1e6)}`;
  if (r.chance(0.3)) rec.eventTime = BigInt(1_700_000_000_000 + r.int(1e9));
  rec.publishTime = BigInt(1_700_000_000_000 + r.int(1e9));
  rec.redelivery = r.chance(0.2) ? r.int(5) + 1 : 0;
  rec.topic = r.pick(['persistent://public/default/in', 'in', 't/ns/in-topic-with-a-longer-name']);
  rec.messageId = r.chance(0.8) ? Buffer.from(Array.from({ length: 8 + r.int(16) }, () => r.int(256))) : Buffer.alloc(0);
  const names = ['a', 'trace-id', 'Drop', 'drops', 'x-ü', '', 'region', 'long'];
  const n = r.int(5);
  for (let j = 0; j < n; j++) {
    const name = names[(j * 3 + i) % names.length];
    if (rec.props.some(([pk]) => pk === name)) continue;
    rec.props.push([name, name === 'long' ? 'L'.repeat(2000 + r.int(3000)) : r.pick(['', 'v', 'true', `v${r.int(1000)}`])]);
  }
  const pos = () => r.int(rec.props.length + 1);
  if (r.chance(0.18)) rec.props.splice(pos(), 0, ['drop', r.pick(['true', 'true', 'false', 'TRUE', 'true ', ' true', '1', ''])]);
  if (r.chance(0.5)) {
    rec.props.splice(pos(), 0, ['source', r.pick(['sensor-7', '', 'ünï', 'S'.repeat(3000), 'a"b'])]);
  }
  if (r.chance(0.1)) rec.extraFlags = 0x10 | 0x8000;     // unknown flag bits: to be ignored
  if (r.chance(0.1)) rec.trailing = Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9]); // appended fields
  return rec;
}

const SCENARIOS = [
  { name: 'no config', config: {} },
  { name: 'env', config: { env: 'prod' } },
  { name: 'env + side_topic', config: { env: 'staging', side_topic: 'side' } },
  { name: 'side_topic tenant/ns, publish NOT_PERMITTED', config: { side_topic: 'acme/ns/audit' }, publish: () => NOT_PERMITTED },
  { name: 'long env (result_get path), full side_topic URL', config: { env: 'E'.repeat(5000), side_topic: 'persistent://public/default/side-full' } },
  { name: 'long env and side_topic (result_get path)', config: { env: 'ü'.repeat(700), side_topic: `t/ns/${'s'.repeat(1500)}` } },
  { name: 'env as JSON number, side_topic refused', config: { env: 42, side_topic: 'nope' }, publish: (t) => (t.endsWith('/nope') ? NOT_PERMITTED : 0) },
  { name: 'empty env, publish refused with an unknown status -7', config: { env: '', side_topic: 'x' }, publish: () => -7 },
  { name: 'side_topic Pulsar refuses (a/b: BAD_ARGUMENT)', config: { env: 'x', side_topic: 'a/b' } },
  { name: 'env JSON object, other config keys', config: { env: { a: [1, 2] }, other: 'o', side_topic2: 'no' } },
];

// ============================================================================ main

export function runEnrichChecks(wasmPath, lang, { records = 400, seed = 0x5eed, log = console.log } = {}) {
  const module = new WebAssembly.Module(readFileSync(wasmPath));
  const r = rng(seed);
  let total = 0;
  let failed = 0;
  const kinds = {};
  const details = [];
  const calls = {};
  const perScenario = Math.ceil(records / SCENARIOS.length);
  for (const [si, sc] of SCENARIOS.entries()) {
    const host = new MockHost(module, {
      config: sc.config,
      publish: sc.publish,
      user: { score: { shape: 'long', fn: (n) => n * 7n + 3n } },
    });
    if (!host.wantsRecord) throw new Error(`${wasmPath}: does not export pulsar_wants_record`);
    let scFailed = 0;
    for (let i = 0; i < perScenario; i++) {
      const idx = si * perScenario + i;
      if (i % 10 === 0) host.discard(); // a fresh instance every 10 records, as after a trap
      const rec = makeRecord(r, idx);
      const got = host.process(encodeInputRecord(rec));
      const want = enrichReference(rec, sc.config, lang, sc.publish ?? (() => 0));
      kinds[want.kind] = (kinds[want.kind] ?? 0) + 1;
      total++;
      const d = compareEnrich(got, want);
      if (d.length) {
        failed++;
        scFailed++;
        if (details.length < 12) {
          details.push(`  [${sc.name}] record #${idx} (value ${show(rec.value, 40)}, key ${rec.key === undefined ? 'none' : JSON.stringify(rec.key)}, ` +
            `props ${JSON.stringify(rec.props.map(([k, v]) => [k, v.length > 20 ? `${v.slice(0, 20)}...` : v]))}):\n` +
            d.map((x) => `      ${x}`).join('\n'));
        }
      }
    }
    for (const [k, n] of Object.entries(host.calls)) calls[k] = (calls[k] ?? 0) + n;
    log(`  ${scFailed ? 'FAIL' : 'ok  '} ${sc.name}: ${perScenario} records, ${scFailed} mismatches, ` +
      `${host.instances} instance(s), largest input buffer ${host.maxInSize} bytes`);
  }
  return { total, failed, kinds, details, calls };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [file, lang] = process.argv.slice(2);
  if (!file || !lang) {
    console.error('usage: node examples/check_enrich.mjs <file.wasm> <lang>');
    process.exit(2);
  }
  console.log(`check_enrich: ${file} (lang ${lang})`);
  let res;
  try {
    res = runEnrichChecks(file, lang);
  } catch (e) {
    console.error(`check_enrich: FAILED: ${e.message}`);
    process.exit(1);
  }
  for (const d of res.details) console.log(d);
  const kinds = Object.entries(res.kinds).map(([k, n]) => `${n} ${k}`).join(', ');
  console.log(`  pulsar_v1 calls: ${Object.entries(res.calls).map(([k, n]) => `${k} ${n}`).join(', ')}`);
  if (res.failed) {
    console.log(`check_enrich: FAILED: ${res.failed} of ${res.total} records differ (${kinds})`);
    process.exit(1);
  }
  console.log(`check_enrich: ok: ${res.total} records match the reference (${kinds})`);
}
