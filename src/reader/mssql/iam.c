/* IAM chain walk with PFS allocation checks (docs/mssql-bak-format.md
 * §2.6 "Page enumeration must use the IAM chain"). */
#include <stddef.h>
#include <string.h>

#include "reader/mssql/iam.h"

#define PFS_INTERVAL 8088u
#define IAM_HDR_START 40   /* record 0: GAM interval start page */
#define IAM_HDR_SLOTS 46   /* record 0: 8 single-page slots */

void b2a__iam_init(b2a_iamwalk *w, b2a_bak_pages *ps, b2a_pgid first_iam)
{
    /* Everything but the two page buffers, which are read into before use
     * (zeroing them cost more than a small table's scan). */
    _Static_assert(offsetof(b2a_iamwalk, pfs) == offsetof(b2a_iamwalk, iam) + B2A_PG_SIZE &&
                       offsetof(b2a_iamwalk, pfs) + B2A_PG_SIZE == sizeof(b2a_iamwalk),
                   "the page buffers are the walk's last fields");
    memset(w, 0, offsetof(b2a_iamwalk, iam));
    w->ps = ps;
    w->next_iam = first_iam;
    /* An IAM page covers a 4 GB GAM interval; a chain longer than the
     * file's pages allow is a loop. */
    uint32_t lim = b2a__bak_pages_limit(ps, first_iam.file);
    w->max_hops = lim / 8 + 64;
}

int b2a__iam_allocated(b2a_iamwalk *w, b2a_pgid id, b2a_err *err)
{
    uint32_t base = id.page / PFS_INTERVAL * PFS_INTERVAL;
    b2a_pgid pid = { base == 0 ? 1 : base, id.file };
    if (w->pfs_id.page != pid.page || w->pfs_id.file != pid.file) {
        b2a_err e2;
        int rc = b2a__bak_pages_get(w->ps, pid.file, pid.page, w->pfs, &e2);
        w->pfs_id = pid;
        w->pfs_missing = 0;
        if (rc == B2A_ENOTFOUND) {
            w->pfs_missing = 1;
        } else if (rc < 0) {
            w->pfs_id.page = 0;
            b2a__err_copy(err, &e2);
            return rc;
        } else if (b2a__page_type(w->pfs) != B2A_PG_PFS) {
            w->pfs_id.page = 0;
            return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                                "page (%u:%u) should be a PFS page but has type %u",
                                pid.file, pid.page, b2a__page_type(w->pfs));
        }
    }
    if (w->pfs_missing)
        return 1;
    const uint8_t *rec;
    size_t maxlen;
    if (b2a__page_record(w->pfs, 0, &rec, &maxlen) != 0 || maxlen < 4 + PFS_INTERVAL)
        return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                            "PFS page (%u:%u) has no valid record", pid.file, pid.page);
    return (rec[4 + (id.page - base)] & 0x40) != 0;
}

static int load_iam(b2a_iamwalk *w, b2a_err *err)
{
    b2a_pgid id = w->next_iam;
    for (uint32_t i = 0; i < w->hops && i < 64; i++)
        if (w->seen[i].page == id.page && w->seen[i].file == id.file)
            return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                                "IAM chain loops back to page (%u:%u)", id.file, id.page);
    if (w->hops < 64)
        w->seen[w->hops] = id;
    if (++w->hops > w->max_hops)
        return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                            "IAM chain loops or is longer than the file allows at (%u:%u)", id.file, id.page);
    int rc = b2a__bak_pages_get(w->ps, id.file, id.page, w->iam, err);
    if (rc == B2A_ENOTFOUND)
        return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                            "IAM page (%u:%u) is not in the backup", id.file, id.page);
    if (rc < 0)
        return rc;
    if (b2a__page_type(w->iam) != B2A_PG_IAM)
        return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                            "page (%u:%u) should be an IAM page but has type %u",
                            id.file, id.page, b2a__page_type(w->iam));
    const uint8_t *r0, *r1;
    size_t l0, l1;
    if (b2a__page_record(w->iam, 0, &r0, &l0) != 0 || l0 < IAM_HDR_SLOTS + 48 ||
        b2a__page_record(w->iam, 1, &r1, &l1) != 0 || l1 < 4)
        return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                            "IAM page (%u:%u) has malformed records", id.file, id.page);
    w->start = b2a__rdpgid(r0 + IAM_HDR_START);
    unsigned blen = b2a__rd16(r1 + 2);
    if (blen < 4 || blen > l1)
        blen = (unsigned)l1;
    w->bitmap = r1 + 4;
    w->bitmap_pages = (blen - 4) * 8u * 8u;
    w->next_iam = b2a__page_next(w->iam);
    w->have_iam = 1;
    w->phase = 0;
    w->pos = 0;
    return 0;
}

int b2a__iam_next(b2a_iamwalk *w, b2a_pgid *id, b2a_err *err)
{
    for (;;) {
        if (!w->have_iam) {
            if (w->next_iam.page == 0)
                return 1;
            int rc = load_iam(w, err);
            if (rc < 0)
                return rc;
        }
        b2a_pgid cand = { 0, 0 };
        if (w->phase == 0) {
            if (w->pos >= 8) {
                w->phase = 1;
                w->pos = 0;
                continue;
            }
            const uint8_t *r0;
            size_t l0;
            b2a__page_record(w->iam, 0, &r0, &l0);
            cand = b2a__rdpgid(r0 + IAM_HDR_SLOTS + 6 * w->pos);
            w->pos++;
            if (cand.page == 0)
                continue;
        } else {
            /* Skip whole unset bytes of the bitmap quickly. */
            while (w->pos < w->bitmap_pages) {
                unsigned ext = w->pos / 8;
                uint8_t byte = w->bitmap[ext / 8];
                if (byte == 0 && ext % 8 == 0) {
                    /* Mostly-empty bitmaps: skip 8 zero bytes (512 pages) at a time. */
                    size_t bi = ext / 8, nb = w->bitmap_pages / 64;
                    while (bi + 8 <= nb) {
                        uint64_t word;
                        memcpy(&word, w->bitmap + bi, 8);
                        if (word)
                            break;
                        bi += 8;
                    }
                    w->pos = bi > ext / 8 ? (unsigned)bi * 64 : w->pos + 64;
                    continue;
                }
                if (!((byte >> (ext % 8)) & 1)) {
                    w->pos = (ext + 1) * 8;
                    continue;
                }
                break;
            }
            if (w->pos >= w->bitmap_pages) {
                w->have_iam = 0;
                continue;
            }
            uint64_t pg = (uint64_t)w->start.page + w->pos;
            w->pos++;
            if (pg > UINT32_MAX) {
                w->have_iam = 0;
                continue;
            }
            cand.page = (uint32_t)pg;
            cand.file = w->start.file;
        }
        int a = b2a__iam_allocated(w, cand, err);
        if (a < 0)
            return a;
        if (a) {
            *id = cand;
            return 0;
        }
    }
}
