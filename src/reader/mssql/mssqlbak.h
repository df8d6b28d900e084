/* The MSSQLBAK container of SQL Server's compressed backups (WITH COMPRESSION):
 * a sequence of records {28-byte header, XPRESS chunk}, in runs separated by
 * raw MTF blocks (SFMB) on 512-byte boundaries and padding.
 * [measured on both samples] The decoded records in file order, each raw block
 * counted as one soft-filemark block (TAPE +64 x 512: 512 B or 4 KiB, zeros
 * after its first 512 bytes), are byte for byte the uncompressed MTF stream:
 * TAPE(+RAID) | SFMB | SSET VOLB MSCI MSDA..MQDA header + 2 lead bytes |
 * 64 KiB extent records | MQDA(len 0) SPAD MSTL..MQTL header | 64 KiB log
 * record(s) | SPAD MSTL.. MSLS | SFMB | ESET | SFMB. So a 0x8021 record is
 * 64 KiB of stream data: MQDA pages (8 pages of one extent) or MQTL log; the
 * stream header decoded just before it says which.
 * Record walks read only headers (bounded memory); decompression is per
 * record, positional (pread) and thread-safe. Errors name the file and offset. */
#ifndef B2A_READER_MSSQL_MSSQLBAK_H
#define B2A_READER_MSSQL_MSSQLBAK_H

#include <stddef.h>
#include <stdint.h>
#include "core/error.h"
#include "reader/mssql/xpress.h"

#define B2A_MSSQLBAK_MAGIC "MSSQLBAK"
#define B2A_MSSQLBAK_MAGIC_LEN 8
#define B2A_MSSQLBAK_REC_HDR 28          /* record header bytes before the chunk */
#define B2A_MSSQLBAK_EXTENT 65536        /* one extent: 8 pages of 8 KiB */
#define B2A_MSSQLBAK_OUT_MAX 65536       /* no record decompresses to more */
#define B2A_MSSQLBAK_RAW_BLOCK 512       /* raw MTF blocks between runs */
#define B2A_MSSQLBAK_KIND_EXTENT 0x8021u /* tag & 0xFFFF of an extent record */

typedef struct b2a_mssqlbak b2a_mssqlbak;

typedef struct b2a_mssqlbak_rec {
    uint64_t offset;  /* file offset of the record header (raw: of the block) */
    uint32_t tag;     /* u32 tag: low byte 0x21, bits 8-15 kind, high 16 = clen; 0 if raw */
    uint32_t clen;    /* compressed chunk bytes (raw: B2A_MSSQLBAK_RAW_BLOCK) */
    uint32_t ulen;    /* decoded bytes: tag bits 8-15 x 512 (measured); raw: 512 */
    int raw;          /* 1: an uncompressed MTF block (e.g. SFMB); first 512 bytes */
} b2a_mssqlbak_rec;

/* Kinds seen (tag & 0xFFFF): 0x0221/0x0821 TAPE chunk, 0x0E21/0x1021
 * SSET..MSDA headers, 0x8021 extent, 0x0421/0x2421/0x0621/0x1821 trailers.
 * Bits 8-15 are the decoded size in 512-byte sectors, so kinds are sizes. */
/* A full 64 KiB data record. Every data record in the samples is 0x8021;
 * an extent stored with trailing zero pages dropped would carry a smaller
 * size byte, so a caller tracking the MTF stream should also treat any record
 * inside a stream's data as data (and zero-fill to 64 KiB). */
static inline int b2a__mssqlbak_is_extent(const b2a_mssqlbak_rec *r)
{
    return !r->raw && (r->tag & 0xFFFFu) == B2A_MSSQLBAK_KIND_EXTENT;
}

/* 1 if the first bytes of a file say MSSQLBAK. */
int b2a__mssqlbak_probe(const uint8_t *head, size_t n);

/* Open a compressed backup: checks the magic and version words.
 * B2A_EIO (cannot open), B2A_EFORMAT (not MSSQLBAK / truncated header),
 * B2A_EUNSUPPORTED (v1 framing of SQL <= 2012 or an unknown version). */
int b2a__mssqlbak_open(const char *path, b2a_mssqlbak **out, b2a_err *err);

uint64_t b2a__mssqlbak_size(const b2a_mssqlbak *m);

/* Walk records in file order without decompressing. *cursor starts at 0 and
 * is advanced by each call (several walks may run at once, each with its own
 * cursor). Returns 1 with *rec filled, 0 at the end of the file, or <0 on an
 * error (B2A_EIO; B2A_EFORMAT for a record running past the end of the file,
 * named with file and offset). Non-record bytes (padding, run trailers) are
 * skipped by resynchronising on the next header whose chunk starts with a
 * complete Huffman table; raw 512-byte MTF blocks are returned as raw records. */
int b2a__mssqlbak_next(const b2a_mssqlbak *m, uint64_t *cursor, b2a_mssqlbak_rec *rec,
                       b2a_err *err);

/* The file's bytes at a record as the walk read them, so that a peek at
 * its page header (96 bytes) need not read them again: the page index
 * walks every record and peeks every extent. */
#define B2A_MSSQLBAK_HEAD 736
typedef struct b2a_mssqlbak_head {
    uint8_t b[B2A_MSSQLBAK_HEAD];
    size_t n;    /* bytes held: the record's first n bytes (0: none) */
    uint64_t offset; /* the record's file offset: a peek elsewhere reads the file */
} b2a_mssqlbak_head;

/* b2a__mssqlbak_next, keeping in *head the bytes it read at the record
 * (at most B2A_MSSQLBAK_HEAD; fewer near the end of the file or of a
 * resynchronising scan's window). */
int b2a__mssqlbak_next_head(const b2a_mssqlbak *m, uint64_t *cursor, b2a_mssqlbak_rec *rec,
                            b2a_mssqlbak_head *head, b2a_err *err);

/* Decompress the record at `offset` (as given by _next) into out[0..cap);
 * *out_len = the record's ulen. A chunk that stops early (trailing all-zero
 * pages omitted) is zero-filled up to ulen. Raw records: their first 512
 * bytes are copied. Errors: B2A_EIO; B2A_EFORMAT ("f.bak: corrupt compressed
 * record at offset N: <reason>"), also when ulen > cap or the chunk decodes
 * to more than ulen. Thread-safe (pread, no shared state). */
int b2a__mssqlbak_read(const b2a_mssqlbak *m, uint64_t offset, uint8_t *out, size_t cap,
                       size_t *out_len, b2a_err *err);

/* Decode only the first `want` bytes of the record at `offset` (e.g. a page
 * header to learn which extent a record holds), without the zero fill;
 * *got may be < want when the record is shorter. */
int b2a__mssqlbak_peek(const b2a_mssqlbak *m, uint64_t offset, uint8_t *out, size_t want,
                       size_t *got, b2a_err *err);

/* The same, from the bytes b2a__mssqlbak_next_head read at `offset` where
 * they are that record's and hold all the peek would read (else it reads
 * the file): the same
 * result and errors as b2a__mssqlbak_peek. */
int b2a__mssqlbak_peek_head(const b2a_mssqlbak *m, uint64_t offset, const b2a_mssqlbak_head *head,
                            uint8_t *out, size_t want, size_t *got, b2a_err *err);

/* Decompress the extent record at `offset` into a full 64 KiB extent, the
 * omitted trailing pages zero-filled. *decoded (may be NULL) = bytes the
 * chunk actually held. B2A_EFORMAT if the record is not an extent record. */
int b2a__mssqlbak_read_extent(const b2a_mssqlbak *m, uint64_t offset,
                              uint8_t out[B2A_MSSQLBAK_EXTENT], size_t *decoded, b2a_err *err);

/* Decode the extent record at `offset` only as far as needed: until at
 * least `until` bytes of out are final (*valid >= until), going on from *rs
 * (zeroed before the first call for this record and out). Once the chunk is
 * used up the omitted trailing pages are zero-filled and *valid is
 * B2A_MSSQLBAK_EXTENT. Errors as b2a__mssqlbak_read_extent, for the part
 * decoded. */
int b2a__mssqlbak_extent_until(const b2a_mssqlbak *m, uint64_t offset,
                               uint8_t out[B2A_MSSQLBAK_EXTENT], size_t until,
                               b2a_xpress_resume *rs, size_t *valid, b2a_err *err);

void b2a__mssqlbak_close(b2a_mssqlbak *m);

#endif
