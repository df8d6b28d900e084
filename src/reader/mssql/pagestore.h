/* The page store of a SQL Server backup: an index of where every page image
 * lives in the given .bak file(s), TAPE (MTF) or MSSQLBAK (compressed),
 * striped sets merged, later MQDA regions superseding earlier ones.
 * Page reads are thread-safe; the backup is never loaded whole. */
#ifndef B2A_READER_MSSQL_PAGESTORE_H
#define B2A_READER_MSSQL_PAGESTORE_H

#include <stddef.h>
#include <stdint.h>
#include "core/error.h"
#include "reader/mssql/header.h"

#define B2A_BAK_PAGE_SIZE 8192

typedef struct b2a_bak_pages b2a_bak_pages;

/* Open all files of one backup media set. Detects TAPE vs MSSQLBAK itself.
 * Refuses half a striped set with a message naming the missing stripe(s):
 * "x.bak is stripe 1 of 2 of media set {GUID}; stripe 2 is missing: give all 2 files together".
 * Errors: B2A_EIO (open/read), B2A_EFORMAT (not a backup, truncated, corrupt),
 * B2A_EUNSUPPORTED (encrypted, unknown compression), B2A_EINVAL (stripes of
 * different media sets, duplicates). Messages name the file and offset. */
int b2a__bak_pages_open(const char *const *paths, size_t n, b2a_bak_pages **out, b2a_err *err);

/* The same, but stripes missing from the media set are no error: for
 * reporting the headers of half a set (family_count says how many there
 * are, nfamilies how many were given). Its pages are not the database's. */
int b2a__bak_pages_open_incomplete(const char *const *paths, size_t n, b2a_bak_pages **out, b2a_err *err);

/* Copy the image of page (file_id:page_id) into page_out, torn-page bits
 * restored (flag 0x100). B2A_ENOTFOUND when the backup holds no image of it
 * (err carries a message then too). Safe to call from several threads.
 * Every page is verified first (pagecheck.h): a page that fails its
 * checksum or torn-page check is B2A_EFORMAT, "page (1:289): checksum
 * mismatch (stored 0x…, computed 0x…)", unless checksums are ignored. */
int b2a__bak_pages_get(b2a_bak_pages *p, uint16_t file_id, uint32_t page_id,
                       uint8_t page_out[B2A_BAK_PAGE_SIZE], b2a_err *err);

/* The same, naming what the page belongs to in a verification failure:
 * "page (1:289) of dbo.Orders: checksum mismatch (…)". owner may be NULL. */
int b2a__bak_pages_get_of(b2a_bak_pages *p, uint16_t file_id, uint32_t page_id, const char *owner,
                          uint8_t page_out[B2A_BAK_PAGE_SIZE], b2a_err *err);

/* Salvage mode (--ignore-checksums): pages that fail verification are
 * returned anyway, and counted as failed. Set before any read. */
void b2a__bak_pages_set_ignore_checksums(b2a_bak_pages *p, int ignore);

/* Page reads on the calling thread, since it started, that were returned
 * although they failed verification (salvage mode only). A scan reads on
 * one thread per call, so the difference around a call is that call's. */
uint64_t b2a__bak_pages_salvaged_here(void);

/* Distinct pages read so far, by the protection they carried. */
typedef struct b2a_bak_verify_stats {
    uint64_t checksum;     /* carried a page checksum (passed or failed) */
    uint64_t torn;         /* carried torn-page bits (passed or failed) */
    uint64_t unprotected;  /* flags said no protection: written in PAGE_VERIFY NONE or never rewritten
                              since (or, when also failed, a damaged header) */
    uint64_t failed;       /* of the above, failed verification */
} b2a_bak_verify_stats;
void b2a__bak_pages_verify_stats(const b2a_bak_pages *p, b2a_bak_verify_stats *out);

/* The i-th page that failed verification, described as in the error
 * ("page (1:289) of dbo.Orders: checksum mismatch (…)"), in the order they
 * were read; NULL past the first B2A_BAK_MAX_FAILURES. Valid until close. */
#define B2A_BAK_MAX_FAILURES 20
const char *b2a__bak_pages_failure(b2a_bak_pages *p, size_t i);

/* 1 if the backup holds an image of that page, without reading it. */
int b2a__bak_pages_has(const b2a_bak_pages *p, uint16_t file_id, uint32_t page_id);

/* Highest page id + 1 held for file_id (0 if none): a bound for scans. */
uint32_t b2a__bak_pages_limit(const b2a_bak_pages *p, uint16_t file_id);

/* Lay a differential backup (newer) over its base (older: the full
 * backup, or that full with earlier differentials over it). Page reads then
 * take each extent's image from the newest backup that holds it, as
 * RESTORE of the full WITH NORECOVERY then the differential would leave it.
 * newer owns older from then on (closing newer closes both); has() and
 * limit() cover both; the header stays newer's. The caller has checked
 * that older is newer's base. */
void b2a__bak_pages_overlay(b2a_bak_pages *newer, b2a_bak_pages *older);

/* The log the backup carries (its MQTL streams), in file order per
 * family, in chunks of at most 64 KiB: cb(ud, family index, bytes, n, err)
 * for each; a non-zero return stops the walk and is returned. Only this
 * backup's, not an overlaid base's (b2a__bak_pages_older gives that). */
typedef int (*b2a_bak_log_cb)(void *ud, size_t family, const uint8_t *p, size_t n, b2a_err *err);
int b2a__bak_pages_log(b2a_bak_pages *p, b2a_bak_log_cb cb, void *ud, b2a_err *err);

/* The backup newer was laid over, or NULL. */
b2a_bak_pages *b2a__bak_pages_older(const b2a_bak_pages *p);

/* The media-set GUID of a backup file, from its first descriptor blocks
 * only (cheap: for telling which given files belong together). 1 with id
 * filled, 0 when the file carries none, <0 when it cannot be read. */
int b2a__bak_media_set(const char *path, uint8_t id[16], b2a_err *err);

/* Only the header facts of the descriptor blocks at the start of one
 * file (a truncated or damaged backup's, for inspect): no page is held. */
int b2a__bak_pages_open_first_blocks(const char *path, b2a_bak_pages **out, b2a_err *err);

/* Borrowed; valid until close. */
const b2a_bak_header *b2a__bak_pages_header(const b2a_bak_pages *p);

void b2a__bak_pages_close(b2a_bak_pages *p);

/* Debugging aid: print the header facts and the index (families, regions,
 * extents per file id, page-id bounds) to f, a FILE * (void * so this
 * header needs no stdio.h). */
void b2a__bak_pages_dump(const b2a_bak_pages *p, void *f);

/* Restore the torn-page bits of a page image in place (no-op unless flag
 * 0x100 is set). Exposed for tests and for R2's own page copies. */
void b2a__bak_page_untear(uint8_t page[B2A_BAK_PAGE_SIZE]);

#endif
