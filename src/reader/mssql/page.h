/* Page layer of a SQL Server data file: the 96-byte header, the slot array
 * and 6-byte page pointers. Everything is bounds-checked against the 8 KB
 * page: a backup is untrusted input. */
#ifndef B2A_READER_MSSQL_PAGE_H
#define B2A_READER_MSSQL_PAGE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define B2A_PG_SIZE 8192
#define B2A_PG_HDR 96

enum {
    B2A_PG_DATA = 1, B2A_PG_INDEX = 2, B2A_PG_TEXTMIX = 3, B2A_PG_TEXTTREE = 4,
    B2A_PG_GAM = 8, B2A_PG_SGAM = 9, B2A_PG_IAM = 10, B2A_PG_PFS = 11,
    B2A_PG_BOOT = 13, B2A_PG_FILEHDR = 15
};

typedef struct b2a_pgid {
    uint32_t page;
    uint16_t file;
} b2a_pgid;

static inline uint16_t b2a__rd16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t b2a__rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline uint64_t b2a__rd64(const uint8_t *p)
{
    return (uint64_t)b2a__rd32(p) | ((uint64_t)b2a__rd32(p + 4) << 32);
}
static inline b2a_pgid b2a__rdpgid(const uint8_t *p)
{
    b2a_pgid id = { b2a__rd32(p), b2a__rd16(p + 4) };
    return id;
}

static inline uint8_t b2a__page_type(const uint8_t *pg) { return pg[1]; }
static inline uint8_t b2a__page_level(const uint8_t *pg) { return pg[3]; }
static inline uint16_t b2a__page_slots(const uint8_t *pg) { return b2a__rd16(pg + 22); }
static inline b2a_pgid b2a__page_next(const uint8_t *pg) { return b2a__rdpgid(pg + 16); }
static inline b2a_pgid b2a__page_self(const uint8_t *pg) { return b2a__rdpgid(pg + 32); }
static inline uint32_t b2a__page_objid(const uint8_t *pg) { return b2a__rd32(pg + 24); }
static inline uint16_t b2a__page_pminlen(const uint8_t *pg) { return b2a__rd16(pg + 14); }

/* The record in slot i: *rec points at it and *maxlen is how many bytes
 * may be read from it (up to the slot array). Returns 1 for an empty slot
 * (offset 0), 0 for a record, -1 when the slot or its offset is invalid. */
int b2a__page_record(const uint8_t *pg, unsigned i, const uint8_t **rec, size_t *maxlen);

/* The same, inline, for the row decoder's once-a-row call. The function
 * above stays a call for everyone else: inlined into callers that read
 * *rec after an unchecked result, gcc -Werror warns it may be unset. */
static inline int b2a__page_record_inline(const uint8_t *pg, unsigned i, const uint8_t **rec, size_t *maxlen)
{
    unsigned n = b2a__page_slots(pg);
    /* The slot array grows down from the end; it may not reach the header. */
    if (i >= n || (size_t)n * 2 > B2A_PG_SIZE - B2A_PG_HDR)
        return -1;
    uint16_t off = b2a__rd16(pg + B2A_PG_SIZE - 2 - 2 * i);
    if (off == 0)
        return 1;
    size_t end = B2A_PG_SIZE - 2 * (size_t)n;
    if (off < B2A_PG_HDR || off + 4u > end)
        return -1;
    *rec = pg + off;
    *maxlen = end - off;
    return 0;
}

#endif
