// A bytes function: ASCII letters to upper case, everything else as it is.
import { ByteBuf, Output } from "../../sdk/assemblyscript/pulsar";
export { pulsar_abi_version_1, pulsar_alloc, pulsar_free } from "../../sdk/assemblyscript/pulsar";

const out = new ByteBuf(); // once, reused for every record
export function pulsar_process(ptr: usize, len: i32): i64 {
  out.clear().pushBytes(ptr, len);
  for (let i = 0; i < out.len; i++) {
    const c = load<u8>(out.ptr + <usize>i);
    if (c >= 0x61 && c <= 0x7a) store<u8>(out.ptr + <usize>i, c - 32);
  }
  return Output.value(out);
}
