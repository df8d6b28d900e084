/* MSSQLBAK record framing (v2, SQL Server 2014+), measured on the samples:
 *   +0  u32 tag: low byte 0x21, bits 8-15 decoded size in 512-byte sectors,
 *       bits 16-31 compressed length
 *   +4  16 bytes not needed for decoding (sizes/hash, meaning unknown)
 *   +20 u32 zero
 *   +24 u32 checksum (not zlib CRC32 of the chunk; unverified)
 *   +28 XPRESS chunk of (tag >> 16) bytes; the next record follows at once.
 * Runs of records end with a 4-byte trailer, padding and a record index,
 * then a raw MTF block (SFMB) on a 512-byte boundary, so the walk
 * resynchronises on the next header whose chunk opens with a complete
 * Huffman table (a strong test: a random table is almost never complete). */
#include "reader/mssql/mssqlbak.h"

#include <stdlib.h>
#include <string.h>
#include "reader/mssql/page.h"
#include "reader/mssql/readahead.h"
#include "reader/mssql/xpress.h"

#define FILE_HDR 16
#define PROBE (B2A_MSSQLBAK_REC_HDR + 256)
#define WINDOW 4096     /* resynchronising reads: the gaps measured on the samples are under 3.7 KiB;
                           a longer gap costs more reads, never a different result */
#define TAIL_SCAN 4096   /* the closing SFMB sits within the last soft-filemark block */
#define ESET_SCAN (1u << 20) /* how far back the run holding ESET may start */

struct b2a_mssqlbak {
    b2a_ra *ra;
    uint64_t size;       /* b2a__ra_size(ra) */
    const char *path;    /* b2a__ra_path(ra) */
    uint32_t version;
    uint64_t last_raw;   /* file offset of the closing SFMB */
};

/* Exact read at an offset (readahead.c): a short read is an error naming the file. */
static int pread_all(const b2a_mssqlbak *m, uint64_t off, void *buf, size_t n, b2a_err *err)
{
    return b2a__ra_read(m->ra, off, buf, n, "compressed backup data", err);
}

int b2a__mssqlbak_probe(const uint8_t *head, size_t n)
{
    return n >= B2A_MSSQLBAK_MAGIC_LEN && memcmp(head, B2A_MSSQLBAK_MAGIC, B2A_MSSQLBAK_MAGIC_LEN) == 0;
}

/* A raw MTF descriptor block: four upper-case letters and a zero XOR over the
 * 26 words of the common header (the MTF header checksum). */
static int is_raw_block(const uint8_t *p)
{
    for (int i = 0; i < 4; i++)
        if (p[i] < 'A' || p[i] > 'Z')
            return 0;
    uint16_t x = 0;
    for (int i = 0; i < 52; i += 2)
        x ^= (uint16_t)(p[i] | p[i + 1] << 8);
    return x == 0;
}

/* p holds at least PROBE bytes of a candidate record header. */
static int is_record(const uint8_t *p)
{
    uint32_t tag = b2a__rd32(p);
    return (tag & 0xFF) == 0x21 && (tag & 0xFF00) != 0 && (tag >> 16) >= 256 + 4 &&
           b2a__rd32(p + 20) == 0 &&
           b2a__xpress_table_ok(p + B2A_MSSQLBAK_REC_HDR);
}

static int check_eset(const b2a_mssqlbak *m, b2a_err *err);

int b2a__mssqlbak_open(const char *path, b2a_mssqlbak **out, b2a_err *err)
{
    *out = NULL;
    b2a_mssqlbak *m = calloc(1, sizeof *m);
    if (!m)
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    int rc = b2a__ra_open(path, &m->ra, err);
    if (rc != B2A_OK) {
        free(m);
        return rc;
    }
    m->size = b2a__ra_size(m->ra);
    m->path = b2a__ra_path(m->ra);
    uint8_t hdr[FILE_HDR];
    if (m->size < FILE_HDR) {
        rc = b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                          "%s: %llu bytes is too short for a compressed SQL Server backup: "
                          "empty or truncated",
                          path, (unsigned long long)m->size);
        goto fail;
    }
    if ((rc = pread_all(m, 0, hdr, sizeof hdr, err)) != B2A_OK)
        goto fail;
    if (!b2a__mssqlbak_probe(hdr, sizeof hdr)) {
        rc = b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                          "%s: not a compressed SQL Server backup (no MSSQLBAK magic)", path);
        goto fail;
    }
    m->version = b2a__rd32(hdr + 8);
    if (m->version < 2) {
        rc = b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_READER,
                          "%s: MSSQLBAK version %u (8-byte record framing of SQL Server 2008-2012) "
                          "is not supported; only version 2 (SQL Server 2014 and later)",
                          path, m->version);
        goto fail;
    }
    if (m->version > 2) {
        rc = b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_READER,
                          "%s: unknown MSSQLBAK version %u (known: 2)", path, m->version);
        goto fail;
    }
    /* A backup closes with a soft filemark block; without one the file was cut. */
    if (m->size % 512 != 0) {
        rc = b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                          "%s: size %llu is not a multiple of 512: the backup is truncated",
                          path, (unsigned long long)m->size);
        goto fail;
    }
    {
        uint8_t tail[TAIL_SCAN];
        uint64_t from = m->size > TAIL_SCAN + FILE_HDR ? m->size - TAIL_SCAN : 512;
        size_t n = (size_t)(m->size - from);
        int found = 0;
        if (from < m->size && (rc = pread_all(m, from, tail, n, err)) != B2A_OK)
            goto fail;
        for (size_t i = 0; i + 52 <= n; i += 512)
            if (memcmp(tail + i, "SFMB", 4) == 0 && is_raw_block(tail + i)) {
                found = 1;
                m->last_raw = from + i;
            }
        if (!found) {
            rc = b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                              "%s: no closing soft filemark (SFMB) in the last %u bytes: "
                              "the backup is truncated", path, TAIL_SCAN);
            goto fail;
        }
    }
    if ((rc = check_eset(m, err)) != B2A_OK)
        goto fail;
    *out = m;
    return B2A_OK;
fail:
    b2a__mssqlbak_close(m);
    return rc;
}

uint64_t b2a__mssqlbak_size(const b2a_mssqlbak *m) { return m->size; }

static int record_at(const b2a_mssqlbak *m, uint64_t pos, const uint8_t *p, b2a_mssqlbak_rec *rec,
                     b2a_err *err)
{
    uint32_t tag = b2a__rd32(p);
    uint64_t end = pos + B2A_MSSQLBAK_REC_HDR + (tag >> 16);
    if (end > m->size)
        return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                            "%s: record at offset %llu (%u compressed bytes) runs past the end "
                            "of the file at %llu: the backup is truncated", m->path,
                            (unsigned long long)pos, tag >> 16, (unsigned long long)m->size);
    rec->offset = pos;
    rec->tag = tag;
    rec->clen = tag >> 16;
    rec->ulen = ((tag >> 8) & 0xFF) * 512u;
    rec->raw = 0;
    return 1;
}

/* The walk (b2a__mssqlbak_next); with head, the bytes read at the record
 * found are kept in it (up to B2A_MSSQLBAK_HEAD: what a peek reads). */
static int walk(const b2a_mssqlbak *m, uint64_t *cursor, b2a_mssqlbak_rec *rec,
                b2a_mssqlbak_head *head, b2a_err *err)
{
    uint64_t pos = *cursor < FILE_HDR ? FILE_HDR : *cursor;
    uint8_t probe[PROBE];
    int rc;
    if (head)
        head->n = 0;

    /* Fast path: a record chained right after the previous one. */
    if (pos + PROBE <= m->size) {
        size_t n = PROBE;
        uint8_t *p = probe;
        if (head) {
            n = m->size - pos < B2A_MSSQLBAK_HEAD ? (size_t)(m->size - pos) : B2A_MSSQLBAK_HEAD;
            p = head->b;
        }
        if ((rc = pread_all(m, pos, p, n, err)) != B2A_OK)
            return rc;
        if (is_record(p)) {
            rc = record_at(m, pos, p, rec, err);
            if (rc == 1) {
                *cursor = pos + B2A_MSSQLBAK_REC_HDR + rec->clen;
                if (head) {
                    head->n = n;
                    head->offset = pos;
                }
            }
            return rc;
        }
    }

    /* Resynchronise: scan windows for a raw block (512-aligned) or a record.
     * A window reaches a head's length past the positions it scans, so the
     * checks there see the bytes they need and a head can be kept. */
    uint8_t win[WINDOW + B2A_MSSQLBAK_HEAD];
    rc = 0;
    while (pos < m->size) {
        size_t n = m->size - pos < sizeof win ? (size_t)(m->size - pos) : sizeof win;
        if ((rc = pread_all(m, pos, win, n, err)) != B2A_OK)
            break;
        size_t scan = n < sizeof win ? n : WINDOW;
        size_t i;
        for (i = 0; i < scan; i++) {
            uint64_t at = pos + i;
            if (at % 512 == 0 && i + 52 <= n && is_raw_block(win + i)) {
                rec->offset = at;
                rec->tag = 0;
                rec->clen = B2A_MSSQLBAK_RAW_BLOCK;
                rec->ulen = B2A_MSSQLBAK_RAW_BLOCK;
                rec->raw = 1;
                *cursor = at + B2A_MSSQLBAK_RAW_BLOCK;
                rc = 1;
                goto out;
            }
            if (win[i] == 0x21 && i + PROBE <= n && is_record(win + i)) {
                rc = record_at(m, at, win + i, rec, err);
                if (rc == 1) {
                    *cursor = at + B2A_MSSQLBAK_REC_HDR + rec->clen;
                    if (head) {
                        head->n = n - i < B2A_MSSQLBAK_HEAD ? n - i : B2A_MSSQLBAK_HEAD;
                        head->offset = at;
                        memcpy(head->b, win + i, head->n);
                    }
                }
                goto out;
            }
        }
        pos += scan;
        rc = 0;
    }
    if (rc == 0)
        *cursor = m->size;
out:
    return rc;
}

int b2a__mssqlbak_next(const b2a_mssqlbak *m, uint64_t *cursor, b2a_mssqlbak_rec *rec, b2a_err *err)
{
    return walk(m, cursor, rec, NULL, err);
}

int b2a__mssqlbak_next_head(const b2a_mssqlbak *m, uint64_t *cursor, b2a_mssqlbak_rec *rec,
                            b2a_mssqlbak_head *head, b2a_err *err)
{
    return walk(m, cursor, rec, head, err);
}

/* Most chunks fit: header and chunk then come in one read, without malloc. */
#define FIRST_READ 16384
/* A peek of `want` bytes needs at most this much chunk: a table, the spec's
 * 32-bit priming, <= 15 bits a literal, <= 30 bits plus 7 length bytes a
 * match of >= 3 bytes (>= 18 when it has length bytes), and a slack. */
#define PEEK_CHUNK(want) (256 + 4 + 4 * (size_t)(want) + 64)

static int decode_chunk(const b2a_mssqlbak *m, uint64_t offset, const uint8_t *in, uint32_t clen,
                        uint8_t *out, size_t cap, int stop_at_cap, size_t *out_len, b2a_err *err)
{
    b2a_xpress_fail f;
    int rc = b2a__xpress_decode(in, clen, out, cap, stop_at_cap, out_len, &f);
    if (rc != B2A_OK)
        b2a__err_set(err, rc, B2A_ERRCLASS_READER,
                     "%s: corrupt compressed record at offset %llu: %s (chunk byte %zu of %u)",
                     m->path, (unsigned long long)offset, f.why, f.in_pos, clen);
    return rc;
}

_Static_assert(B2A_MSSQLBAK_HEAD == B2A_MSSQLBAK_REC_HDR + PEEK_CHUNK(96), "a head holds a page-header peek");

/* Read and decode the record at offset; stop_at_cap selects peek semantics.
 * head (may be NULL): the file's bytes at offset as the walk read them,
 * used instead of reading them again where they cover the first read. */
static int decode_at(const b2a_mssqlbak *m, uint64_t offset, uint8_t *out, size_t cap,
                     int stop_at_cap, size_t *out_len, size_t *decoded, int *is_extent,
                     const b2a_mssqlbak_head *head, b2a_err *err)
{
    uint8_t first[FIRST_READ]; /* a record header and its chunk, or a raw block */
    const uint8_t *hdr = first;
    int rc;
    *out_len = 0;
    if (offset >= m->size || m->size - offset < 52)
        return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                            "%s: no record at offset %llu (file size %llu)", m->path,
                            (unsigned long long)offset, (unsigned long long)m->size);
    /* A peek reads no more of the chunk than it can need. */
    size_t nfirst = stop_at_cap && B2A_MSSQLBAK_REC_HDR + PEEK_CHUNK(cap) < sizeof first
                        ? B2A_MSSQLBAK_REC_HDR + PEEK_CHUNK(cap)
                        : sizeof first;
    if (nfirst < B2A_MSSQLBAK_RAW_BLOCK)
        nfirst = B2A_MSSQLBAK_RAW_BLOCK;
    if (nfirst > m->size - offset)
        nfirst = (size_t)(m->size - offset);
    if (head && head->offset == offset && head->n >= nfirst)
        memcpy(first, head->b, nfirst);
    else if ((rc = pread_all(m, offset, first, nfirst, err)) != B2A_OK)
        return rc;
    if (offset % 512 == 0 && is_raw_block(hdr)) {
        size_t n = nfirst < B2A_MSSQLBAK_RAW_BLOCK ? nfirst : B2A_MSSQLBAK_RAW_BLOCK;
        if (n > cap && !stop_at_cap)
            return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                                "%s: raw block at offset %llu: %zu bytes do not fit in %zu",
                                m->path, (unsigned long long)offset, n, cap);
        if (n > cap)
            n = cap;
        memcpy(out, first, n);
        *out_len = n;
        if (is_extent)
            *is_extent = 0;
        return B2A_OK;
    }
    uint32_t tag = b2a__rd32(hdr);
    uint32_t clen = tag >> 16;
    size_t ulen = ((tag >> 8) & 0xFF) * (size_t)512;
    if ((tag & 0xFF) != 0x21 || ulen == 0 || b2a__rd32(hdr + 20) != 0)
        return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                            "%s: no record header at offset %llu (tag 0x%08x)", m->path,
                            (unsigned long long)offset, tag);
    if (offset + B2A_MSSQLBAK_REC_HDR + clen > m->size)
        return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                            "%s: record at offset %llu (%u compressed bytes) runs past the end "
                            "of the file at %llu: the backup is truncated", m->path,
                            (unsigned long long)offset, clen, (unsigned long long)m->size);
    if (is_extent)
        *is_extent = (tag & 0xFFFF) == B2A_MSSQLBAK_KIND_EXTENT;
    if (!stop_at_cap && ulen > cap)
        return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                            "%s: record at offset %llu decodes to %zu bytes, more than %zu",
                            m->path, (unsigned long long)offset, ulen, cap);
    if (cap > ulen)
        cap = ulen;
    size_t have = nfirst - B2A_MSSQLBAK_REC_HDR; /* chunk bytes already read */
    /* A peek at a page header is mostly answered without the full
     * decoder's table, which costs ten times its decoding; where the peek
     * cannot tell, the full decoder settles it as before. */
    if (stop_at_cap &&
        b2a__xpress_peek(first + B2A_MSSQLBAK_REC_HDR, have < clen ? have : clen, out, cap)) {
        *out_len = cap;
        if (decoded)
            *decoded = cap;
        return B2A_OK;
    }
    if (stop_at_cap && have < clen) {
        /* The prefix decodes the first cap bytes exactly; anything short of
         * them (an error or an end seen at the cut) is settled by the whole chunk. */
        size_t got = 0;
        b2a_err scratch;
        if (decode_chunk(m, offset, first + B2A_MSSQLBAK_REC_HDR, (uint32_t)have, out, cap, 1, &got,
                         &scratch) == B2A_OK && got == cap) {
            *out_len = got;
            if (decoded)
                *decoded = got;
            return B2A_OK;
        }
    }
    const uint8_t *in = first + B2A_MSSQLBAK_REC_HDR;
    uint8_t *whole = NULL;
    if (have < clen) {
        if (!(whole = malloc(clen)))
            return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
        memcpy(whole, in, have);
        rc = pread_all(m, offset + B2A_MSSQLBAK_REC_HDR + have, whole + have, clen - have, err);
        in = whole;
    }
    if (rc == B2A_OK)
        rc = decode_chunk(m, offset, in, clen, out, cap, stop_at_cap, out_len, err);
    if (rc == B2A_OK) {
        if (decoded)
            *decoded = *out_len;
        if (!stop_at_cap) {
            memset(out + *out_len, 0, ulen - *out_len);
            *out_len = ulen;
        }
    }
    free(whole);
    return rc;
}

int b2a__mssqlbak_read(const b2a_mssqlbak *m, uint64_t offset, uint8_t *out, size_t cap,
                       size_t *out_len, b2a_err *err)
{
    return decode_at(m, offset, out, cap, 0, out_len, NULL, NULL, NULL, err);
}

int b2a__mssqlbak_peek(const b2a_mssqlbak *m, uint64_t offset, uint8_t *out, size_t want,
                       size_t *got, b2a_err *err)
{
    return decode_at(m, offset, out, want, 1, got, NULL, NULL, NULL, err);
}

int b2a__mssqlbak_peek_head(const b2a_mssqlbak *m, uint64_t offset, const b2a_mssqlbak_head *head,
                            uint8_t *out, size_t want, size_t *got, b2a_err *err)
{
    return decode_at(m, offset, out, want, 1, got, NULL, NULL, head, err);
}

int b2a__mssqlbak_read_extent(const b2a_mssqlbak *m, uint64_t offset,
                              uint8_t out[B2A_MSSQLBAK_EXTENT], size_t *decoded, b2a_err *err)
{
    size_t n = 0, got = 0;
    int ext = 0;
    int rc = decode_at(m, offset, out, B2A_MSSQLBAK_EXTENT, 0, &n, &got, &ext, NULL, err);
    if (rc == B2A_OK && !ext)
        rc = b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                          "%s: record at offset %llu is not an extent record", m->path,
                          (unsigned long long)offset);
    if (rc != B2A_OK)
        return rc;
    if (decoded)
        *decoded = got;
    return B2A_OK;
}

int b2a__mssqlbak_extent_until(const b2a_mssqlbak *m, uint64_t offset,
                               uint8_t out[B2A_MSSQLBAK_EXTENT], size_t until,
                               b2a_xpress_resume *rs, size_t *valid, b2a_err *err)
{
    uint8_t first[FIRST_READ];
    int rc;
    *valid = 0;
    if (offset >= m->size || m->size - offset < PROBE)
        return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                            "%s: no record at offset %llu (file size %llu)", m->path,
                            (unsigned long long)offset, (unsigned long long)m->size);
    size_t nfirst = m->size - offset < sizeof first ? (size_t)(m->size - offset) : sizeof first;
    if ((rc = pread_all(m, offset, first, nfirst, err)) != B2A_OK)
        return rc;
    uint32_t tag = b2a__rd32(first);
    uint32_t clen = tag >> 16;
    if ((tag & 0xFFFF) != B2A_MSSQLBAK_KIND_EXTENT || b2a__rd32(first + 20) != 0)
        return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                            "%s: record at offset %llu is not an extent record", m->path,
                            (unsigned long long)offset);
    if (offset + B2A_MSSQLBAK_REC_HDR + clen > m->size)
        return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                            "%s: record at offset %llu (%u compressed bytes) runs past the end "
                            "of the file at %llu: the backup is truncated", m->path,
                            (unsigned long long)offset, clen, (unsigned long long)m->size);
    const uint8_t *in = first + B2A_MSSQLBAK_REC_HDR;
    uint8_t *whole = NULL;
    size_t have = nfirst - B2A_MSSQLBAK_REC_HDR;
    if (have < clen) {
        if (!(whole = malloc(clen)))
            return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
        memcpy(whole, in, have);
        rc = pread_all(m, offset + B2A_MSSQLBAK_REC_HDR + have, whole + have, clen - have, err);
        in = whole;
    }
    size_t n = 0;
    b2a_xpress_fail f;
    if (rc == B2A_OK &&
        (rc = b2a__xpress_decode_until(in, clen, out, B2A_MSSQLBAK_EXTENT, until, rs, &n, &f)) != B2A_OK)
        b2a__err_set(err, rc, B2A_ERRCLASS_READER,
                     "%s: corrupt compressed record at offset %llu: %s (chunk byte %zu of %u)",
                     m->path, (unsigned long long)offset, f.why, f.in_pos, clen);
    free(whole);
    if (rc != B2A_OK)
        return rc;
    if (rs->done) {
        memset(out + n, 0, B2A_MSSQLBAK_EXTENT - n);
        n = B2A_MSSQLBAK_EXTENT;
    }
    *valid = n;
    return B2A_OK;
}

void b2a__mssqlbak_close(b2a_mssqlbak *m)
{
    if (!m)
        return;
    b2a__ra_close(m->ra);
    free(m);
}

/* A file cut right after a mid-stream filemark still ends in an SFMB; a whole
 * backup has ESET in the run before its closing filemark, so look for it. */
static int check_eset(const b2a_mssqlbak *m, b2a_err *err)
{
    uint8_t blk[52];
    uint64_t lo = m->last_raw > ESET_SCAN ? m->last_raw - ESET_SCAN : FILE_HDR;
    uint64_t start = FILE_HDR;
    int rc;
    for (uint64_t at = m->last_raw; at >= 512 && at - 512 >= lo;) {
        at -= 512;
        if ((rc = pread_all(m, at, blk, sizeof blk, err)) != B2A_OK)
            return rc;
        if (is_raw_block(blk)) {
            start = at + 512;
            break;
        }
    }
    uint64_t cur = start;
    b2a_mssqlbak_rec rec;
    while ((rc = b2a__mssqlbak_next(m, &cur, &rec, err)) == 1 && rec.offset < m->last_raw) {
        uint8_t head[4];
        size_t got = 0;
        if (rec.raw || b2a__mssqlbak_is_extent(&rec))
            continue;
        if ((rc = b2a__mssqlbak_peek(m, rec.offset, head, sizeof head, &got, err)) != B2A_OK)
            return rc;
        if (got == 4 && memcmp(head, "ESET", 4) == 0)
            return B2A_OK;
    }
    if (rc < 0)
        return rc;
    return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                        "%s: no end-of-set block (ESET) before the closing filemark at offset "
                        "%llu: the backup is truncated", m->path, (unsigned long long)m->last_raw);
}
