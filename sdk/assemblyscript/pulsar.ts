// AssemblyScript SDK for pulsar-wasm, guest ABI v1 (docs/abi.md).
//
// Built for `asc ... --runtime stub --use abort= --noAssert -O3`: the stub runtime is a bump
// allocator that never frees (only the most recent block). So this SDK allocates nothing per
// record: its buffers (ByteBuf) are created once and reused, strings are encoded into them with
// String.UTF8.encodeUnsafe, the record reader returns pointers into the host's input, and the
// output is encoded into one reused buffer. Functions whose name ends in `String` decode bytes
// into a new AssemblyScript string: they allocate, and with the stub that memory is never
// reclaimed (a few bytes per call add up over millions of records).
//
// A guest (import this file by relative path):
//
//   import { Record, Output, OutputRecord, processRecord, log, Level } from "../sdk/assemblyscript/pulsar";
//   export { pulsar_abi_version_1, pulsar_alloc, pulsar_free, pulsar_wants_record } from "../sdk/assemblyscript/pulsar";
//
//   @external("pulsar_user", "score") declare function score(x: i64): i64;   // a Java host function
//
//   const out = new OutputRecord();                   // created once, reused for every record
//   export function pulsar_process(ptr: usize, len: usize): i64 {
//     return processRecord(ptr, len, (rec: Record): i64 => {
//       if (rec.findProperty("skip") >= 0) return Output.none();
//       out.reset().value.pushBytes(rec.valuePtr, rec.valueLen).pushString(" seen");
//       return Output.record(out.copyProperties(rec));
//     });
//   }
//
// For the bare value (no pulsar_wants_record re-export), pulsar_process gets (ptr, len) of the
// value itself and returns Output.value(...) and so on.
//
// API summary:
//   exports to re-export:  pulsar_abi_version_1, pulsar_alloc, pulsar_free, pulsar_wants_record
//   processRecord(ptr, len, fn): parses the envelope (error result when malformed), calls fn
//   Record:        flags, eventTime/hasEventTime, publishTime, redeliveryCount, value/key/topic/
//                  messageId as (ptr, len), hasKey, propertyCount, property{Name,Value}{Ptr,Len}(i),
//                  findProperty(name), propertyEquals(name, value); *String() helpers allocate
//   Output:        none(), value(buf), valueBytes(ptr, len), valueString(s), error(msg),
//                  errorBytes(ptr, len), record(outputRecord): the i64 pulsar_process returns
//   OutputRecord:  value (a ByteBuf), setKey*, clearKey, setEventTime, setDestination*,
//                  addProperty*, copyProperties(rec), markProperties, reset, encodeInto
//   ByteBuf:       a reusable byte buffer: push{Byte,Bytes,Buf,String,I64}, clear, reserve
//   host calls:    log*, configGet*, stateGet*, statePut*, stateDelete, counterIncr, counterGet,
//                  metric, publish*, publishRecord*, completeOutBuffer (for pulsar_user bytes
//                  functions). They return the host's status (>= 0 ok, < 0 one of the codes);
//                  names are UTF-16 strings, encoded to UTF-8 (lone surrogates become U+FFFD).

// ============================================================================ raw imports

// @ts-ignore: decorator
@external("pulsar_v1", "log")
export declare function pulsar_v1_log(level: i32, ptr: usize, len: usize): i32;
// @ts-ignore: decorator
@external("pulsar_v1", "config_get")
export declare function pulsar_v1_config_get(kptr: usize, klen: usize, buf: usize, cap: usize): i32;
// @ts-ignore: decorator
@external("pulsar_v1", "state_get")
export declare function pulsar_v1_state_get(kptr: usize, klen: usize, buf: usize, cap: usize): i32;
// @ts-ignore: decorator
@external("pulsar_v1", "state_put")
export declare function pulsar_v1_state_put(kptr: usize, klen: usize, vptr: usize, vlen: usize): i32;
// @ts-ignore: decorator
@external("pulsar_v1", "state_delete")
export declare function pulsar_v1_state_delete(kptr: usize, klen: usize): i32;
// @ts-ignore: decorator
@external("pulsar_v1", "counter_incr")
export declare function pulsar_v1_counter_incr(kptr: usize, klen: usize, delta: i64): i32;
// @ts-ignore: decorator
@external("pulsar_v1", "counter_get")
export declare function pulsar_v1_counter_get(kptr: usize, klen: usize, out: usize): i32;
// @ts-ignore: decorator
@external("pulsar_v1", "metric")
export declare function pulsar_v1_metric(nptr: usize, nlen: usize, value: f64): i32;
// @ts-ignore: decorator
@external("pulsar_v1", "publish")
export declare function pulsar_v1_publish(tptr: usize, tlen: usize, ptr: usize, len: usize, flags: i32): i32;
// @ts-ignore: decorator
@external("pulsar_v1", "result_get")
export declare function pulsar_v1_result_get(buf: usize, cap: usize): i32;

// ============================================================================ statuses

/** No such config key, state key, or stored result. */
export const NOT_FOUND: i32 = -1;
/** A name that is not UTF-8, an unknown log level, a malformed envelope. */
export const BAD_ARGUMENT: i32 = -2;
/** The capability (state, or publishing to that topic) is not granted. */
export const NOT_PERMITTED: i32 = -3;
/** No such service here (no state store, or a call outside pulsar_process). */
export const UNAVAILABLE: i32 = -4;
/** The Java side failed. */
export const HOST_ERROR: i32 = -5;
/** The record's effects exceed their cap. */
export const TOO_LARGE: i32 = -6;

/** Log levels. */
export enum Level {
  TRACE = 0,
  DEBUG = 1,
  INFO = 2,
  WARN = 3,
  ERROR = 4,
}

// ============================================================================ ByteBuf

/**
 * A growable byte buffer in linear memory. Create it once (a module-level constant) and reuse
 * it: growing allocates a larger block, and with the stub runtime the old one is not
 * reclaimed, so a reused buffer stops growing at the largest size it has held.
 */
export class ByteBuf {
  /** The first byte (never 0). */
  ptr: usize;
  /** The number of bytes. */
  len: i32 = 0;
  /** The bytes it can hold without growing. */
  cap: i32;

  constructor(capacity: i32 = 64) {
    if (capacity < 16) capacity = 16;
    this.ptr = heap.alloc(<usize>capacity);
    this.cap = capacity;
  }

  /** Empties it, keeping the capacity. */
  @inline
  clear(): ByteBuf {
    this.len = 0;
    return this;
  }

  /** Makes room for `extra` more bytes. */
  @inline
  reserve(extra: i32): void {
    const need = <u64><u32>this.len + <u64><u32>extra;
    if (need > <u64><u32>this.cap) this.grow(need);
  }

  private grow(need: u64): void {
    if (need > 0x3FFF0000) unreachable(); // the stub's block limit: out of memory
    let cap = <u64><u32>this.cap << 1;
    if (cap < need) cap = need;
    if (cap > 0x3FFF0000) cap = 0x3FFF0000;
    this.ptr = heap.realloc(this.ptr, <usize>cap);
    this.cap = <i32>cap;
  }

  /** Appends one byte. */
  @inline
  pushByte(b: u8): ByteBuf {
    this.reserve(1);
    store<u8>(this.ptr + <usize>this.len, b);
    this.len += 1;
    return this;
  }

  /** Appends `len` bytes at `ptr` (they must not lie in this buffer's spare room). */
  pushBytes(ptr: usize, len: i32): ByteBuf {
    this.reserve(len);
    memory.copy(this.ptr + <usize>this.len, ptr, <usize>len);
    this.len += len;
    return this;
  }

  /** Appends another buffer's bytes. */
  @inline
  pushBuf(b: ByteBuf): ByteBuf {
    return this.pushBytes(b.ptr, b.len);
  }

  /** Appends a string as UTF-8 (lone surrogates become U+FFFD); allocates nothing. */
  pushString(s: string): ByteBuf {
    const n = String.UTF8.byteLength(s);
    this.reserve(n);
    String.UTF8.encodeUnsafe(changetype<usize>(s), s.length, this.ptr + <usize>this.len, false, String.UTF8.ErrorMode.REPLACE);
    this.len += n;
    return this;
  }

  /** Appends `v` in decimal ASCII, with a `-` when negative. */
  pushI64(v: i64): ByteBuf {
    let u: u64 = <u64>v;
    if (v < 0) {
      this.pushByte(0x2D);
      u = <u64>0 - u; // also right for i64.MIN_VALUE
    }
    return this.pushU64(u);
  }

  /** Appends `v` in decimal ASCII. */
  pushU64(v: u64): ByteBuf {
    let digits = 1;
    for (let t = v; t >= 10; t /= 10) digits++;
    this.reserve(digits);
    let p = this.ptr + <usize>this.len + <usize>digits;
    do {
      p--;
      store<u8>(p, <u8>(0x30 + <u32>(v % 10)));
      v /= 10;
    } while (v != 0);
    this.len += digits;
    return this;
  }

  /** Appends a little-endian u16. */
  @inline
  pushU16LE(v: u16): ByteBuf {
    this.reserve(2);
    store<u16>(this.ptr + <usize>this.len, v);
    this.len += 2;
    return this;
  }

  /** Appends a little-endian u32. */
  @inline
  pushU32LE(v: u32): ByteBuf {
    this.reserve(4);
    store<u32>(this.ptr + <usize>this.len, v);
    this.len += 4;
    return this;
  }

  /** Appends a little-endian i64. */
  @inline
  pushI64LE(v: i64): ByteBuf {
    this.reserve(8);
    store<i64>(this.ptr + <usize>this.len, v);
    this.len += 8;
    return this;
  }

  /** Whether it holds exactly `s` in UTF-8; allocates nothing. */
  equalsString(s: string): bool {
    return bytesEqualString(this.ptr, this.len, s);
  }

  /** The bytes decoded as UTF-8 (allocates a string). */
  toString(): string {
    return String.UTF8.decodeUnsafe(this.ptr, <usize>this.len);
  }
}

// Internal scratch buffers, each for one purpose so that a call never clobbers another's.
const nameBuf = new ByteBuf(64); //  names: keys, topics, metric names
const valueBuf = new ByteBuf(64); // string values for statePut / publish
const cmpBuf = new ByteBuf(64); //   comparisons with strings
const logBuf_ = new ByteBuf(128); // log lines given as strings
const outBuf = new ByteBuf(256); //  the encoded output (value string or record)
const errBuf = new ByteBuf(64); //   the error message of the output
const pubBuf = new ByteBuf(64); //   the envelope of publishRecord
const counterSlot = heap.alloc(8); // counter_get's out pointer

/** Whether the `len` bytes at `ptr` are `s` in UTF-8; allocates nothing. */
export function bytesEqualString(ptr: usize, len: i32, s: string): bool {
  const b = cmpBuf.clear().pushString(s);
  return b.len == len && memory.compare(ptr, b.ptr, <usize>len) == 0;
}

@inline
function name(s: string): ByteBuf {
  return nameBuf.clear().pushString(s);
}

// ============================================================================ exports

/** ABI v1 marker: re-export it from the entry file. */
export function pulsar_abi_version_1(): void {}

/** Marker: the input is the record envelope. Re-export it to get Records. */
export function pulsar_wants_record(): void {}

/**
 * The host's input buffer. Returns 0 when memory runs out: memory is grown here first,
 * because the stub runtime would trap instead.
 */
export function pulsar_alloc(size: usize): usize {
  if (size > 0x3FFF0000) return 0;
  const probe = heap.alloc(0); // the allocator's current end...
  heap.free(probe); //            ...given back at once (the stub frees the last block)
  const need: u64 = <u64>probe + <u64>size + 64;
  const have: u64 = <u64>memory.size() << 16;
  if (need > have) {
    if (need > <u64>0x100000000) return 0;
    if (memory.grow(<i32>((need - have + 0xFFFF) >> 16)) < 0) return 0;
  }
  return heap.alloc(size);
}

/** Takes back the input buffer (the stub only reclaims it when it is the last block). */
export function pulsar_free(ptr: usize, size: usize): void {
  if (ptr != 0) heap.free(ptr);
}

// ============================================================================ Record

/**
 * The input record envelope (version 1), read in place: the (ptr, len) fields point into the
 * host's input buffer, valid during this pulsar_process only (copy what you keep; never write
 * to them). One instance is reused for every record.
 */
export class Record {
  /** Raw flags: bit0 key, bit1 event time (other bits may appear later). */
  flags: u16 = 0;
  /** ms since the epoch; meaningful when hasEventTime. */
  eventTime: i64 = 0;
  /** ms since the epoch; 0 when unknown. */
  publishTime: i64 = 0;
  redeliveryCount: u32 = 0;
  valuePtr: usize = 0;
  valueLen: i32 = 0;
  /** Meaningful when hasKey (the key may be empty). */
  keyPtr: usize = 0;
  keyLen: i32 = 0;
  topicPtr: usize = 0;
  topicLen: i32 = 0;
  /** MessageId.toByteArray(); length 0 when unknown. */
  messageIdPtr: usize = 0;
  messageIdLen: i32 = 0;
  propertyCount: i32 = 0;
  /** 16 bytes per property: name ptr, name len, value ptr, value len (u32 each). */
  private index: ByteBuf = new ByteBuf(256);

  get hasKey(): bool {
    return (this.flags & 1) != 0;
  }

  get hasEventTime(): bool {
    return (this.flags & 2) != 0;
  }

  /** Reads an envelope; false when it is not version 1 or a length points past its end. */
  parse(ptr: usize, len: usize): bool {
    if (len < 24 || load<u8>(ptr) != 1) return false;
    this.flags = load<u16>(ptr, 2);
    this.eventTime = load<i64>(ptr, 4);
    this.publishTime = load<i64>(ptr, 12);
    this.redeliveryCount = load<u32>(ptr, 20);
    let at: usize = 24;
    // value, key, topic, message id
    for (let f = 0; f < 4; f++) {
      if (len - at < 4) return false;
      const n = <usize>load<u32>(ptr + at);
      at += 4;
      if (n > len - at) return false;
      const p = ptr + at;
      at += n;
      if (f == 0) {
        this.valuePtr = p;
        this.valueLen = <i32>n;
      } else if (f == 1) {
        this.keyPtr = p;
        this.keyLen = <i32>n;
      } else if (f == 2) {
        this.topicPtr = p;
        this.topicLen = <i32>n;
      } else {
        this.messageIdPtr = p;
        this.messageIdLen = <i32>n;
      }
    }
    if (len - at < 4) return false;
    const count = load<u32>(ptr + at);
    at += 4;
    // Each property takes at least 8 bytes: a count beyond that is malformed (and would make
    // the index huge).
    if (<u64>count * 8 > <u64>(len - at)) return false;
    const index = this.index.clear();
    index.reserve(<i32>(count << 4));
    for (let i: u32 = 0; i < count; i++) {
      for (let f = 0; f < 2; f++) {
        if (len - at < 4) return false;
        const n = <usize>load<u32>(ptr + at);
        at += 4;
        if (n > len - at) return false;
        store<u32>(index.ptr + <usize>index.len, <u32>(ptr + at));
        store<u32>(index.ptr + <usize>index.len, <u32>n, 4);
        index.len += 8;
        at += n;
      }
    }
    this.propertyCount = <i32>count;
    return true;
  }

  @inline
  propertyNamePtr(i: i32): usize {
    return <usize>load<u32>(this.index.ptr + (<usize>i << 4));
  }

  @inline
  propertyNameLen(i: i32): i32 {
    return <i32>load<u32>(this.index.ptr + (<usize>i << 4), 4);
  }

  @inline
  propertyValuePtr(i: i32): usize {
    return <usize>load<u32>(this.index.ptr + (<usize>i << 4), 8);
  }

  @inline
  propertyValueLen(i: i32): i32 {
    return <i32>load<u32>(this.index.ptr + (<usize>i << 4), 12);
  }

  /** The index of the first property named `name`, or -1. Allocates nothing. */
  findProperty(name: string): i32 {
    const b = cmpBuf.clear().pushString(name);
    for (let i = 0; i < this.propertyCount; i++) {
      if (this.propertyNameLen(i) == b.len && memory.compare(this.propertyNamePtr(i), b.ptr, <usize>b.len) == 0) return i;
    }
    return -1;
  }

  /** Whether property `name` exists with exactly `value`. Allocates nothing. */
  propertyEquals(name: string, value: string): bool {
    const i = this.findProperty(name);
    return i >= 0 && bytesEqualString(this.propertyValuePtr(i), this.propertyValueLen(i), value);
  }

  // Allocating helpers (a new string each call).

  valueString(): string {
    return String.UTF8.decodeUnsafe(this.valuePtr, <usize>this.valueLen);
  }

  keyString(): string | null {
    return this.hasKey ? String.UTF8.decodeUnsafe(this.keyPtr, <usize>this.keyLen) : null;
  }

  topicString(): string {
    return String.UTF8.decodeUnsafe(this.topicPtr, <usize>this.topicLen);
  }

  propertyNameString(i: i32): string {
    return String.UTF8.decodeUnsafe(this.propertyNamePtr(i), <usize>this.propertyNameLen(i));
  }

  propertyValueString(i: i32): string {
    return String.UTF8.decodeUnsafe(this.propertyValuePtr(i), <usize>this.propertyValueLen(i));
  }

  /** The value of property `name`, or null. */
  propertyString(name: string): string | null {
    const i = this.findProperty(name);
    return i >= 0 ? this.propertyValueString(i) : null;
  }
}

const record = new Record();

/**
 * pulsar_process for a record guest: parses the envelope into the shared Record and calls
 * `fn`; a malformed envelope gives an error result without calling it.
 */
export function processRecord(ptr: usize, len: usize, fn: (rec: Record) => i64): i64 {
  if (!record.parse(ptr, len)) return Output.error("malformed input record envelope");
  return fn(record);
}

// ============================================================================ OutputRecord

/**
 * An output record envelope (version 1), for Output.record and publishRecord. Create it once
 * and reset() it per record; write the value into `value`.
 */
export class OutputRecord {
  /** The value: append to it. */
  value: ByteBuf = new ByteBuf(256);
  private key: ByteBuf = new ByteBuf(64);
  private destination: ByteBuf = new ByteBuf(16);
  private properties: ByteBuf = new ByteBuf(128);
  private propertyCount: u32 = 0;
  private flags: u16 = 0;
  private eventTime: i64 = 0;

  /** Clears everything (value, key, event time, destination, properties). */
  reset(): OutputRecord {
    this.value.clear();
    this.key.clear();
    this.destination.clear();
    this.properties.clear();
    this.propertyCount = 0;
    this.flags = 0;
    this.eventTime = 0;
    return this;
  }

  setValueBytes(ptr: usize, len: i32): OutputRecord {
    this.value.clear().pushBytes(ptr, len);
    return this;
  }

  setValueString(s: string): OutputRecord {
    this.value.clear().pushString(s);
    return this;
  }

  /** Sets the key (flag bit0). */
  setKeyBytes(ptr: usize, len: i32): OutputRecord {
    this.key.clear().pushBytes(ptr, len);
    this.flags |= 1;
    return this;
  }

  setKey(key: string): OutputRecord {
    this.key.clear().pushString(key);
    this.flags |= 1;
    return this;
  }

  clearKey(): OutputRecord {
    this.key.clear();
    this.flags &= ~1;
    return this;
  }

  /** Sets the event time, ms since the epoch (flag bit1). */
  setEventTime(ms: i64): OutputRecord {
    this.eventTime = ms;
    this.flags |= 2;
    return this;
  }

  /** Sends it to this topic instead of the output topic (flag bit2; capability publish). */
  setDestination(topic: string): OutputRecord {
    this.destination.clear().pushString(topic);
    this.flags |= 4;
    return this;
  }

  setDestinationBytes(ptr: usize, len: i32): OutputRecord {
    this.destination.clear().pushBytes(ptr, len);
    this.flags |= 4;
    return this;
  }

  /** Sets flag bit3 without adding a property: the record then has exactly the added ones. */
  markProperties(): OutputRecord {
    this.flags |= 8;
    return this;
  }

  addPropertyBytes(namePtr: usize, nameLen: i32, valuePtr: usize, valueLen: i32): OutputRecord {
    const p = this.properties;
    p.pushU32LE(<u32>nameLen).pushBytes(namePtr, nameLen);
    p.pushU32LE(<u32>valueLen).pushBytes(valuePtr, valueLen);
    this.propertyCount++;
    this.flags |= 8;
    return this;
  }

  addProperty(name: string, value: string): OutputRecord {
    const p = this.properties;
    const n = p.len;
    p.pushU32LE(0).pushString(name);
    store<u32>(p.ptr + <usize>n, <u32>(p.len - n - 4));
    const v = p.len;
    p.pushU32LE(0).pushString(value);
    store<u32>(p.ptr + <usize>v, <u32>(p.len - v - 4));
    this.propertyCount++;
    this.flags |= 8;
    return this;
  }

  /** Appends all the input record's properties, in order (and sets flag bit3). */
  copyProperties(rec: Record): OutputRecord {
    for (let i = 0; i < rec.propertyCount; i++) {
      this.addPropertyBytes(rec.propertyNamePtr(i), rec.propertyNameLen(i), rec.propertyValuePtr(i), rec.propertyValueLen(i));
    }
    this.flags |= 8;
    return this;
  }

  /** Writes the envelope into `out` (replacing its content). */
  encodeInto(out: ByteBuf): void {
    out.clear();
    out.reserve(28 + this.value.len + this.key.len + this.destination.len + this.properties.len);
    out.pushByte(1).pushByte(0).pushU16LE(this.flags).pushI64LE(this.eventTime);
    out.pushU32LE(<u32>this.value.len).pushBuf(this.value);
    out.pushU32LE(<u32>this.key.len).pushBuf(this.key);
    out.pushU32LE(<u32>this.destination.len).pushBuf(this.destination);
    out.pushU32LE(this.propertyCount).pushBuf(this.properties);
  }
}

// ============================================================================ Output

// @ts-ignore: decorator
@inline const RECORD_BIT: u64 = 1 << 62;
// @ts-ignore: decorator
@inline const FAILED_BIT: u64 = 1 << 63;

function result(ptr: usize, len: i32, bits: u64): i64 {
  if (<u32>len > 0x3FFFFFFF) return Output.error("output larger than 1 GiB");
  if (ptr == 0) ptr = outBuf.ptr; // an empty output still needs a non-zero result
  return <i64>(bits | (<u64><u32>len << 32) | <u64>ptr);
}

/** The results pulsar_process returns (an i64 per the ABI). */
export namespace Output {
  /** No output: the record is filtered out (its effects are applied). */
  export function none(): i64 {
    return 0;
  }

  /** The output value: `buf`'s bytes, not copied, so leave `buf` alone until the next record. */
  export function value(buf: ByteBuf): i64 {
    return result(buf.ptr, buf.len, 0);
  }

  /**
   * The output value at (ptr, len), not copied: it must stay valid until the next entry
   * (static data, a reused buffer, or the input itself).
   */
  export function valueBytes(ptr: usize, len: i32): i64 {
    return result(ptr, len, 0);
  }

  /** The output value: `s` in UTF-8. */
  export function valueString(s: string): i64 {
    outBuf.clear().pushString(s);
    return result(outBuf.ptr, outBuf.len, 0);
  }

  /** The record failed with `message` (its state, counter and publish effects are dropped). */
  export function error(message: string): i64 {
    errBuf.clear().pushString(message);
    return result(errBuf.ptr, errBuf.len, FAILED_BIT);
  }

  /** As error(), with the message's UTF-8 bytes (copied). */
  export function errorBytes(ptr: usize, len: i32): i64 {
    errBuf.clear().pushBytes(ptr, len);
    return result(errBuf.ptr, errBuf.len, FAILED_BIT);
  }

  /** An output record (encoded into the SDK's output buffer, so `rec` may be reused at once). */
  export function record(rec: OutputRecord): i64 {
    rec.encodeInto(outBuf);
    return result(outBuf.ptr, outBuf.len, RECORD_BIT);
  }
}

// ============================================================================ host calls

/**
 * The out-buffer convention: `n` is what a host call given (into.ptr, into.cap) returned. When
 * n > cap, grows `into` and fetches the value with result_get. Sets into.len and returns the
 * length, or the negative status (into is then empty). Call it right after the host call.
 * For pulsar_user bytes functions:
 *
 *   @external("pulsar_user", "lookup") declare function lookup(p: usize, l: usize, b: usize, c: usize): i32;
 *   const st = completeOutBuffer(lookup(arg.ptr, arg.len, res.ptr, res.cap), res);
 */
export function completeOutBuffer(n: i32, into: ByteBuf): i32 {
  if (n < 0) {
    into.len = 0;
    return n;
  }
  if (n <= into.cap) {
    into.len = n;
    return n;
  }
  into.len = 0;
  into.reserve(n);
  const m = pulsar_v1_result_get(into.ptr, <usize>into.cap);
  if (m < 0) return m;
  if (m > into.cap) return HOST_ERROR; // the value changed size: not per the ABI
  into.len = m;
  return m;
}

/** Logs a line (0 trace .. 4 error); invalid UTF-8 is replaced, lines over 8 KiB are cut. */
export function log(level: i32, message: string): i32 {
  const b = logBuf_.clear().pushString(message);
  return pulsar_v1_log(level, b.ptr, <usize>b.len);
}

export function logBuf(level: i32, message: ByteBuf): i32 {
  return pulsar_v1_log(level, message.ptr, <usize>message.len);
}

export function logBytes(level: i32, ptr: usize, len: i32): i32 {
  return pulsar_v1_log(level, ptr, <usize>len);
}

/** The user config value for `key` into `into`: its length, or NOT_FOUND. */
export function configGet(key: string, into: ByteBuf): i32 {
  const k = name(key);
  return completeOutBuffer(pulsar_v1_config_get(k.ptr, <usize>k.len, into.ptr, <usize>into.cap), into);
}

/** The user config value for `key` as a string (allocates), or null. */
export function configGetString(key: string): string | null {
  return configGet(key, valueBuf) >= 0 ? valueBuf.toString() : null;
}

/** A state value into `into`: its length, or NOT_FOUND (or another status). Capability state. */
export function stateGet(key: string, into: ByteBuf): i32 {
  const k = name(key);
  return completeOutBuffer(pulsar_v1_state_get(k.ptr, <usize>k.len, into.ptr, <usize>into.cap), into);
}

/** A state value as a string (allocates), or null. */
export function stateGetString(key: string): string | null {
  return stateGet(key, valueBuf) >= 0 ? valueBuf.toString() : null;
}

export function statePut(key: string, value: ByteBuf): i32 {
  const k = name(key);
  return pulsar_v1_state_put(k.ptr, <usize>k.len, value.ptr, <usize>value.len);
}

export function statePutBytes(key: string, ptr: usize, len: i32): i32 {
  const k = name(key);
  return pulsar_v1_state_put(k.ptr, <usize>k.len, ptr, <usize>len);
}

export function statePutString(key: string, value: string): i32 {
  const k = name(key);
  const v = valueBuf.clear().pushString(value);
  return pulsar_v1_state_put(k.ptr, <usize>k.len, v.ptr, <usize>v.len);
}

export function stateDelete(key: string): i32 {
  const k = name(key);
  return pulsar_v1_state_delete(k.ptr, <usize>k.len);
}

export function counterIncr(key: string, delta: i64): i32 {
  const k = name(key);
  return pulsar_v1_counter_incr(k.ptr, <usize>k.len, delta);
}

/** The status of the last counterGet. */
export let counterGetStatus: i32 = 0;

/** A counter's value (this record's increments included); 0 on failure, see counterGetStatus. */
export function counterGet(key: string): i64 {
  const k = name(key);
  store<i64>(counterSlot, 0);
  counterGetStatus = pulsar_v1_counter_get(k.ptr, <usize>k.len, counterSlot);
  return counterGetStatus < 0 ? 0 : load<i64>(counterSlot);
}

export function metric(metricName: string, value: f64): i32 {
  const k = name(metricName);
  return pulsar_v1_metric(k.ptr, <usize>k.len, value);
}

/** Publishes a value to `topic` (capability publish for it; sent when the record succeeds). */
export function publish(topic: string, value: ByteBuf): i32 {
  const t = name(topic);
  return pulsar_v1_publish(t.ptr, <usize>t.len, value.ptr, <usize>value.len, 0);
}

export function publishBytes(topic: string, ptr: usize, len: i32): i32 {
  const t = name(topic);
  return pulsar_v1_publish(t.ptr, <usize>t.len, ptr, <usize>len, 0);
}

export function publishString(topic: string, value: string): i32 {
  const t = name(topic);
  const v = valueBuf.clear().pushString(value);
  return pulsar_v1_publish(t.ptr, <usize>t.len, v.ptr, <usize>v.len, 0);
}

/** Publishes a record (value, key, properties, event time) to `topic`. */
export function publishRecord(topic: string, rec: OutputRecord): i32 {
  const t = name(topic);
  return publishRecordBytes(t.ptr, t.len, rec);
}

/** As publishRecord, with the topic's UTF-8 bytes (for example a ByteBuf from configGet). */
export function publishRecordBytes(topicPtr: usize, topicLen: i32, rec: OutputRecord): i32 {
  rec.encodeInto(pubBuf);
  return pulsar_v1_publish(topicPtr, <usize>topicLen, pubBuf.ptr, <usize>pubBuf.len, 1);
}
