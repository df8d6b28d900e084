/* The Data Pump reader (dp.h). Layout facts: oracle-dump-format.md §2.2,
 * checked on the 12.1, 19c and 23ai samples. A row of the direct-path stream is
 * a flag byte (0x3C: a whole row, followed by its u16 big-endian length,
 * header included), u8 column count (trailing NULL columns are left out),
 * then per column u8 length (0xFF NULL, 0xFE: u16 big-endian length
 * follows) and the value in Oracle's internal encoding. */
#include "reader/oracle/dp.h"

#include <errno.h>
#include <stddef.h>
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

/* Oracle's internal type numbers (TYPE_NUM in the XML). */
enum {
    T_VARCHAR2 = B2A_ORAT_VARCHAR2, T_NUMBER = B2A_ORAT_NUMBER, T_LONG = B2A_ORAT_LONG, T_DATE = B2A_ORAT_DATE,
    T_RAW = B2A_ORAT_RAW, T_LONG_RAW = B2A_ORAT_LONG_RAW, T_ROWID = B2A_ORAT_ROWID, T_CHAR = B2A_ORAT_CHAR,
    T_BFLOAT = B2A_ORAT_BFLOAT, T_BDOUBLE = B2A_ORAT_BDOUBLE, T_CLOB = B2A_ORAT_CLOB, T_BLOB = B2A_ORAT_BLOB,
    T_TIMESTAMP = B2A_ORAT_TIMESTAMP, T_TSTZ = B2A_ORAT_TSTZ, T_IYM = B2A_ORAT_IYM, T_IDS = B2A_ORAT_IDS,
    T_UROWID = B2A_ORAT_UROWID, T_TSLTZ = B2A_ORAT_TSLTZ
};

#define ROW_WHOLE 0x3C
/* Other rows come in pieces, flagged as Oracle flags row pieces in a block:
 * F the row's first piece, L its last, P the piece's first column goes on
 * from the previous piece's last, N the last column goes on in the next.
 * Each piece is a column count and columns, without a length word; LOB
 * columns come after all the others (oracle-dump-format.md §2.2). */
#define PIECE_FIRST 0x08
#define PIECE_LAST 0x04
#define PIECE_CONT_FROM 0x02
#define PIECE_CONT_TO 0x01
#define LEN_NULL 0xFF
#define LEN_LONG 0xFE
#define XML_MAX (64u * 1024 * 1024) /* no table's XML is near this; corrupt input is */
#define MAX_COLUMNS 254            /* the row's column count is one byte */
/* A segment descriptor block starts ff ff 24 24, then 0a 00 (10.1-21c: the
 * rows' length follows) or 0b 20 (23ai: the rows' offset from the
 * descriptor instead; they end at a zero flag and column count). */
static const uint8_t DESCRIPTOR[4] = {0xFF, 0xFF, 0x24, 0x24};
#define END_UNKNOWN UINT64_MAX

typedef struct dp_col {
    int type, cs, csform, scale;
    int profile;                    /* an unbounded NUMBER/FLOAT: its values type it */
    int max_int, max_frac, special; /* that profile, taken during the walk */
    /* objects (dp_object.h): an object column's type, and its attributes'
     * cells (first, n: slots after the table's columns); an attribute's
     * name within its object, and the INTCOL_NUM of that object */
    int intcol, basecol;
    char *attr, *towner, *tname;
    size_t first, nattr;
    int sdo;
} dp_col;

typedef struct dp_seg {
    uint64_t rows_at, rows_end;     /* the row stream: [rows_at, rows_end) */
    int64_t rows;
} dp_seg;

typedef struct dp_table {
    b2a_table_def def;              /* the rows' columns */
    b2a_table_def out;              /* as written: def plus the zone fields (oraconv.h) */
    dp_col *cols;                   /* def's columns, then the objects' hidden attribute columns */
    size_t nstream;                 /* columns in the row stream: all of cols */
    size_t *slot;                   /* the cols entry of each stream column, in the XML's order */
    size_t *order;                  /* the cols entry at each position of the row stream */
    b2a_dpobj_attr *attrs;          /* the objects' attributes, by cols entry - def.ncolumns */
    int opaque;                     /* a column of a type whose row pieces are not decoded */
    dp_seg *segs;
    size_t nsegs;
    char *unsupported;              /* why it cannot be scanned, or NULL */
} dp_table;

/* The job's master table (the catalogue of what was exported): where its
 * rows are and which of its columns we read. */
enum { M_TYPE, M_SCHEMA, M_NAME, M_ROWS, M_PARAM, M_VALUE, M_FILE, M_NKEEP };

typedef struct dp_master {
    uint64_t rows_at, rows_end;
    size_t ncols;
    /* positions in the row stream (LOBs last) of OBJECT_TYPE, OBJECT_SCHEMA,
     * OBJECT_NAME, COMPLETED_ROWS, NAME, VALUE_T, USER_FILE_NAME; -1 if absent */
    int at[M_NKEEP];
} dp_master;

struct b2a_dp {
    b2a_ra *ra;
    const char *path;
    b2a_oradump_info hdr;
    char job_owner[64];
    int dbtz_minutes, dbtz_known;
    char dbtz[64];
    dp_table *tables;
    size_t ntables;
    dp_master master;
    int have_master;
    b2a_dp_params params;
    /* Why the dump is refused (compressed or encrypted), found during the
     * walk; NULL when it is readable. The lenient open keeps it. */
    char *refusal;
    uint64_t packed_at;             /* the first data segment that is not readable XML, or 0 */
};

/* The cells of one row, as offsets into the row's bytes (kept in data). */
typedef b2a_oracell dp_cell;

typedef struct dp_row {
    dp_cell *cells;
    uint8_t *data;
    size_t len, cap;
} dp_row;

static int oom(b2a_err *err) { return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory"); }


/* ---- the STRMTABLE_T XML ---- */

static const char *find(const char *h, size_t n, const char *needle, size_t m)
{
    return memmem(h, n, needle, m);
}

/* The text of the first <tag>...</tag> in [p, end), entities decoded;
 * NULL when absent. *next (may be NULL) is set past it. */
static char *xml_text(const char *p, const char *end, const char *tag, const char **next)
{
    char open[64], close[64];
    snprintf(open, sizeof(open), "<%s>", tag);
    snprintf(close, sizeof(close), "</%s>", tag);
    const char *a = find(p, (size_t)(end - p), open, strlen(open));
    if (!a)
        return NULL;
    a += strlen(open);
    const char *b = find(a, (size_t)(end - a), close, strlen(close));
    if (!b)
        return NULL;
    if (next)
        *next = b + strlen(close);
    char *s = malloc((size_t)(b - a) + 1);
    if (!s)
        return NULL;
    size_t o = 0;
    static const struct { const char *ent; char c; } ents[] = {
        {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
    while (a < b) {
        size_t k = 0;
        for (; k < sizeof(ents) / sizeof(ents[0]); k++)
            if ((size_t)(b - a) >= strlen(ents[k].ent) && memcmp(a, ents[k].ent, strlen(ents[k].ent)) == 0)
                break;
        if (k < sizeof(ents) / sizeof(ents[0])) {
            s[o++] = ents[k].c;
            a += strlen(ents[k].ent);
        } else {
            s[o++] = *a++;
        }
    }
    s[o] = '\0';
    return s;
}

/* An integer element; def when absent or not a number. *present says which. */
static long xml_long(const char *p, const char *end, const char *tag, long def, int *present)
{
    char *s = xml_text(p, end, tag, NULL);
    long v = def;
    int ok = 0;
    if (s) {
        char *e;
        errno = 0;
        long l = strtol(s, &e, 10);
        if (!errno && e != s && *e == '\0') {
            v = l;
            ok = 1;
        }
        free(s);
    }
    if (present)
        *present = ok;
    return v;
}

/* The declared type as Oracle's DDL writes it (the field's doc). */
static char *type_text(int type, int csform, long len, long prec, int has_prec, long scale, int has_scale)
{
    const char *n = csform == 2 ? "N" : "";
    switch (type) {
    case T_VARCHAR2: return b2a__asprintf("%sVARCHAR2(%ld)", n, len);
    case T_CHAR: return b2a__asprintf("%sCHAR(%ld)", n, len);
    case T_NUMBER:
        /* NUMBER(p) has scale 0; FLOAT(b) has no scale (or -127) */
        if ((has_scale && scale == -127) || (has_prec && !has_scale))
            return b2a__asprintf("FLOAT(%ld)", has_prec ? prec : 126L);
        if (has_prec && has_scale)
            return b2a__asprintf("NUMBER(%ld, %ld)", prec, scale);
        if (has_prec)
            return b2a__asprintf("NUMBER(%ld)", prec);
        if (has_scale)
            return b2a__asprintf("NUMBER(*, %ld)", scale);
        return b2a__strdup("NUMBER");
    case T_LONG: return b2a__strdup("LONG");
    case T_DATE: return b2a__strdup("DATE");
    case T_RAW: return b2a__asprintf("RAW(%ld)", len);
    case T_LONG_RAW: return b2a__strdup("LONG RAW");
    case T_ROWID: return b2a__strdup("ROWID");
    case T_BFLOAT: return b2a__strdup("BINARY_FLOAT");
    case T_BDOUBLE: return b2a__strdup("BINARY_DOUBLE");
    case T_CLOB: return b2a__asprintf("%sCLOB", n);
    case T_BLOB: return b2a__strdup("BLOB");
    case T_TIMESTAMP: return b2a__asprintf("TIMESTAMP (%ld)", has_scale ? scale : 6L);
    case T_TSTZ: return b2a__asprintf("TIMESTAMP (%ld) WITH TIME ZONE", has_scale ? scale : 6L);
    case T_TSLTZ: return b2a__asprintf("TIMESTAMP (%ld) WITH LOCAL TIME ZONE", has_scale ? scale : 6L);
    case T_IYM: return b2a__strdup("INTERVAL YEAR TO MONTH");
    case T_IDS: return b2a__strdup("INTERVAL DAY TO SECOND");
    case T_UROWID: return b2a__strdup("UROWID");
    case 58: return b2a__strdup("XMLTYPE (opaque)");
    case 119: return b2a__strdup("JSON");
    case 121: return b2a__strdup("an object type");
    case 122: return b2a__strdup("a nested table");
    case 123: return b2a__strdup("a VARRAY");
    case 114: return b2a__strdup("BFILE");
    case 252: return b2a__strdup("BOOLEAN");
    case 127: return b2a__strdup("VECTOR");
    default: return b2a__asprintf("type %d", type);
    }
}

/* Owner, name, time zone and columns from one segment's XML. */
typedef struct dp_xml {
    char *owner, *name, *dbtz;
    b2a_column *cols;
    dp_col *dcols;
    size_t ncols;
    int out_of_order;   /* stored columns (SEGCOL_NUM) not in list order */
} dp_xml;

static void xml_clear(dp_xml *x)
{
    free(x->owner);
    free(x->name);
    free(x->dbtz);
    for (size_t i = 0; i < x->ncols; i++) {
        b2a__column_clear(&x->cols[i]);
        free(x->dcols[i].attr);
        free(x->dcols[i].towner);
        free(x->dcols[i].tname);
    }
    free(x->cols);
    free(x->dcols);
    memset(x, 0, sizeof(*x));
}

/* An attribute's name within its object: "ADDR"."STREET" -> STREET,
 * "LOCATION"."SDO_POINT"."X" -> SDO_POINT.X. */
static char *attr_path(const char *a)
{
    const char *dot = strstr(a, "\".\"");
    char *out = b2a__strdup(dot ? dot + 2 : a), *o = out;
    for (const char *p = out; o && *p; p++)
        if (*p != '"')
            *o++ = *p;
    if (o)
        *o = '\0';
    return out;
}

/* 0, -1 when the XML is not a STRMTABLE_T we understand, -2 on OOM. */
static int parse_xml(const char *xml, size_t len, dp_xml *out)
{
    memset(out, 0, sizeof(*out));
    const char *end = xml + len, *p = find(xml, len, "<STRMTABLE_T>", 13);
    if (!p)
        return -1;
    out->dbtz = xml_text(p, end, "DBTIMEZONE", NULL);
    const char *after_owner = NULL;
    out->owner = xml_text(p, end, "OWNER_NAME", &after_owner);
    if (!out->owner)
        return -1;
    const char *list = NULL;
    out->name = xml_text(after_owner, end, "NAME", &list);
    if (!out->name)
        return -1;
    for (;;) {
        const char *item = find(list, (size_t)(end - list), "<COL_LIST_ITEM>", 15);
        if (!item)
            break;
        const char *iend = find(item, (size_t)(end - item), "</COL_LIST_ITEM>", 16);
        if (!iend || out->ncols >= MAX_COLUMNS + 1)
            return -1;
        int has_seg;
        long segcol = xml_long(item, iend, "SEGCOL_NUM", 0, &has_seg);
        long ty = xml_long(item, iend, "TYPE_NUM", 0, NULL);
        if (has_seg && segcol == 0 && ty != 58 && (ty < 119 || ty > 123)) {
            /* virtual: computed, not in the rows (XMLTYPE, JSON and objects
             * stay listed: hidden columns hold them, and the table fails naming them) */
            list = iend;
            continue;
        }
        if (has_seg && segcol != (long)out->ncols + 1)
            out->out_of_order = 1;
        b2a_column *c = realloc(out->cols, (out->ncols + 1) * sizeof(*c));
        if (!c)
            return -2;
        out->cols = c;
        dp_col *d = realloc(out->dcols, (out->ncols + 1) * sizeof(*d));
        if (!d)
            return -2;
        out->dcols = d;
        c = &out->cols[out->ncols];
        d = &out->dcols[out->ncols];
        memset(c, 0, sizeof(*c));
        memset(d, 0, sizeof(*d));
        out->ncols++;
        int has_type, has_prec, has_scale;
        c->name = xml_text(item, iend, "NAME", NULL);
        d->intcol = (int)xml_long(item, iend, "INTCOL_NUM", 0, NULL);
        d->basecol = (int)xml_long(item, iend, "BASE_INTCOL_NUM", d->intcol, NULL);
        char *attr = xml_text(item, iend, "ATTRNAME", NULL);
        if (attr && d->basecol != d->intcol && !(d->attr = attr_path(attr))) {
            free(attr);
            return -2;
        }
        free(attr);
        const char *md = find(item, (size_t)(iend - item), "<TYPEMD>", 8);
        if (md && ty == B2A_ORAT_OBJECT) {
            d->towner = xml_text(md, iend, "OWNER_NAME", NULL);
            d->tname = xml_text(md, iend, "NAME", NULL);
            d->sdo = b2a__dpobj_is_sdo(d->towner, d->tname);
        }
        d->type = (int)xml_long(item, iend, "TYPE_NUM", 0, &has_type);
        long prec = xml_long(item, iend, "PRECISION_NUM", 0, &has_prec);
        long scale = xml_long(item, iend, "SCALE", 0, &has_scale);
        d->scale = (int)scale;
        d->cs = (int)xml_long(item, iend, "CHARSETID", 0, NULL);
        d->csform = (int)xml_long(item, iend, "CHARSETFORM", 0, NULL);
        c->nullable = xml_long(item, iend, "NOT_NULL", 0, NULL) == 0;
        c->source_type = type_text(d->type, d->csform, xml_long(item, iend, "LENGTH", 0, NULL), prec, has_prec,
                                   scale, has_scale);
        if (d->tname && c->source_type) { /* an object: its type, as DDL names it */
            free(c->source_type);
            c->source_type = b2a__asprintf("%s%s%s", d->towner ? d->towner : "", d->towner ? "." : "", d->tname);
        }
        if (!c->name || !has_type)
            return c->source_type ? -1 : -2;
        if (!c->source_type)
            return -2;
        int p, sc, hs; /* the exp reader's rule: unbounded NUMBER and FLOAT are profiled */
        d->profile = d->type == T_NUMBER && (!b2a__exp_number_type(c->source_type, &p, &sc, &hs) || p == 0);
        list = iend;
    }
    return out->ncols ? 0 : -1;
}

/* ---- types ---- */


static void mark(dp_table *t, char *why)
{
    if (!t->unsupported)
        t->unsupported = why;
    else
        free(why);
}

static int map_columns(const b2a_dp *x, dp_table *t)
{
    if (t->def.ncolumns > MAX_COLUMNS)
        mark(t, b2a__asprintf("it has %zu columns; rows of more than %d are not decoded yet", t->def.ncolumns,
                              MAX_COLUMNS));
    for (size_t i = 0; i < t->def.ncolumns; i++) {
        b2a_column *c = &t->def.columns[i];
        const dp_col *dc = &t->cols[i];
        c->vtype = B2A_V_STRING;
        switch (dc->type) {
        case T_NUMBER: b2a__ora_number_column(c, dc->max_int, dc->max_frac, dc->special); break;
        case T_BFLOAT: c->vtype = B2A_V_FLOAT; break;
        case T_BDOUBLE: c->vtype = B2A_V_DOUBLE; break;
        case T_DATE:
        case T_TIMESTAMP:
            c->vtype = B2A_V_LOCAL_TIMESTAMP_MICROS;
            if (dc->type == T_TIMESTAMP && dc->scale > 6)
                c->note = b2a__strdup("fractional seconds beyond microseconds are truncated");
            break;
        case T_TSTZ: c->vtype = B2A_V_TIMESTAMP_MICROS; break;
        case T_TSLTZ:
            c->vtype = B2A_V_TIMESTAMP_MICROS;
            if (!x->dbtz_known)
                mark(t, b2a__asprintf("column %s is %s, stored in the database time zone, and the dump gives that "
                                      "zone as \"%s\", which this reader cannot resolve to an offset",
                                      c->name, c->source_type, x->dbtz));
            break;
        case T_RAW:
        case T_LONG_RAW: c->vtype = B2A_V_BYTES; break;
        case T_VARCHAR2:
        case T_CHAR:
        case T_LONG:
            if (!b2a__oracs_supported(dc->cs))
                mark(t, b2a__asprintf("column %s (%s) is in character set id %d, which this reader does not convert",
                                      c->name, c->source_type, dc->cs));
            break;
        case T_IYM:
        case T_IDS:
        case T_ROWID:
        case T_UROWID: break;
        case T_CLOB:
            if (!b2a__oracs_supported(dc->cs))
                mark(t, b2a__asprintf("column %s (%s) is in character set id %d, which this reader does not convert",
                                      c->name, c->source_type, dc->cs));
            break;
        case T_BLOB: c->vtype = B2A_V_BYTES; break;
        case B2A_ORAT_JSON: /* OSON as JSON text; no note, as the container path's JSON_SERIALIZE */
            c->vtype = B2A_V_JSON;
            break;
        case B2A_ORAT_OBJECT: {
            size_t bad = 0;
            const b2a_dpobj_attr *a = t->attrs + (dc->first - t->def.ncolumns);
            const char *why = dc->nattr ? b2a__dpobj_check(dc->sdo, a, dc->nattr, &bad) : "no attribute of it is in the rows";
            if (why)
                mark(t, b2a__asprintf("column %s has the object type %s: %s (%s), which this reader does not decode",
                                      c->name, c->source_type, why, dc->nattr ? a[bad].name : "-"));
            else
                c->note = b2a__strdup(dc->sdo ? "SDO_GEOMETRY as WKT (SDO_UTIL.TO_WKTGEOMETRY's form)"
                                              : "the object's attributes as a JSON object");
            break;
        }
        default:
            mark(t, b2a__asprintf("column %s has Oracle type number %d (%s), which this reader does not decode",
                                  c->name, dc->type, c->source_type));
        }
    }
    return 0;
}

/* ---- rows ---- */

static int row_put(dp_row *r, const uint8_t *p, size_t n, dp_cell *c)
{
    if (r->len + n > r->cap) {
        size_t cap = r->cap ? r->cap : 4096;
        while (cap < r->len + n)
            cap *= 2;
        uint8_t *d = realloc(r->data, cap);
        if (!d)
            return -1;
        r->data = d;
        r->cap = cap;
    }
    memcpy(r->data + r->len, p, n);
    c->off = r->len;
    c->len = n;
    c->null = 0;
    r->len += n;
    return 0;
}

static int row_error(const char *path, const dp_table *t, uint64_t at, b2a_err *err, const char *what)
{
    return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER, "%s: table %s.%s: %s at offset %llu", path,
                        t->def.schema, t->def.name, what, (unsigned long long)at);
}

/* One value into column c's cell; append: the value goes on from the
 * cell's previous piece (a column split between row pieces). keep = 0 (the
 * walk): only profiled columns' bytes are kept. */
static int read_value(b2a_exp_in *in, const dp_table *t, dp_row *r, size_t c, int append, int keep, b2a_err *err)
{
    const uint8_t *p = b2a__exp_in_take(in, 1, "a row", err);
    if (!p)
        return err->code;
    size_t len = p[0];
    dp_cell *cell = &r->cells[c];
    if (len == LEN_NULL)
        return B2A_OK;
    if (len == LEN_LONG) {
        if (!(p = b2a__exp_in_take(in, 2, "a row", err)))
            return err->code;
        len = (size_t)p[0] << 8 | p[1];
    }
    if (t->cols[c].type == B2A_ORAT_VARRAY || t->cols[c].type == B2A_ORAT_NESTED)
        return b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_READER,
                            "%s: table %s.%s: an object's collection attribute %s holds a value (an SDO_GEOMETRY "
                            "with SDO_ELEM_INFO and SDO_ORDINATES, not a point), which this reader does not decode",
                            b2a__ra_path(in->ra), t->def.schema, t->def.name, t->cols[c].attr ? t->cols[c].attr : "?");
    if (!(p = b2a__exp_in_take(in, len, "a column value", err)))
        return err->code;
    if (keep || t->cols[c].profile) {
        if (append && !cell->null) {
            dp_cell more;
            /* the cell's bytes are the last ones put: the continuation follows them */
            if (cell->off + cell->len != r->len || row_put(r, p, len, &more) != 0)
                return cell->off + cell->len != r->len ? B2A_EFORMAT : oom(err);
            cell->len += len;
            return B2A_OK;
        }
        if (row_put(r, p, len, cell) != 0)
            return oom(err);
    } else if (append && !cell->null) {
        cell->len += len;
        return B2A_OK;
    }
    cell->null = 0;
    cell->len = len;
    return B2A_OK;
}

/* A row in pieces (its first flag already read): the pieces' columns fill
 * the stream positions in order until the piece flagged last. A piece
 * stream that does not hold together is B2A_EUNSUPPORTED with why, so the
 * walk fails this table, not the dump. */
static int read_pieces(b2a_exp_in *in, const dp_table *t, const dp_seg *seg, dp_row *r, uint8_t flag, uint64_t at,
                       int keep, b2a_err *err)
{
    const char *path = b2a__ra_path(in->ra);
    size_t k = 0;
    for (;;) {
        const uint8_t *p = b2a__exp_in_take(in, 1, "a row piece", err);
        if (!p)
            return err->code;
        size_t ncols = p[0];
        int cont = (flag & PIECE_CONT_FROM) != 0;
        if ((cont && (ncols == 0 || k == 0)) || k + ncols - (cont ? 1 : 0) > t->nstream)
            return b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_READER,
                                "%s: table %s.%s: the row at offset %llu has row pieces that do not fit its %zu "
                                "columns", path, t->def.schema, t->def.name, (unsigned long long)at,
                                t->nstream);
        if (cont)
            k--;
        for (size_t i = 0; i < ncols; i++, k++) {
            int rc = read_value(in, t, r, t->order[k], cont && i == 0, keep, err);
            if (rc == B2A_EFORMAT)
                return b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_READER,
                                    "%s: table %s.%s: the row at offset %llu continues a column that is not its "
                                    "last one read", path, t->def.schema, t->def.name, (unsigned long long)at);
            if (rc != B2A_OK)
                return rc;
        }
        if (b2a__exp_in_tell(in) > seg->rows_end)
            return row_error(path, t, at, err, "a row that runs past the end of its segment");
        if (flag & PIECE_LAST)
            return B2A_OK;
        int to_next = (flag & PIECE_CONT_TO) != 0;
        if (!(p = b2a__exp_in_take(in, 1, "a row piece", err)))
            return err->code;
        flag = p[0];
        if ((flag & 0xF0) || (flag & PIECE_FIRST) || to_next != ((flag & PIECE_CONT_FROM) != 0))
            return b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_READER,
                                "%s: table %s.%s: the row at offset %llu has a row piece with flag 0x%02X after one "
                                "that %s", path, t->def.schema, t->def.name, (unsigned long long)at, flag,
                                to_next ? "continues its last column" : "does not");
    }
}

/* One row of segment seg into r (keep: see read_value). */
static int read_row(b2a_exp_in *in, const dp_table *t, const dp_seg *seg, dp_row *r, int keep, b2a_err *err)
{
    const char *path = b2a__ra_path(in->ra);
    uint64_t at = b2a__exp_in_tell(in);
    r->len = 0;
    for (size_t c = 0; c < t->nstream; c++) { /* trailing NULLs are left out */
        r->cells[c].null = 1;
        r->cells[c].len = 0;
    }
    const uint8_t *p = b2a__exp_in_take(in, 1, "a row", err);
    if (!p)
        return err->code;
    uint8_t flag = p[0];
    if (flag != ROW_WHOLE) {
        if (t->opaque || (flag & 0xF0) || !(flag & PIECE_FIRST) || (flag & PIECE_CONT_FROM))
            return b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_READER,
                                "%s: table %s.%s: a row with flag 0x%02X at offset %llu, which is not a row's first "
                                "piece", path, t->def.schema, t->def.name, flag, (unsigned long long)at);
        return read_pieces(in, t, seg, r, flag, at, keep, err);
    }
    if (!(p = b2a__exp_in_take(in, 3, "a row", err)))
        return err->code;
    uint32_t rowlen = (uint32_t)p[0] << 8 | p[1];
    size_t ncols = p[2];
    if (ncols == 0 || ncols > t->nstream)
        return row_error(path, t, at, err, "a row with a column count the table does not have");
    for (size_t k = 0; k < ncols; k++) {
        int rc = read_value(in, t, r, t->order[k], 0, keep, err);
        if (rc != B2A_OK)
            return rc;
    }
    uint64_t now = b2a__exp_in_tell(in);
    if (now - at != rowlen || now > seg->rows_end)
        return row_error(path, t, at, err, "a row whose length word does not match its columns");
    return B2A_OK;
}

static void profile_number(dp_col *c, const uint8_t *p, size_t n)
{
    char text[B2A_ORANUM_TEXT_MAX];
    int idig, fdig, special;
    if (b2a__oranum_text(p, n, text, sizeof(text), &idig, &fdig, &special) < 0)
        return; /* the scan reports it, with its row */
    c->special |= special;
    if (idig > c->max_int)
        c->max_int = idig;
    if (fdig > c->max_frac)
        c->max_frac = fdig;
}

/* ---- the walk at open ---- */

static uint64_t be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

/* The row stream holds the columns in their order, LOBs moved after all
 * the others. */
/* JSON is stored as a LOB of OSON, and comes in the rows' LOB pieces */
static int is_lob_type(int ty) { return ty == T_CLOB || ty == T_BLOB || ty == B2A_ORAT_JSON; }

static int stream_order(dp_table *t)
{
    size_t n = t->nstream, k = 0;
    t->order = malloc((n ? n : 1) * sizeof(*t->order));
    if (!t->order)
        return -1;
    for (int lobs = 0; lobs < 2; lobs++)
        for (size_t i = 0; i < n; i++)
            if (is_lob_type(t->cols[t->slot[i]].type) == lobs)
                t->order[k++] = t->slot[i];
    return 0;
}

/* Types stored in the rows in forms not decoded (objects, collections,
 * XMLTYPE, JSON...): their tables fail naming the column. */
static int opaque_type(int ty)
{
    switch (ty) {
    case T_VARCHAR2: case T_NUMBER: case T_LONG: case T_DATE: case T_RAW: case T_LONG_RAW: case T_ROWID:
    case T_CHAR: case T_BFLOAT: case T_BDOUBLE: case T_CLOB: case T_BLOB: case T_TIMESTAMP: case T_TSTZ:
    case T_IYM: case T_IDS: case T_UROWID: case T_TSLTZ: case B2A_ORAT_JSON:
        return 0;
    default:
        return 1;
    }
}

/* The table's columns from a segment's XML: the visible ones make def,
 * an object's hidden attribute columns go after them in cols (their cells
 * after def's), each object column pointing at its own. 0, or -1 on OOM. */
static int take_columns(dp_table *t, dp_xml *xml)
{
    size_t n = xml->ncols, nvis = 0, nhid = 0;
    for (size_t i = 0; i < n; i++)
        nvis += !xml->dcols[i].attr;
    t->cols = calloc(n ? n : 1, sizeof(*t->cols));
    t->slot = calloc(n ? n : 1, sizeof(*t->slot));
    t->def.columns = calloc(nvis ? nvis : 1, sizeof(*t->def.columns));
    t->attrs = calloc(n - nvis ? n - nvis : 1, sizeof(*t->attrs));
    if (!t->cols || !t->slot || !t->def.columns || !t->attrs)
        return -1;
    t->nstream = n;
    t->def.ncolumns = nvis;
    for (size_t i = 0, v = 0; i < n; i++) {
        dp_col *d = &xml->dcols[i];
        size_t at = d->attr ? nvis + nhid++ : v++;
        t->slot[i] = at;
        t->cols[at] = *d;
        if (d->attr) {
            b2a__column_clear(&xml->cols[i]); /* its name is SYS_NCnnnnn$ */
            t->attrs[at - nvis] = (b2a_dpobj_attr){t->cols[at].attr, d->type, d->cs};
        } else {
            t->def.columns[at] = xml->cols[i];
        }
    }
    memset(xml->dcols, 0, n * sizeof(*xml->dcols)); /* t owns their strings */
    free(xml->cols);
    xml->cols = NULL;
    xml->ncols = 0;
    /* each object's attributes follow it in the XML, so their slots are consecutive */
    for (size_t c = 0; c < nvis; c++) {
        dp_col *o = &t->cols[c];
        if (o->type != B2A_ORAT_OBJECT)
            continue;
        o->first = nvis;
        size_t all = 0;
        for (size_t a = nvis; a < n; a++)
            if (t->cols[a].basecol == o->intcol) {
                if (!all++)
                    o->first = a;
                o->nattr += o->first + o->nattr == a;
            }
        if (all != o->nattr) /* not one run: not an object this reader understands */
            o->nattr = 0;
    }
    return 0;
}

/* 1 when a table with this column cannot be read (see opaque_type): an
 * object whose attributes are decoded can. */
static int column_opaque(const dp_table *t, size_t i)
{
    const dp_col *c = &t->cols[i];
    size_t bad;
    if (i >= t->def.ncolumns) /* an attribute: as its object */
        return c->type == B2A_ORAT_VARRAY ? 0 : opaque_type(c->type);
    if (c->type == B2A_ORAT_OBJECT)
        return c->nattr == 0 || b2a__dpobj_check(c->sdo, t->attrs + (c->first - t->def.ncolumns), c->nattr, &bad);
    return opaque_type(c->type);
}

static dp_table *find_or_add(b2a_dp *x, dp_xml *xml, b2a_err *err)
{
    for (size_t i = 0; i < x->ntables; i++) {
        dp_table *t = &x->tables[i];
        if (strcmp(t->def.schema, xml->owner) == 0 && strcmp(t->def.name, xml->name) == 0) {
            if (t->nstream != xml->ncols) {
                b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                             "%s: table %s.%s: a partition's segment lists other columns than the first", x->path,
                             xml->owner, xml->name);
                return NULL;
            }
            return t;
        }
    }
    dp_table *t = realloc(x->tables, (x->ntables + 1) * sizeof(*t));
    if (!t) {
        oom(err);
        return NULL;
    }
    x->tables = t;
    t = &x->tables[x->ntables++];
    memset(t, 0, sizeof(*t));
    t->def.schema = xml->owner;
    t->def.name = xml->name;
    xml->owner = xml->name = NULL;
    if (take_columns(t, xml) != 0) {
        oom(err);
        return NULL;
    }
    for (size_t i = 0; i < t->nstream; i++)
        t->opaque |= column_opaque(t, i);
    if (stream_order(t) != 0) {
        oom(err);
        return NULL;
    }
    return t;
}

/* The database time zone from the first segment's XML ("+00:00"). */
static void note_dbtz(b2a_dp *x, const char *s)
{
    if (x->dbtz[0] || !s)
        return;
    snprintf(x->dbtz, sizeof(x->dbtz), "%s", s);
    if (strlen(s) == 6 && (s[0] == '+' || s[0] == '-') && s[3] == ':' && s[1] >= '0' && s[1] <= '9' &&
        s[2] >= '0' && s[2] <= '9' && s[4] >= '0' && s[4] <= '5' && s[5] >= '0' && s[5] <= '9') {
        x->dbtz_minutes = (s[0] == '-' ? -1 : 1) * (((s[1] - '0') * 10 + (s[2] - '0')) * 60 + (s[4] - '0') * 10 + (s[5] - '0'));
        x->dbtz_known = 1;
    }
}

/* 1 for the job's own segments: the master table and SYS's exported statistics. */
static int is_job_segment(const b2a_dp *x, const dp_xml *xml)
{
    char qualified[300];
    snprintf(qualified, sizeof(qualified), "\"%s\".\"%s\"", xml->owner, xml->name);
    return strcmp(xml->owner, "SYS") == 0 || strcmp(qualified, x->hdr.job_name) == 0;
}

static int is_master(const b2a_dp *x, const dp_xml *xml)
{
    char qualified[300];
    snprintf(qualified, sizeof(qualified), "\"%s\".\"%s\"", xml->owner, xml->name);
    return strcmp(qualified, x->hdr.job_name) == 0;
}

static void keep_master(b2a_dp *x, const dp_xml *xml, uint64_t rows_at, uint64_t end)
{
    static const char *const names[M_NKEEP] = {"OBJECT_TYPE", "OBJECT_SCHEMA", "OBJECT_NAME", "COMPLETED_ROWS",
                                               "NAME", "VALUE_T", "USER_FILE_NAME"};
    dp_master *m = &x->master;
    m->rows_at = rows_at;
    m->rows_end = end;
    m->ncols = xml->ncols;
    for (int k = 0; k < M_NKEEP; k++)
        m->at[k] = -1;
    /* the row stream holds the LOB columns (the master's XML_CLOB...) last */
    int pos = 0;
    for (int lobs = 0; lobs < 2; lobs++)
        for (size_t i = 0; i < xml->ncols; i++) {
            if (is_lob_type(xml->dcols[i].type) != lobs)
                continue;
            for (int k = 0; k < M_NKEEP; k++)
                if (strcmp(xml->cols[i].name, names[k]) == 0)
                    m->at[k] = pos;
            pos++;
        }
    x->have_master = m->at[M_TYPE] >= 0 && m->at[M_SCHEMA] >= 0 && m->at[M_NAME] >= 0 && m->at[M_ROWS] >= 0;
}

/* Why a table's rows come in pieces: its first column of a type stored
 * apart from the row (LOB, LONG, object, XMLTYPE, JSON...). */
static char *pieces_reason(const dp_table *t, uint64_t at, const b2a_err *why)
{
    if (!t->opaque)
        return b2a__strdup(why->msg);
    for (size_t i = 0; i < t->def.ncolumns; i++) {
        int ty = t->cols[i].type;
        if (ty == B2A_ORAT_OPAQUE) /* doc/oracle-reader.md: what is known of its bytes */
            return b2a__asprintf("column %s of type %s is not decoded by this reader (its rows, from offset %llu, "
                                 "hold it in an opaque form: binary XML, Oracle's CSX, with element and attribute "
                                 "names as tokens, is the default since 11.2); use --restore for this table",
                                 t->def.columns[i].name, t->def.columns[i].source_type, (unsigned long long)at);
        if (opaque_type(ty))
                return b2a__asprintf("its rows come in pieces (row flags other than 0x3C, at offset %llu), as for its "
                                     "column %s of type %s; such row pieces are not decoded yet",
                                     (unsigned long long)at, t->def.columns[i].name, t->def.columns[i].source_type);
    }
    return b2a__asprintf("its rows come in pieces (row flags other than 0x3C, at offset %llu), which are not decoded yet",
                         (unsigned long long)at);
}

/* Walk one segment's rows: count them, profile numbers, check the stream
 * ends where the descriptor says. */
static int walk_rows(b2a_dp *x, b2a_exp_in *in, dp_table *t, dp_seg *seg, dp_row *row, b2a_err *err)
{
    dp_cell *cells = realloc(row->cells, (t->nstream ? t->nstream : 1) * sizeof(*cells));
    if (!cells)
        return oom(err);
    row->cells = cells;
    b2a__exp_in_seek(in, seg->rows_at);
    while (b2a__exp_in_tell(in) < seg->rows_end) {
        if (seg->rows_end == END_UNKNOWN) {
            const uint8_t *p = b2a__exp_in_take(in, 2, "a row", err);
            if (!p)
                return err->code;
            in->pos -= 2; /* a peek: take() left both bytes in the window */
            if (p[0] == 0 && p[1] == 0) {
                seg->rows_end = b2a__exp_in_tell(in);
                break;
            }
        }
        int rc = read_row(in, t, seg, row, 0, err);
        if (rc == B2A_EUNSUPPORTED) {
            mark(t, pieces_reason(t, b2a__exp_in_tell(in) - 1, err));
            b2a__err_clear(err);
            return B2A_OK;
        }
        if (rc != B2A_OK)
            return rc;
        seg->rows++;
        for (size_t c = 0; c < t->def.ncolumns; c++)
            if (t->cols[c].profile && !row->cells[c].null)
                profile_number(&t->cols[c], row->data + row->cells[c].off, row->cells[c].len);
    }
    (void)x;
    return B2A_OK;
}

/* One segment announced by the descriptor at block b. *next is the first
 * block after it. */
static int read_segment(b2a_dp *x, b2a_exp_in *in, dp_row *row, uint64_t b, uint64_t *next, b2a_err *err)
{
    uint64_t size = b2a__ra_size(x->ra), bs = x->hdr.block_size;
    uint8_t d[38], head[7];
    int rc = b2a__ra_read(x->ra, b, d, sizeof(d), "a table segment descriptor", err);
    if (rc != B2A_OK)
        return rc;
    uint64_t xml_len = be64(d + 6), dbs = be64(d + 14), data_len = be64(d + 22), seg = b + bs;
    if (dbs != bs || xml_len < 7 || xml_len > XML_MAX)
        return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                            "%s: the table segment descriptor at offset %llu gives an XML length of %llu and a block size of %llu",
                            x->path, (unsigned long long)b, (unsigned long long)xml_len, (unsigned long long)dbs);
    if ((rc = b2a__ra_read(x->ra, seg, head, sizeof(head), "a table segment", err)) != B2A_OK)
        return rc;
    if (memcmp(head + 2, "<?xml", 5) != 0) {
        /* compressed or encrypted: the master table, read last, may say which option */
        if (!x->packed_at)
            x->packed_at = seg;
        return B2A_OK;
    }
    uint64_t rows_at = seg + xml_len;
    rows_at += (8 - rows_at % 8) % 8;
    int known = d[4] == 0x0A;
    if (!known) {
        if (b + be64(d + 30) != rows_at)
            return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                                "%s: the table segment descriptor at offset %llu puts the rows at offset %llu, not "
                                "after the segment's XML",
                                x->path, (unsigned long long)b, (unsigned long long)(b + be64(d + 30)));
        data_len = 0;
    }
    if (rows_at + data_len > size || rows_at + data_len < rows_at)
        return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                            "%s: truncated: the file ends at offset %llu inside the table data segment at offset %llu "
                            "(its rows end at offset %llu)",
                            x->path, (unsigned long long)size, (unsigned long long)seg,
                            (unsigned long long)(rows_at + data_len));
    char *xml = malloc(xml_len - 2);
    if (!xml)
        return oom(err);
    rc = b2a__ra_read(x->ra, seg + 2, xml, xml_len - 2, "a table segment's XML", err);
    dp_xml px;
    int prc = rc == B2A_OK ? parse_xml(xml, xml_len - 2, &px) : 0;
    free(xml);
    if (rc != B2A_OK)
        return rc;
    if (prc != 0) {
        xml_clear(&px);
        return prc == -2 ? oom(err)
                         : b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                                        "%s: the table data segment at offset %llu has no STRMTABLE_T this reader understands",
                                        x->path, (unsigned long long)seg);
    }
    uint64_t end = known ? rows_at + data_len : END_UNKNOWN;
    *next = known ? (end + bs - 1) / bs * bs : seg + bs;
    note_dbtz(x, px.dbtz);
    if (is_master(x, &px))
        keep_master(x, &px, rows_at, end);
    if (is_job_segment(x, &px)) {
        xml_clear(&px);
        return B2A_OK;
    }
    int out_of_order = px.out_of_order;
    for (size_t i = 0; i < px.ncols; i++) /* such a column's own failure says more */
        if (px.dcols[i].type == 58 || (px.dcols[i].type >= 120 && px.dcols[i].type <= 123))
            out_of_order = 0;
    dp_table *t = find_or_add(x, &px, err);
    xml_clear(&px);
    if (!t)
        return err->code;
    if (out_of_order)
        mark(t, b2a__strdup("its columns are stored in another order than the XML lists them (SEGCOL_NUM), "
                            "which this reader does not follow yet"));
    dp_seg *s = realloc(t->segs, (t->nsegs + 1) * sizeof(*s));
    if (!s)
        return oom(err);
    t->segs = s;
    s = &t->segs[t->nsegs++];
    s->rows_at = rows_at;
    s->rows_end = end;
    s->rows = 0;
    if (t->unsupported)
        return B2A_OK;
    rc = walk_rows(x, in, t, s, row, err);
    if (rc == B2A_OK && !known && s->rows_end != END_UNKNOWN)
        *next = (s->rows_end + 2 + bs - 1) / bs * bs;
    return rc;
}

/* One master table row: a flag byte (only 0x3C rows carry a length word),
 * a column count and cells. Its LOB pieces parse the same way; only rows
 * whose OBJECT_TYPE is TABLE_DATA are used. 0, or -1 for bytes that do not
 * parse. */
static int master_row(b2a_exp_in *in, const dp_master *m, const uint8_t **cell, size_t *len,
                      uint8_t keep[M_NKEEP][256], b2a_err *err)
{
    const uint8_t *p = b2a__exp_in_take(in, 1, "the master table", err);
    if (!p)
        return -1;
    int flag = p[0];
    if (flag == ROW_WHOLE && !b2a__exp_in_take(in, 2, "the master table", err))
        return -1;
    if (!(p = b2a__exp_in_take(in, 1, "the master table", err)))
        return -1;
    size_t ncols = p[0];
    if (flag == 0 && ncols == 0)
        return 1; /* the end of its rows */
    if (ncols > m->ncols)
        return -1;
    for (size_t c = 0; c < m->ncols; c++) {
        cell[c] = NULL;
        len[c] = 0;
    }
    /* the window moves on: the cells we use are copied into keep */

    for (size_t c = 0; c < ncols; c++) {
        if (!(p = b2a__exp_in_take(in, 1, "the master table", err)))
            return -1;
        size_t n = p[0];
        if (n == LEN_NULL)
            continue;
        if (n == LEN_LONG) {
            if (!(p = b2a__exp_in_take(in, 2, "the master table", err)))
                return -1;
            n = (size_t)p[0] << 8 | p[1];
        }
        if (!(p = b2a__exp_in_take(in, n, "the master table", err)))
            return -1;
        for (int k = 0; k < M_NKEEP; k++)
            if (m->at[k] >= 0 && (size_t)m->at[k] == c && n <= sizeof(keep[k])) {
                memcpy(keep[k], p, n);
                cell[c] = keep[k];
                len[c] = n;
            }
    }
    return 0;
}

static int cell_is(const uint8_t *p, size_t n, const char *s)
{
    return p && n == strlen(s) && memcmp(p, s, n) == 0;
}

/* The job's parameters that decide whether the rows are readable, as the
 * master table records them (rows with NAME and VALUE_T: "COMPRESSION" =
 * "METADATA_ONLY"...), and the dump files it wrote (rows with a
 * USER_FILE_NAME). */
static void note_param(b2a_dp *x, const dp_master *m, const uint8_t *const *cell, const size_t *len)
{
    b2a_dp_params *p = &x->params;
    int f = m->at[M_FILE], n = m->at[M_PARAM], v = m->at[M_VALUE];
    if (f >= 0 && cell[f] && len[f]) {
        if (p->nfiles < B2A_DP_MAX_FILES)
            snprintf(p->files[p->nfiles], sizeof(p->files[0]), "%.*s", (int)len[f], (const char *)cell[f]);
        p->nfiles++;
    }
    if (n < 0 || v < 0 || !cell[n] || !cell[v])
        return;
    static const struct { const char *name; size_t off; } known[] = {
        {"COMPRESSION", offsetof(b2a_dp_params, compression)},
        {"COMPRESSION_ALGORITHM", offsetof(b2a_dp_params, compression_algorithm)},
        {"ENCRYPTION", offsetof(b2a_dp_params, encryption)},
        {"ENCRYPTION_MODE", offsetof(b2a_dp_params, encryption_mode)},
        {"ENCRYPTION_ALGORITHM", offsetof(b2a_dp_params, encryption_algorithm)},
    };
    for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++)
        if (cell_is(cell[n], len[n], known[k].name)) {
            char *dst = (char *)p + known[k].off;
            snprintf(dst, B2A_DP_PARAM_MAX, "%.*s", (int)len[v], (const char *)cell[v]);
            for (char *c = dst; *c; c++) /* printable, for messages and JSON */
                if (*c < 0x20 || *c > 0x7e)
                    *c = '?';
        }
}

/* The master table's TABLE_DATA rows: every exported table with the rows
 * Data Pump wrote for it. A table with no data segment here is listed
 * (failing, saying why: empty, or its data is in a file not given); a
 * table whose segments hold other than the recorded rows fails. */
static int reconcile_master(b2a_dp *x, b2a_err *err)
{
    dp_master *m = &x->master;
    b2a_exp_in in;
    int rc = b2a__exp_in_init(&in, x->ra, m->rows_at, err);
    if (rc != B2A_OK)
        return rc;
    const uint8_t **cell = calloc(m->ncols ? m->ncols : 1, sizeof(*cell));
    size_t *len = calloc(m->ncols ? m->ncols : 1, sizeof(*len));
    int64_t *recorded = calloc(x->ntables ? x->ntables : 1, sizeof(*recorded));
    if (!cell || !len || !recorded) {
        rc = oom(err);
        goto done;
    }
    for (size_t i = 0; i < x->ntables; i++)
        recorded[i] = -2; /* no TABLE_DATA row seen */
    uint8_t keep[M_NKEEP][256];
    for (;;) {
        if (b2a__exp_in_tell(&in) >= m->rows_end) {
            x->params.read = 1;
            break;
        }
        int mr = master_row(&in, m, cell, len, keep, err);
        if (mr == 1) {
            x->params.read = 1;
            break;
        }
        if (mr != 0) {
            /* a layout we do not follow: list tables from segments alone */
            b2a__err_clear(err);
            goto done;
        }
        note_param(x, m, cell, len);
        const int ty = m->at[M_TYPE], sc = m->at[M_SCHEMA], nm = m->at[M_NAME], nr = m->at[M_ROWS];
        if (!cell_is(cell[ty], len[ty], "TABLE_DATA") || !cell[sc] || !cell[nm])
            continue;
        int64_t rows = -1;
        if (cell[nr] && b2a__oranum_i64(cell[nr], len[nr], &rows) != 0)
            rows = -1;
        char *schema = b2a__asprintf("%.*s", (int)len[sc], (const char *)cell[sc]);
        char *name = b2a__asprintf("%.*s", (int)len[nm], (const char *)cell[nm]);
        if (!schema || !name) {
            free(schema);
            free(name);
            rc = oom(err);
            goto done;
        }
        size_t i = 0;
        while (i < x->ntables && (strcmp(x->tables[i].def.schema, schema) || strcmp(x->tables[i].def.name, name)))
            i++;
        if (i == x->ntables) {
            dp_table *t = realloc(x->tables, (x->ntables + 1) * sizeof(*t));
            int64_t *r = realloc(recorded, (x->ntables + 1) * sizeof(*r));
            if (r)
                recorded = r;
            if (!t || !r) {
                if (t)
                    x->tables = t;
                free(schema);
                free(name);
                rc = oom(err);
                goto done;
            }
            x->tables = t;
            t = &x->tables[x->ntables++];
            memset(t, 0, sizeof(*t));
            t->def.schema = schema;
            t->def.name = name;
            t->def.columns = calloc(1, sizeof(*t->def.columns));
            if (!t->def.columns) {
                rc = oom(err);
                goto done;
            }
            recorded[i] = -2;
        } else {
            free(schema);
            free(name);
        }
        if (recorded[i] == -2)
            recorded[i] = 0;
        if (rows < 0 || recorded[i] < 0)
            recorded[i] = -1; /* not recorded for every part: no check */
        else
            recorded[i] += rows;
    }
    /* the files the job wrote, for the tables whose data is in another */
    char *files = NULL;
    const b2a_dp_params *pa = &x->params;
    if (pa->nfiles > 1) {
        size_t cap = 64 + B2A_DP_MAX_FILES * (sizeof(pa->files[0]) + 2), o = 0;
        if (!(files = malloc(cap))) {
            rc = oom(err);
            goto done;
        }
        o += (size_t)snprintf(files + o, cap - o, "%zu dump files:", pa->nfiles);
        for (size_t k = 0; k < pa->nfiles && k < B2A_DP_MAX_FILES; k++)
            o += (size_t)snprintf(files + o, cap - o, "%s %s", k ? "," : "", pa->files[k]);
        if (pa->nfiles > B2A_DP_MAX_FILES)
            snprintf(files + o, cap - o, ", ...");
    }
    for (size_t i = 0; i < x->ntables; i++) {
        dp_table *t = &x->tables[i];
        if (t->nsegs == 0 && recorded[i] == 0)
            mark(t, b2a__strdup("Data Pump wrote no data segment for this table, which the dump's master table records "
                                "with 0 rows; its columns are only in the compressed metadata, which this reader "
                                "cannot read: use --restore for its schema"));
        else if (t->nsegs == 0)
            mark(t, b2a__asprintf("the dump's master table records %lld rows for this table, but no data segment of "
                                  "it is in this file: it is in another file of a multi-file set (DUMPFILE=...%%U) "
                                  "that was not given, or its data is compressed or encrypted; give every file of "
                                  "the set, or use --restore%s%s",
                                  (long long)recorded[i], files ? "; the job wrote " : "", files ? files : ""));
        else if (!t->unsupported && recorded[i] >= 0) {
            int64_t got = 0;
            for (size_t k = 0; k < t->nsegs; k++)
                got += t->segs[k].rows;
            if (got != recorded[i])
                mark(t, b2a__asprintf("the dump's master table records %lld rows for this table, but its data "
                                      "segments in this file hold %lld",
                                      (long long)recorded[i], (long long)got));
        }
    }
    free(files);
done:
    free(cell);
    free(len);
    free(recorded);
    b2a__exp_in_free(&in);
    return rc;
}

/* Why the dump cannot be read directly, from the job's parameters in its
 * master table or from a data segment that is not readable XML; NULL when
 * nothing says so (or out of memory: refused() tells). Without the file
 * name (the callers add it). */
static char *refusal_text(const b2a_dp *x)
{
    const b2a_dp_params *p = &x->params;
    if (strcmp(p->compression, "ALL") == 0 || strcmp(p->compression, "DATA_ONLY") == 0)
        return b2a__asprintf("the dump was written with COMPRESSION=%s%s%s%s (its master table records it): its rows "
                             "are compressed with Oracle's KGC codec, which is not documented and which this reader "
                             "does not decode; read it with --restore (Oracle's own impdp in a container)",
                             p->compression, p->compression_algorithm[0] ? " (COMPRESSION_ALGORITHM=" : "",
                             p->compression_algorithm, p->compression_algorithm[0] ? ")" : "");
    if (p->encryption[0] && strcmp(p->encryption, "NONE") != 0 && strcmp(p->encryption, "METADATA_ONLY") != 0)
        return b2a__asprintf("the dump was written with ENCRYPTION=%s%s%s%s (its master table records it): its rows "
                             "are encrypted, and this reader does not decrypt them; read it with --restore (Oracle's "
                             "own impdp in a container, given the password or the wallet)",
                             p->encryption, p->encryption_mode[0] ? " (ENCRYPTION_MODE=" : "", p->encryption_mode,
                             p->encryption_mode[0] ? ")" : "");
    if (x->packed_at)
        return b2a__asprintf("the table data segment at offset %llu is not readable XML and rows: the dump was "
                             "written with COMPRESSION=ALL or DATA_ONLY, or with ENCRYPTION, which this reader does "
                             "not decode%s%s%s; read it with --restore (Oracle's own impdp in a container)",
                             (unsigned long long)x->packed_at, p->read ? " (its master table records COMPRESSION=" : "",
                             p->read ? (p->compression[0] ? p->compression : "(none)") : "",
                             p->read ? (p->encryption[0] ? ", ENCRYPTION=" : " and no ENCRYPTION)") : "");
    return NULL;
}

static int refused(const b2a_dp *x)
{
    const b2a_dp_params *p = &x->params;
    return x->packed_at || strcmp(p->compression, "ALL") == 0 || strcmp(p->compression, "DATA_ONLY") == 0 ||
           (p->encryption[0] && strcmp(p->encryption, "NONE") != 0 && strcmp(p->encryption, "METADATA_ONLY") != 0);
}

static int walk_dump(b2a_dp *x, b2a_err *err)
{
    uint64_t bs = x->hdr.block_size, size = b2a__ra_size(x->ra);
    b2a_exp_in in;
    int rc = b2a__exp_in_init(&in, x->ra, 0, err);
    if (rc != B2A_OK)
        return rc;
    dp_row row;
    memset(&row, 0, sizeof(row));
    size_t segments = 0;
    /* A segment that does not parse fails the open, but only once the walk
     * has read the master table: if the job compressed or encrypted its
     * rows, that refusal says more. */
    b2a_err deferred;
    b2a__err_clear(&deferred);
    for (uint64_t b = bs; rc == B2A_OK && b + bs < size;) {
        uint8_t head[6];
        if ((rc = b2a__ra_read(x->ra, b, head, sizeof(head), "a block", err)) != B2A_OK)
            break;
        if (memcmp(head, DESCRIPTOR, sizeof(DESCRIPTOR)) != 0 || !((head[4] == 0x0A && head[5] == 0x00) ||
                                                                    (head[4] == 0x0B && head[5] == 0x20))) {
            b += bs;
            continue;
        }
        uint64_t next = b + bs;
        rc = read_segment(x, &in, &row, b, &next, err);
        segments++;
        if (rc == B2A_EFORMAT) {
            if (!deferred.code)
                b2a__err_copy(&deferred, err);
            b2a__err_clear(err);
            rc = B2A_OK;
            next = b + bs;
        }
        b = next > b ? next : b + bs;
    }
    if (rc == B2A_OK && x->have_master)
        rc = reconcile_master(x, err);
    if (rc == B2A_OK && refused(x) && !(x->refusal = refusal_text(x)))
        rc = oom(err);
    if (rc == B2A_OK && !x->refusal && deferred.code) {
        b2a__err_copy(err, &deferred);
        rc = deferred.code;
    } else if (rc == B2A_OK && !x->refusal && segments == 0 && x->hdr.file_version >= 0x0601)
        rc = b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_READER,
                          "%s: Data Pump file version 0x%04X (Oracle %s): its table segments are laid out differently "
                          "from 10g-21c's and are not decoded yet; read it with --restore (Oracle's own impdp in a "
                          "container)",
                          x->path, x->hdr.file_version, x->hdr.version);
    else if (rc == B2A_OK && !x->refusal && segments == 0)
        rc = b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_READER,
                          "%s: no readable table data segment: the dump was written with COMPRESSION=ALL or "
                          "COMPRESSION=DATA_ONLY, or with ENCRYPTION, which this reader does not decode; read it "
                          "with --restore (Oracle's own impdp in a container)",
                          x->path);
    for (size_t i = 0; rc == B2A_OK && i < x->ntables; i++) {
        dp_table *t = &x->tables[i];
        if (x->refusal) {
            free(t->unsupported);
            if (!(t->unsupported = b2a__strdup(x->refusal)))
                rc = oom(err);
        }
        map_columns(x, t);
        t->def.row_count = 0;
        for (size_t k = 0; k < t->nsegs; k++)
            t->def.row_count += t->segs[k].rows;
        if (t->unsupported && t->nsegs)
            t->def.row_count = -1; /* not read: no count to check against */
    }
    b2a__exp_in_free(&in);
    free(row.cells);
    free(row.data);
    return rc;
}

void b2a__dp_close(b2a_dp *x)
{
    if (!x)
        return;
    for (size_t i = 0; i < x->ntables; i++) {
        dp_table *t = &x->tables[i];
        b2a__table_def_clear(&t->def);
        b2a__table_def_clear(&t->out);
        for (size_t k = 0; t->cols && k < t->nstream; k++) {
            free(t->cols[k].attr);
            free(t->cols[k].towner);
            free(t->cols[k].tname);
        }
        free(t->cols);
        free(t->slot);
        free(t->attrs);
        free(t->order);
        free(t->segs);
        free(t->unsupported);
    }
    free(x->tables);
    free(x->refusal);
    b2a__ra_close(x->ra);
    free(x);
}

static int dp_open(const char *const *paths, size_t n, int lenient, b2a_dp **out, b2a_err *err)
{
    *out = NULL;
    if (n != 1)
        return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE,
                            "%s: %zu files given; multi-file Data Pump sets are not read directly yet, use --restore",
                            n ? paths[0] : "(none)", n);
    b2a_dp *x = calloc(1, sizeof(*x));
    if (!x)
        return oom(err);
    int rc = b2a__ra_open(paths[0], &x->ra, err);
    if (rc == B2A_OK) {
        x->path = b2a__ra_path(x->ra);
        rc = b2a__oradump_read_header(paths[0], &x->hdr, err);
    }
    if (rc == B2A_OK && !x->hdr.datapump)
        rc = b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_READER, "%s: not a Data Pump dump", x->path);
    if (rc == B2A_OK && (x->hdr.block_size < 512 || x->hdr.block_size > (1u << 20) || x->hdr.block_size % 8))
        rc = b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER, "%s: Data Pump header gives a block size of %u",
                          x->path, x->hdr.block_size);
    if (rc == B2A_OK && x->hdr.file_number != 1)
        rc = b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_READER,
                          "%s is file %u of a multi-file Data Pump set (DUMPFILE=...%%U): file 1 and the other files "
                          "of the set are missing, and multi-file sets are not read directly yet; restore the whole "
                          "set with --restore",
                          x->path, x->hdr.file_number);
    if (rc == B2A_OK)
        rc = b2a__oradump_check_end(paths[0], &x->hdr, err);
    if (rc == B2A_OK) {
        /* "OWNER"."JOB" -> OWNER */
        const char *j = x->hdr.job_name;
        size_t o = 0;
        if (*j == '"')
            j++;
        while (*j && *j != '"' && o + 1 < sizeof(x->job_owner))
            x->job_owner[o++] = *j++;
        x->job_owner[o] = '\0';
        rc = walk_dump(x, err);
    }
    if (rc == B2A_OK && x->refusal && !lenient)
        rc = b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_READER, "%s: %s", x->path, x->refusal);
    for (size_t i = 0; rc == B2A_OK && i < x->ntables; i++) {
        dp_table *t = &x->tables[i];
        int *types = calloc(t->def.ncolumns ? t->def.ncolumns : 1, sizeof(*types));
        for (size_t k = 0; types && t->cols && k < t->def.ncolumns; k++)
            types[k] = t->cols[k].type;
        if (!types || b2a__oraconv_zone_def(&t->def, types, &t->out) != 0)
            rc = oom(err);
        free(types);
    }
    if (rc != B2A_OK) {
        b2a__dp_close(x);
        return rc;
    }
    *out = x;
    return B2A_OK;
}

int b2a__dp_open(const char *const *paths, size_t n, b2a_dp **out, b2a_err *err)
{
    return dp_open(paths, n, 0, out, err);
}

int b2a__dp_open_lenient(const char *const *paths, size_t n, b2a_dp **out, b2a_err *err)
{
    return dp_open(paths, n, 1, out, err);
}

const char *b2a__dp_refusal(const b2a_dp *x) { return x->refusal; }
const b2a_dp_params *b2a__dp_params(const b2a_dp *x) { return &x->params; }

const char *b2a__dp_database_name(const b2a_dp *x) { return x->job_owner; }
size_t b2a__dp_table_count(const b2a_dp *x) { return x->ntables; }
const b2a_table_def *b2a__dp_table(const b2a_dp *x, size_t i) { return i < x->ntables ? &x->tables[i].out : NULL; }

const char *b2a__dp_table_kind(const b2a_dp *x, size_t i)
{
    return i < x->ntables && x->tables[i].nsegs > 1 ? "partitioned table" : "table";
}

/* ---- scans ---- */

struct b2a_dp_scan {
    b2a_dp *x;
    const dp_table *t;
    char *obj;                      /* an object's text, being made */
    size_t objlen, objcap;
    size_t seg;
    size_t step;        /* segments seg, seg+step, ...: part seg of step (1: all) */
    int in_seg;
    b2a_exp_in in;
    dp_row row;
    int64_t rows_done;
    b2a_oraconv conv;
    int conv_ready;
};

void b2a__dp_scan_close(b2a_dp_scan *s)
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

int b2a__dp_scan_open(b2a_dp *x, size_t table, b2a_dp_scan **out, b2a_err *err)
{
    *out = NULL;
    if (table >= x->ntables)
        return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_READER, "%s: no table %zu", x->path, table);
    const dp_table *t = &x->tables[table];
    if (t->unsupported)
        return b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_READER, "%s: table %s.%s: %s", x->path,
                            t->def.schema, t->def.name, t->unsupported);
    b2a_dp_scan *s = calloc(1, sizeof(*s));
    if (!s)
        return oom(err);
    s->x = x;
    s->t = t;
    s->step = 1;
    size_t n = t->nstream ? t->nstream : 1;
    s->row.cells = calloc(n, sizeof(*s->row.cells));
    int rc = !s->row.cells ? oom(err) : b2a__exp_in_init(&s->in, x->ra, 0, err);
    if (rc == B2A_OK && (rc = b2a__oraconv_init(&s->conv, x->path, &t->out, t->def.ncolumns, x->dbtz_minutes, err)) == B2A_OK)
        s->conv_ready = 1;
    /* NCHAR columns name the national set in their CHARSETID; CLOBs of a
     * multi-byte database, and NCLOBs, are stored as AL16UTF16 (as in exp) */
    for (size_t i = 0; rc == B2A_OK && i < t->def.ncolumns; i++) {
        const dp_col *c = &t->cols[i];
        int cs = c->type == T_CLOB && (c->csform == 2 || b2a__oracs_multibyte(c->cs)) ? B2A_ORACS_AL16UTF16 : c->cs;
        if (c->type == B2A_ORAT_OBJECT) /* its text is made in UTF-8 (dp_object.h) */
            rc = b2a__oraconv_set_column(&s->conv, i, T_VARCHAR2, 873, err);
        else
            rc = b2a__oraconv_set_column(&s->conv, i, c->type, cs, err);
    }
    if (rc != B2A_OK) {
        b2a__dp_scan_close(s);
        return rc;
    }
    *out = s;
    return B2A_OK;
}

uint64_t b2a__dp_scan_replaced(const b2a_dp_scan *s)
{
    return s->conv.replaced;
}

/* Each object column's cell becomes its text (JSON or WKT) made from its
 * attributes' cells; its own byte is the null indicator (0: not null). */
static int object_cells(b2a_dp_scan *s, b2a_err *err)
{
    const dp_table *t = s->t;
    for (size_t i = 0; i < t->def.ncolumns; i++) {
        const dp_col *c = &t->cols[i];
        dp_cell *cell = &s->row.cells[i];
        if (c->type != B2A_ORAT_OBJECT || cell->null)
            continue;
        const char *why = "its null indicator is not the one byte 0";
        int rc = cell->len == 1 && s->row.data[cell->off] == 0 ? 0 : 1;
        if (rc == 0)
            rc = b2a__dpobj_text(c->sdo, t->attrs + (c->first - t->def.ncolumns), c->nattr, s->row.data,
                                 s->row.cells + c->first, &s->obj, &s->objlen, &s->objcap, &why);
        if (rc < 0 || (rc == 0 && row_put(&s->row, (const uint8_t *)s->obj, s->objlen, cell) != 0))
            return oom(err);
        if (rc > 0)
            return b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_READER,
                                "%s: table %s.%s, row %lld: column %s (%s): %s", s->x->path, t->def.schema,
                                t->def.name, (long long)s->rows_done + 1, t->def.columns[i].name,
                                t->def.columns[i].source_type, why);
    }
    return B2A_OK;
}

int b2a__dp_scan_next(b2a_dp_scan *s, b2a_sink *sink, size_t max_rows, size_t *rows_out, int *eof, b2a_err *err)
{
    *rows_out = 0;
    *eof = 0;
    int rc = B2A_OK;
    while (rc == B2A_OK && *rows_out < max_rows) {
        if (!s->in_seg) {
            if (s->seg >= s->t->nsegs) {
                *eof = 1;
                break;
            }
            b2a__exp_in_seek(&s->in, s->t->segs[s->seg].rows_at);
            s->in_seg = 1;
        }
        const dp_seg *seg = &s->t->segs[s->seg];
        if (b2a__exp_in_tell(&s->in) >= seg->rows_end) {
            s->seg += s->step;
            s->in_seg = 0;
            continue;
        }
        if ((rc = read_row(&s->in, s->t, seg, &s->row, 1, err)) != B2A_OK)
            break;
        if ((rc = object_cells(s, err)) != B2A_OK)
            break;
        if ((rc = b2a__oraconv_row(&s->conv, s->row.data, s->row.cells, s->rows_done + 1, err)) != B2A_OK)
            break;
        if ((rc = b2a__oraconv_emit(&s->conv, s->row.data, sink)) != B2A_OK) {
            rc = b2a__err_set(err, rc, B2A_ERRCLASS_AVRO, "%s: table %s.%s, row %lld: the sink refused a value",
                              s->x->path, s->t->def.schema, s->t->def.name, (long long)s->rows_done + 1);
            break;
        }
        s->rows_done++;
        (*rows_out)++;
    }
    return rc;
}

int b2a__dp_scan_open_part(b2a_dp *x, size_t table, size_t part, size_t nparts, b2a_dp_scan **out, b2a_err *err)
{
    *out = NULL;
    if (nparts == 0 || part >= nparts)
        return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE,
                            "part %zu of %zu: a table splits into 1 or more parts, numbered from 0", part, nparts);
    int rc = b2a__dp_scan_open(x, table, out, err);
    if (rc == B2A_OK) {
        (*out)->seg = part;     /* row segment k belongs to part k mod nparts */
        (*out)->step = nparts;
    }
    return rc;
}

size_t b2a__dp_segments(const b2a_dp *x, size_t table)
{
    return table < x->ntables ? x->tables[table].nsegs : 0;
}
