//! A guest that allocates without end meets its memory cap on every thread, and its memory is
//! given back: the process's resident memory stays bounded. (A file of its own: the process's
//! RSS must not move with other tests.)

use std::time::Duration;

use pulsar_wasm::{call_i64, load_i64, unload, Error, Limits};

/// Grows memory a page at a time and fills every new page (so all of it is resident), until
/// memory.grow fails; then traps, as a guest whose allocation failed does.
const GREEDY: &str = r#"(module (memory (export "memory") 1)
  (func (export "apply") (param i64) (result i64) (local $page i32)
    (loop $more
      (local.set $page (memory.grow (i32.const 1)))
      (if (i32.ne (local.get $page) (i32.const -1))
        (then
          (memory.fill (i32.shl (local.get $page) (i32.const 16)) (i32.const 1) (i32.const 65536))
          (br $more))))
    unreachable))"#;

/// `VmRSS` (resident now) or `VmHWM` (the most resident so far) of this process, in MiB.
fn status_mib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|kib| kib.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kib| kib / 1024)
}

#[test]
fn a_greedy_guest_meets_its_cap_on_every_thread_and_gives_its_memory_back() {
    const CAP_PAGES: u32 = 512; // 32 MiB
    const THREADS: usize = 4;
    let limits = Limits {
        memory_pages: CAP_PAGES,
        timeout: Some(Duration::from_secs(30)),
        ..Limits::default()
    };
    let handle = match load_i64(GREEDY.as_bytes(), "apply", limits) {
        Ok(handle) => handle,
        Err(err) => panic!("{err}"),
    };
    let before = status_mib("VmRSS:");
    let peak_before = status_mib("VmHWM:");
    for round in 0..5 {
        let workers: Vec<_> = (0..THREADS)
            .map(|_| std::thread::spawn(move || call_i64(handle, 0)))
            .collect();
        for worker in workers {
            let outcome = worker.join().unwrap_or_else(|_| panic!("worker panicked"));
            assert!(
                matches!(outcome, Err(Error::MemoryCapTrap { pages: CAP_PAGES, .. })),
                "round {round}: {outcome:?}"
            );
        }
        let (now, peak) = (status_mib("VmRSS:"), status_mib("VmHWM:"));
        eprintln!("round {round}: RSS {now} MiB, peak {peak} MiB (from {before} MiB, peak {peak_before} MiB)");
        // Each thread's instance held at most the cap, and was dropped after its trap.
        assert!(now <= before + 16, "round {round}: RSS grew from {before} to {now} MiB");
    }
    let cap_mib = u64::from(CAP_PAGES) / 16;
    let peak = status_mib("VmHWM:");
    assert!(
        peak > before + cap_mib,
        "the guest never filled its memory: peak {peak} MiB from {before}"
    );
    assert!(
        peak <= before + cap_mib * THREADS as u64 + 16,
        "RSS peaked at {peak} MiB from {before}: more than {THREADS} threads x {cap_mib} MiB"
    );
    assert!(unload(handle));
}
