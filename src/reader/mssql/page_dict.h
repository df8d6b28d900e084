/* PAGE compression: the compression-information (CI) structure at page
 * offset 96 (an anchor record of per-column prefixes and a page
 * dictionary), and the reconstruction of a column value from them. The
 * records themselves are CD records (record_cd.h). */
#ifndef B2A_READER_MSSQL_PAGE_DICT_H
#define B2A_READER_MSSQL_PAGE_DICT_H

#include <stddef.h>
#include <stdint.h>
#include "reader/mssql/record_cd.h"
#include "reader/mssql/types.h"

/* Page header typeFlagBits (byte 2): the page carries a CI structure. */
#define B2A_PG_HAS_CI 0x80

typedef struct b2a_pagedict {
    int present;            /* this page has a CI structure */
    b2a_cdrec anchor;       /* ncols 0 when there is no anchor record */
    b2a_cdval *avals;       /* anchor values, anchor.ncols of them */
    size_t acap;
    const uint8_t *dict;    /* the dictionary section (count, offsets, entries) */
    size_t dict_len;
    unsigned nsym;          /* dictionary entries */
} b2a_pagedict;

/* Read the CI structure of page pg into d (reusing its buffers). A page
 * whose header does not flag one leaves d->present 0. Returns 0, -1 when
 * the structure is malformed (reason in why), B2A_ENOMEM. d points into
 * pg, which must outlive its use. */
int b2a__pagedict_load(b2a_pagedict *d, const uint8_t *pg, char *why, size_t whylen);
void b2a__pagedict_free(b2a_pagedict *d);

/* Dictionary entry idx: 0, or -1 when there is no such entry. */
int b2a__pagedict_symbol(const b2a_pagedict *d, unsigned idx, const uint8_t **p, size_t *n);

/* The row-compressed bytes of column col (0-based physical position):
 * raw (n bytes; empty = the record said "empty") expanded with the
 * column's anchor value when the page has one: the empty value is the
 * whole anchor, otherwise a 1- or 2-byte prefix length (b2a__cd_varlen)
 * of anchor bytes followed by the suffix. Without an anchor the raw bytes
 * are copied. Result in out (cleared first). 0, -1 (why), B2A_ENOMEM. */
int b2a__pagedict_expand(const b2a_pagedict *d, unsigned col, const uint8_t *raw, size_t n, b2a_mbuf *out,
                         char *why, size_t whylen);

#endif
