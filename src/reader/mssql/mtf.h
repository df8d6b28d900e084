/* Microsoft Tape Format as SQL Server writes it: the DBLK walk (TAPE, SFMB,
 * SSET, VOLB, MSCI, MSDA, MSTL, MSLS, ESET), both soft-filemark layouts,
 * the RAID stream of striped media sets and the MQDA page regions. */
#ifndef B2A_READER_MSSQL_MTF_H
#define B2A_READER_MSSQL_MTF_H

#include <stddef.h>
#include <stdint.h>
#include "core/error.h"
#include "reader/mssql/readahead.h"

#define B2A_MTF_DBLK_HDR 52
#define B2A_MTF_STREAM_HDR 22

/* A run of 8 KiB page blocks in the file (an MQDA stream minus its 2 lead bytes). */
typedef struct b2a_mtf_region {
    uint64_t offset;
    uint64_t nblocks;
} b2a_mtf_region;

/* A copy of one descriptor block's fixed part (up to its first stream),
 * kept so header.c can read its strings and dates. */
typedef struct b2a_mtf_blk {
    uint8_t *data;
    size_t len;
} b2a_mtf_blk;

typedef struct b2a_mtf_info {
    uint32_t soft_filemark;     /* bytes */
    int has_raid;
    uint8_t media_set_id[16];
    uint16_t family_count;
    uint16_t media_seq;         /* tape number within the family; 1 on disk */
    uint16_t family_seq;        /* the stripe's number, 1..family_count */
    b2a_mtf_blk tape, sset, volb, msci;
    uint8_t *mqci;              /* first MQCI stream's data */
    size_t mqci_len;
    b2a_mtf_region *regions;    /* MQDA regions in file order */
    size_t nregions;
    b2a_mtf_region *logs;       /* MQTL data in file order: offset and *bytes* (nblocks
                                   here counts bytes, the 2 lead bytes left out) */
    size_t nlogs;
    int saw_eset;
    uint32_t nsets;             /* SSET blocks seen: backup sets in the file */
    char last_type[5];          /* type of the last descriptor block seen */
} b2a_mtf_info;

/* Walk an uncompressed (TAPE) backup file from offset 0 to its end. Only
 * the first backup set's MQDA regions are kept (RESTORE's default FILE = 1);
 * later sets appended WITH NOINIT are counted in nsets. Fails
 * with B2A_EFORMAT naming the file and offset on a bad checksum, a stream
 * running past the end, or a file that ends before the backup set does. */
int b2a__mtf_walk(b2a_ra *ra, b2a_mtf_info *info, b2a_err *err);

/* MSSQLBAK: the decompressed non-extent chunks, in file order, form the MTF
 * descriptor stream, with the data of MQDA/MQTL streams carried by extent
 * records in between. Feed each chunk in order with the same state (zeroed
 * at first); after a call, st->ext_stream names the stream ("MQDA", "MQTL")
 * whose data the following extent records hold, or is "" when none. */
typedef struct b2a_mtf_chunkstate {
    int in_chain;          /* the last chunk ended inside a block's stream chain */
    char ext_stream[5];
} b2a_mtf_chunkstate;

int b2a__mtf_parse_chunk(const uint8_t *buf, size_t len, const char *what, b2a_mtf_info *info,
                         b2a_mtf_chunkstate *st, b2a_err *err);

/* 1 if the 52-byte block header at p has a known-looking type and a zero XOR checksum. */
int b2a__mtf_dblk_valid(const uint8_t *p);

/* A {u16 size, u16 offset} string address at addr_off inside blk, as UTF-8
 * (malloc'ed, "" when absent or out of range). string_type is the block's
 * byte 48 (1 ANSI, 2 UTF-16LE). NULL only on out of memory. */
char *b2a__mtf_string(const b2a_mtf_blk *blk, size_t addr_off);

/* MTF 5-byte packed date to "YYYY-MM-DD HH:MM:SS"; 0 on success, -1 if zero/invalid. */
int b2a__mtf_date(const uint8_t p[5], char out[20]);

/* UTF-16LE (n bytes) to malloc'ed UTF-8, stopping at a NUL; NULL on OOM. */
char *b2a__mtf_utf16(const uint8_t *p, size_t n);

void b2a__mtf_info_clear(b2a_mtf_info *info);

#endif
