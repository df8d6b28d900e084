/* FixedVar record parsing (layout in docs/mssql-bak-format.md §2.7), and
 * the row decoder that locates a table's columns in records of any
 * format. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reader/mssql/catalog.h"
#include "reader/mssql/page.h"
#include "reader/mssql/page_dict.h"
#include "reader/mssql/record.h"
#include "reader/mssql/record_cd.h"
#include "reader/mssql/sparse.h"

/* Inline, so the row decoder parses each record without a call. */
static inline int rec_parse(b2a_rec *r, const uint8_t *p, size_t maxlen)
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

int b2a__rec_parse(b2a_rec *r, const uint8_t *p, size_t maxlen)
{
    return rec_parse(r, p, maxlen);
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

/* --- row decoder ---------------------------------------------------------- */

struct b2a_rowdec {
    const b2a_mtable *t;
    int cmpr;                  /* current partition's sysrowsets.cmprlevel */
    const b2a_mphys **phys;    /* per def column, current partition */
    b2a_rcol *cols;            /* per def column, current partition */
    b2a_rcell *cells;          /* per def column */
    b2a_mbuf *vals;            /* per def column: rebuilt compressed values */
    b2a_mbuf tmp;              /* a value after prefix expansion */
    b2a_cdval *cdv;            /* CD values by physical position */
    size_t ncdv;
    b2a_pagedict dict;
    const uint8_t *pg;
    b2a_pgid id;
    unsigned slot;
};

static const uint8_t bit0[1] = { 0 }, bit1[1] = { 1 };

static int row_error(const b2a_rowdec *d, const char *why, b2a_err *err)
{
    return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER, "table %s.%s: record at page (%u:%u) slot %u is corrupt: %s",
                        d->t->def.schema, d->t->def.name, d->id.file, d->id.page, d->slot, why);
}

static int cell_error(const b2a_rowdec *d, size_t k, int code, const char *why, b2a_err *err)
{
    return b2a__err_set(err, code, B2A_ERRCLASS_READER, "table %s.%s, page (%u:%u) slot %u, column %s: %s",
                        d->t->def.schema, d->t->def.name, d->id.file, d->id.page, d->slot, d->t->def.columns[k].name,
                        why);
}

/* Stored size of a fixed-length column. */
static size_t fixed_size(const b2a_mtype *t)
{
    return t->xtype == B2A_MT_BIT ? 1 : (size_t)(t->length > 0 ? t->length : 0);
}

int b2a__rowdec_open(const b2a_mtable *t, b2a_rowdec **out, b2a_err *err)
{
    *out = NULL;
    for (size_t i = 0; i < t->nrowsets; i++) {
        int c = t->rowsets[i].cmprlevel;
        if (c == 3 || c == 4)
            return b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_READER,
                                "table %s.%s is stored as a columnstore index, which this reader does not read",
                                t->def.schema, t->def.name);
        if (c < 0 || c > 4)
            return b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_READER,
                                "table %s.%s has the unknown compression level %d", t->def.schema, t->def.name, c);
    }
    if (t->colset)
        return b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_READER,
                            "table %s.%s has a sparse column set (xml COLUMN_SET), which this reader does not decode",
                            t->def.schema, t->def.name);
    size_t n = t->def.ncolumns + 1;
    b2a_rowdec *d = calloc(1, sizeof *d);
    if (!d || !(d->phys = calloc(n, sizeof *d->phys)) || !(d->cells = calloc(n, sizeof *d->cells)) ||
        !(d->vals = calloc(n, sizeof *d->vals)) || !(d->cols = calloc(n, sizeof *d->cols))) {
        if (d) {
            free(d->phys);
            free(d->cells);
            free(d->vals);
        }
        free(d);
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    }
    d->t = t;
    if (t->nrowsets && b2a__rowdec_partition(d, 0, err) < 0) {
        b2a__rowdec_close(d);
        return B2A_ENOMEM;
    }
    *out = d;
    return B2A_OK;
}

int b2a__rowdec_partition(b2a_rowdec *d, size_t i, b2a_err *err)
{
    const b2a_mrowset *rs = &d->t->rowsets[i];
    size_t maxbit = 0;
    for (size_t k = 0; k < d->t->def.ncolumns; k++) {
        const b2a_mphys *ph = d->phys[k] = b2a__rowset_phys(rs, d->t->colids[k]);
        if (ph && ph->nullbit > maxbit)
            maxbit = ph->nullbit;
        b2a_rcol *lc = &d->cols[k];
        memset(lc, 0, sizeof *lc);
        if (d->t->colflags && (d->t->colflags[k] & B2A_MCOL_SPARSE))
            lc->kind = RCOL_SPARSE;
        else if (!ph)
            lc->kind = RCOL_NONE;
        else if (ph->leaf_off > 0) {
            lc->kind = RCOL_FIXED;
            lc->off = (unsigned)ph->leaf_off;
            lc->size = (unsigned)fixed_size(&d->t->types[k]);
        } else {
            lc->kind = RCOL_VAR;
            lc->off = (unsigned)(-(int)ph->leaf_off - 1);
        }
        if (ph) {
            lc->nullbit = ph->nullbit;
            lc->bitpos = ph->bitpos;
            if (ph->nullbit) {
                lc->nbyte = (uint16_t)((ph->nullbit - 1u) / 8);
                lc->nmask = (uint8_t)(1u << ((ph->nullbit - 1u) % 8));
            }
        }
    }
    d->cmpr = rs->cmprlevel;
    d->pg = NULL;
    if (maxbit > d->ncdv) {
        b2a_cdval *nv = realloc(d->cdv, maxbit * sizeof *nv);
        if (!nv)
            return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
        d->cdv = nv;
        d->ncdv = maxbit;
    }
    return 0;
}

int b2a__rowdec_page(b2a_rowdec *d, const uint8_t *pg, b2a_pgid id, b2a_err *err)
{
    d->pg = pg;
    d->id = id;
    d->dict.present = 0;
    if (d->cmpr != 2)
        return 0;
    char why[200];
    int rc = b2a__pagedict_load(&d->dict, pg, why, sizeof why);
    if (rc == B2A_ENOMEM)
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    if (rc < 0)
        return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER, "table %s.%s, page (%u:%u): %s",
                            d->t->def.schema, d->t->def.name, id.file, id.page, why);
    return 0;
}

/* Why a NOT NULL column has no value in a row written before the column
 * was added. SQL Server (2012+) adds a NOT NULL column with a default
 * without rewriting the rows: the default is kept in the catalog only
 * (sys.system_internals_partition_columns.default_value). This reader does
 * not read that default yet, and NULL would be a wrong value in a column
 * declared NOT NULL, so such a row is an error, never a NULL. */
#define ADDED_NOT_NULL_WHY \
    "the column is NOT NULL but this row was written before it was added " \
    "(ALTER TABLE ... ADD ... NOT NULL with a default kept only in the catalog), " \
    "and this reader cannot read that default yet"

/* A cell of a column added after the row was written: NULL when the column
 * allows it, else the error above. */
static int absent_cell(const b2a_rowdec *d, size_t k, b2a_rcell *c, char *why, size_t whylen)
{
    if (!d->t->def.columns[k].nullable) {
        snprintf(why, whylen, "%s", ADDED_NOT_NULL_WHY);
        return B2A_EUNSUPPORTED;
    }
    c->null = 1;
    return 0;
}

static int fixedvar_cells(b2a_rowdec *d, const b2a_rec *r, b2a_err *err)
{
    const b2a_mtable *t = d->t;
    const uint8_t *sv = NULL;
    size_t svn = 0;
    int sv_searched = 0;
    for (size_t k = 0; k < t->def.ncolumns; k++) {
        const b2a_rcol *lc = &d->cols[k];
        b2a_rcell *c = &d->cells[k];
        c->p = NULL;
        c->n = 0;
        c->bitpos = 0;
        c->null = 0;
        c->complex = 0;
        if (lc->kind == RCOL_SPARSE) {
            if (!sv_searched) {
                sv_searched = 1;
                for (unsigned vi = 0; vi < r->nvar; vi++) {
                    const uint8_t *p;
                    size_t n;
                    int cx;
                    if (b2a__rec_var(r, vi, &p, &n, &cx) != 0 || !cx || !b2a__sparse_is_vector(p, n))
                        continue;
                    char why[160];
                    if (b2a__sparse_check(p, n, why, sizeof why) < 0)
                        return cell_error(d, k, B2A_EFORMAT, why, err);
                    sv = p;
                    svn = n;
                    break;
                }
            }
            /* A sparse column missing from the vector is NULL. */
            if (!sv || !b2a__sparse_find(sv, svn, t->colids[k], &c->p, &c->n))
                c->null = 1;
            continue;
        }
        if (lc->kind == RCOL_NONE) {
            c->null = 1;
            continue;
        }
        char absent_why[300];
        if (lc->nullbit > r->ncols) { /* added after this row was written */
            if (absent_cell(d, k, c, absent_why, sizeof absent_why) < 0)
                return cell_error(d, k, B2A_EUNSUPPORTED, absent_why, err);
            continue;
        }
        /* b2a__rec_is_null, knowing nullbit <= ncols: the bitmap holds the bit. */
        if (lc->nmask && r->nullbmp && (r->nullbmp[lc->nbyte] & lc->nmask)) {
            c->null = 1;
            continue;
        }
        if (lc->kind == RCOL_FIXED) {
            const uint8_t *p = b2a__rec_fixed(r, lc->off, lc->size);
            if (!p) { /* added after this row was written: no value stored */
                if (absent_cell(d, k, c, absent_why, sizeof absent_why) < 0)
                    return cell_error(d, k, B2A_EUNSUPPORTED, absent_why, err);
                continue;
            }
            c->p = p;
            c->n = lc->size;
            c->bitpos = lc->bitpos;
        } else {
            int v = b2a__rec_var(r, lc->off, &c->p, &c->n, &c->complex);
            if (v < 0)
                return cell_error(d, k, B2A_EFORMAT, "variable-column offsets are corrupt", err);
            if (v == 1) { /* a trailing empty variable column may be left out */
                c->p = (const uint8_t *)"";
                c->n = 0;
                c->complex = 0;
            }
        }
    }
    return 0;
}

/* One column of a CD record: raw value -> dictionary -> anchor prefix ->
 * uncompressed bytes. */
static int cd_cell(b2a_rowdec *d, size_t k, const b2a_cdrec *r, char *why, size_t whylen)
{
    const b2a_mtype *ty = &d->t->types[k];
    const b2a_mphys *ph = d->phys[k];
    b2a_rcell *c = &d->cells[k];
    memset(c, 0, sizeof *c);
    if (d->t->colflags && (d->t->colflags[k] & B2A_MCOL_SPARSE)) {
        snprintf(why, whylen, "a sparse column in a compressed record");
        return B2A_EFORMAT;
    }
    if (!ph) {
        c->null = 1;
        return 0;
    }
    if (ph->nullbit == 0) {
        snprintf(why, whylen, "the catalog gives the column no physical position");
        return B2A_EFORMAT;
    }
    unsigned pos = ph->nullbit - 1u;
    if (pos >= r->ncols) /* added after this row was written */
        return absent_cell(d, k, c, why, whylen);
    const b2a_cdval *v = &d->cdv[pos];
    if (v->cd == B2A_CD_NULL) {
        c->null = 1;
        return 0;
    }
    if (ty->xtype == B2A_MT_BIT) {
        if (v->cd == B2A_CD_TRUE || v->cd == B2A_CD_EMPTY || (v->cd == 2 && v->n == 1)) {
            int on = v->cd == B2A_CD_TRUE || (v->cd == 2 && v->p[0] != 0);
            c->p = on ? bit1 : bit0;
            c->n = 1;
            return 0;
        }
        snprintf(why, whylen, "descriptor 0x%X on a bit column", v->cd);
        return B2A_EFORMAT;
    }
    if (v->cd == B2A_CD_TRUE) {
        snprintf(why, whylen, "the true-bit descriptor on a column that is not bit");
        return B2A_EFORMAT;
    }
    if (v->cd == B2A_CD_LONG && v->complex) {
        c->p = v->p;
        c->n = v->n;
        c->complex = 1;
        return 0;
    }
    const uint8_t *raw = v->p;
    size_t rn = v->n;
    if (v->cd == B2A_CD_SYMBOL) {
        if (!d->dict.present || b2a__pagedict_symbol(&d->dict, v->p[0], &raw, &rn) < 0) {
            snprintf(why, whylen, "dictionary symbol %u, but the page dictionary has %u entries", v->p[0],
                     d->dict.present ? d->dict.nsym : 0);
            return B2A_EFORMAT;
        }
    }
    int rc;
    if (d->cmpr == 2 && d->dict.present) {
        if ((rc = b2a__pagedict_expand(&d->dict, pos, raw, rn, &d->tmp, why, whylen)) != 0)
            return rc == B2A_ENOMEM ? rc : B2A_EFORMAT;
        raw = d->tmp.p;
        rn = d->tmp.n;
    }
    if ((rc = b2a__cd_uncompress(ty, raw, rn, &d->vals[k], why, whylen)) != 0)
        return rc == B2A_ENOMEM ? rc : B2A_EFORMAT;
    c->p = d->vals[k].p ? d->vals[k].p : (const uint8_t *)"";
    c->n = d->vals[k].n;
    return 0;
}

int b2a__rowdec_row(b2a_rowdec *d, unsigned slot, const b2a_rcell **cells, b2a_err *err)
{
    const uint8_t *p;
    size_t maxlen;
    d->slot = slot;
    if (!d->pg)
        return row_error(d, "no page was given to the row decoder", err);
    int st = b2a__page_record_inline(d->pg, slot, &p, &maxlen);
    if (st == 1)
        return 0;
    if (st < 0)
        return row_error(d, "its slot offset is outside the page", err);
    if (d->cmpr == 1 || d->cmpr == 2) {
        char why[300];
        b2a_cdrec r;
        /* A FixedVar forwarding stub (status 0x04) holds no row in any format. */
        if (!b2a__cdrec_is_cd(p) && ((p[0] >> 1) & 7) == B2A_REC_FORWARDING_STUB)
            return 0;
        if (b2a__cdrec_parse(&r, p, maxlen, d->cdv, d->ncdv, why, sizeof why) < 0)
            return row_error(d, why, err);
        if (r.type != B2A_CDREC_PRIMARY && r.type != B2A_CDREC_FORWARDED)
            return 0;
        for (size_t k = 0; k < d->t->def.ncolumns; k++) {
            why[0] = 0;
            int rc = cd_cell(d, k, &r, why, sizeof why);
            if (rc == B2A_ENOMEM)
                return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
            if (rc < 0)
                return cell_error(d, k, rc, why, err);
        }
    } else {
        b2a_rec r;
        if (rec_parse(&r, p, maxlen) < 0)
            return row_error(d, "its header, null bitmap or offsets run past the page", err);
        if (!(r.type == B2A_REC_PRIMARY || (r.type == B2A_REC_FORWARDED && !(r.stat_b & 1))))
            return 0;
        int rc = fixedvar_cells(d, &r, err);
        if (rc < 0)
            return rc;
    }
    *cells = d->cells;
    return 1;
}

const b2a_rcol *b2a__rowdec_layout(const b2a_rowdec *d, int *cmpr)
{
    *cmpr = d->cmpr;
    return d->cols;
}

void b2a__rowdec_close(b2a_rowdec *d)
{
    if (!d)
        return;
    for (size_t k = 0; k < d->t->def.ncolumns; k++)
        b2a__mbuf_free(&d->vals[k]);
    b2a__mbuf_free(&d->tmp);
    b2a__pagedict_free(&d->dict);
    free(d->cdv);
    free(d->vals);
    free(d->cells);
    free(d->cols);
    free(d->phys);
    free(d);
}
