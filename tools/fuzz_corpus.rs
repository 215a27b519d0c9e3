//! Writes the wasm-smith modules for the Java fuzz test (`FuzzTest`): `fuzz_corpus <file> <count>`
//! writes `count` generated modules (see tests/support/smith.rs), each as a 4-byte big-endian
//! length and the bytes.

#[path = "../tests/support/smith.rs"]
#[allow(dead_code)] // the mutations serve tests/fuzz.rs only
mod smith;

use std::io::Write;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(file), Some(count)) = (args.next(), args.next()) else {
        return Err("usage: fuzz_corpus <file> <count>".into());
    };
    let count: u64 = count.parse()?;
    let mut out = std::io::BufWriter::new(std::fs::File::create(&file)?);
    let (mut written, mut seed) = (0u64, 0x00c0_ffeeu64);
    while written < count {
        seed += 1;
        if let Some(module) = smith::smith_module(seed) {
            out.write_all(&u32::try_from(module.len())?.to_be_bytes())?;
            out.write_all(&module)?;
            written += 1;
        }
    }
    out.flush()?;
    println!("{file}: {written} modules");
    Ok(())
}
