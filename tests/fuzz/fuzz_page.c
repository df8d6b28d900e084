/* libFuzzer target: one 8 KiB data page as the row decoder reads it: torn
 * page bits restored, the slot array, each record as FixedVar (status, null
 * bitmap, variable columns, sparse vector) or as a ROW/PAGE-compressed CD
 * record, and a PAGE-compressed page's anchor record and dictionary. A
 * shorter input is zero-padded to a page. */
#include "fuzz_common.h"

#include <string.h>

#include "reader/mssql/page.h"
#include "reader/mssql/page_dict.h"
#include "reader/mssql/pagestore.h"
#include "reader/mssql/record.h"
#include "reader/mssql/record_cd.h"
#include "reader/mssql/sparse.h"

enum { MAX_COLS = 64 };

static void fixedvar(const uint8_t *p, size_t maxlen)
{
    b2a_rec r;
    if (b2a__rec_parse(&r, p, maxlen) < 0)
        return;
    for (unsigned bit = 1; bit <= r.ncols && bit <= MAX_COLS; bit++)
        b2a__rec_is_null(&r, bit);
    for (unsigned off = 4; off < r.fixed_end && off < 64; off += 4)
        b2a__rec_fixed(&r, off, 4);
    for (unsigned i = 0; i < r.nvar + 1u && i < MAX_COLS; i++) {
        const uint8_t *v;
        size_t n;
        int complex = 0;
        if (b2a__rec_var(&r, i, &v, &n, &complex) != 0 || !complex)
            continue;
        char why[128];
        if (b2a__sparse_is_vector(v, n) && b2a__sparse_check(v, n, why, sizeof(why)) == 0) {
            const uint8_t *sv;
            size_t sn;
            for (uint16_t colid = 1; colid <= 16; colid++)
                b2a__sparse_find(v, n, colid, &sv, &sn);
        }
    }
}

static void compressed(const uint8_t *p, size_t maxlen, const b2a_pagedict *dict, b2a_mbuf *out)
{
    b2a_cdrec r;
    b2a_cdval vals[MAX_COLS];
    char why[128];
    if (b2a__cdrec_parse(&r, p, maxlen, vals, MAX_COLS, why, sizeof(why)) < 0)
        return;
    for (unsigned c = 0; c < r.ncols && c < MAX_COLS; c++) {
        if (vals[c].cd == B2A_CD_SYMBOL && vals[c].p && vals[c].n > 0) {
            const uint8_t *sp;
            size_t sn;
            b2a__pagedict_symbol(dict, vals[c].p[0], &sp, &sn);
        }
        if (vals[c].p)
            b2a__pagedict_expand(dict, c, vals[c].p, vals[c].n, out, why, sizeof(why));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t pg[B2A_BAK_PAGE_SIZE];
    memset(pg, 0, sizeof(pg));
    memcpy(pg, data, size < sizeof(pg) ? size : sizeof(pg));
    b2a__bak_page_untear(pg);

    b2a_pagedict dict;
    memset(&dict, 0, sizeof(dict));
    char why[128];
    int have_dict = b2a__pagedict_load(&dict, pg, why, sizeof(why)) == 0;
    b2a_mbuf out = { 0 };
    for (unsigned i = 0; i < b2a__page_slots(pg); i++) {
        const uint8_t *rec;
        size_t maxlen;
        if (b2a__page_record(pg, i, &rec, &maxlen) != 0 || maxlen == 0)
            continue;
        if (b2a__cdrec_is_cd(rec)) {
            if (have_dict)
                compressed(rec, maxlen, &dict, &out);
        } else {
            fixedvar(rec, maxlen);
        }
    }
    b2a__mbuf_free(&out);
    b2a__pagedict_free(&dict);
    return 0;
}
