use std::time::Instant;
use wasix_baseline::{common::*, compile, instantiate};

fn main() {
    let rounds: usize = std::env::args().nth(1).map(|s| s.parse().unwrap()).unwrap_or(5);
    let t0 = threads();
    // No async runtime in the baseline: t1 is taken at the same point as in the wasix bin.
    let t1 = threads();
    let engine = wasmer::Engine::default();
    let m_write = compile(&engine, WAT_FD_WRITE);
    let m_pure = compile(&engine, WAT_PURE);
    let t2 = threads();
    let i0 = Instant::now();
    let mut g = instantiate(&engine, &m_write);
    let inst_us = i0.elapsed().as_secs_f64() * 1e6;
    let t3 = threads();
    for i in 0..1000 {
        assert_eq!(g.apply.call(&mut g.store, i).unwrap(), i);
    }
    let t4 = threads();
    assert_eq!(g.env.as_ref(&g.store).out.len(), 5 * 1000);
    assert_eq!(&g.env.as_ref(&g.store).out[..5], b"hello");

    let i0 = Instant::now();
    let mut p = instantiate(&engine, &m_pure);
    let inst_pure_us = i0.elapsed().as_secs_f64() * 1e6;

    let mut w = Vec::new();
    let mut q = Vec::new();
    for _ in 0..rounds {
        g.env.as_mut(&mut g.store).out.clear();
        w.push(mean_ns(|x| g.apply.call(&mut g.store, x).unwrap()));
        let n = g.env.as_ref(&g.store).out.len() as u64;
        assert_eq!(n, 5 * (WARMUP + CALLS));
        q.push(mean_ns(|x| p.apply.call(&mut p.store, x).unwrap()));
    }
    let t5 = threads();
    report("baseline (hand-written fd_write)", [t0, t1, t2, t3, t4, t5], inst_us, inst_pure_us, &w, &q);
}
