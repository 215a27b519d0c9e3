use std::time::Instant;
use wasix_measure::{common::*, compile, instantiate, new_tokio};

fn main() {
    let rounds: usize = std::env::args().nth(1).map(|s| s.parse().unwrap()).unwrap_or(5);
    let t0 = threads();
    let rt = new_tokio();
    let t1 = threads();
    let engine = wasmer::Engine::default();
    let m_write = compile(&engine, WAT_FD_WRITE);
    let m_pure = compile(&engine, WAT_PURE);
    let t2 = threads();
    let i0 = Instant::now();
    let mut g = instantiate(rt.handle(), &engine, &m_write);
    let inst_us = i0.elapsed().as_secs_f64() * 1e6;
    let t3 = threads();
    for i in 0..1000 {
        assert_eq!(g.apply.call(&mut g.store, i).unwrap(), i);
    }
    let t4 = threads();
    assert_eq!(g.out.lock().unwrap().len(), 5 * 1000);
    assert_eq!(&g.out.lock().unwrap()[..5], b"hello");

    let i0 = Instant::now();
    let mut p = instantiate(rt.handle(), &engine, &m_pure);
    let inst_pure_us = i0.elapsed().as_secs_f64() * 1e6;

    let mut w = Vec::new();
    let mut q = Vec::new();
    for _ in 0..rounds {
        g.out.lock().unwrap().clear();
        w.push(mean_ns(|x| g.apply.call(&mut g.store, x).unwrap()));
        let n = g.out.lock().unwrap().len() as u64;
        assert_eq!(n, 5 * (WARMUP + CALLS));
        q.push(mean_ns(|x| p.apply.call(&mut p.store, x).unwrap()));
    }
    let t5 = threads();
    report("wasmer-wasix (sys-minimal)", [t0, t1, t2, t3, t4, t5], inst_us, inst_pure_us, &w, &q);
    // Exit without running the wasix/tokio teardown.
    std::process::exit(0);
}
