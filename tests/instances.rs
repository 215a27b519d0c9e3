//! Instances are freed: on unload, on the owning thread's next call, and when threads exit.
//!
//! A file of its own, so that no other test creates instances in the same process while this
//! one counts them.

use std::sync::mpsc;

use pulsar_wasm::{call_i64, functions_loaded, instances_in_use, load_i64, unload, Error, Limits};

fn unary(body: &str) -> Vec<u8> {
    format!(r#"(module (func (export "apply") (param i64) (result i64) {body}))"#).into_bytes()
}

#[test]
fn instances_are_freed_on_unload_and_on_thread_exit() -> Result<(), Error> {
    instances_on_unload_and_exit()?;
    many_functions_many_threads_and_churn()
}

fn instances_on_unload_and_exit() -> Result<(), Error> {
    assert_eq!(instances_in_use(), 0);
    let f = load_i64(&unary("local.get 0 i64.const 1 i64.add"), "apply", Limits::default())?;
    let g = load_i64(&unary("local.get 0 i64.const 2 i64.mul"), "apply", Limits::default())?;
    assert_eq!(instances_in_use(), 0, "loading creates no instance");
    assert_eq!(call_i64(f, 1)?, 2);
    assert_eq!(call_i64(g, 4)?, 8);
    assert_eq!(instances_in_use(), 2);

    let threads: Vec<_> = (0..16)
        .map(|_| {
            std::thread::spawn(move || -> Result<(), Error> {
                for i in 0..100 {
                    assert_eq!(call_i64(f, i)?, i + 1);
                    assert_eq!(call_i64(g, i)?, i * 2);
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

/// 8 functions, 4 rounds of 8 threads each (a new set of threads per round), every result
/// checked, and nothing left once the functions are unloaded.
fn many_functions_many_threads_and_churn() -> Result<(), Error> {
    let before = functions_loaded();
    let functions: Vec<_> = (1..=8i64)
        .map(|k| {
            load_i64(
                &unary(&format!("local.get 0 i64.const {k} i64.mul")),
                "apply",
                Limits::default(),
            )
            .map(|h| (k, h))
        })
        .collect::<Result<_, _>>()?;
    for round in 0..4 {
        let threads: Vec<_> = (0..8i64)
            .map(|t| {
                let functions = functions.clone();
                std::thread::spawn(move || -> Result<(), Error> {
                    for i in 0..2_000i64 {
                        for &(k, h) in &functions {
                            let x = i + t * 1_000_000 + round;
                            assert_eq!(call_i64(h, x)?, x * k);
                        }
                    }
                    Ok(())
                })
            })
            .collect();
        for thread in threads {
            thread.join().map_err(|_| Error::Closed)??;
        }
        assert_eq!(
            instances_in_use(),
            0,
            "round {round}: every thread freed its 8 instances"
        );
    }
    assert_eq!(functions_loaded(), before + 8);
    for (_, h) in functions {
        assert!(unload(h));
    }
    assert_eq!(functions_loaded(), before);
    Ok(())
}
