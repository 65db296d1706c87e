//! Shared by the native binaries (`loupe`, `loupe-bench`), which both use
//! mimalloc as their allocator; included with `#[path]`, so it is no
//! binary of its own.

/// Two settings for how this process gets memory, made before any work.
///
/// mimalloc gives freed memory back to the system 10 ms after it is freed
/// (its `purge_delay`). The parsing threads allocate and free slices and
/// strings all the time, so the memory was given back and faulted in again
/// (zeroed by the kernel) over and over: about 13,000 page faults for a
/// 291 MB file. Freed memory now stays with the process, which ends when
/// its work is done.
///
/// Transparent huge pages (which mimalloc asks for) are turned off for the
/// process: each first touch of a 2 MB region had the kernel zero all of it,
/// 560 MB zeroed for the 291 MB file, 160 MB of which was ever used; 20% of
/// `loupe summary`'s samples were the kernel clearing pages.
pub fn tune_memory() {
    use std::ffi::{c_int, c_long};
    extern "C" {
        fn mi_option_set(option: c_int, value: c_long);
        fn prctl(option: c_int, ...) -> c_int;
    }
    // `mi_option_purge_delay` and `mi_option_allow_thp` in the mimalloc.h
    // of the version linked (v3); -1 is "never".
    const MI_OPTION_PURGE_DELAY: c_int = 15;
    const MI_OPTION_ALLOW_THP: c_int = 43;
    // <linux/prctl.h>
    #[cfg(target_os = "linux")]
    const PR_SET_THP_DISABLE: c_int = 41;
    // SAFETY: setters of the allocator linked above (`MiMalloc`) with option
    // numbers and values its header documents, and a prctl(2) call that
    // takes plain integers; neither touches memory of ours.
    #[allow(unsafe_code)]
    unsafe {
        mi_option_set(MI_OPTION_PURGE_DELAY, -1);
        mi_option_set(MI_OPTION_ALLOW_THP, 0);
        #[cfg(target_os = "linux")]
        prctl(PR_SET_THP_DISABLE, 1 as c_long, 0 as c_long, 0 as c_long, 0 as c_long);
    }
}
