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
 * in[] outside [0,in_len) nor writes out[] outside [0,out_cap). Thread-safe. */
int b2a__xpress_decode(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap,
                       int stop_at_cap, size_t *out_len, b2a_xpress_fail *fail);

#endif
