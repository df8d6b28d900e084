/* Page verification as SQL Server does it on read: a page written while the
 * database was in PAGE_VERIFY CHECKSUM carries a checksum of its 8 KiB in its
 * header; one written in TORN_PAGE_DETECTION carries a 2-bit pattern at the
 * end of every 512-byte sector. Which one a page carries is in its own
 * header (flagBits 0x200 checksum, 0x100 torn bits); a page written in
 * PAGE_VERIFY NONE carries neither and cannot be checked. */
#ifndef B2A_READER_MSSQL_PAGECHECK_H
#define B2A_READER_MSSQL_PAGECHECK_H

#include <stdint.h>

typedef enum b2a_pgprot {
    B2A_PGPROT_NONE = 0,     /* no protection: nothing to verify */
    B2A_PGPROT_CHECKSUM = 1,
    B2A_PGPROT_TORN = 2,
    B2A_PGPROT_FLAGS = 3     /* flags say none, but the check field is set: the header is damaged */
} b2a_pgprot;

typedef struct b2a_pgcheck {
    b2a_pgprot prot;
    int ok;                  /* 1 when the page passed (always 1 for NONE) */
    uint32_t stored;         /* CHECKSUM: header value; TORN: the header's pattern */
    uint32_t computed;       /* CHECKSUM: over the page; TORN: the first sector's bits that differ */
    unsigned sector;         /* TORN: that sector (1..15) */
} b2a_pgcheck;

/* The page checksum: for each 512-byte sector the XOR of its 128 little-endian
 * 32-bit words (the checksum field at offset 60 counted as 0), rotated left
 * by 15 - sector, all XORed together. */
uint32_t b2a__page_checksum(const uint8_t pg[8192]);

/* Verify a page image as it was written to disk, before its torn bits are
 * restored. Fills *out; returns out->ok. */
int b2a__page_verify(const uint8_t pg[8192], b2a_pgcheck *out);

/* "checksum mismatch (stored 0x…, computed 0x…)" or "torn page (sector N …)"
 * into buf, for messages. */
void b2a__page_check_describe(const b2a_pgcheck *c, char *buf, unsigned len);

#endif
