//! The wasm global allocator: dlmalloc (as std uses), but growing the wasm
//! memory by a quarter of its size (at least 1 MiB) instead of by what
//! each request needs. Every `memory.grow` makes V8 replace the memory's
//! ArrayBuffer and account it as external memory, which can trigger a full
//! garbage collection; growing page by page made a large parse quadratic
//! (`parseModelJSON` of 120k specs: 8.5 s, for a 7 MB text). Geometric steps
//! make the number of grows logarithmic, for at most 25% spare memory.

use core::alloc::{GlobalAlloc, Layout};
use core::arch::wasm32;
use core::cell::UnsafeCell;
use core::ptr;

use dlmalloc::{Allocator, Dlmalloc};

const PAGE: usize = 64 * 1024;

/// The system side of dlmalloc: fresh pages from `memory.grow`.
struct GeometricGrowth;

unsafe impl Allocator for GeometricGrowth {
    fn alloc(&self, size: usize) -> (*mut u8, usize, u32) {
        let current = wasm32::memory_size(0) * PAGE;
        // Near the 4 GiB end, fall back to exactly what is needed.
        for want in [size.max(current / 4).max(1 << 20), size] {
            let pages = want.div_ceil(PAGE);
            let previous = wasm32::memory_grow(0, pages);
            if previous != usize::MAX {
                let (base, bytes) = (previous * PAGE, pages * PAGE);
                // A region ending exactly at the top of the address space would
                // make a pointer wrap to 0: keep its last bytes unused.
                return (base as *mut u8, if base.wrapping_add(bytes) == 0 { bytes - 16 } else { bytes }, 0);
            }
        }
        (ptr::null_mut(), 0, 0)
    }
    fn remap(&self, _ptr: *mut u8, _old: usize, _new: usize, _can_move: bool) -> *mut u8 {
        ptr::null_mut()
    }
    fn free_part(&self, _ptr: *mut u8, _old: usize, _new: usize) -> bool {
        false
    }
    fn free(&self, _ptr: *mut u8, _size: usize) -> bool {
        false
    }
    fn can_release_part(&self, _flags: u32) -> bool {
        false
    }
    fn allocates_zeros(&self) -> bool {
        true
    }
    fn page_size(&self) -> usize {
        PAGE
    }
}

/// One dlmalloc per instance: this wasm is single-threaded (no atomics),
/// so no lock is needed.
struct Global(UnsafeCell<Dlmalloc<GeometricGrowth>>);

unsafe impl Sync for Global {}

unsafe impl GlobalAlloc for Global {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        (*self.0.get()).malloc(layout.size(), layout.align())
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        (*self.0.get()).calloc(layout.size(), layout.align())
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        (*self.0.get()).free(ptr, layout.size(), layout.align())
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        (*self.0.get()).realloc(ptr, layout.size(), layout.align(), new_size)
    }
}

#[global_allocator]
static ALLOCATOR: Global = Global(UnsafeCell::new(Dlmalloc::new_with_allocator(GeometricGrowth)));
