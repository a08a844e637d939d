//! How the index's memory is read: transparent huge pages for its large arrays, and
//! prefetching for the search's loops.
//!
//! At 10 M hashes a search reads ~80,000 random places in ~1.2 GB: with 4 KiB pages nearly
//! every read also misses the TLB, and in a virtual machine each such miss is a
//! two-level page walk. 2 MiB pages make the whole index fit the TLB's reach. Linux
//! distributions commonly set THP to `madvise` (Debian does), so the arrays ask for them.

/// Arrays smaller than this are left alone: they fit a handful of 4 KiB pages anyway.
const MIN_BYTES: usize = 4 << 20;

/// Advises the kernel to back `v`'s allocation with huge pages. Call it before the
/// memory is first written (pages are chosen at first touch). A hint only: on failure, on
/// other systems or with THP off, nothing changes.
pub(super) fn advise_huge<T>(v: &Vec<T>) {
    let bytes = v.capacity() * std::mem::size_of::<T>();
    if bytes < MIN_BYTES {
        return;
    }
    #[cfg(target_os = "linux")]
    {
        const HUGE: usize = 2 << 20;
        // madvise wants a page-aligned start: advise the whole huge pages inside the buffer.
        let start = v.as_ptr() as usize;
        let aligned = start.next_multiple_of(HUGE);
        let end = (start + bytes) & !(HUGE - 1);
        if end > aligned {
            // SAFETY: the range lies inside `v`'s live allocation; MADV_HUGEPAGE changes
            // how the kernel backs it, never its contents or validity.
            unsafe {
                libc::madvise(aligned as *mut libc::c_void, end - aligned, libc::MADV_HUGEPAGE);
            }
        }
    }
}

/// How many reads ahead the search's loops prefetch: enough to keep the core's ~20
/// outstanding misses busy.
pub(super) const PREFETCH_AHEAD: usize = 16;

/// Starts loading the cache line at `p` (a hint: never faults, whatever `p` is).
#[inline(always)]
pub(super) fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch never dereferences in the architectural sense: any address is
    // allowed and no fault is raised.
    unsafe {
        std::arch::x86_64::_mm_prefetch(p.cast::<i8>(), std::arch::x86_64::_MM_HINT_T0);
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}
