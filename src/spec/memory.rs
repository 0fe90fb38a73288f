//! Memory freed once documents are loaded, given back to the system.
//!
//! Loading allocates several times what the model keeps (parsed trees, their conversions,
//! compiled checks that only look for errors), much of it on threads of its own: the loader,
//! and the thread that looks for broken examples after start. glibc keeps what those threads
//! freed in their arenas, resident, and the server rarely allocates there again: 4–6 MB for
//! a 700 KB document (bench/README.md, 2026-12-02). One trim when loading is over returns it;
//! without glibc there is nothing to do.

/// Returns the allocator's free memory to the system (a few milliseconds; after loading only,
/// never on a request's path).
pub fn release_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim takes no pointer, only walks glibc's own arenas, and locks each one
    // it walks; it may run while other threads allocate.
    unsafe {
        malloc_trim(0);
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
unsafe extern "C" {
    /// glibc: releases free memory at the top of the heap and free pages inside every arena.
    fn malloc_trim(pad: usize) -> std::ffi::c_int;
}
