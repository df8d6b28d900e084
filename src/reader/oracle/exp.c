/* The classic exp reader (exp.h). The body of an exp file is a stream of
 * statements; after each `INSERT INTO "T" (...) VALUES (...)` come the
 * table's rows: column descriptors, then rows of (u16 length, bytes) cells
 * (0xFFFE NULL), each ended by a zero u16, the section by 0xFFFF. Tables
 * with LOB or object columns have a second descriptor list and, after each
 * row's cells, a u16 count of LOB values and those values instead of the
 * zero u16 (oracle-dump-format.md §2.1, checked on every sample). */
#include "reader/oracle/exp.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "avro/decimal.h"
#include "detect/oradump.h"
#include "reader/mssql/readahead.h"
#include "reader/oracle/dp_object.h"
#include "reader/oracle/exp_ddl.h"
#include "reader/oracle/exp_stream.h"
#include "reader/oracle/oracharset.h"
#include "reader/oracle/oraconv.h"
#include "reader/oracle/oravalue.h"
#include "util/str.h"

/* Type codes of exp's column descriptors (Oracle's internal type numbers). */
enum {
    T_VARCHAR2 = B2A_ORAT_VARCHAR2, T_NUMBER = B2A_ORAT_NUMBER, T_LONG = B2A_ORAT_LONG, T_DATE = B2A_ORAT_DATE,
    T_RAW = B2A_ORAT_RAW, T_LONG_RAW = B2A_ORAT_LONG_RAW, T_OPAQUE = B2A_ORAT_OPAQUE, T_ROWID = B2A_ORAT_ROWID,
    T_CHAR = B2A_ORAT_CHAR, T_BFLOAT = B2A_ORAT_BFLOAT, T_BDOUBLE = B2A_ORAT_BDOUBLE, T_CLOB = B2A_ORAT_CLOB,
    T_BLOB = B2A_ORAT_BLOB, T_BFILE = B2A_ORAT_BFILE, T_OBJECT = B2A_ORAT_OBJECT, T_NESTED = B2A_ORAT_NESTED,
    T_VARRAY = B2A_ORAT_VARRAY, T_TIMESTAMP = B2A_ORAT_TIMESTAMP, T_TSTZ = B2A_ORAT_TSTZ, T_IYM = B2A_ORAT_IYM,
    T_IDS = B2A_ORAT_IDS, T_UROWID = B2A_ORAT_UROWID, T_TSLTZ = B2A_ORAT_TSLTZ
};

#define MAX_COLUMNS 4096 /* Oracle allows 1000 (4096 with 23ai's MAX_COLUMNS=EXTENDED) */
#define LEN_NULL 0xFFFEu
#define LEN_END 0xFFFFu
#define LEN_LONG_FORM 0xFF00u /* and above: a long-value form not decoded yet */

typedef struct exp_col {
    uint16_t type, maxlen, cs, csform;
    int profile;        /* an unbounded NUMBER/FLOAT: its values type it */
    /* profile of an unbounded NUMBER/FLOAT, taken while walking the rows */
    int max_int, max_frac, special;
} exp_col;

/* An object column (dp_object.h): its type, as the descriptors name it, and
 * its attributes, from the dump's CREATE TYPE (or MDSYS.SDO_GEOMETRY's). */
typedef struct exp_obj {
    char *owner, *name;
    int sdo;
    b2a_dpobj_attr *attrs;  /* not owned: the dump's types' or SDO_GEOMETRY's */
    size_t nattr;
} exp_obj;

/* An object type a CREATE TYPE ... AS OBJECT (...) of the dump declares. */
typedef struct exp_type {
    char *owner, *name;
    b2a_dpobj_attr *attrs;  /* names owned */
    size_t nattr;
} exp_type;

typedef struct exp_seg {
    uint64_t rows_at;   /* first row of this section */
    uint64_t rows_end;  /* its closing 0xFFFF */
    char *partition;    /* (sub)partition name, or NULL */
    int64_t rows;
} exp_seg;

typedef struct exp_table {
    b2a_table_def def;  /* the rows' columns */
    b2a_table_def out;  /* as written: def plus the zone fields (oraconv.h) */
    b2a_exp_ddl ddl;    /* as declared; columns may be absent for a storage table */
    exp_col *cols;      /* the rows' columns (def.columns), from the descriptors */
    exp_obj *objs;      /* per column; owner and name set for object columns */
    int lobsec;         /* rows carry a LOB section */
    exp_seg *segs;
    size_t nsegs;
    char *unsupported;  /* why it cannot be scanned, or NULL */
    int cut_short;      /* the dump ends inside this table (no EXIT): its rows cannot be vouched for */
    int coll_values;    /* a row holds a value of a collection (VARRAY, nested table) column */
    char **pk_names;    /* PRIMARY KEY columns from ALTER TABLE, in key order */
    size_t npk;
    size_t *pk;         /* the same as column indexes (npk of them once mapped) */
} exp_table;

struct b2a_exp {
    b2a_ra *ra;
    const char *path;
    b2a_oradump_info hdr;
    int dbtz_minutes;   /* the database time zone, for TIMESTAMP WITH LOCAL TIME ZONE */
    char dbtz[64];      /* as the dump gives it; "" when it gave none */
    int dbtz_known;     /* 1 when it is an offset (a region name is not resolved) */
    exp_table *tables;
    size_t ntables;
    exp_type *types;
    size_t ntypes;
};

/* The cells of one row, copied out of the read window. LOB columns hold
 * their LOB section value (not the locator the row cell has). */
typedef b2a_oracell exp_cell;

typedef struct exp_row {
    exp_cell *cells;
    uint8_t *data;
    size_t len, cap;
} exp_row;

static int is_lob(uint16_t t) { return t == T_CLOB || t == T_BLOB; }
static int has_charset(uint16_t t) { return b2a__orat_has_charset(t); }

static const char *type_name(uint16_t t)
{
    switch (t) {
    case T_OBJECT: return "an object type";
    case T_NESTED: return "a nested table";
    case T_VARRAY: return "a VARRAY";
    case T_OPAQUE: return "an opaque type (XMLTYPE)";
    default: return "a type";
    }
}

/* The declared type of a column whose CREATE TABLE could not be read. */
static const char *type_code_name(const exp_col *c)
{
    switch (c->type) {
    case T_VARCHAR2: return c->csform == 2 ? "NVARCHAR2" : "VARCHAR2";
    case T_NUMBER: return "NUMBER";
    case T_LONG: return "LONG";
    case T_DATE: return "DATE";
    case T_RAW: return "RAW";
    case T_LONG_RAW: return "LONG RAW";
    case T_ROWID: return "ROWID";
    case T_CHAR: return c->csform == 2 ? "NCHAR" : "CHAR";
    case T_BFLOAT: return "BINARY_FLOAT";
    case T_BDOUBLE: return "BINARY_DOUBLE";
    case T_CLOB: return c->csform == 2 ? "NCLOB" : "CLOB";
    case T_BLOB: return "BLOB";
    case T_BFILE: return "BFILE";
    case T_TIMESTAMP: return "TIMESTAMP";
    case T_TSTZ: return "TIMESTAMP WITH TIME ZONE";
    case T_TSLTZ: return "TIMESTAMP WITH LOCAL TIME ZONE";
    case T_IYM: return "INTERVAL YEAR TO MONTH";
    case T_IDS: return "INTERVAL DAY TO SECOND";
    case T_UROWID: return "UROWID";
    default: return "an object or opaque type";
    }
}

static int row_put(exp_row *r, const uint8_t *p, size_t n, exp_cell *c, b2a_err *err)
{
    if (r->len + n > r->cap) {
        size_t cap = r->cap ? r->cap : 4096;
        while (cap < r->len + n)
            cap *= 2;
        uint8_t *d = realloc(r->data, cap);
        if (!d)
            return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
        r->data = d;
        r->cap = cap;
    }
    memcpy(r->data + r->len, p, n);
    c->off = r->len;
    c->len = n;
    c->null = 0;
    r->len += n;
    return B2A_OK;
}

static int row_error(b2a_exp_in *in, const exp_table *t, uint64_t at, b2a_err *err, const char *what)
{
    return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER, "%s: table %s.%s: %s at offset %llu",
                        b2a__ra_path(in->ra), t->def.schema, t->def.name, what, (unsigned long long)at);
}

/* One row into r; *end = 1 at the section's 0xFFFF instead. */
/* keep = 0 (the walk at open): only profiled columns' bytes are kept. */
static int read_row(b2a_exp_in *in, const exp_table *t, exp_row *r, int keep, int *end, b2a_err *err)
{
    size_t n = t->def.ncolumns;
    uint16_t len;
    *end = 0;
    r->len = 0;
    uint64_t row_at = b2a__exp_in_tell(in);
    if (b2a__exp_in_u16(in, "a row", &len, err) != B2A_OK)
        return err->code;
    if (len == LEN_END) {
        *end = 1;
        return B2A_OK;
    }
    size_t lobs = 0;
    for (size_t c = 0; c < n; c++) {
        if (c > 0 && b2a__exp_in_u16(in, "a row", &len, err) != B2A_OK)
            return err->code;
        exp_cell *cell = &r->cells[c];
        if (len == LEN_NULL) {
            cell->null = 1;
            cell->len = 0;
            continue;
        }
        if (len == 0 || len == LEN_END) {
            char what[96];
            snprintf(what, sizeof(what), "the row starting at offset %llu ends after %zu of %zu columns",
                     (unsigned long long)row_at, c, n);
            return row_error(in, t, b2a__exp_in_tell(in) - 2, err, what);
        }
        if (len >= LEN_LONG_FORM) {
            char what[160];
            snprintf(what, sizeof(what), "column %s holds a value in exp's long-value form (length word 0x%04X), which this reader does not decode yet",
                     t->def.columns[c].name, len);
            return b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_READER, "%s: table %s.%s: %s (offset %llu)",
                                b2a__ra_path(in->ra), t->def.schema, t->def.name, what,
                                (unsigned long long)(b2a__exp_in_tell(in) - 2));
        }
        const uint8_t *p = b2a__exp_in_take(in, len, "a column value", err);
        if (!p)
            return err->code;
        cell->null = 0;
        if ((keep || t->cols[c].profile) && row_put(r, p, len, cell, err) != B2A_OK)
            return err->code;
        if (is_lob(t->cols[c].type))
            lobs++;
    }
    if (b2a__exp_in_u16(in, "a row", &len, err) != B2A_OK)
        return err->code;
    if (!t->lobsec) {
        if (len != 0)
            return row_error(in, t, b2a__exp_in_tell(in) - 2, err,
                             "a row has more cells than the table has columns");
        return B2A_OK;
    }
    if (len != lobs)
        return row_error(in, t, b2a__exp_in_tell(in) - 2, err,
                         "a row's LOB count differs from its non-NULL LOB columns");
    for (size_t c = 0; c < n; c++) {
        if (!is_lob(t->cols[c].type) || r->cells[c].null)
            continue;
        if (b2a__exp_in_u16(in, "a LOB value", &len, err) != B2A_OK)
            return err->code;
        if (len >= LEN_LONG_FORM) {
            return b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_READER,
                                "%s: table %s.%s: column %s holds a LOB value in exp's chunked form (length word 0x%04X), which this reader does not decode yet (offset %llu)",
                                b2a__ra_path(in->ra), t->def.schema, t->def.name, t->def.columns[c].name, len,
                                (unsigned long long)(b2a__exp_in_tell(in) - 2));
        }
        const uint8_t *p = b2a__exp_in_take(in, len, "a LOB value", err);
        if (!p || (keep && row_put(r, p, len, &r->cells[c], err) != B2A_OK))
            return err->code;
    }
    return B2A_OK;
}

/* ---- the walk at open ---- */

typedef struct walk {
    b2a_exp *x;
    b2a_exp_in in;
    b2a_exp_stmt st;
    char *owner;
    exp_table *cur;           /* the table the last TABLE / CREATE TABLE began */
    char *partition;          /* the last PARTITION / SUBPARTITION name */
    char *announced;          /* the table the last TABLE "X" line names */
    exp_row row;
    int saw_exit;
} walk;

static exp_table *add_table(walk *w, const char *name, b2a_err *err)
{
    b2a_exp *x = w->x;
    exp_table *t = realloc(x->tables, (x->ntables + 1) * sizeof(*t));
    if (!t) {
        b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
        return NULL;
    }
    x->tables = t;
    t = &x->tables[x->ntables];
    memset(t, 0, sizeof(*t));
    t->def.schema = b2a__strdup(w->owner);
    t->def.name = b2a__strdup(name);
    if (!t->def.schema || !t->def.name) {
        b2a__table_def_clear(&t->def);
        b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
        return NULL;
    }
    x->ntables++;
    return t;
}

static void free_objs(exp_obj *o, size_t n)
{
    for (size_t i = 0; o && i < n; i++) {
        free(o[i].owner);
        free(o[i].name);
    }
    free(o);
}

/* Column descriptors after an INSERT: u16 n, n x (u16 type, u16 max length
 * [, u16 charset id, u16 charset form]); u16 m (0, or n for tables with LOB
 * or object columns), m x 3 length-prefixed strings (type owner, type
 * name, column name); u16 0. */
static int read_descriptors(b2a_exp_in *in, exp_col **out, size_t *nout, int *lobsec, exp_obj **objs,
                            b2a_err *err)
{
    uint16_t n, m, v;
    uint64_t at = b2a__exp_in_tell(in);
    if (b2a__exp_in_u16(in, "column descriptors", &n, err) != B2A_OK)
        return err->code;
    if (n == 0 || n > MAX_COLUMNS)
        return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER, "%s: %u columns in the descriptors at offset %llu",
                            b2a__ra_path(in->ra), n, (unsigned long long)at);
    exp_col *cols = calloc(n, sizeof(*cols));
    exp_obj *ob = NULL;
    if (!cols)
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    for (uint16_t i = 0; i < n; i++) {
        const uint8_t *p = b2a__exp_in_take(in, 4, "column descriptors", err);
        if (!p)
            goto fail;
        cols[i].type = (uint16_t)(p[0] | p[1] << 8);
        cols[i].maxlen = (uint16_t)(p[2] | p[3] << 8);
        if (has_charset(cols[i].type)) {
            if (!(p = b2a__exp_in_take(in, 4, "column descriptors", err)))
                goto fail;
            cols[i].cs = (uint16_t)(p[0] | p[1] << 8);
            cols[i].csform = (uint16_t)(p[2] | p[3] << 8);
        }
    }
    if (b2a__exp_in_u16(in, "column descriptors", &m, err) != B2A_OK)
        goto fail;
    if (m != 0 && m != n) {
        b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                     "%s: the descriptors at offset %llu list %u columns, then %u", b2a__ra_path(in->ra),
                     (unsigned long long)at, n, m);
        goto fail;
    }
    ob = calloc(n, sizeof(*ob));
    if (!ob) {
        b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
        goto fail;
    }
    for (uint32_t i = 0; i < 3u * m; i++) {
        const uint8_t *p = b2a__exp_in_take(in, 1, "column descriptors", err);
        size_t len = p ? p[0] : 0;
        if (!p || !(p = b2a__exp_in_take(in, len, "column descriptors", err)))
            goto fail;
        /* owner (empty: the current schema's), type name, column name */
        if (i % 3 < 2 && cols[i / 3].type == T_OBJECT &&
            !((i % 3 ? &ob[i / 3].name : &ob[i / 3].owner)[0] = b2a__asprintf("%.*s", (int)len, (const char *)p))) {
            b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
            goto fail;
        }
    }
    if (b2a__exp_in_u16(in, "column descriptors", &v, err) != B2A_OK)
        goto fail;
    if (v != 0) {
        b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                     "%s: unexpected word 0x%04X after the descriptors at offset %llu", b2a__ra_path(in->ra), v,
                     (unsigned long long)at);
        goto fail;
    }
    *out = cols;
    *nout = n;
    *lobsec = m != 0;
    *objs = ob;
    return B2A_OK;
fail:
    free_objs(ob, n);
    free(cols);
    return err->code;
}

static const b2a_exp_ddl_col *ddl_col(const b2a_exp_ddl *d, const char *name)
{
    for (size_t i = 0; i < d->ncols; i++)
        if (strcmp(d->cols[i].name, name) == 0)
            return &d->cols[i];
    return NULL;
}

/* Columns of a table from its first rows section: names from the INSERT,
 * types from the descriptors, declarations from the CREATE TABLE. */
static int set_columns(const char *path, exp_table *t, char **names, size_t nnames, exp_col *cols, size_t ncols,
                       b2a_err *err)
{
    if (nnames != ncols)
        return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                            "%s: table %s.%s: the INSERT names %zu columns but the rows have %zu", path,
                            t->def.schema, t->def.name, nnames, ncols);
    b2a_table_def *d = &t->def;
    d->columns = calloc(ncols, sizeof(*d->columns));
    if (!d->columns)
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    d->ncolumns = ncols;
    for (size_t i = 0; i < ncols; i++) {
        const b2a_exp_ddl_col *dc = ddl_col(&t->ddl, names[i]);
        d->columns[i].name = b2a__strdup(names[i]);
        d->columns[i].source_type = dc ? b2a__strdup(dc->type) : b2a__strdup(type_code_name(&cols[i]));
        d->columns[i].nullable = dc ? !dc->not_null : 1;
        if (!d->columns[i].name || !d->columns[i].source_type)
            return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
        int p, sc, has_scale;
        cols[i].profile = cols[i].type == T_NUMBER &&
                          (!b2a__exp_number_type(d->columns[i].source_type, &p, &sc, &has_scale) || p == 0);
    }
    t->cols = cols;
    return B2A_OK;
}

static void profile_number(exp_col *c, const uint8_t *p, size_t n)
{
    char text[B2A_ORANUM_TEXT_MAX];
    int idig, fdig, special;
    if (b2a__oranum_text(p, n, text, sizeof(text), &idig, &fdig, &special) < 0)
        return; /* the scan reports it, with its row */
    if (special)
        c->special = 1;
    if (idig > c->max_int)
        c->max_int = idig;
    if (fdig > c->max_frac)
        c->max_frac = fdig;
}

/* Walk one rows section: count its rows and profile its numbers. */
static int walk_rows(walk *w, exp_table *t, exp_seg *seg, b2a_err *err)
{
    exp_cell *cells = realloc(w->row.cells, t->def.ncolumns * sizeof(*cells));
    if (!cells)
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    w->row.cells = cells;
    for (;;) {
        int end;
        uint64_t at = b2a__exp_in_tell(&w->in);
        if (read_row(&w->in, t, &w->row, 0, &end, err) != B2A_OK)
            return err->code;
        if (end) {
            seg->rows_end = at;
            return B2A_OK;
        }
        seg->rows++;
        for (size_t c = 0; c < t->def.ncolumns; c++) {
            if (t->cols[c].profile && !w->row.cells[c].null)
                profile_number(&t->cols[c], w->row.data + w->row.cells[c].off, w->row.cells[c].len);
            if ((t->cols[c].type == T_VARRAY || t->cols[c].type == T_NESTED) && !w->row.cells[c].null)
                t->coll_values = 1;
        }
    }
}

static int on_insert(walk *w, b2a_err *err)
{
    char *name = NULL, **names = NULL;
    size_t nnames = 0;
    exp_col *cols = NULL;
    exp_obj *objs = NULL;
    size_t ncols = 0;
    int lobsec = 0, rc;
    if (b2a__exp_parse_insert(w->st.text, &name, &names, &nnames) != 0)
        return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER, "%s: cannot parse the INSERT at offset %llu",
                            w->x->path, (unsigned long long)w->st.offset);
    rc = read_descriptors(&w->in, &cols, &ncols, &lobsec, &objs, err);
    if (rc != B2A_OK)
        goto done;
    exp_table *t = w->cur;
    exp_table scratch;
    if ((!t || strcmp(t->def.name, name) != 0) && w->announced && strcmp(w->announced, name) == 0) {
        /* its CREATE TABLE did not parse: the rows still make the table */
        if (!(t = w->cur = add_table(w, name, err))) {
            rc = err->code;
            goto done;
        }
    }
    if (!t || strcmp(t->def.name, name) != 0) {
        /* rows of a storage table (a nested table's): read past them */
        memset(&scratch, 0, sizeof(scratch));
        scratch.def.schema = w->owner;
        scratch.def.name = name;
        t = &scratch;
    }
    exp_seg seg = {b2a__exp_in_tell(&w->in), 0, NULL, 0};
    if (!t->cols) {
        rc = set_columns(w->x->path, t, names, nnames, cols, ncols, err);
        if (rc != B2A_OK)
            goto done_scratch;
        cols = NULL;
        t->lobsec = lobsec;
        if (t != &scratch) {
            for (size_t i = 0; objs && i < ncols; i++) /* an empty owner: the schema's own type */
                if (objs[i].name && objs[i].owner && !objs[i].owner[0]) {
                    free(objs[i].owner);
                    if (!(objs[i].owner = b2a__strdup(w->owner))) {
                        rc = b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
                        goto done_scratch;
                    }
                }
            t->objs = objs;
            objs = NULL;
        }
    } else if (ncols != t->def.ncolumns || lobsec != t->lobsec) {
        rc = b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                          "%s: table %s.%s: partition rows at offset %llu have other columns than the first",
                          w->x->path, t->def.schema, t->def.name, (unsigned long long)seg.rows_at);
        goto done;
    }
    rc = walk_rows(w, t, &seg, err);
    if (rc == B2A_OK && t != &scratch) {
        exp_seg *s = realloc(t->segs, (t->nsegs + 1) * sizeof(*s));
        if (!s) {
            rc = b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
        } else {
            t->segs = s;
            seg.partition = w->partition;
            w->partition = NULL;
            t->segs[t->nsegs++] = seg;
        }
    }
done_scratch:
    if (t == &scratch) {
        for (size_t i = 0; i < scratch.def.ncolumns; i++)
            b2a__column_clear(&scratch.def.columns[i]);
        free(scratch.def.columns);
        free(scratch.cols);
    }
done:
    free(cols);
    free_objs(objs, ncols);
    free(name);
    for (size_t i = 0; i < nnames; i++)
        free(names[i]);
    free(names);
    return rc;
}

static int starts(const char *s, const char *prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }

/* ALTER TABLE "T" ADD [CONSTRAINT "C"] PRIMARY KEY ("A", "B") ...: the
 * key of table T of the current owner, which exp writes after its rows. */
static int on_primary_key(walk *w, b2a_err *err)
{
    const char *p = w->st.text + strlen("ALTER TABLE ");
    char *name = b2a__exp_ident(&p);
    if (!name)
        return B2A_OK;
    exp_table *t = NULL;
    for (size_t i = w->x->ntables; i-- > 0;)
        if (strcmp(w->x->tables[i].def.name, name) == 0 && strcmp(w->x->tables[i].def.schema, w->owner) == 0) {
            t = &w->x->tables[i];
            break;
        }
    free(name);
    if (!t || t->npk)
        return B2A_OK;
    p = strstr(p, " PRIMARY KEY (") + strlen(" PRIMARY KEY (");
    for (;;) {
        char *col = b2a__exp_ident(&p);
        if (!col)
            return B2A_OK; /* not a list exp writes: leave the key out */
        char **v = realloc(t->pk_names, (t->npk + 1) * sizeof(*v));
        if (!v) {
            free(col);
            return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
        }
        t->pk_names = v;
        v[t->npk++] = col;
        while (*p == ' ')
            p++;
        if (*p != ',')
            return B2A_OK;
        p++;
    }
}

/* An attribute's type as Oracle's type number: the scalars an object's
 * value is decoded for (dp_object.h), 0 for any other. */
static int attr_type(const char *p)
{
    static const struct { const char *word; int type; } words[] = {
        {"VARCHAR2", B2A_ORAT_VARCHAR2}, {"VARCHAR", B2A_ORAT_VARCHAR2}, {"NUMBER", B2A_ORAT_NUMBER},
        {"INTEGER", B2A_ORAT_NUMBER}, {"FLOAT", B2A_ORAT_NUMBER}, {"CHAR", B2A_ORAT_CHAR}};
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        size_t n = strlen(words[i].word);
        if (strncmp(p, words[i].word, n) == 0 && (p[n] == '(' || p[n] == ' ' || p[n] == ',' || p[n] == ')' ||
                                                   p[n] == '\0'))
            return words[i].type;
    }
    return 0;
}

/* CREATE [OR REPLACE] TYPE "T" ... AS OBJECT (A VARCHAR2(80), B NUMBER):
 * the attributes of the current owner's type T (other types are not
 * objects the rows decode). */
static int on_create_type(walk *w, const char *s, b2a_err *err)
{
    const char *p = strchr(s, '"'), *body = strstr(s, " AS OBJECT (");
    char *name = p ? b2a__exp_ident(&p) : NULL;
    if (!name || !body || !w->owner) {
        free(name);
        return B2A_OK;
    }
    exp_type *v = realloc(w->x->types, (w->x->ntypes + 1) * sizeof(*v));
    if (!v) {
        free(name);
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    }
    w->x->types = v;
    exp_type *t = &v[w->x->ntypes++];
    memset(t, 0, sizeof(*t));
    t->name = name;
    if (!(t->owner = b2a__strdup(w->owner)))
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    p = body + strlen(" AS OBJECT (");
    for (;;) {
        while (*p == ' ')
            p++;
        char *an = *p == '"' ? b2a__exp_ident(&p) : NULL;
        if (!an) { /* an unquoted name */
            const char *e = p;
            while ((*e >= 'A' && *e <= 'Z') || (*e >= '0' && *e <= '9') || *e == '_' || *e == '$' || *e == '#')
                e++;
            if (e == p)
                break; /* not a list we read: the type keeps the attributes so far, and check() refuses a gap */
            an = b2a__asprintf("%.*s", (int)(e - p), p);
            p = e;
        }
        if (!an)
            return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
        while (*p == ' ')
            p++;
        b2a_dpobj_attr *a = realloc(t->attrs, (t->nattr + 1) * sizeof(*a));
        if (!a) {
            free(an);
            return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
        }
        t->attrs = a;
        /* text attributes are in the database character set */
        t->attrs[t->nattr++] = (b2a_dpobj_attr){an, attr_type(p), w->x->hdr.db_charset_id};
        int depth = 0; /* to the next attribute */
        while (*p && !(depth == 0 && (*p == ',' || *p == ')'))) {
            depth += *p == '(' ? 1 : *p == ')' ? -1 : 0;
            p++;
        }
        if (*p != ',')
            break;
        p++;
    }
    return B2A_OK;
}

static int on_statement(walk *w, b2a_err *err)
{
    const char *s = w->st.text;
    if (w->st.kind == 'T' && starts(s, "CONNECT ")) {
        const char *p = s + 8;
        char *o = b2a__exp_ident(&p);
        if (!o) /* the owner of what follows: never guess it */
            return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                                "%s: no schema name in the CONNECT statement at offset %llu", w->x->path,
                                (unsigned long long)w->st.offset);
        free(w->owner);
        w->owner = o;
        w->cur = NULL;
    } else if (w->st.kind == 'T' && starts(s, "TABLE \"")) {
        w->cur = NULL; /* the CREATE TABLE that follows makes it */
        free(w->partition);
        w->partition = NULL;
        const char *p = s + 6;
        free(w->announced);
        w->announced = b2a__exp_ident(&p); /* NULL when unreadable: the CREATE TABLE then decides */
    } else if (starts(s, "CREATE TABLE ")) {
        b2a_exp_ddl d;
        int rc = b2a__exp_parse_create(s, &d);
        if (rc == -2)
            return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
        if (rc == 0 || rc == -3) {
            exp_table *t = add_table(w, d.name, err);
            if (!t) {
                b2a__exp_ddl_clear(&d);
                return err->code;
            }
            t->ddl = d;
            w->cur = t;
        }
    } else if (w->st.kind == 'T' && (starts(s, "PARTITION \"") || starts(s, "SUBPARTITION \""))) {
        const char *p = strchr(s, '"');
        free(w->partition);
        w->partition = b2a__exp_ident(&p); /* a name for the Job only */
    } else if (w->st.kind == 'T' && starts(s, "INSERT INTO ")) {
        return on_insert(w, err);
    } else if ((starts(s, "CREATE TYPE \"") || starts(s, "CREATE OR REPLACE TYPE \"")) && strstr(s, " AS OBJECT (")) {
        return on_create_type(w, s, err);
    } else if (starts(s, "ALTER TABLE \"") && strstr(s, " PRIMARY KEY (")) {
        return on_primary_key(w, err);
    } else if (w->st.kind == 'T' && strcmp(s, "EXIT") == 0) {
        w->saw_exit = 1;
    }
    return B2A_OK;
}

/* The database time zone: the third of the counted session-setting records
 * exp writes before its statements (after the two platform descriptors),
 * "+00:00" or "-07:00" in every sample; DBTIMEZONE may also be a region
 * name, which is kept to be named in messages. */
static void note_dbtz(b2a_exp *x, const b2a_exp_stmt *st, int index)
{
    const char *s = st->text;
    if (index != 2)
        return;
    snprintf(x->dbtz, sizeof(x->dbtz), "%.*s", (int)(st->len < 63 ? st->len : 63), s);
    if (st->len == 6 && (s[0] == '+' || s[0] == '-') && s[3] == ':' && s[1] >= '0' && s[1] <= '9' &&
        s[2] >= '0' && s[2] <= '9' && s[4] >= '0' && s[4] <= '5' && s[5] >= '0' && s[5] <= '9') {
        int h = (s[1] - '0') * 10 + (s[2] - '0'), m = (s[4] - '0') * 10 + (s[5] - '0');
        x->dbtz_minutes = (s[0] == '-' ? -1 : 1) * (h * 60 + m);
        x->dbtz_known = 1;
    }
}

/* ---- types ---- */


/* An object column: its attributes from the dump's CREATE TYPE (or
 * SDO_GEOMETRY's); decoded as dp_object.h says, or the table fails naming
 * the column, its type and why. 0, -1 on OOM. */
static int map_object(const b2a_exp *x, exp_table *t, size_t i)
{
    b2a_column *c = &t->def.columns[i];
    exp_obj *o = t->objs ? &t->objs[i] : NULL;
    if (!o || !o->name || !o->owner) { /* nothing names its type */
        if (!t->unsupported)
            t->unsupported = b2a__asprintf("column %s has %s (%s, exp type %u), which this reader does not decode",
                                           c->name, type_name(T_OBJECT), c->source_type, T_OBJECT);
        return 0;
    }
    char *st = b2a__asprintf("%s.%s", o->owner, o->name);
    if (!st)
        return -1;
    free(c->source_type);
    c->source_type = st;
    o->sdo = b2a__dpobj_is_sdo(o->owner, o->name);
    if (o->sdo) {
        o->attrs = (b2a_dpobj_attr *)b2a__dpobj_sdo_attrs;
        o->nattr = 7;
    }
    for (size_t k = 0; !o->sdo && k < x->ntypes; k++)
        if (strcmp(x->types[k].owner, o->owner) == 0 && strcmp(x->types[k].name, o->name) == 0) {
            o->attrs = x->types[k].attrs;
            o->nattr = x->types[k].nattr;
        }
    size_t bad = 0;
    const char *why = o->nattr ? b2a__dpobj_check(o->sdo, o->attrs, o->nattr, &bad)
                               : "the dump declares no attributes of it (no CREATE TYPE ... AS OBJECT read)";
    if (why && !t->unsupported)
        t->unsupported = b2a__asprintf("column %s has the object type %s: %s (%s), which this reader does not "
                                       "decode", c->name, c->source_type, why, o->nattr ? o->attrs[bad].name : "-");
    else if (!why)
        c->note = b2a__strdup(o->sdo ? "SDO_GEOMETRY as WKT (SDO_UTIL.TO_WKTGEOMETRY's form)"
                                     : "the object's attributes as a JSON object");
    return 0;
}

/* The Avro-facing type of each column; a column that cannot be decoded
 * marks the table unsupported, naming it. */
static int map_columns(const b2a_exp *x, exp_table *t)
{
    for (size_t i = 0; i < t->def.ncolumns; i++) {
        b2a_column *c = &t->def.columns[i];
        const exp_col *ec = &t->cols[i];
        switch (ec->type) {
        case T_NUMBER: b2a__ora_number_column(c, ec->max_int, ec->max_frac, ec->special); break;
        case T_BFLOAT: c->vtype = B2A_V_FLOAT; break;
        case T_BDOUBLE: c->vtype = B2A_V_DOUBLE; break;
        case T_DATE:
        case T_TIMESTAMP:
            c->vtype = B2A_V_LOCAL_TIMESTAMP_MICROS;
            if (strstr(c->source_type, "(7)") || strstr(c->source_type, "(8)") || strstr(c->source_type, "(9)"))
                c->note = b2a__strdup("fractional seconds beyond microseconds are truncated");
            break;
        case T_TSTZ: c->vtype = B2A_V_TIMESTAMP_MICROS; break;
        case T_TSLTZ:
            c->vtype = B2A_V_TIMESTAMP_MICROS;
            if (!x->dbtz_known && !t->unsupported)
                t->unsupported = b2a__asprintf("column %s is %s, stored in the database time zone, and the dump gives "
                                               "that zone as \"%s\", which this reader cannot resolve to an offset",
                                               c->name, c->source_type, x->dbtz);
            break;
        case T_RAW:
        case T_LONG_RAW:
        case T_BLOB: c->vtype = B2A_V_BYTES; break;
        case T_VARCHAR2:
        case T_CHAR:
        case T_LONG:
        case T_CLOB:
            c->vtype = B2A_V_STRING;
            if (!b2a__oracs_supported(ec->cs) && !t->unsupported)
                t->unsupported = b2a__asprintf("column %s (%s) is in character set id %u, which this reader does not convert",
                                               c->name, c->source_type, ec->cs);
            break;
        case T_IYM:
        case T_IDS:
        case T_ROWID:
        case T_UROWID:
        case T_BFILE: c->vtype = B2A_V_STRING; break;
        case T_OBJECT:
            c->vtype = B2A_V_STRING;
            if (map_object(x, t, i) != 0)
                return -1;
            break;
        case T_VARRAY:
        case T_NESTED:
            /* its values are not decoded; a table none of whose rows holds
             * one (HRDATA.EMP_TAGS: no rows) is still exact */
            c->vtype = B2A_V_STRING;
            if (t->coll_values && !t->unsupported)
                t->unsupported = b2a__asprintf("column %s has %s (%s, exp type %u), which this reader does not decode",
                                               c->name, type_name(ec->type), c->source_type, ec->type);
            else if (!t->coll_values && !(c->note = b2a__strdup("a collection; no row of this dump holds a value of "
                                                                "it (collection values are not decoded)")))
                return -1;
            break;
        default:
            c->vtype = B2A_V_STRING;
            if (!t->unsupported)
                t->unsupported = b2a__asprintf("column %s has %s (%s, exp type %u), which this reader does not decode",
                                               c->name, type_name(ec->type), c->source_type, ec->type);
        }
        if (!c->source_type)
            return -1;
    }
    return 0;
}

/* Key column names to indexes; a name that is not a column drops the key. */
static int map_primary_key(exp_table *t)
{
    if (!t->npk)
        return 0;
    if (!(t->pk = calloc(t->npk, sizeof(*t->pk))))
        return -1;
    for (size_t k = 0; k < t->npk; k++) {
        size_t i = 0;
        while (i < t->def.ncolumns && strcmp(t->def.columns[i].name, t->pk_names[k]) != 0)
            i++;
        if (i == t->def.ncolumns) {
            free(t->pk);
            t->pk = NULL;
            return 0;
        }
        t->pk[k] = i;
    }
    return 0;
}

/* A table exp wrote no rows section for: its columns from the CREATE TABLE,
 * and why it cannot be read. */
static int describe_rowless(exp_table *t)
{
    b2a_table_def *d = &t->def;
    d->columns = calloc(t->ddl.ncols ? t->ddl.ncols : 1, sizeof(*d->columns));
    if (!d->columns)
        return -1;
    d->ncolumns = t->ddl.ncols;
    const char *odd = NULL;
    for (size_t i = 0; i < t->ddl.ncols; i++) {
        d->columns[i].name = b2a__strdup(t->ddl.cols[i].name);
        d->columns[i].source_type = b2a__strdup(t->ddl.cols[i].type);
        d->columns[i].nullable = !t->ddl.cols[i].not_null;
        d->columns[i].vtype = B2A_V_STRING;
        if (!d->columns[i].name || !d->columns[i].source_type)
            return -1;
        const char *ty = t->ddl.cols[i].type;
        if (!odd && (!ty[0] || strcmp(ty, "JSON") == 0 || strcmp(ty, "BOOLEAN") == 0 || strcmp(ty, "VECTOR") == 0 || ty[0] == '"'))
            odd = d->columns[i].name;
    }
    if (odd && !ddl_col(&t->ddl, odd)->type[0])
        t->unsupported = b2a__asprintf("exp wrote no rows for this table and cut its CREATE TABLE off at column %s, "
                                       "whose type classic exp cannot write (such as JSON)", odd);
    else if (odd)
        t->unsupported = b2a__asprintf("exp wrote no rows for this table; its column %s has type %s, which classic exp does not export",
                                       odd, ddl_col(&t->ddl, odd)->type);
    else
        t->unsupported = b2a__strdup("exp wrote no rows section for this table (was it exported with ROWS=N?)");
    d->row_count = -1;
    return t->unsupported ? 0 : -1;
}

static int finish_tables(b2a_exp *x, b2a_err *err)
{
    for (size_t i = 0; i < x->ntables; i++) {
        exp_table *t = &x->tables[i];
        int rc;
        if (!t->cols) {
            rc = describe_rowless(t);
        } else {
            rc = map_columns(x, t) != 0 || map_primary_key(t) != 0 ? -1 : 0;
            t->def.row_count = 0;
            for (size_t k = 0; k < t->nsegs; k++)
                t->def.row_count += t->segs[k].rows;
        }
        if (rc == 0) {
            int *types = calloc(t->def.ncolumns ? t->def.ncolumns : 1, sizeof(*types));
            for (size_t k = 0; types && t->cols && k < t->def.ncolumns; k++)
                types[k] = t->cols[k].type;
            rc = !types || b2a__oraconv_zone_def(&t->def, types, &t->out) != 0 ? -1 : 0;
            free(types);
        }
        if (rc != 0)
            return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    }
    return B2A_OK;
}

static void free_table(exp_table *t)
{
    free_objs(t->objs, t->def.ncolumns); /* before def is cleared: its count */
    b2a__table_def_clear(&t->def);
    b2a__table_def_clear(&t->out);
    b2a__exp_ddl_clear(&t->ddl);
    free(t->cols);
    for (size_t k = 0; k < t->nsegs; k++)
        free(t->segs[k].partition);
    free(t->segs);
    free(t->unsupported);
    for (size_t k = 0; k < t->npk; k++)
        free(t->pk_names[k]);
    free(t->pk_names);
    free(t->pk);
}

void b2a__exp_close(b2a_exp *x)
{
    if (!x)
        return;
    for (size_t i = 0; i < x->ntables; i++)
        free_table(&x->tables[i]);
    free(x->tables);
    for (size_t i = 0; i < x->ntypes; i++) {
        free(x->types[i].owner);
        free(x->types[i].name);
        for (size_t k = 0; k < x->types[i].nattr; k++)
            free((char *)x->types[i].attrs[k].name);
        free(x->types[i].attrs);
    }
    free(x->types);
    b2a__ra_close(x->ra);
    free(x);
}

/* Where the statements stopped (end at zero padding) is a proper end of an
 * exp file: the zeros pad the last record block, starting inside it. */
static int ends_padded(const b2a_exp *x, uint64_t zeros_at)
{
    uint64_t size = b2a__ra_size(x->ra), rl = x->hdr.record_length;
    return size % rl == 0 && zeros_at < size && zeros_at > size - rl && zeros_at > rl;
}

static int walk_dump(b2a_exp *x, b2a_err *err)
{
    walk w;
    memset(&w, 0, sizeof(w));
    w.x = x;
    int rc = b2a__exp_in_init(&w.in, x->ra, x->hdr.record_length, err);
    if (rc != B2A_OK)
        return rc;
    w.owner = b2a__strdup(x->hdr.user);
    if (!w.owner)
        rc = b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    int in_statements = 0, settings = 0;
    while (rc == B2A_OK) {
        int more = b2a__exp_next_stmt(&w.in, &w.st, err);
        if (more < 0) {
            rc = more;
            break;
        }
        if (more == 0)
            break;
        if (!in_statements && w.st.kind == 'L')
            note_dbtz(x, &w.st, settings++);
        if (w.st.kind == 'T')
            in_statements = 1;
        rc = on_statement(&w, err);
        if (w.saw_exit)
            break;
    }
    /* Without its EXIT a file must at least end in the zero padding of a
     * whole record block, or nothing in it can be trusted to have ended. */
    if (rc == B2A_OK && !w.saw_exit && !ends_padded(x, w.st.offset))
        rc = b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
            "%s: truncated: no EXIT statement, and the file (%llu bytes) does not end in "
            "the zero padding of its last %u-byte record",
            x->path, (unsigned long long)b2a__ra_size(x->ra), x->hdr.record_length);
    if (rc == B2A_OK)
        rc = finish_tables(x, err);
    /* No EXIT, but whole padded records: exp stopped, or the file was cut, at
     * a record boundary (rjschof_legacy ends after an ENDPARTITION, before its
     * table's ENDTABLE). The tables before the last one ended; the last one
     * cannot be vouched for and tables after it may be missing, so it fails,
     * and the job with it, instead of passing as complete. */
    if (rc == B2A_OK && !w.saw_exit && x->ntables > 0)
        x->tables[x->ntables - 1].cut_short = 1;
    b2a__exp_in_free(&w.in);
    b2a__exp_stmt_free(&w.st);
    free(w.owner);
    free(w.partition);
    free(w.announced);
    free(w.row.cells);
    free(w.row.data);
    return rc;
}

int b2a__exp_open(const char *const *paths, size_t n, b2a_exp **out, b2a_err *err)
{
    *out = NULL;
    if (n != 1)
        return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE,
                            "%s: an exp dump is one file; %zu were given", n ? paths[0] : "(none)", n);
    b2a_exp *x = calloc(1, sizeof(*x));
    if (!x)
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    int rc = b2a__ra_open(paths[0], &x->ra, err);
    if (rc == B2A_OK) {
        x->path = b2a__ra_path(x->ra);
        rc = b2a__oradump_read_header(paths[0], &x->hdr, err);
    }
    if (rc == B2A_OK && x->hdr.datapump)
        rc = b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_READER, "%s: a Data Pump dump, not a classic exp file", x->path);
    if (rc == B2A_OK && (x->hdr.record_length < 64 || x->hdr.record_length > (1u << 20)))
        rc = b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER, "%s: exp header gives a record length of %u",
                          x->path, x->hdr.record_length);
    if (rc == B2A_OK)
        rc = walk_dump(x, err);
    if (rc != B2A_OK) {
        b2a__exp_close(x);
        return rc;
    }
    *out = x;
    return B2A_OK;
}

const char *b2a__exp_database_name(const b2a_exp *x) { return x->hdr.user; }
size_t b2a__exp_table_count(const b2a_exp *x) { return x->ntables; }

const b2a_table_def *b2a__exp_table(const b2a_exp *x, size_t i)
{
    return i < x->ntables ? &x->tables[i].out : NULL;
}

const char *b2a__exp_table_kind(const b2a_exp *x, size_t i)
{
    return i < x->ntables && x->tables[i].nsegs > 1 ? "partitioned table" : "table";
}

size_t b2a__exp_partition_count(const b2a_exp *x, size_t i)
{
    if (i >= x->ntables)
        return 0;
    size_t n = 0;
    for (size_t k = 0; k < x->tables[i].nsegs; k++)
        n += x->tables[i].segs[k].partition != NULL;
    return n;
}

const char *b2a__exp_partition_name(const b2a_exp *x, size_t i, size_t k)
{
    if (i >= x->ntables)
        return NULL;
    for (size_t s = 0; s < x->tables[i].nsegs; s++)
        if (x->tables[i].segs[s].partition && k-- == 0)
            return x->tables[i].segs[s].partition;
    return NULL;
}

/* ---- scans ---- */

struct b2a_exp_scan {
    b2a_exp *x;
    const exp_table *t;
    size_t seg;         /* current rows section */
    size_t step;        /* sections seg, seg+step, ...: part seg of step (1: all) */
    int in_seg;
    b2a_exp_in in;
    exp_row row;
    int64_t rows_done;
    b2a_oraconv conv;
    int conv_ready;
    char *obj;          /* an object's text, being made */
    size_t objlen, objcap;
    b2a_oracell attr[16]; /* its attributes' cells */
};

void b2a__exp_scan_close(b2a_exp_scan *s)
{
    if (!s)
        return;
    b2a__exp_in_free(&s->in);
    free(s->obj);
    if (s->conv_ready)
        b2a__oraconv_free(&s->conv);
    free(s->row.cells);
    free(s->row.data);
    free(s);
}

/* The character set a column's bytes are in: CLOBs of a multi-byte
 * database, and NCHAR data, are stored as AL16UTF16. */
static int column_charset(const exp_col *c)
{
    if (c->type == T_CLOB && (c->csform == 2 || b2a__oracs_multibyte(c->cs)))
        return B2A_ORACS_AL16UTF16;
    return c->cs;
}

int b2a__exp_scan_open(b2a_exp *x, size_t table, b2a_exp_scan **out, b2a_err *err)
{
    *out = NULL;
    if (table >= x->ntables)
        return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_READER, "%s: no table %zu", x->path, table);
    const exp_table *t = &x->tables[table];
    if (t->cut_short)
        return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                            "%s: table %s.%s: the dump ends inside this table without exp's closing EXIT records "
                            "(cut short at %llu bytes): its rows may be incomplete, and any tables after it are missing%s%s",
                            x->path, t->def.schema, t->def.name, (unsigned long long)b2a__ra_size(x->ra),
                            t->unsupported ? "; besides, " : "", t->unsupported ? t->unsupported : "");
    if (t->unsupported)
        return b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_READER, "%s: table %s.%s: %s", x->path,
                            t->def.schema, t->def.name, t->unsupported);
    b2a_exp_scan *s = calloc(1, sizeof(*s));
    if (!s)
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    s->x = x;
    s->t = t;
    s->step = 1;
    size_t n = t->def.ncolumns;
    s->row.cells = calloc(n ? n : 1, sizeof(*s->row.cells));
    int rc = !s->row.cells ? b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory")
                           : b2a__exp_in_init(&s->in, x->ra, 0, err);
    if (rc == B2A_OK && (rc = b2a__oraconv_init(&s->conv, x->path, &t->out, t->def.ncolumns, x->dbtz_minutes, err)) == B2A_OK)
        s->conv_ready = 1;
    for (size_t i = 0; rc == B2A_OK && i < n; i++) /* an object's text is made in UTF-8 */
        rc = t->cols[i].type == T_OBJECT || t->cols[i].type == T_VARRAY || t->cols[i].type == T_NESTED
                 ? b2a__oraconv_set_column(&s->conv, i, T_VARCHAR2, 873, err)
                                         : b2a__oraconv_set_column(&s->conv, i, t->cols[i].type,
                                                                   column_charset(&t->cols[i]), err);
    if (rc != B2A_OK) {
        b2a__exp_scan_close(s);
        return rc;
    }
    *out = s;
    return B2A_OK;
}

uint64_t b2a__exp_scan_replaced(const b2a_exp_scan *s)
{
    return s->conv.replaced;
}

/* Each object column's cell (its pickled image) becomes its text (JSON or
 * WKT) made from the attributes the image holds. */
static int object_cells(b2a_exp_scan *s, b2a_err *err)
{
    const exp_table *t = s->t;
    for (size_t i = 0; i < t->def.ncolumns; i++) {
        exp_cell *cell = &s->row.cells[i];
        if ((t->cols[i].type == T_VARRAY || t->cols[i].type == T_NESTED) && !cell->null)
            return b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_READER, /* the walk saw none: the file changed */
                                "%s: table %s.%s, row %lld: column %s (%s) holds a collection value, which this "
                                "reader does not decode", s->x->path, t->def.schema, t->def.name,
                                (long long)s->rows_done + 1, t->def.columns[i].name, t->def.columns[i].source_type);
        if (t->cols[i].type != T_OBJECT || cell->null || !t->objs || !t->objs[i].nattr)
            continue;
        const exp_obj *o = &t->objs[i];
        const char *why = "it has more attributes than this reader decodes";
        int rc = o->nattr <= sizeof(s->attr) / sizeof(s->attr[0])
                     ? b2a__dpobj_unpickle(o->sdo, s->row.data, cell->off, cell->len, o->nattr, s->attr, &why)
                     : 1;
        if (rc == 0)
            rc = b2a__dpobj_text(o->sdo, o->attrs, o->nattr, s->row.data, s->attr, &s->obj, &s->objlen, &s->objcap,
                                 &why);
        if (rc < 0)
            return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
        if (rc > 0)
            return b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_READER,
                                "%s: table %s.%s, row %lld: column %s (%s): %s", s->x->path, t->def.schema,
                                t->def.name, (long long)s->rows_done + 1, t->def.columns[i].name,
                                t->def.columns[i].source_type, why);
        if (row_put(&s->row, (const uint8_t *)s->obj, s->objlen, cell, err) != B2A_OK)
            return err->code;
    }
    return B2A_OK;
}

int b2a__exp_scan_next(b2a_exp_scan *s, b2a_sink *sink, size_t max_rows, size_t *rows_out, int *eof,
                       b2a_err *err)
{
    *rows_out = 0;
    *eof = 0;
    while (*rows_out < max_rows) {
        if (!s->in_seg) {
            if (s->seg >= s->t->nsegs) {
                *eof = 1;
                return B2A_OK;
            }
            b2a__exp_in_seek(&s->in, s->t->segs[s->seg].rows_at);
            s->in_seg = 1;
        }
        int end;
        int rc = read_row(&s->in, s->t, &s->row, 1, &end, err);
        if (rc != B2A_OK)
            return rc;
        if (end) {
            s->seg += s->step;
            s->in_seg = 0;
            continue;
        }
        if ((rc = object_cells(s, err)) != B2A_OK)
            return rc;
        if ((rc = b2a__oraconv_row(&s->conv, s->row.data, s->row.cells, s->rows_done + 1, err)) != B2A_OK)
            return rc;
        if ((rc = b2a__oraconv_emit(&s->conv, s->row.data, sink)) != B2A_OK)
            return b2a__err_set(err, rc, B2A_ERRCLASS_AVRO, "%s: table %s.%s, row %lld: the sink refused a value",
                                s->x->path, s->t->def.schema, s->t->def.name, (long long)s->rows_done + 1);
        s->rows_done++;
        (*rows_out)++;
    }
    return B2A_OK;
}

int b2a__exp_rows_span(const b2a_exp *x, size_t i, size_t k, uint64_t *start, uint64_t *end)
{
    if (i >= x->ntables || k >= x->tables[i].nsegs)
        return -1;
    *start = x->tables[i].segs[k].rows_at;
    *end = x->tables[i].segs[k].rows_end;
    return 0;
}

const size_t *b2a__exp_primary_key(const b2a_exp *x, size_t i, size_t *n)
{
    *n = 0;
    if (i >= x->ntables || !x->tables[i].pk)
        return NULL;
    *n = x->tables[i].npk;
    return x->tables[i].pk;
}

int b2a__exp_scan_open_part(b2a_exp *x, size_t table, size_t part, size_t nparts, b2a_exp_scan **out, b2a_err *err)
{
    *out = NULL;
    if (nparts == 0 || part >= nparts)
        return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE,
                            "part %zu of %zu: a table splits into 1 or more parts, numbered from 0", part, nparts);
    int rc = b2a__exp_scan_open(x, table, out, err);
    if (rc == B2A_OK) {
        (*out)->seg = part;     /* row segment k belongs to part k mod nparts */
        (*out)->step = nparts;
    }
    return rc;
}

size_t b2a__exp_segments(const b2a_exp *x, size_t table)
{
    return table < x->ntables ? x->tables[table].nsegs : 0;
}
