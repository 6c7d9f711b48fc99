/*
 * The explanation tree kept in a model (tree.c): a threshold tree whose
 * leaves each name a segment, fitted by IMM and optionally grown by ExKMC,
 * stored in the model file's TREE section. Not installed.
 */
#ifndef SEG_TREE_H
#define SEG_TREE_H

#include "core/core.h"
#include "core/bytes.h"

typedef struct seg_xtree {
    size_t n_nodes, n_leaves;
    int64_t *feature;     /* split feature, -1 at a leaf */
    double *threshold;    /* feature units: a row goes left when x[feature] <= threshold */
    size_t *left, *right; /* children, each > the node's own index */
    int32_t *segment;     /* a leaf's segment, -1 inside */
    size_t *parent;       /* derived; the root's is SIZE_MAX */
    size_t *leaf_node;    /* derived: leaf index (leaves in node order) -> node */
    size_t *node_leaf;    /* derived: node -> leaf index, SIZE_MAX inside */
} seg_xtree;

void seg_xtree_free(seg_xtree *t);

/* The TREE section's payload, and its reader (k segments, d features). */
void seg_xtree_write(const seg_xtree *t, wbuf *w);
int seg_xtree_read(rbuf *r, size_t k, size_t d, seg_xtree **out);

#endif
