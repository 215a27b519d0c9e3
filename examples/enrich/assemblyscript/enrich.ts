// "enrich", ABI v1, in AssemblyScript with the SDK in sdk/assemblyscript (the same behaviour as
// the C, Zig and Rust versions; only LANG differs). Input: the record envelope.
//
// - property `drop` = `true`: filtered, no effects;
// - the value, trimmed of ASCII whitespace, must be `{...}`, else the error `not a JSON object`;
// - output value: the object with "source":"<property source|unknown>",
//   "env":"<config env|none>", "score":<pulsar_user.score(trimmed length)>,
//   "lang":"assemblyscript" appended;
// - logs `enriched <key|(no key)>` (info), increments counter `enriched`, publishes the score
//   (key = the input's) to config `side_topic` when set (warns when refused);
// - returns a record: key = the input's, properties = the input's + `lang`.
//
// Nothing is allocated per record (the stub runtime never frees): the buffers below are
// created once and reused. Build: build.sh.

import {
  ByteBuf, Level, Output, OutputRecord, Record,
  configGet, counterIncr, logBuf, processRecord, publishRecordBytes,
} from "../../../sdk/assemblyscript/pulsar";
export {
  pulsar_abi_version_1, pulsar_alloc, pulsar_free, pulsar_wants_record,
} from "../../../sdk/assemblyscript/pulsar";

// A Java host function (LongUnaryOperator).
// @ts-ignore: decorator
@external("pulsar_user", "score")
declare function score(n: i64): i64;

const LANG = "assemblyscript";

const env = new ByteBuf(64);
const sideTopic = new ByteBuf(64);
const line = new ByteBuf(128);
const out = new OutputRecord();
const side = new OutputRecord();

export function pulsar_process(ptr: usize, len: usize): i64 {
  return processRecord(ptr, len, enrich);
}

// @ts-ignore: decorator
@inline
function isSpace(c: u8): bool {
  return c == 0x20 || c == 0x09 || c == 0x0D || c == 0x0A;
}

function enrich(rec: Record): i64 {
  if (rec.propertyEquals("drop", "true")) return Output.none();

  let s = rec.valuePtr;
  let e = s + <usize>rec.valueLen;
  while (s < e && isSpace(load<u8>(s))) s++;
  while (e > s && isSpace(load<u8>(e - 1))) e--;
  const n = <i32>(e - s);
  if (n < 2 || load<u8>(s) != 0x7B || load<u8>(e - 1) != 0x7D) {
    return Output.error("not a JSON object");
  }

  const source = rec.findProperty("source");
  if (configGet("env", env) < 0) env.clear().pushString("none");
  const sc = score(<i64>n);

  const v = out.reset().value;
  v.pushBytes(s, n - 1); // without the final `}`
  for (let p = s + 1; p < e - 1; p++) {
    if (!isSpace(load<u8>(p))) {
      v.pushByte(0x2C); // `,`
      break;
    }
  }
  v.pushString("\"source\":\"");
  if (source >= 0) v.pushBytes(rec.propertyValuePtr(source), rec.propertyValueLen(source));
  else v.pushString("unknown");
  v.pushString("\",\"env\":\"").pushBuf(env);
  v.pushString("\",\"score\":").pushI64(sc);
  v.pushString(",\"lang\":\"").pushString(LANG).pushString("\"}");

  line.clear().pushString("enriched ");
  if (rec.hasKey) line.pushBytes(rec.keyPtr, rec.keyLen);
  else line.pushString("(no key)");
  logBuf(Level.INFO, line);

  counterIncr("enriched", 1);

  if (configGet("side_topic", sideTopic) >= 0) {
    side.reset().value.pushI64(sc);
    if (rec.hasKey) side.setKeyBytes(rec.keyPtr, rec.keyLen);
    const status = publishRecordBytes(sideTopic.ptr, sideTopic.len, side);
    if (status < 0) {
      line.clear().pushString("publish to ").pushBuf(sideTopic);
      line.pushString(" refused: ").pushI64(<i64>status);
      logBuf(Level.WARN, line);
    }
  }

  if (rec.hasKey) out.setKeyBytes(rec.keyPtr, rec.keyLen);
  out.copyProperties(rec).addProperty("lang", LANG);
  return Output.record(out);
}
