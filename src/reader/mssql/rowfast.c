/* The scan's fast path for the common FixedVar row (see rowfast.h). Every
 * test below is one the general path makes (record.c: rec_parse,
 * fixedvar_cells, b2a__rec_var; bak.c: locate_row, emit_row); where one
 * fails, the row goes the general way instead of being reported here. */
#include <stdlib.h>
#include <string.h>

#include "bak2avro/errors.h"
#include "reader/mssql/page.h"
#include "reader/mssql/rowfast.h"

int b2a__rowfast_init(b2a_rowfast *f, size_t ncols)
{
    memset(f, 0, sizeof *f);
    f->ncols = ncols;
    f->cols = calloc(ncols + 1, sizeof *f->cols);
    f->vp = calloc(ncols + 1, sizeof *f->vp);
    f->vn = calloc(ncols + 1, sizeof *f->vn);
    if (!f->cols || !f->vp || !f->vn) {
        b2a__rowfast_free(f);
        return -1;
    }
    return 0;
}

void b2a__rowfast_free(b2a_rowfast *f)
{
    free(f->cols);
    free((void *)f->vp);
    free(f->vn);
    memset(f, 0, sizeof *f);
}

/* Types whose check (b2a__mtype_emit without a sink) passes at any length:
 * text and binary, which need no checking before the row is emitted. */
static int valid_at_any_size(uint8_t x)
{
    return x == B2A_MT_CHAR || x == B2A_MT_VARCHAR || x == B2A_MT_NCHAR || x == B2A_MT_NVARCHAR ||
           x == B2A_MT_BINARY || x == B2A_MT_VARBINARY || x == B2A_MT_TIMESTAMP;
}

/* Types whose check depends on the value's length alone, not on its bytes
 * (datetime checks its range; xml, CLR types and sql_variant their content). */
static int checked_by_size(uint8_t x)
{
    return x != B2A_MT_DATETIME && x != B2A_MT_XML && x != B2A_MT_UDT && x != B2A_MT_SQL_VARIANT &&
           !b2a__mtype_is_textptr(x);
}

/* A fixed column's stored size at most a page, in zeros: what
 * b2a__mtype_emit checks for a type checked by size. */
static const uint8_t zeros[B2A_PG_SIZE];

void b2a__rowfast_partition(b2a_rowfast *f, const b2a_mtable *t, const b2a_rowdec *d)
{
    int cmpr;
    const b2a_rcol *lay = b2a__rowdec_layout(d, &cmpr);
    f->on = 0;
    f->prepass = 0;
    f->need_ncols = 0;
    f->need_fixed = 4;
    if (cmpr != 0 || t->def.ncolumns != f->ncols)
        return;
    for (size_t k = 0; k < f->ncols; k++) {
        const b2a_rcol *lc = &lay[k];
        const b2a_mtype *ty = &t->types[k];
        b2a_fcol *c = &f->cols[k];
        memset(c, 0, sizeof *c);
        c->type = ty;
        if (lc->kind == RCOL_NONE) {
            c->emit = B2A_FAST_NULL;
            continue;
        }
        /* Sparse vectors and text pointers (off-row values) go the general way. */
        if (lc->kind == RCOL_SPARSE || b2a__mtype_is_textptr(ty->xtype))
            return;
        if (lc->nullbit > f->need_ncols)
            f->need_ncols = lc->nullbit;
        c->nmask = lc->nmask;
        c->nbyte = lc->nbyte;
        if (lc->kind == RCOL_VAR) {
            c->var = 1;
            c->off = lc->off;
            c->emit = valid_at_any_size(ty->xtype) ? B2A_FAST_VALUE : B2A_FAST_CHECKED;
            f->prepass = 1;
            continue;
        }
        /* Fixed: in the record's fixed part, as b2a__rec_fixed wants it. */
        if (lc->off < 4 || lc->size > sizeof zeros)
            return;
        c->off = lc->off;
        c->size = lc->size;
        c->bitpos = lc->bitpos;
        if (lc->off + lc->size > f->need_fixed)
            f->need_fixed = lc->off + lc->size;
        char why[256];
        b2a_mbuf none = { 0 };
        if (lc->size && lc->size == b2a__mtype_plain_size(ty->xtype) && b2a__mtype_plain_kind(ty->xtype)) {
            c->emit = B2A_FAST_PLAIN;
            c->plain = b2a__mtype_plain_kind(ty->xtype);
        }
        else if (checked_by_size(ty->xtype) &&
                 b2a__mtype_emit(ty, zeros, lc->size, lc->bitpos, NULL, &none, why, sizeof why) == B2A_OK)
            c->emit = B2A_FAST_VALUE;
        else
            c->emit = B2A_FAST_CHECKED;
        b2a__mbuf_free(&none);
        if (c->emit == B2A_FAST_CHECKED)
            f->prepass = 1;
    }
    f->on = 1;
}

/* Read for the null bits of a record without a bitmap: every column present. */
static const uint8_t no_nulls[B2A_PG_SIZE];

/* A primary record's header, as rec_parse reads it; 0 when the row can take
 * the fast path, 1 when it goes the general way. */
typedef struct fast_rec {
    const uint8_t *bmp;      /* null bitmap or NULL */
    const uint8_t *varend;   /* nvar end offsets */
    unsigned nvar;
    size_t var_start, len;
} fast_rec;

static inline int fast_header(size_t need_fixed, size_t need_ncols, const uint8_t *p, size_t maxlen, fast_rec *r)
{
    if (((p[0] >> 1) & 7) != B2A_REC_PRIMARY) /* maxlen >= 4: the slot's check */
        return 1;
    size_t fixed_end = b2a__rd16(p + 2);
    if (fixed_end < need_fixed || fixed_end + 2 > maxlen)
        return 1;
    size_t ncols = b2a__rd16(p + fixed_end);
    if (ncols < need_ncols)
        return 1; /* a column added after the row was written */
    size_t pos = fixed_end + 2;
    r->bmp = no_nulls; /* nbyte < 8192: null bits are 16-bit */
    if (p[0] & 0x10) {
        size_t nb = (ncols + 7) / 8;
        if (pos + nb > maxlen)
            return 1;
        r->bmp = p + pos;
        pos += nb;
    }
    r->nvar = 0;
    r->varend = NULL;
    if (p[0] & 0x20) {
        if (pos + 2 > maxlen)
            return 1;
        r->nvar = b2a__rd16(p + pos);
        pos += 2;
        if (pos + 2 * (size_t)r->nvar > maxlen)
            return 1;
        r->varend = p + pos;
        pos += 2 * (size_t)r->nvar;
    }
    r->var_start = pos;
    r->len = pos;
    if (r->nvar) {
        size_t end = b2a__rd16(r->varend + 2 * (size_t)(r->nvar - 1)) & 0x7FFF;
        if (end > maxlen)
            return 1;
        if (end > pos)
            r->len = end;
    }
    return 0;
}

static inline int is_null(const b2a_fcol *c, const fast_rec *r)
{
    return c->emit == B2A_FAST_NULL || (r->bmp[c->nbyte] & c->nmask);
}

/* Locate the variable values and check the checked ones, as the general
 * path does before the sink sees the row. 1: the row goes the general way. */
static int prepass(b2a_rowfast *f, const uint8_t *p, const fast_rec *r, b2a_mbuf *scratch)
{
    for (size_t k = 0; k < f->ncols; k++) {
        const b2a_fcol *c = &f->cols[k];
        if (c->emit < B2A_FAST_VALUE || (!c->var && c->emit != B2A_FAST_CHECKED) || is_null(c, r))
            continue;
        const uint8_t *v;
        size_t n;
        if (!c->var) {
            v = p + c->off;
            n = c->size;
        } else if (c->off >= r->nvar) { /* a trailing empty variable column left out */
            v = (const uint8_t *)"";
            n = 0;
        } else {
            size_t start = c->off == 0 ? r->var_start : (b2a__rd16(r->varend + 2 * (size_t)(c->off - 1)) & 0x7FFF);
            uint16_t e = b2a__rd16(r->varend + 2 * (size_t)c->off);
            size_t end = e & 0x7FFF;
            if ((e & 0x8000) || start < r->var_start || end < start || end > r->len)
                return 1; /* off-row, or offsets the general path reports */
            v = p + start;
            n = end - start;
        }
        f->vp[k] = v;
        f->vn[k] = n;
        char why[256];
        if (c->emit == B2A_FAST_CHECKED && b2a__mtype_emit(c->type, v, n, c->bitpos, NULL, scratch, why, sizeof why) != B2A_OK)
            return 1;
    }
    return 0;
}

int b2a__rowfast_rows(b2a_rowfast *f, const uint8_t *pg, unsigned *slot, size_t max_rows, b2a_sink *sink,
                      b2a_mbuf *scratch, size_t *rows, size_t *fail_col, char *why, size_t whylen)
{
    /* Locals, so the sink's calls do not make the compiler reload them. */
    const b2a_sink_ops *o = sink->ops;
    const b2a_fcol *cols = f->cols;
    const size_t ncols = f->ncols;
    const b2a_fcol *const cend = cols + ncols;
    const int pre = f->prepass;
    const size_t need_fixed = f->need_fixed, need_ncols = f->need_ncols;
    unsigned i = *slot;
    const unsigned nslots = b2a__page_slots(pg);
    size_t done = 0;
    int rc = 0;
    why[0] = 0;
    /* b2a__page_record's checks: the slot array may not reach the header, a
     * record must start after it and leave 4 bytes before the slot array. */
    const size_t end = B2A_PG_SIZE - 2 * (size_t)nslots;
    if ((size_t)nslots * 2 > B2A_PG_SIZE - B2A_PG_HDR) {
        rc = i < nslots; /* every slot is an error the general path reports */
        goto out;
    }
    for (; i < nslots && done < max_rows; i++) {
        unsigned off = b2a__rd16(pg + B2A_PG_SIZE - 2 - 2 * i);
        if (off == 0) /* an empty slot holds no row */
            continue;
        fast_rec r;
        const uint8_t *p = pg + off;
        if (off < B2A_PG_HDR || off + 4u > end || fast_header(need_fixed, need_ncols, p, end - off, &r) ||
            (pre && prepass(f, p, &r, scratch))) {
            rc = 1;
            break;
        }
        /* A pointer walk and the sink's failures marked unlikely: gcc then
         * keeps less of the row loop on the stack around the sink's calls. */
        for (const b2a_fcol *c = cols; c != cend; c++) {
            if (r.bmp[c->nbyte] & c->nmask) {
                rc = o->null(sink);
            } else if (c->plain) {
                rc = b2a__mtype_emit_plain(c->plain, p + c->off, sink);
            } else if (c->emit == B2A_FAST_NULL) {
                rc = o->null(sink);
            } else {
                size_t k = (size_t)(c - cols);
                why[0] = 0;
                if (c->var)
                    rc = b2a__mtype_emit(c->type, f->vp[k], f->vn[k], 0, sink, scratch, why, whylen);
                else
                    rc = b2a__mtype_emit(c->type, p + c->off, c->size, c->bitpos, sink, scratch, why, whylen);
            }
            if (__builtin_expect(rc < 0, 0)) {
                *fail_col = (size_t)(c - cols);
                goto out;
            }
        }
        if (__builtin_expect((rc = o->end_row(sink)) < 0, 0)) {
            *fail_col = ncols;
            goto out;
        }
        done++;
    }
out:
    *slot = i;
    *rows = done;
    return rc;
}
