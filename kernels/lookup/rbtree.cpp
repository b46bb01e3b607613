#include "kernels/lookup/rbtree.hpp"

namespace dmabench::lookup {

namespace {

constexpr uintptr_t kBlack = 1;

void set_parent(RbNode* n, RbNode* p) {
    n->parent_color = reinterpret_cast<uintptr_t>(p) | (n->parent_color & kBlack);
}
void set_black(RbNode* n) { n->parent_color |= kBlack; }
void set_red(RbNode* n) { n->parent_color &= ~kBlack; }
bool is_black(const RbNode* n) { return !n || (n->parent_color & kBlack); }
void copy_colour(RbNode* to, const RbNode* from) {
    to->parent_color = (to->parent_color & ~kBlack) | (from->parent_color & kBlack);
}

// Puts `v` where `u` hangs from u's parent (or the root).
void replace_child(RbNode* u, RbNode* v, RbRoot* root) {
    RbNode* up = rb_parent(u);
    if (!up)
        root->node = v;
    else if (up->left == u)
        up->left = v;
    else
        up->right = v;
    if (v) set_parent(v, up);
}

void rotate_left(RbNode* x, RbRoot* root) {
    RbNode* y = x->right;
    x->right = y->left;
    if (y->left) set_parent(y->left, x);
    replace_child(x, y, root);
    y->left = x;
    set_parent(x, y);
}

void rotate_right(RbNode* x, RbRoot* root) {
    RbNode* y = x->left;
    x->left = y->right;
    if (y->right) set_parent(y->right, x);
    replace_child(x, y, root);
    y->right = x;
    set_parent(x, y);
}

// x (maybe a null leaf, whose parent is xp) carries an extra black: push it up
// or absorb it by recolouring and rotating around the sibling.
void erase_fixup(RbNode* x, RbNode* xp, RbRoot* root) {
    while (x != root->node && is_black(x)) {
        if (x == xp->left) {
            RbNode* w = xp->right;
            if (!is_black(w)) {
                set_black(w);
                set_red(xp);
                rotate_left(xp, root);
                w = xp->right;
            }
            if (is_black(w->left) && is_black(w->right)) {
                set_red(w);
                x = xp;
                xp = rb_parent(x);
            } else {
                if (is_black(w->right)) {
                    set_black(w->left);
                    set_red(w);
                    rotate_right(w, root);
                    w = xp->right;
                }
                copy_colour(w, xp);
                set_black(xp);
                if (w->right) set_black(w->right);
                rotate_left(xp, root);
                x = root->node;
            }
        } else {
            RbNode* w = xp->left;
            if (!is_black(w)) {
                set_black(w);
                set_red(xp);
                rotate_right(xp, root);
                w = xp->left;
            }
            if (is_black(w->left) && is_black(w->right)) {
                set_red(w);
                x = xp;
                xp = rb_parent(x);
            } else {
                if (is_black(w->left)) {
                    set_black(w->right);
                    set_red(w);
                    rotate_left(w, root);
                    w = xp->left;
                }
                copy_colour(w, xp);
                set_black(xp);
                if (w->left) set_black(w->left);
                rotate_right(xp, root);
                x = root->node;
            }
        }
    }
    if (x) set_black(x);
}

int check_subtree(const RbNode* n, const RbNode* parent) {
    if (!n) return 1;
    if (rb_parent(n) != parent) return -1;
    if (rb_is_red(n) && (rb_is_red(n->left) || rb_is_red(n->right))) return -1;
    int l = check_subtree(n->left, n), r = check_subtree(n->right, n);
    if (l < 0 || r < 0 || l != r) return -1;
    return l + (rb_is_red(n) ? 0 : 1);
}

}  // namespace

RbNode* rb_parent(const RbNode* n) { return reinterpret_cast<RbNode*>(n->parent_color & ~kBlack); }
bool rb_is_red(const RbNode* n) { return !is_black(n); }

void rb_insert(RbNode* z, RbNode* parent, RbNode** link, RbRoot* root) {
    z->parent_color = reinterpret_cast<uintptr_t>(parent);  // red
    z->left = z->right = nullptr;
    *link = z;
    for (;;) {
        RbNode* p = rb_parent(z);
        if (!p) {
            set_black(z);
            return;
        }
        if (is_black(p)) return;
        RbNode* g = rb_parent(p);  // p is red, so it is not the root
        if (p == g->left) {
            RbNode* u = g->right;
            if (!is_black(u)) {  // red uncle: recolour and go up
                set_black(p);
                set_black(u);
                set_red(g);
                z = g;
                continue;
            }
            if (z == p->right) {
                rotate_left(p, root);
                z = p;
                p = rb_parent(z);
            }
            set_black(p);
            set_red(g);
            rotate_right(g, root);
            return;
        }
        RbNode* u = g->left;
        if (!is_black(u)) {
            set_black(p);
            set_black(u);
            set_red(g);
            z = g;
            continue;
        }
        if (z == p->left) {
            rotate_right(p, root);
            z = p;
            p = rb_parent(z);
        }
        set_black(p);
        set_red(g);
        rotate_left(g, root);
        return;
    }
}

void rb_erase(RbNode* z, RbRoot* root) {
    RbNode* x;
    RbNode* xp;
    bool removed_black = is_black(z);
    if (!z->left) {
        x = z->right;
        xp = rb_parent(z);
        replace_child(z, x, root);
    } else if (!z->right) {
        x = z->left;
        xp = rb_parent(z);
        replace_child(z, x, root);
    } else {
        RbNode* y = z->right;  // successor takes z's place and colour
        while (y->left) y = y->left;
        removed_black = is_black(y);
        x = y->right;
        if (rb_parent(y) == z) {
            xp = y;
        } else {
            xp = rb_parent(y);
            replace_child(y, x, root);
            y->right = z->right;
            set_parent(y->right, y);
        }
        replace_child(z, y, root);
        y->left = z->left;
        set_parent(y->left, y);
        copy_colour(y, z);
    }
    z->parent_color = 0;
    z->left = z->right = nullptr;
    if (removed_black) erase_fixup(x, xp, root);
}

RbNode* rb_first(const RbRoot* root) {
    RbNode* n = root->node;
    if (!n) return nullptr;
    while (n->left) n = n->left;
    return n;
}

RbNode* rb_next(const RbNode* n) {
    if (n->right) {
        n = n->right;
        while (n->left) n = n->left;
        return const_cast<RbNode*>(n);
    }
    RbNode* p = rb_parent(n);
    while (p && n == p->right) {
        n = p;
        p = rb_parent(p);
    }
    return p;
}

int rb_check(const RbRoot* root) {
    if (rb_is_red(root->node)) return -1;
    return check_subtree(root->node, nullptr);
}

}  // namespace dmabench::lookup
