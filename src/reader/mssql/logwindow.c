/* The log window of a backup, from its MQTL streams [measured on the
 * samples]: a sequence of log blocks, each a multiple of 512 bytes:
 *   +2 u16 record count, +4 u16 end of the slot array, +6 u16 block size,
 *   +12 u32 VLF and +16 u32 block number (the block's LSN),
 * the slot array (u16 record offsets, the entry of record k at end - 2k)
 * ending at +4. A record's LSN is (VLF, block, k); its transaction id is
 * the 6 bytes at +16, its operation the byte at +22. The first byte of
 * every 512-byte sector holds parity bits, not data. */
#include "reader/mssql/logwindow.h"

#include <stdlib.h>
#include <string.h>

#include "reader/mssql/page.h"

#define BLOCK_MAX 61440u   /* SQL Server writes log blocks of at most 60 KiB */
#define SECTOR 512u

typedef struct scan {
    const b2a_bak_header *h;
    b2a_log_window *w;
    uint8_t *buf;          /* unparsed bytes of the current family */
    size_t len;
    size_t family;
    int stopped;           /* this family's log ended (padding) or could not be parsed */
} scan;

static int all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

/* A record's transaction id; a byte of it on a sector start is parity, so
 * such a record counts as a transaction's (never fewer than a restore). */
static int in_transaction(const uint8_t *blk, size_t off)
{
    for (size_t i = off + 16; i < off + 22; i++)
        if (i % SECTOR == 0 || blk[i])
            return 1;
    return 0;
}

static void block(scan *s, const uint8_t *b, size_t size)
{
    unsigned nrec = b2a__rd16(b + 2), end = b2a__rd16(b + 4);
    b2a_lsn l = { b2a__rd32(b + 12), b2a__rd32(b + 16), 0 };
    if (end > size || 2u * nrec > end) {
        s->w->unreadable = 1;
        return;
    }
    for (unsigned k = 1; k <= nrec; k++) {
        size_t off = b2a__rd16(b + end - 2 * k);
        l.slot = (uint16_t)k;
        if (b2a__lsn_cmp(&l, &s->h->first_lsn) <= 0 || b2a__lsn_cmp(&l, &s->h->last_lsn) >= 0)
            continue;
        if (off + 24 > size) {
            s->w->unreadable = 1;
            return;
        }
        s->w->records++;
        if (in_transaction(b, off)) {
            if (!s->w->in_transaction)
                s->w->first_change = l;
            s->w->in_transaction++;
        }
    }
}

/* A family's log ends: bytes left over that are not padding are a block
 * cut short, whose records were never seen. */
static void end_family(scan *s)
{
    if (!s->stopped && !all_zero(s->buf, s->len))
        s->w->unreadable = 1;
}

static int on_chunk(void *ud, size_t family, const uint8_t *p, size_t n, b2a_err *err)
{
    scan *s = ud;
    if (family != s->family) {
        end_family(s);
        s->family = family;
        s->len = 0;
        s->stopped = 0;
    }
    if (s->stopped)
        return B2A_OK;
    memcpy(s->buf + s->len, p, n);
    s->len += n;
    size_t at = 0;
    while (s->len - at >= 24) {
        const uint8_t *b = s->buf + at;
        size_t size = b2a__rd16(b + 6);
        if (size < SECTOR || size > BLOCK_MAX || size % SECTOR) {
            /* Zeros past the last block are padding; anything else is a log we cannot read. */
            if (!all_zero(b, s->len - at))
                s->w->unreadable = 1;
            s->stopped = 1;
            break;
        }
        if (s->len - at < size)
            break;
        block(s, b, size);
        at += size;
    }
    memmove(s->buf, s->buf + at, s->len - at);
    s->len -= at;
    (void)err;
    return B2A_OK;
}

int b2a__log_window(b2a_bak_pages *p, b2a_log_window *out, b2a_err *err)
{
    memset(out, 0, sizeof *out);
    const b2a_bak_header *h = b2a__bak_pages_header(p);
    if (!h->has_lsns) {
        out->unreadable = 1;
        return B2A_OK;
    }
    out->active_at_start = b2a__lsn_cmp(&h->first_lsn, &h->checkpoint_lsn) < 0;
    scan s = { h, out, malloc(BLOCK_MAX + 65536), 0, (size_t)-1, 0 };
    if (!s.buf)
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    int rc = b2a__bak_pages_log(p, on_chunk, &s, err);
    end_family(&s);
    free(s.buf);
    return rc;
}
