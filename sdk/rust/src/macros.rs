//! The export macros and `pulsar_user!`.

/// Defines the exports every v1 guest has: `pulsar_abi_version_1`, and `pulsar_alloc` /
/// `pulsar_free` on the SDK's [`Heap`](crate::Heap). For a hand-written `pulsar_process`;
/// [`bytes_function!`] and [`record_function!`] include it.
#[macro_export]
macro_rules! export_abi {
    () => {
        /// ABI v1 marker (never called).
        #[no_mangle]
        pub extern "C" fn pulsar_abi_version_1() {}

        /// `size` bytes for the host's input buffer; 0 when out of memory.
        #[no_mangle]
        pub extern "C" fn pulsar_alloc(size: usize) -> *mut u8 {
            $crate::__rt::alloc(size)
        }

        /// Takes back a block from `pulsar_alloc`.
        ///
        /// # Safety
        /// Called by the host only, with a block it got from `pulsar_alloc(size)`.
        #[no_mangle]
        pub unsafe extern "C" fn pulsar_free(ptr: *mut u8, size: usize) {
            $crate::__rt::free(ptr, size)
        }
    };
}

/// Defines a guest whose input is the bare message value: all the exports, with
/// `pulsar_process` calling `$f`, an `FnOnce(&[u8]) -> Output` (a closure or a function).
///
/// ```ignore
/// pulsar_wasm_guest::bytes_function!(|input: &[u8]| -> Output {
///     let mut v = Buf::from_slice(input);
///     v.make_ascii_uppercase();
///     Output::from_buf(v)
/// });
/// ```
#[macro_export]
macro_rules! bytes_function {
    ($f:expr $(,)?) => {
        $crate::export_abi!();

        /// Handles one record (ABI v1).
        ///
        /// # Safety
        /// Called by the host only, with its input buffer.
        #[no_mangle]
        pub unsafe extern "C" fn pulsar_process(ptr: *const u8, len: usize) -> i64 {
            $crate::__rt::process_bytes(ptr, len, $f)
        }
    };
}

/// Defines a guest whose input is the record envelope (it exports `pulsar_wants_record`):
/// all the exports, with `pulsar_process` calling `$f`, an `FnOnce(Record) -> Output`. A
/// malformed envelope fails the record without calling `$f`.
///
/// ```ignore
/// pulsar_wasm_guest::record_function!(|rec: Record| -> Output {
///     Output::record(OutputRecord::new(rec.value()).maybe_key(rec.key()))
/// });
/// ```
#[macro_export]
macro_rules! record_function {
    ($f:expr $(,)?) => {
        $crate::export_abi!();

        /// ABI v1 marker: the input is a record envelope.
        #[no_mangle]
        pub extern "C" fn pulsar_wants_record() {}

        /// Handles one record (ABI v1).
        ///
        /// # Safety
        /// Called by the host only, with its input buffer.
        #[no_mangle]
        pub unsafe extern "C" fn pulsar_process(ptr: *const u8, len: usize) -> i64 {
            $crate::__rt::process_record(ptr, len, $f)
        }
    };
}

/// Imports Java host functions (module `pulsar_user`) and defines safe Rust functions of the
/// same names. Three shapes, as registered on the Java side:
///
/// ```ignore
/// pulsar_wasm_guest::pulsar_user! {
///     /// long: LongUnaryOperator
///     fn score(i64) -> i64;
///     /// long2: LongBinaryOperator
///     pub fn mix(i64, i64) -> i64;
///     /// bytes: UnaryOperator<byte[]>; `Err(Error::NOT_FOUND)` when Java returns null
///     fn lookup(&[u8]) -> Buf;
/// }
/// // score(7) -> i64; mix(1, 2) -> i64; lookup(b"k") -> Result<Buf, Error>
/// ```
///
/// The import name is the function's name; it must not also be the name of a `pulsar_v1`
/// function (`log`, `metric`, ...), whose symbols share the namespace.
#[macro_export]
macro_rules! pulsar_user {
    () => {};
    ($(#[$m:meta])* $v:vis fn $name:ident(i64) -> i64; $($rest:tt)*) => {
        $(#[$m])*
        #[inline]
        $v fn $name(a: i64) -> i64 {
            #[link(wasm_import_module = "pulsar_user")]
            extern "C" {
                fn $name(a: i64) -> i64;
            }
            // SAFETY: plain integers.
            unsafe { $name(a) }
        }
        $crate::pulsar_user!($($rest)*);
    };
    ($(#[$m:meta])* $v:vis fn $name:ident(i64, i64) -> i64; $($rest:tt)*) => {
        $(#[$m])*
        #[inline]
        $v fn $name(a: i64, b: i64) -> i64 {
            #[link(wasm_import_module = "pulsar_user")]
            extern "C" {
                fn $name(a: i64, b: i64) -> i64;
            }
            // SAFETY: plain integers.
            unsafe { $name(a, b) }
        }
        $crate::pulsar_user!($($rest)*);
    };
    ($(#[$m:meta])* $v:vis fn $name:ident(&[u8]) -> Buf; $($rest:tt)*) => {
        $(#[$m])*
        $v fn $name(input: &[u8]) -> ::core::result::Result<$crate::Buf, $crate::Error> {
            #[link(wasm_import_module = "pulsar_user")]
            extern "C" {
                fn $name(ptr: *const u8, len: usize, buf: *mut u8, cap: usize) -> i32;
            }
            let mut out = $crate::Buf::new();
            // SAFETY: valid slices; (buf, cap) is out's spare room.
            $crate::out_buffer(&mut out, |buf, cap| unsafe { $name(input.as_ptr(), input.len(), buf, cap) })?;
            ::core::result::Result::Ok(out)
        }
        $crate::pulsar_user!($($rest)*);
    };
}
