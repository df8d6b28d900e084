/* MS-XCA "LZ77+Huffman" (XPRESS Huffman) decoder: the codec of SQL Server's
 * compressed backups (MS_XPRESS). Written from the public [MS-XCA] spec.
 * Safe on hostile input: every input read and every match copy is bounded. */
#ifndef B2A_READER_MSSQL_XPRESS_H
#define B2A_READER_MSSQL_XPRESS_H

#include <stddef.h>
#include <stdint.h>

/* Why a decode failed: a static reason and the input offset it was found at. */
typedef struct b2a_xpress_fail {
    const char *why;
    size_t in_pos;
} b2a_xpress_fail;

/* 1 if the 256-byte table at `table` holds 512 code lengths whose Kraft sum is
 * exactly 1 (a complete prefix code). Cheap; used to find record starts. */
int b2a__xpress_table_ok(const uint8_t table[256]);

/* Decode `in` (one or more 256-byte-table blocks of at most 64 KiB output
 * each) into out[0..out_cap). The output size is not stored, so decoding runs
 * until the input is used up (EOF symbol at the end of input).
 * stop_at_cap: 0 = output beyond out_cap is an error (B2A_EFORMAT, "output
 * larger than buffer"); 1 = stop quietly once out_cap bytes exist (peek).
 * Returns B2A_OK with *out_len, or B2A_EFORMAT with *fail filled. Never reads
 * in[] outside [0,in_len) nor writes out[] outside [0,out_cap); bytes past
 * *out_len (and all of out[] after a failure) are scratch. Thread-safe. */
int b2a__xpress_decode(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap,
                       int stop_at_cap, size_t *out_len, b2a_xpress_fail *fail);

/* The first out_cap (< 64 KiB) bytes of a chunk, as b2a__xpress_decode
 * with stop_at_cap 1 gives them, without building its decoding table (for
 * a peek at a page header, much cheaper). Returns 1 with out[0..out_cap)
 * filled, or 0 where the decode would fail, end short of out_cap or need
 * input beyond in_len: then b2a__xpress_decode settles it (out[] is
 * scratch). Never reads in[] outside [0,in_len). Thread-safe. */
int b2a__xpress_peek(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap);

/* Where a paused decode stands (b2a__xpress_decode_until). Zero it before
 * the first call; it belongs to one input and one output buffer. */
typedef struct b2a_xpress_resume {
    int started, done;     /* done: the stream ended; op bytes are all it holds */
    size_t op;             /* output bytes decoded so far */
    size_t block_at, block_end, pos;
    uint64_t bb;
    unsigned n;
    size_t anchor;         /* where the bit reader's 32-bit loads began (error positions) */
} b2a_xpress_resume;

/* Decode as b2a__xpress_decode (stop_at_cap 0), but pause at the first
 * symbol boundary at or past `until` output bytes: *out_len (= rs->op) is
 * then >= until, or the whole output when rs->done. A later call with the
 * same in, out and rs goes on from there (with a larger until), so a reader
 * needing only the front of a chunk decodes only that, and the rest once.
 * A match may run past `until` (never past out_cap); bytes beyond
 * *out_len are scratch. Errors as b2a__xpress_decode, found only in the
 * part decoded. */
int b2a__xpress_decode_until(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap,
                             size_t until, b2a_xpress_resume *rs, size_t *out_len,
                             b2a_xpress_fail *fail);

#endif
