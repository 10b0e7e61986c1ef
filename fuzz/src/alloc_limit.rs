//! The global allocator of every fuzz target: the system allocator, except
//! that one allocation over [`LIMIT`] aborts the process with a message
//! naming its size. libFuzzer's own `-malloc_limit_mb` relies on the
//! sanitizers' malloc hooks, which a build without AddressSanitizer (the
//! stable toolchain's only option) does not have; the abort makes libFuzzer
//! report the input as a crash and save it.

#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;

/// The largest single allocation a target may make: 256 MiB (issue 11).
pub const LIMIT: usize = 256 << 20;

struct Limited;

#[global_allocator]
static ALLOCATOR: Limited = Limited;

/// Writes the message without allocating (we are inside the allocator)
/// and aborts.
#[cold]
fn over_limit(size: usize) -> ! {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut n = size;
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(b"\n==signoff-fuzz== allocation of ");
    let _ = err.write_all(&digits[at..]);
    let _ =
        err.write_all(b" bytes exceeds the fuzz limit of 268435456 bytes (256 MiB); aborting\n");
    let _ = err.flush();
    std::process::abort()
}

// SAFETY: every method forwards to `System` with the caller's arguments
// unchanged, after a size check that can only abort.
unsafe impl GlobalAlloc for Limited {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.size() > LIMIT {
            over_limit(layout.size());
        }
        // SAFETY: forwarded as received (see the impl).
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if layout.size() > LIMIT {
            over_limit(layout.size());
        }
        // SAFETY: forwarded as received (see the impl).
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded as received (see the impl).
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > LIMIT {
            over_limit(new_size);
        }
        // SAFETY: forwarded as received (see the impl).
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}
