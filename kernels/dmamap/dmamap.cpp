#include "kernels/dmamap/dmamap.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <system_error>

namespace dmabench::dmamap {

const char* dir_name(Dir d) {
    switch (d) {
    case Dir::to_device: return "to_device";
    case Dir::from_device: return "from_device";
    case Dir::bidirectional: return "bidirectional";
    }
    return "?";
}

const char* path_name(Path p) {
    switch (p) {
    case Path::native: return "native";
    case Path::native_coherent: return "native_coherent";
    case Path::xen_local: return "xen_local";
    case Path::xen_hypercall: return "xen_hypercall";
    case Path::map_asymmetric: return "map_asymmetric";
    case Path::temp_mapping: return "temp_mapping";
    case Path::swiotlb: return "swiotlb";
    }
    return "?";
}

const char* piece_name(Piece p) {
    static constexpr const char* names[kPieces] = {"lookup", "clean", "inval", "hypercall",
                                                   "copy",   "mmap",  "munmap"};
    return names[unsigned(p)];
}

// Written from the description of each path, not from its code: the counting
// tests compare the two.
PieceCounts claimed(Path path, Dir dir, std::size_t size) {
    const uint64_t back = dir != Dir::to_device;  // maintenance at unmap
    const uint64_t pages = pages_spanned(size);
    PieceCounts c{};
    auto set = [&c](Piece p, uint64_t n) { c[unsigned(p)] = n; };
    switch (path) {
    case Path::native:
        set(Piece::clean, 1), set(Piece::inval, back);
        break;
    case Path::native_coherent:
        break;
    case Path::xen_local:
        set(Piece::lookup, 2), set(Piece::clean, 1), set(Piece::inval, back);
        break;
    case Path::xen_hypercall:  // per page, at map and (unless to_device) at unmap
        set(Piece::lookup, 2), set(Piece::hypercall, pages * (1 + back));
        set(Piece::clean, pages), set(Piece::inval, pages * back);
        break;
    case Path::map_asymmetric:  // local clean at map, the hypervisor per page at unmap
        set(Piece::lookup, 2), set(Piece::clean, 1);
        set(Piece::hypercall, pages * back), set(Piece::inval, pages * back);
        break;
    case Path::temp_mapping:  // one temporary mapping per maintenance
        set(Piece::lookup, 2), set(Piece::mmap, 1 + back), set(Piece::munmap, 1 + back);
        set(Piece::clean, 1), set(Piece::inval, back);
        break;
    case Path::swiotlb:  // copy out unless from_device, copy back unless to_device
        set(Piece::copy, uint64_t(dir != Dir::from_device) + back);
        set(Piece::clean, 1), set(Piece::inval, back);
        break;
    }
    return c;
}

// --- TempMapper --------------------------------------------------------------------

namespace {
[[noreturn]] void fail(const char* what) { throw std::system_error(errno, std::generic_category(), what); }
}  // namespace

TempMapper::TempMapper(std::size_t foreign_bytes, unsigned batch, std::size_t window_pages)
    : foreign_bytes_((foreign_bytes + kPage - 1) / kPage * kPage), batch_(batch), window_pages_(window_pages) {
    if (batch_ == 0 || window_pages_ < batch_) throw std::invalid_argument("TempMapper: batch must be 1..window_pages");
    fd_ = memfd_create("dmabench-foreign", MFD_CLOEXEC);
    if (fd_ < 0) fail("memfd_create");
    if (ftruncate(fd_, off_t(foreign_bytes_)) != 0) {
        int err = errno;
        close(fd_);
        errno = err;
        fail("ftruncate");
    }
    void* owner = ::mmap(nullptr, foreign_bytes_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd_, 0);
    if (owner == MAP_FAILED) {
        int err = errno;
        close(fd_);
        errno = err;
        fail("mmap (the owner's view)");
    }
    owner_ = static_cast<unsigned char*>(owner);
    try {
        move_window();
    } catch (...) {
        ::munmap(owner_, foreign_bytes_);
        close(fd_);
        throw;
    }
}

TempMapper::~TempMapper() {
    purge();
    ::munmap(owner_, foreign_bytes_);
    close(fd_);
}

// Finds window_pages of free address space: reserve it, then give it back, so
// the window is a hole only this object maps into.
void TempMapper::move_window() {
    void* w = ::mmap(nullptr, window_pages_ * kPage, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (w == MAP_FAILED) fail("mmap (finding a window)");
    ::munmap(w, window_pages_ * kPage);
    window_ = static_cast<unsigned char*>(w);
    cursor_ = 0;
}

unsigned char* TempMapper::map(std::size_t offset, std::size_t len) {
    const std::size_t pages = pages_spanned(len);
    if (offset % kPage || offset + pages * kPage > foreign_bytes_)
        throw std::out_of_range("TempMapper::map: range outside the foreign memory");
    if (live_pages_ == 0 && cursor_ + pages > window_pages_) purge();
    if (cursor_ + pages > window_pages_) throw std::length_error("TempMapper::map: window full of live mappings");
    for (int attempt = 0;; ++attempt) {
        unsigned char* at = window_ + cursor_ * kPage;
        // MAP_POPULATE: the PTEs are written here, not at the first flush.
        void* got = ::mmap(at, pages * kPage, PROT_READ | PROT_WRITE,
                           MAP_SHARED | MAP_FIXED_NOREPLACE | MAP_POPULATE, fd_, off_t(offset));
        ++map_syscalls_;
        if (got == at) {
            cursor_ += pages;
            live_pages_ += pages;
            return at;
        }
        // Something else took the window (EEXIST), or a kernel without
        // NOREPLACE put the mapping elsewhere: move on, keeping batches whole.
        if (got != MAP_FAILED) ::munmap(got, pages * kPage);
        else if (errno != EEXIST) fail("mmap (temporary mapping)");
        if (attempt == 2 || live_pages_ != 0) {
            errno = EEXIST;
            fail("mmap (temporary mapping: the window keeps being taken)");
        }
        purge();
        move_window();
        ++window_moves_;
    }
}

void TempMapper::release(unsigned char* p, std::size_t len) {
    const std::size_t pages = pages_spanned(len);
    if (pending_pages_ == 0) pending_from_ = p;
    pending_pages_ += pages;
    live_pages_ -= pages;
    if (pending_pages_ >= batch_) purge();
}

void TempMapper::purge() {
    if (pending_pages_ == 0) return;
    // One munmap over the whole queued range: its PTEs zapped, one TLB invalidation.
    if (::munmap(pending_from_, pending_pages_ * kPage) != 0) fail("munmap (temporary mapping)");
    ++unmap_syscalls_;
    pending_pages_ = 0;
    if (live_pages_ == 0) cursor_ = 0;
}

}  // namespace dmabench::dmamap
