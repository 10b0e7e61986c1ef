//! The fuzz targets' allocator: one allocation over 256 MiB aborts with a
//! message naming its size (libFuzzer then saves the input as a crash);
//! 256 MiB itself is allowed. The test binary links `signoff_fuzz`, so it
//! runs under the same allocator; each case runs in a child process of
//! this binary because an abort ends the process.

use std::os::unix::process::ExitStatusExt;
use std::process::Command;

const CHILD: &str = "SIGNOFF_FUZZ_ALLOC_BYTES";

/// In the child: allocate the given number of bytes, touch them, and say so.
fn child() -> bool {
    let Ok(bytes) = std::env::var(CHILD) else {
        return false;
    };
    let bytes: usize = bytes.parse().expect("a byte count");
    let v = vec![1u8; bytes];
    println!("allocated {}", std::hint::black_box(v).len());
    true
}

fn allocate(bytes: usize) -> std::process::Output {
    Command::new(std::env::current_exe().expect("this test binary"))
        .args([
            "--exact",
            "allocations_over_256_mib_abort_naming_their_size",
        ])
        .args(["--nocapture", "--test-threads=1"])
        .env(CHILD, bytes.to_string())
        .output()
        .expect("run the child")
}

#[test]
fn allocations_over_256_mib_abort_naming_their_size() {
    if child() {
        return;
    }
    assert_eq!(signoff_fuzz::LIMIT, 256 << 20, "issue 11's limit");

    let at = allocate(signoff_fuzz::LIMIT);
    let out = String::from_utf8_lossy(&at.stdout);
    assert!(
        at.status.success() && out.contains(&format!("allocated {}", signoff_fuzz::LIMIT)),
        "exactly 256 MiB is within the limit: {:?} {out} {}",
        at.status,
        String::from_utf8_lossy(&at.stderr)
    );

    let over = allocate(signoff_fuzz::LIMIT + 1);
    let err = String::from_utf8_lossy(&over.stderr);
    assert_eq!(
        over.status.signal(),
        Some(6),
        "one byte over the limit must abort (SIGABRT, which libFuzzer reports as a crash): {:?} {err}",
        over.status
    );
    assert!(
        err.contains(
            "allocation of 268435457 bytes exceeds the fuzz limit of 268435456 bytes (256 MiB)"
        ),
        "the abort names the size and the limit: {err}"
    );
    assert!(
        !String::from_utf8_lossy(&over.stdout).contains("allocated"),
        "nothing was allocated"
    );
}
