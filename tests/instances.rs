//! Instances are freed: on unload, and when the threads that made them exit.
//!
//! A file of its own, so that no other test creates instances in the same process while this
//! one counts them.

use std::sync::mpsc;

use pulsar_wasm::{bind_i64, call_bound_i64, call_i64, instances_in_use, load_i64, unload, Error, ThreadKey};

fn unary(body: &str) -> Vec<u8> {
    format!(r#"(module (func (export "apply") (param i64) (result i64) {body}))"#).into_bytes()
}

#[test]
fn instances_are_freed_on_unload_and_on_thread_exit() -> Result<(), Error> {
    assert_eq!(instances_in_use(), 0);
    let f = load_i64(&unary("local.get 0 i64.const 1 i64.add"), "apply")?;
    let g = load_i64(&unary("local.get 0 i64.const 2 i64.mul"), "apply")?;
    assert_eq!(instances_in_use(), 0, "loading creates no instance");
    assert_eq!(call_i64(f, 1)?, 2);
    let key = ThreadKey::current();
    let bound = bind_i64(g, key)?;
    assert_eq!(call_bound_i64(g, bound, key, 4)?, 8);
    assert_eq!(instances_in_use(), 2);

    let threads: Vec<_> = (0..16)
        .map(|_| {
            std::thread::spawn(move || -> Result<(), Error> {
                let key = ThreadKey::current();
                let bound = bind_i64(g, key)?;
                for i in 0..100 {
                    assert_eq!(call_i64(f, i)?, i + 1);
                    assert_eq!(call_bound_i64(g, bound, key, i)?, i * 2);
                }
                Ok(())
            })
        })
        .collect();
    for thread in threads {
        thread.join().map_err(|_| Error::Closed)??;
    }
    assert_eq!(instances_in_use(), 2, "exited threads freed their instances");

    // A thread that stays alive keeps its instance of g until its next call after the unload.
    let (go, wait) = mpsc::channel::<()>();
    let (ready, is_ready) = mpsc::channel::<()>();
    let holder = std::thread::spawn(move || -> Result<i64, Error> {
        call_i64(g, 1)?;
        let _ = ready.send(());
        let _ = wait.recv();
        call_i64(f, 1)
    });
    is_ready.recv().map_err(|_| Error::Closed)?;
    assert_eq!(instances_in_use(), 3);
    assert!(unload(g));
    assert_eq!(
        instances_in_use(),
        2,
        "unload freed this thread's instance of g at once"
    );
    let _ = go.send(());
    assert_eq!(holder.join().map_err(|_| Error::Closed)??, 2);
    assert_eq!(
        instances_in_use(),
        1,
        "the holder freed g on its next call, and f at exit"
    );
    assert!(unload(f));
    assert_eq!(instances_in_use(), 0);
    Ok(())
}
