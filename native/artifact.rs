//! Precompiled modules: wasmer's serialized form of a compiled module, sealed with a footer that
//! says what made it, and checked against that before wasmer sees it.
//!
//! An artifact is machine code. wasmer's `Module::deserialize` checks a header, the target and
//! the CPU features, and nothing else: a truncated or corrupt artifact, or one made by another
//! build of wasmer or of this library (other compiler settings, other metering, another way of
//! rewriting start functions), would be undefined behaviour, not an error. So an artifact is
//! loaded only when its footer names this very build ([`BUILD`]), this machine's target and a
//! subset of its CPU features, the same fuel metering, the same WebAssembly module (by SHA-256),
//! and when the artifact's bytes hash to the checksum (XXH3-128) the footer records. Anything else is
//! refused with the reason, and the module is compiled instead.
//!
//! The checks find stale, foreign and damaged artifacts; they do not make a hostile one safe (a
//! forger can write a matching footer). An artifact is trusted as much as the code that ships
//! it: one beside the `.wasm` in a function's jar comes with that jar's Java classes, which run
//! unsandboxed anyway, and the cache directory must belong to the worker's user and be writable
//! by no one else ([`cache_file`]).
//!
//! Layout: `artifact · header · u32 header length · u32 format · magic`, little endian. The
//! artifact comes first so that a buffer holding the whole file becomes wasmer's input by
//! truncation, without a copy (loading a Go module's artifact is a few milliseconds, and a copy
//! of its 10 MiB would be a good part of that). The header is text, `key value` per line, so that
//! `tail -c 600 x.artifact` shows what made it.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use enumset::EnumSet;
use wasmer::sys::{CpuFeature, Target, Triple};
use wasmer::{Engine, Module};

use crate::error::{Error, Result};
use crate::limits::EngineConfig;

/// This library build: its version and a hash of its sources, locked dependencies and compiler
/// (see `build.rs`).
pub const BUILD: &str = env!("PULSAR_WASM_BUILD");

/// The wasmer version this library embeds.
pub const WASMER: &str = env!("PULSAR_WASM_WASMER");

const MAGIC: &[u8; 8] = b"PWASMART";
const FORMAT: u32 = 1;
/// The fixed part at the very end: header length, format, magic.
const TRAILER: usize = 4 + 4 + MAGIC.len();
/// Headers are a few hundred bytes; a larger one is not ours.
const MAX_HEADER: usize = 64 << 10;

/// The CPU an artifact may assume.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cpu {
    /// This machine's features: for artifacts used where they are made (the cache directory).
    Host,
    /// x86-64-v2 (SSE4.2, POPCNT): what every x86-64 server of the last fifteen years has.
    X86_64V2,
    /// x86-64-v3 (AVX2, BMI1/2, FMA, LZCNT): most servers since 2015.
    X86_64V3,
}

impl Cpu {
    /// `host`, `x86-64-v2` or `x86-64-v3`.
    pub fn from_name(name: &str) -> Option<Cpu> {
        match name {
            "host" => Some(Cpu::Host),
            "x86-64-v2" => Some(Cpu::X86_64V2),
            "x86-64-v3" => Some(Cpu::X86_64V3),
            _ => None,
        }
    }

    fn features(self) -> Result<EnumSet<CpuFeature>> {
        use CpuFeature::*;
        let v2 = SSE2 | SSE3 | SSSE3 | SSE41 | SSE42 | POPCNT;
        let features = match self {
            Cpu::Host => return Ok(CpuFeature::for_host()),
            Cpu::X86_64V2 => v2,
            Cpu::X86_64V3 => v2 | AVX | AVX2 | BMI1 | BMI2 | FMA | LZCNT,
        };
        if !cfg!(target_arch = "x86_64") {
            return Err(Error::InvalidArgument(format!(
                "{self:?} names x86-64 CPUs; this machine is {}: use `host`",
                std::env::consts::ARCH
            )));
        }
        Ok(features)
    }

    /// The target to compile for.
    pub(crate) fn target(self) -> Result<Target> {
        Ok(Target::new(Triple::host(), self.features()?))
    }
}

/// What an artifact's footer says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtifactInfo {
    /// The library build that made it ([`BUILD`] of that build).
    pub build: String,
    /// The wasmer version that made it.
    pub wasmer: String,
    /// The target triple it was compiled for.
    pub target: String,
    /// The CPU features its code may use, lower case.
    pub cpu: Vec<String>,
    /// Whether fuel metering is compiled in.
    pub metered: bool,
    /// Hex SHA-256 of the WebAssembly binary it was compiled from.
    pub wasm_sha256: String,
    /// Length of the serialized module.
    pub artifact_bytes: usize,
    /// Hex XXH3-128 of the serialized module.
    pub artifact_xxh3: String,
}

impl ArtifactInfo {
    fn header(&self) -> String {
        let mut text = String::from("pulsar-wasm artifact\n");
        let _ = writeln!(text, "build {}", self.build);
        let _ = writeln!(text, "wasmer {}", self.wasmer);
        let _ = writeln!(text, "target {}", self.target);
        let _ = writeln!(text, "cpu {}", self.cpu.join(" "));
        let _ = writeln!(text, "fuel {}", if self.metered { "yes" } else { "no" });
        let _ = writeln!(text, "wasm-sha256 {}", self.wasm_sha256);
        let _ = writeln!(text, "artifact-bytes {}", self.artifact_bytes);
        let _ = writeln!(text, "artifact-xxh3-128 {}", self.artifact_xxh3);
        text
    }

    fn parse(header: &str) -> Option<ArtifactInfo> {
        let mut lines = header.lines();
        if lines.next()? != "pulsar-wasm artifact" {
            return None;
        }
        let mut field = |key: &str| {
            let line = lines.next()?;
            line.strip_prefix(key)?.strip_prefix(' ').map(str::to_owned)
        };
        Some(ArtifactInfo {
            build: field("build")?,
            wasmer: field("wasmer")?,
            target: field("target")?,
            cpu: field("cpu")?.split_whitespace().map(str::to_owned).collect(),
            metered: match field("fuel")?.as_str() {
                "yes" => true,
                "no" => false,
                _ => return None,
            },
            wasm_sha256: field("wasm-sha256")?,
            artifact_bytes: field("artifact-bytes")?.parse().ok()?,
            artifact_xxh3: field("artifact-xxh3-128")?,
        })
    }

    /// One line for logs: what made it, for which CPU, with or without fuel.
    pub fn summary(&self) -> String {
        format!(
            "pulsar-wasm build {}, wasmer {}, {} [{}], fuel {}, module sha256 {}, {} bytes of code",
            self.build,
            self.wasmer,
            self.target,
            self.cpu.join(" "),
            if self.metered { "yes" } else { "no" },
            self.wasm_sha256,
            self.artifact_bytes
        )
    }
}

/// The checksum of an artifact's code: it finds damage (a disk, a copy, a partial write), not
/// forgery, which no checksum in an unauthenticated footer could.
fn checksum(code: &[u8]) -> String {
    format!("{:032x}", twox_hash::XxHash3_128::oneshot(code))
}

fn feature_names(features: EnumSet<CpuFeature>) -> Vec<String> {
    features.iter().map(|f| format!("{f:?}").to_lowercase()).collect()
}

/// Seals a module serialized by `engine` (compiled for `target`) from the wasm with `wasm_sha256`.
pub(crate) fn seal(serialized: &[u8], target: &Target, metered: bool, wasm_sha256: &str) -> Vec<u8> {
    let info = ArtifactInfo {
        build: BUILD.to_owned(),
        wasmer: WASMER.to_owned(),
        target: target.triple().to_string(),
        cpu: feature_names(*target.cpu_features()),
        metered,
        wasm_sha256: wasm_sha256.to_owned(),
        artifact_bytes: serialized.len(),
        artifact_xxh3: checksum(serialized),
    };
    let header = info.header();
    let mut out = Vec::with_capacity(serialized.len() + header.len() + TRAILER);
    out.extend_from_slice(serialized);
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(&(header.len() as u32).to_le_bytes());
    out.extend_from_slice(&FORMAT.to_le_bytes());
    out.extend_from_slice(MAGIC);
    out
}

/// Reads the footer of a sealed artifact. The artifact's bytes themselves are not checked here.
pub fn read_info(sealed: &[u8]) -> std::result::Result<ArtifactInfo, String> {
    let not_ours = || "it is not an artifact made by pulsar-wasm (no pulsar-wasm footer)".to_owned();
    let trailer_at = sealed.len().checked_sub(TRAILER).ok_or_else(not_ours)?;
    let trailer = &sealed[trailer_at..];
    if &trailer[8..] != MAGIC {
        return Err(not_ours());
    }
    let format = u32::from_le_bytes([trailer[4], trailer[5], trailer[6], trailer[7]]);
    if format != FORMAT {
        return Err(format!(
            "its format is version {format}, and this library reads version {FORMAT}: precompile it again with this library"
        ));
    }
    let header_len = u32::from_le_bytes([trailer[0], trailer[1], trailer[2], trailer[3]]) as usize;
    let header_at = trailer_at
        .checked_sub(header_len)
        .filter(|_| header_len <= MAX_HEADER)
        .ok_or_else(|| "it is truncated (its footer is longer than the file)".to_owned())?;
    let info = std::str::from_utf8(&sealed[header_at..trailer_at])
        .ok()
        .and_then(ArtifactInfo::parse)
        .ok_or_else(|| "its footer is damaged".to_owned())?;
    if info.artifact_bytes != header_at {
        return Err(format!(
            "it is truncated or damaged: its footer promises {} bytes of code, and {header_at} precede it",
            info.artifact_bytes
        ));
    }
    Ok(info)
}

/// Why this library cannot load an artifact on this machine, whatever its module; `None` when
/// it can.
pub fn incompatibility(info: &ArtifactInfo) -> Option<String> {
    if info.build != BUILD {
        return Some(format!(
            "it was made by pulsar-wasm build {} and this is build {BUILD} (wasmer {}): precompile it again with this library",
            info.build,
            WASMER
        ));
    }
    let host = Triple::host().to_string();
    if info.target != host {
        return Some(format!("it was made for {} and this machine is {host}", info.target));
    }
    let have = feature_names(CpuFeature::for_host());
    let missing: Vec<&str> = info
        .cpu
        .iter()
        .filter(|f| !have.contains(f))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        return Some(format!(
            "its code uses CPU features this machine lacks ({}): precompile with a lower --cpu, e.g. x86-64-v2",
            missing.join(" ")
        ));
    }
    None
}

/// Why a sealed artifact cannot stand for the module with `wasm_sha256` on this machine, in an
/// engine with `config`; `None` when it can.
fn mismatch(info: &ArtifactInfo, wasm_sha256: &str, config: &EngineConfig) -> Option<String> {
    if let Some(why) = incompatibility(info) {
        return Some(why);
    }
    if info.metered != config.metered {
        return Some(if config.metered {
            "it was made without fuel metering and this function has a fuel limit: precompile with --fuel".to_owned()
        } else {
            "it was made with fuel metering and this function has no fuel limit: precompile without --fuel".to_owned()
        });
    }
    if info.wasm_sha256 != wasm_sha256 {
        return Some(format!(
            "it was made from another module (sha256 {}) than this one ({wasm_sha256}): precompile it again",
            info.wasm_sha256
        ));
    }
    None
}

/// The module in `sealed`, deserialized into a new engine with `config`, if the footer matches
/// this build, machine, metering and module and the code is intact. `Err` says why not.
pub(crate) fn open(
    mut sealed: Vec<u8>,
    wasm_sha256: &str,
    config: &EngineConfig,
) -> std::result::Result<(Engine, Module), String> {
    let info = read_info(&sealed)?;
    if let Some(why) = mismatch(&info, wasm_sha256, config) {
        return Err(why);
    }
    sealed.truncate(info.artifact_bytes);
    if checksum(&sealed) != info.artifact_xxh3 {
        return Err("it is damaged: its code does not match the checksum in its footer".to_owned());
    }
    let engine = crate::module::new_engine(config, None);
    let deserialized = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // SAFETY: `Module::deserialize` trusts its input to be a module serialized by the same
        // wasmer with the same settings; anything else is undefined behaviour. These bytes are
        // exactly (XXH3-128 over every byte, length from the footer) what `Module::serialize`
        // produced in a build of this library whose stamp equals ours (`BUILD`: a hash of its
        // sources, locked dependencies and compiler, so the same wasmer, Cranelift settings,
        // metering and start-function rewrite), for this OS and architecture, for CPU features
        // this machine has, with the metering this engine expects. The engine's tunables only
        // create memories and tables at instantiation (styles are part of the artifact, made by
        // the same base tunables from the module's declared types), so its caps apply as they
        // do to a module compiled here. Bytes that merely come from another build, module or
        // machine, or were damaged, never get here. A forged artifact with a matching footer is
        // outside this argument: whoever passes artifact bytes (a jar's resource, Java code in
        // the library's package calling the native with made-up values) is Java code of this
        // process, already unsandboxed, and trusted as much (see the module docs). The cache
        // directory is refused unless only this user can write it.
        unsafe { Module::deserialize(&engine, sealed) }
    }))
    .map_err(|panic| format!("wasmer failed to load it ({})", crate::error::panic_text(&*panic)))?;
    let module = deserialized.map_err(|e| format!("wasmer refused it: {e}"))?;
    Ok((engine, module))
}

/// The cache file for the module with `wasm_sha256` under `dir`, after checking that `dir` can be
/// trusted (created, owned by this process's user, writable by no one else). Files are named by
/// build, so workers running different builds of the library share a directory without
/// overwriting each other's artifacts.
pub(crate) fn cache_file(dir: &Path, wasm_sha256: &str, metered: bool) -> std::result::Result<PathBuf, String> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
    let shown = dir.display();
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| format!("the artifact cache {shown} cannot be created: {e}"))?;
    let meta = std::fs::metadata(dir).map_err(|e| format!("the artifact cache {shown} cannot be read: {e}"))?;
    // SAFETY: geteuid takes no arguments, cannot fail and touches no memory of ours.
    let me = unsafe { libc::geteuid() };
    if meta.uid() != me {
        return Err(format!(
            "the artifact cache {shown} belongs to user {} and this process runs as {me}: artifacts are machine code, \
             so only a directory of this user is used",
            meta.uid()
        ));
    }
    if meta.permissions().mode() & 0o022 != 0 {
        return Err(format!(
            "the artifact cache {shown} is writable by other users (mode {:o}): artifacts are machine code, so \
             the directory must be writable by its owner only (chmod go-w)",
            meta.permissions().mode() & 0o7777
        ));
    }
    let fuel = if metered { "fuel" } else { "nofuel" };
    Ok(dir.join(format!("{wasm_sha256}-{fuel}-{BUILD}.artifact")))
}

/// Writes `sealed` to `path` whole or not at all: a reader never sees half a file.
pub(crate) fn write_atomically(path: &Path, sealed: &[u8]) -> std::io::Result<()> {
    let unique = format!(
        ".{}.{}.{:?}.tmp",
        path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default(),
        std::process::id(),
        std::thread::current().id()
    );
    let temp = path.with_file_name(unique.replace(['(', ')'], ""));
    let result = std::fs::File::create(&temp)
        .and_then(|mut file| file.write_all(sealed).and_then(|()| file.sync_all()))
        .and_then(|()| std::fs::rename(&temp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}
