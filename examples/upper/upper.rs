//! A bytes function: ASCII letters to upper case, everything else as it is.
#![no_std]
use pulsar_wasm_guest::{self as pulsar, Buf, Output};

pulsar::bytes_function!(|value: &[u8]| -> Output {
    let mut out = Buf::from_slice(value);
    out.as_mut_slice().make_ascii_uppercase();
    Output::from_buf(out)
});
