/* FixedVar record parsing (layout in docs/mssql-bak-format.md §2.7). */
#include "reader/mssql/record.h"
#include "reader/mssql/page.h"

int b2a__rec_parse(b2a_rec *r, const uint8_t *p, size_t maxlen)
{
    if (maxlen < 1)
        return -1;
    r->p = p;
    r->len = maxlen;
    r->stat_a = p[0];
    r->type = (p[0] >> 1) & 7;
    r->nullbmp = NULL;
    r->nvar = 0;
    r->varend = NULL;
    r->ncols = 0;
    if (r->type == B2A_REC_FORWARDING_STUB)
        return maxlen >= 9 ? 0 : -1;
    if (maxlen < 4)
        return -1;
    r->stat_b = p[1];
    r->fixed_end = b2a__rd16(p + 2);
    size_t pos = r->fixed_end;
    if (pos < 4 || pos + 2 > maxlen)
        return -1;
    r->ncols = b2a__rd16(p + pos);
    pos += 2;
    if (r->stat_a & 0x10) {
        size_t nb = ((size_t)r->ncols + 7) / 8;
        if (pos + nb > maxlen)
            return -1;
        r->nullbmp = p + pos;
        pos += nb;
    }
    if (r->stat_a & 0x20) {
        if (pos + 2 > maxlen)
            return -1;
        r->nvar = b2a__rd16(p + pos);
        pos += 2;
        if (pos + 2 * (size_t)r->nvar > maxlen)
            return -1;
        r->varend = p + pos;
        pos += 2 * (size_t)r->nvar;
    }
    r->var_start = pos;
    if (r->nvar) {
        size_t end = b2a__rd16(r->varend + 2 * (size_t)(r->nvar - 1)) & 0x7FFF;
        if (end > maxlen)
            return -1;
        /* Offsets must not run backwards; checked per column as well. */
        r->len = end < pos ? pos : end;
    } else {
        r->len = pos;
    }
    return 0;
}

int b2a__rec_is_null(const b2a_rec *r, unsigned nullbit)
{
    if (nullbit == 0)
        return 0;
    if (nullbit > r->ncols)
        return 1;
    if (!r->nullbmp)
        return 0;
    unsigned i = nullbit - 1;
    return (r->nullbmp[i / 8] >> (i % 8)) & 1;
}

int b2a__rec_var(const b2a_rec *r, unsigned idx, const uint8_t **data, size_t *len, int *complex)
{
    if (idx >= r->nvar)
        return 1;
    size_t start = idx == 0 ? r->var_start : (b2a__rd16(r->varend + 2 * (size_t)(idx - 1)) & 0x7FFF);
    uint16_t e = b2a__rd16(r->varend + 2 * (size_t)idx);
    size_t end = e & 0x7FFF;
    if (start < r->var_start || end < start || end > r->len)
        return -1;
    *data = r->p + start;
    *len = end - start;
    *complex = (e & 0x8000) != 0;
    return 0;
}

const uint8_t *b2a__rec_fixed(const b2a_rec *r, unsigned off, unsigned n)
{
    if (off < 4 || (size_t)off + n > r->fixed_end)
        return NULL;
    return r->p + off;
}
