/* The pages of one allocation unit, found through its IAM chain (single-page
 * slots, then the extent bitmap of each GAM interval) and kept only when the
 * PFS page says they are allocated: stale images of freed pages are never
 * returned. Streams: memory is one IAM page and one PFS page. */
#ifndef B2A_READER_MSSQL_IAM_H
#define B2A_READER_MSSQL_IAM_H

#include <stdint.h>
#include "core/error.h"
#include "reader/mssql/page.h"
#include "reader/mssql/pagestore.h"

typedef struct b2a_iamwalk {
    b2a_bak_pages *ps;
    b2a_pgid pfs_id;          /* page held in pfs, page 0 = none */
    int pfs_missing;          /* the PFS page is not in the backup */
    b2a_pgid next_iam;        /* page 0 = end of chain */
    b2a_pgid start;           /* GAM interval start of the current IAM page */
    int have_iam;
    unsigned phase;           /* 0: single-page slots, 1: extent bitmap */
    unsigned pos;             /* slot index or page index within the bitmap */
    unsigned bitmap_pages;    /* pages the bitmap covers (8 per bit) */
    const uint8_t *bitmap;
    uint32_t hops, max_hops;  /* bound on the chain: corrupt links cannot loop */
    b2a_pgid seen[64];        /* IAM pages visited (chains are short: one per 4 GB) */
    /* The page buffers last: b2a__iam_init zeroes everything before them. */
    uint8_t iam[B2A_PG_SIZE];
    uint8_t pfs[B2A_PG_SIZE];
} b2a_iamwalk;

/* Start a walk at the allocation unit's first IAM page. */
void b2a__iam_init(b2a_iamwalk *w, b2a_bak_pages *ps, b2a_pgid first_iam);

/* Next allocated page of the unit: 0 with *id set, 1 at the end, negative
 * b2a_error_code (with err) on a missing or corrupt IAM page. */
int b2a__iam_next(b2a_iamwalk *w, b2a_pgid *id, b2a_err *err);

/* PFS check alone: 1 allocated (or unknown: PFS page not in the backup),
 * 0 free, negative on error. Uses and refills w's PFS cache. */
int b2a__iam_allocated(b2a_iamwalk *w, b2a_pgid id, b2a_err *err);

#endif
