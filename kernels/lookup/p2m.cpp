// Xen-on-arm dom0's pfn -> mfn tree (arch/arm/xen/p2m.c, Linux v3.15+), on the
// red-black tree in rbtree.cpp.
#include "kernels/lookup/lookup.hpp"

namespace dmabench::lookup {

namespace {

P2mEntry* entry_of(RbNode* n) { return const_cast<P2mEntry*>(p2m_entry_of(n)); }

bool contains(const P2mEntry* e, uint64_t pfn) { return e->pfn <= pfn && e->pfn + e->nr_pages > pfn; }

// The walk of __pfn_to_mfn(): into the node that holds pfn, else left or right by start.
inline uint64_t walk(const P2mTree& t, uint64_t pfn) {
    const RbNode* n = t.root.node;
    while (n) {
        const P2mEntry* e = p2m_entry_of(n);
        if (contains(e, pfn)) return e->mfn + (pfn - e->pfn);
        n = pfn < e->pfn ? n->left : n->right;
    }
    return kInvalidP2mEntry;
}

}  // namespace

void P2mLock::read_lock() const {
    for (;;) {
        uint32_t c = cnts_.fetch_add(kReaderBias, std::memory_order_acquire) + kReaderBias;
        if (!(c & kWriterMask)) return;
        // A writer holds or waits for it: back out and wait (queued_read_lock_slowpath).
        cnts_.fetch_sub(kReaderBias, std::memory_order_relaxed);
        while (cnts_.load(std::memory_order_relaxed) & kWriterMask) {
        }
    }
}

void P2mLock::write_lock() {
    uint32_t expected = 0;
    while (!cnts_.compare_exchange_weak(expected, kWriterLocked, std::memory_order_acquire,
                                        std::memory_order_relaxed))
        expected = 0;
}

uint64_t p2m_pfn_to_mfn(const P2mTree& t, uint64_t pfn) {
    t.lock.read_lock();
    uint64_t mfn = walk(t, pfn);
    t.lock.read_unlock();
    return mfn;
}

uint64_t p2m_pfn_to_mfn_nolock(const P2mTree& t, uint64_t pfn) { return walk(t, pfn); }

P2mTree::Insert P2mTree::insert(uint64_t pfn, uint64_t mfn, uint64_t nr_pages) {
    if (nr_pages == 0 || pfn + nr_pages < pfn || mfn == kInvalidP2mEntry) return Insert::bad_range;
    lock.write_lock();
    RbNode** link = &root.node;
    RbNode* parent = nullptr;
    while (*link) {
        parent = *link;
        const P2mEntry* e = p2m_entry_of(parent);
        // The insertion path passes both in-order neighbours of the new start,
        // so checking each node on it finds any overlap.
        if (pfn < e->pfn + e->nr_pages && e->pfn < pfn + nr_pages) {
            lock.write_unlock();
            return Insert::overlap;
        }
        link = pfn < e->pfn ? &parent->left : &parent->right;
    }
    auto* entry = new P2mEntry{pfn, mfn, nr_pages, {}};
    rb_insert(&entry->rbnode_phys, parent, link, &root);
    ++size_;
    lock.write_unlock();
    return Insert::ok;
}

bool P2mTree::erase(uint64_t pfn) {
    lock.write_lock();
    RbNode* n = root.node;
    while (n) {
        P2mEntry* e = entry_of(n);
        if (contains(e, pfn)) {
            rb_erase(n, &root);
            --size_;
            lock.write_unlock();
            delete e;
            return true;
        }
        n = pfn < e->pfn ? n->left : n->right;
    }
    lock.write_unlock();
    return false;
}

bool P2mTree::check() const {
    if (rb_check(&root) < 0) return false;
    size_t count = 0;
    const P2mEntry* prev = nullptr;
    for (const RbNode* n = rb_first(&root); n; n = rb_next(n), ++count) {
        const P2mEntry* e = p2m_entry_of(n);
        if (prev && prev->pfn + prev->nr_pages > e->pfn) return false;  // out of order or overlapping
        prev = e;
    }
    return count == size_;
}

P2mTree::~P2mTree() {
    // Post-order without recursion: detach leaves bottom-up.
    RbNode* n = root.node;
    while (n) {
        if (n->left) {
            n = n->left;
        } else if (n->right) {
            n = n->right;
        } else {
            RbNode* p = rb_parent(n);
            if (p) (p->left == n ? p->left : p->right) = nullptr;
            delete entry_of(n);
            n = p;
        }
    }
    root.node = nullptr;
}

}  // namespace dmabench::lookup
