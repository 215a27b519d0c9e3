// A Pulsar function in AssemblyScript: greets the name in each message ("Ada" -> "Hello, Ada!").
// ABI v1 on the SDK in sdk/ (built with the stub runtime, which never frees: so nothing here
// allocates per message). Build: ./build.sh out/function.wasm
import { ByteBuf, Level, NOT_FOUND, Output, configGet, counterIncr, logBuf } from "./sdk/pulsar";
export { pulsar_abi_version_1, pulsar_alloc, pulsar_free } from "./sdk/pulsar";

// Created once and reused for every message.
const greeting = new ByteBuf(64);
const out = new ByteBuf(128);
const line = new ByteBuf(128);

// The host calls this with the message value at (ptr, len), valid during this call only.
export function pulsar_process(ptr: usize, len: i32): i64 {
  // An error result fails this message only (Java gets a WasmGuestException); a trap would
  // also throw the instance away.
  if (len == 0) return Output.error("empty name");

  const status = configGet("greeting", greeting);
  if (status == NOT_FOUND) greeting.clear().pushString("Hello");
  else if (status < 0) return Output.error("cannot read config greeting");

  out.clear().pushBuf(greeting).pushString(", ").pushBytes(ptr, len).pushString("!");

  line.clear().pushString("greeted ").pushBytes(ptr, len);
  logBuf(Level.INFO, line);

  // Needs the state grant; without it the host refuses (NOT_PERMITTED) and warns once, and
  // the greeting still goes out.
  counterIncr("greeted", 1);

  return Output.value(out); // not copied: `out` stays untouched until the next message
}
