// An intrusive red-black tree in the shape of the kernel's lib/rbtree.c: the
// node carries its parent pointer with the colour in bit 0, so a walk reads
// the same three words per node that the kernel's does. Written here from the
// textbook algorithm (insert and erase with recolouring and rotations).
#pragma once
#include <cstddef>
#include <cstdint>

namespace dmabench::lookup {

struct RbNode {
    uintptr_t parent_color = 0;  // parent | colour (0 red, 1 black)
    RbNode* right = nullptr;
    RbNode* left = nullptr;
};

struct RbRoot {
    RbNode* node = nullptr;
};

// Links node (fresh, red) at *link below parent, then restores the invariants.
void rb_insert(RbNode* node, RbNode* parent, RbNode** link, RbRoot* root);
// Unlinks node and restores the invariants.
void rb_erase(RbNode* node, RbRoot* root);

RbNode* rb_parent(const RbNode* n);
bool rb_is_red(const RbNode* n);  // a null leaf is black
RbNode* rb_first(const RbRoot* root);
RbNode* rb_next(const RbNode* n);

// Black height of the tree, or -1 when a rule is broken (red root, red node
// with a red child, unequal black heights, a child whose parent pointer is wrong).
int rb_check(const RbRoot* root);

}  // namespace dmabench::lookup
