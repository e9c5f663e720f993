/*
 * splay.c - splay trees over RTL_SPLAY_LINKS (ntddk.h): the macros
 * RtlInitializeSplayLinks, RtlParent, RtlLeftChild, RtlRightChild,
 * RtlIsRoot, RtlIsLeftChild, RtlIsRightChild, RtlInsertAsLeftChild,
 * RtlInsertAsRightChild, and the routines RtlSplay, RtlDelete,
 * RtlDeleteNoSplay, RtlSubtreeSuccessor, RtlSubtreePredecessor,
 * RtlRealSuccessor and RtlRealPredecessor, which file systems use for their
 * name and prefix tables.
 *
 * RTL_SPLAY_LINKS is three pointers in the driver's memory: Parent,
 * LeftChild, RightChild; a root is its own parent. Every link is read and
 * written as the driver's own access (a freed node faults as it would).
 */
#include "ddi_table.h"
#include "mm/mm.h"

enum { LINK_PARENT = 0, LINK_LEFT = 1, LINK_RIGHT = 2 };

static size_t ptr_bytes(const ke_call *call)
{
    return call->m->config.arch == KE_ARCH_X86 ? 4 : 8;
}

/* Reads link `which` of a node; false (the machine stopped) on a fault. */
static bool get(ke_call *call, PVOID_VA node, int which, PVOID_VA *out)
{
    *out = 0;
    return mm_access(call, node + (PVOID_VA)which * ptr_bytes(call), out, ptr_bytes(call), false);
}

static bool set(ke_call *call, PVOID_VA node, int which, PVOID_VA value)
{
    return mm_access(call, node + (PVOID_VA)which * ptr_bytes(call), &value, ptr_bytes(call), true);
}

/* ------------------------------------------------------------------------ */
/* The macros                                                               */
/* ------------------------------------------------------------------------ */

void RtlInitializeSplayLinks(ke_call *call, PVOID_VA Links)
{
    if (set(call, Links, LINK_PARENT, Links) && set(call, Links, LINK_LEFT, 0))
        set(call, Links, LINK_RIGHT, 0);
}

PVOID_VA RtlParent(ke_call *call, PVOID_VA Links)
{
    PVOID_VA p;
    get(call, Links, LINK_PARENT, &p);
    return p;
}

PVOID_VA RtlLeftChild(ke_call *call, PVOID_VA Links)
{
    PVOID_VA p;
    get(call, Links, LINK_LEFT, &p);
    return p;
}

PVOID_VA RtlRightChild(ke_call *call, PVOID_VA Links)
{
    PVOID_VA p;
    get(call, Links, LINK_RIGHT, &p);
    return p;
}

bool RtlIsRoot(ke_call *call, PVOID_VA Links)
{
    return RtlParent(call, Links) == Links;
}

bool RtlIsLeftChild(ke_call *call, PVOID_VA Links)
{
    return RtlLeftChild(call, RtlParent(call, Links)) == Links;
}

bool RtlIsRightChild(ke_call *call, PVOID_VA Links)
{
    return RtlRightChild(call, RtlParent(call, Links)) == Links;
}

void RtlInsertAsLeftChild(ke_call *call, PVOID_VA ParentLinks, PVOID_VA ChildLinks)
{
    if (set(call, ParentLinks, LINK_LEFT, ChildLinks))
        set(call, ChildLinks, LINK_PARENT, ParentLinks);
}

void RtlInsertAsRightChild(ke_call *call, PVOID_VA ParentLinks, PVOID_VA ChildLinks)
{
    if (set(call, ParentLinks, LINK_RIGHT, ChildLinks))
        set(call, ChildLinks, LINK_PARENT, ParentLinks);
}

/* ------------------------------------------------------------------------ */
/* Rotations and the splay                                                  */
/* ------------------------------------------------------------------------ */

/* Rotates x above its parent p (x a left or right child); x takes p's place
 * under p's parent, or becomes the root (its own parent). */
static bool rotate(ke_call *call, PVOID_VA x)
{
    PVOID_VA p, g, pl, inner;
    if (!get(call, x, LINK_PARENT, &p) || !get(call, p, LINK_PARENT, &g) ||
        !get(call, p, LINK_LEFT, &pl))
        return false;
    bool left = pl == x;
    /* x's inner child moves to p. */
    if (!get(call, x, left ? LINK_RIGHT : LINK_LEFT, &inner) ||
        !set(call, p, left ? LINK_LEFT : LINK_RIGHT, inner))
        return false;
    if (inner != 0 && !set(call, inner, LINK_PARENT, p))
        return false;
    if (!set(call, x, left ? LINK_RIGHT : LINK_LEFT, p))
        return false;
    if (g == p) {
        if (!set(call, x, LINK_PARENT, x)) /* x is the root now */
            return false;
    } else {
        PVOID_VA gl;
        if (!get(call, g, LINK_LEFT, &gl) || !set(call, g, gl == p ? LINK_LEFT : LINK_RIGHT, x) ||
            !set(call, x, LINK_PARENT, g))
            return false;
    }
    return set(call, p, LINK_PARENT, x);
}

/* RtlSplay: moves Links to the root by zig, zig-zig and zig-zag steps, and
 * returns it. */
PVOID_VA RtlSplay(ke_call *call, PVOID_VA Links)
{
    for (;;) {
        PVOID_VA p, g, pl, gl;
        if (!get(call, Links, LINK_PARENT, &p))
            return 0;
        if (p == Links)
            return Links;
        if (!get(call, p, LINK_PARENT, &g))
            return 0;
        if (g == p) { /* zig */
            if (!rotate(call, Links))
                return 0;
            continue;
        }
        if (!get(call, p, LINK_LEFT, &pl) || !get(call, g, LINK_LEFT, &gl))
            return 0;
        bool zigzig = (pl == Links) == (gl == p);
        if (!rotate(call, zigzig ? p : Links) || !rotate(call, Links))
            return 0;
    }
}

/* ------------------------------------------------------------------------ */
/* Successors and predecessors                                              */
/* ------------------------------------------------------------------------ */

/* The extreme node of a subtree: leftmost (which = LINK_LEFT) or rightmost. */
static PVOID_VA extreme(ke_call *call, PVOID_VA node, int which)
{
    for (;;) {
        PVOID_VA next;
        if (!get(call, node, which, &next))
            return 0;
        if (next == 0)
            return node;
        node = next;
    }
}

PVOID_VA RtlSubtreeSuccessor(ke_call *call, PVOID_VA Links)
{
    PVOID_VA r;
    if (!get(call, Links, LINK_RIGHT, &r) || r == 0)
        return 0;
    return extreme(call, r, LINK_LEFT);
}

PVOID_VA RtlSubtreePredecessor(ke_call *call, PVOID_VA Links)
{
    PVOID_VA l;
    if (!get(call, Links, LINK_LEFT, &l) || l == 0)
        return 0;
    return extreme(call, l, LINK_RIGHT);
}

/* The next (or previous) node in the whole tree: down the subtree if there
 * is one, else up until coming from the left (right) side. */
static PVOID_VA real_neighbour(ke_call *call, PVOID_VA Links, bool next)
{
    PVOID_VA sub = next ? RtlSubtreeSuccessor(call, Links) : RtlSubtreePredecessor(call, Links);
    if (sub != 0 || ke_stopped(call->m))
        return sub;
    PVOID_VA node = Links;
    for (;;) {
        PVOID_VA p, side;
        if (!get(call, node, LINK_PARENT, &p) || p == node)
            return 0;
        if (!get(call, p, next ? LINK_LEFT : LINK_RIGHT, &side))
            return 0;
        if (side == node)
            return p;
        node = p;
    }
}

PVOID_VA RtlRealSuccessor(ke_call *call, PVOID_VA Links)
{
    return real_neighbour(call, Links, true);
}

PVOID_VA RtlRealPredecessor(ke_call *call, PVOID_VA Links)
{
    return real_neighbour(call, Links, false);
}

/* ------------------------------------------------------------------------ */
/* Deletion                                                                 */
/* ------------------------------------------------------------------------ */

/* Replaces node by child (which may be NULL) under node's parent; the new
 * root when node was the root. *root_out: the tree's root afterwards. */
static bool replace(ke_call *call, PVOID_VA node, PVOID_VA child, PVOID_VA *root_out)
{
    PVOID_VA p;
    if (!get(call, node, LINK_PARENT, &p))
        return false;
    if (p == node) {
        if (child != 0 && !set(call, child, LINK_PARENT, child))
            return false;
        *root_out = child;
        return true;
    }
    PVOID_VA pl;
    if (!get(call, p, LINK_LEFT, &pl) || !set(call, p, pl == node ? LINK_LEFT : LINK_RIGHT, child))
        return false;
    if (child != 0 && !set(call, child, LINK_PARENT, p))
        return false;
    return true;
}

/* Unlinks Links; returns the parent it hung from (0 if it was the root)
 * and sets *root to the root afterwards, as far as it changed. */
static bool unlink_node(ke_call *call, PVOID_VA Links, PVOID_VA *parent_out, PVOID_VA *root)
{
    PVOID_VA l, r;
    if (!get(call, Links, LINK_LEFT, &l) || !get(call, Links, LINK_RIGHT, &r))
        return false;
    if (l != 0 && r != 0) {
        /* Two children: the subtree predecessor takes Links's place
         * (ReactOS's RtlDelete swaps the two nodes, then deletes). */
        PVOID_VA pred = extreme(call, l, LINK_RIGHT);
        PVOID_VA pred_parent, pred_left;
        if (pred == 0 || !get(call, pred, LINK_PARENT, &pred_parent) ||
            !get(call, pred, LINK_LEFT, &pred_left))
            return false;
        PVOID_VA ignored = *root;
        if (!replace(call, pred, pred_left, &ignored))
            return false;
        /* Re-read: pred's removal may have changed Links's left child. */
        if (!get(call, Links, LINK_LEFT, &l))
            return false;
        PVOID_VA new_root = *root;
        if (!replace(call, Links, pred, &new_root))
            return false;
        if (!set(call, pred, LINK_LEFT, l) || !set(call, pred, LINK_RIGHT, r))
            return false;
        if ((l != 0 && !set(call, l, LINK_PARENT, pred)) || !set(call, r, LINK_PARENT, pred))
            return false;
        *root = new_root;
        *parent_out = pred_parent == Links ? pred : pred_parent;
        return true;
    }
    PVOID_VA p;
    if (!get(call, Links, LINK_PARENT, &p))
        return false;
    PVOID_VA new_root = *root;
    if (!replace(call, Links, l != 0 ? l : r, &new_root))
        return false;
    *root = new_root;
    *parent_out = p == Links ? 0 : p;
    return true;
}

/* RtlDelete: removes Links and splays its parent; returns the new root. */
PVOID_VA RtlDelete(ke_call *call, PVOID_VA Links)
{
    PVOID_VA parent = 0, root = 0;
    if (!unlink_node(call, Links, &parent, &root))
        return 0;
    if (parent != 0)
        return RtlSplay(call, parent);
    return root;
}

/* RtlDeleteNoSplay: removes Links; *Root is updated if the root changed. */
void RtlDeleteNoSplay(ke_call *call, PVOID_VA Links, PVOID_VA Root)
{
    PVOID_VA root = 0, parent = 0;
    if (!mm_access(call, Root, &root, ptr_bytes(call), false))
        return;
    if (!unlink_node(call, Links, &parent, &root))
        return;
    mm_access(call, Root, &root, ptr_bytes(call), true);
}
