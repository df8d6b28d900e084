/* Table export over ODBC into a row sink, in bounded chunks.
 *
 * Narrow columns are bound column-wise and fetched B2A_ODBC_ROWSET rows per
 * SQLFetch. Wide ones (text, bytea, LOBs, anything declared over 8 KB) are
 * bound with a 1 KB prefix; a longer value is re-read whole:
 *  - psqlODBC: SQLSetPos on its row, then SQLGetData;
 *  - MariaDB (its SQLGetData after SQLSetPos returns NULL): by key
 *    on a second statement, the key coming from hidden CAST(k AS CHAR)
 *    columns of the SELECT list.
 * A MariaDB table without a usable key has its wide columns unbound, last
 * in the SELECT list (ODBC allows SQLGetData only after the last bound
 * column), read one row per fetch. The sink always gets table order.
 * Memory: psqlODBC streams with UseDeclareFetch=1 (the vendor layer's
 * connection string). MariaDB Connector/ODBC before 3.1.17 (Debian 12 has
 * 3.1.15) stores a whole result client-side whatever the options: its
 * NO_CACHE/FORWARDONLY are ignored (measured: 2M narrow rows in one SELECT
 * peak at 130 MB). So MariaDB tables are read in keyset pages: ORDER BY key
 * LIMIT page, the next page after the last key seen. The key is the primary
 * key, else a unique NOT NULL one, else one the cursor adds to the private
 * restored copy (add_page_key). */
#include "odbc/odbc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "avro/decimal.h"
#include "odbc/introspect.h"
#include "util/civil.h"
#include "util/str.h"

#define WIDE_LIMIT 8192   /* bytes per cell above which a column is read piecewise */
#define DEC_WIDTH 96      /* decimal text: 38 digits, sign, point and slack */
#define PIECE 65536       /* first SQLGetData buffer */
#define WIDE_BIND 1024    /* bound prefix of a wide column when the driver can re-read it */
#define KEY_WIDTH 4096    /* text of one primary-key value when paging (InnoDB keys <= 3072 bytes) */

typedef struct bcol {
    size_t tcol;          /* index in table order */
    b2a_vtype vt;
    SQLSMALLINT ctype;
    size_t width;         /* bytes per cell in data */
    char *data;           /* rowset * width */
    SQLLEN *ind;
    int wide;             /* unbound, read with SQLGetData */
    int fallback;         /* bound prefix; longer values re-read (SQLSetPos + SQLGetData, or by key) */
    SQLUSMALLINT colno;   /* 1-based position in the SELECT list */
    uint32_t memo_ymd;    /* dates: the last year/month/day converted (0: none) ... */
    int64_t memo_days;    /* ... and its day number; neighbouring rows often share a day */
} bcol;

struct b2a_cursor {
    SQLHSTMT st;
    SQLHSTMT st2;         /* MariaDB: re-reads of long values by key */
    SQLHDBC dbc;
    b2a_odbc_vendor vendor;
    const b2a_table_def *t;
    size_t ncols;
    bcol *cols;           /* SELECT order: bound first, wide last */
    size_t *order;        /* order[table col] = index in cols */
    bcol **tord;          /* &cols[order[i]]: the per-row loop's view */
    size_t nbound;
    size_t rowset;
    SQLULEN fetched;      /* rows in the current rowset */
    size_t pos;           /* next row within it */
    int eof;
    uint64_t nulled;
    char *lbuf;
    size_t lcap;
    /* keyset paging and key lookups (MariaDB) */
    int paged;
    int has_keys;         /* hidden key columns in the SELECT list */
    size_t npk;
    bcol *keys;           /* hidden CAST(key AS CHAR) columns, bound */
    const b2a_column **keycol;
    char *last;           /* npk * KEY_WIDTH: key of the last row read */
    char *select_from;    /* "SELECT ... FROM t" */
    char *from;           /* "t", or "ONLY t" (see b2a__odbc_from_clause) */
    char *where;          /* the caller's range, or NULL */
    char *order_by;       /* " ORDER BY k1, k2 LIMIT n" */
    size_t in_page, page_rows;
    uint64_t queries;     /* export queries run: 1, or the number of pages */
    b2a_column added;     /* the page key add_page_key gives a table without one */
};

/* The column add_page_key adds; unlikely to clash with a user's name. */
#define B2A_PAGE_KEY "__b2a_page_key"

#define OOM() b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory")

static size_t page_rows_setting = B2A_ODBC_PAGE_ROWS;

void b2a__odbc_set_page_rows(size_t rows)
{
    page_rows_setting = rows ? rows : B2A_ODBC_PAGE_ROWS;
}

static int stmt_fail(b2a_cursor *cur, const char *what, b2a_err *err)
{
    b2a__odbc_diag(SQL_HANDLE_STMT, cur->st, what, err);
    return b2a__err_prefix(err, "%s.%s: ", cur->t->schema, cur->t->name);
}

/* "SELECT e1, e2[, CAST(k AS CHAR)...] FROM t": table columns in sel
 * order, hidden key columns inserted before the first wide column. */
static char *build_select(b2a_odbc_vendor v, const b2a_table_def *t, const char *from, const size_t *sel_order,
                          size_t nbound, const b2a_column *const *keys, size_t nkeys)
{
    size_t cap = 256, len = 0;
    char *sql = malloc(cap);
    if (!sql)
        return NULL;
    len = (size_t)snprintf(sql, cap, "SELECT ");
    size_t n = t->ncolumns + nkeys;
    for (size_t j = 0, i = 0; j < n; j++) {
        char *e;
        if (j >= nbound && j < nbound + nkeys) {
            char *q = b2a__odbc_quote_ident(v, keys[j - nbound]->name);
            e = q ? b2a__asprintf("CAST(%s AS CHAR)", q) : NULL;
            free(q);
        } else {
            e = b2a__odbc_select_expr(v, &t->columns[sel_order ? sel_order[i] : i]);
            i++;
        }
        if (!e) {
            free(sql);
            return NULL;
        }
        size_t el = strlen(e);
        if (len + el + 4 > cap) {
            cap = (len + el + 4) * 2;
            char *ns = realloc(sql, cap);
            if (!ns) {
                free(e);
                free(sql);
                return NULL;
            }
            sql = ns;
        }
        if (j)
            sql[len++] = ',';
        memcpy(sql + len, e, el);
        len += el;
        sql[len] = '\0';
        free(e);
    }
    char *full = b2a__asprintf("%s FROM %s", sql, from);
    free(sql);
    return full;
}

/* Run (or re-run, for the next page) the export query. */
static int run_query(b2a_cursor *cur, int next_page, b2a_err *err)
{
    char *pred = NULL, *sql = NULL;
    int rc = B2A_OK;
    if (next_page) {
        /* (k1 > v1) OR (k1 = v1 AND k2 > v2) OR ... : rows after the last key */
        size_t cap = 64, len = 0;
        pred = malloc(cap);
        if (!pred)
            return OOM();
        pred[0] = '\0';
        for (size_t i = 0; i < cur->npk; i++) {
            for (size_t j = 0; j <= i; j++) {
                char *q = b2a__odbc_quote_ident(cur->vendor, cur->keycol[j]->name);
                char *lit = b2a__odbc_value_literal(cur->vendor, cur->keycol[j]->vtype, cur->last + j * KEY_WIDTH);
                char *term = q && lit ? b2a__asprintf("%s%s %s %s%s", j == 0 ? (i ? " OR (" : "(") : " AND ",
                                                      q, j == i ? ">" : "=", lit, j == i ? ")" : "")
                                      : NULL;
                free(q);
                free(lit);
                if (!term) {
                    free(pred);
                    return OOM();
                }
                size_t tl = strlen(term);
                if (len + tl + 1 > cap) {
                    cap = (len + tl + 1) * 2;
                    char *np = realloc(pred, cap);
                    if (!np) {
                        free(term);
                        free(pred);
                        return OOM();
                    }
                    pred = np;
                }
                memcpy(pred + len, term, tl + 1);
                len += tl;
                free(term);
            }
        }
    }
    if (cur->where && pred)
        sql = b2a__asprintf("%s WHERE (%s) AND (%s)%s", cur->select_from, cur->where, pred, cur->order_by);
    else if (cur->where || pred)
        sql = b2a__asprintf("%s WHERE %s%s", cur->select_from, cur->where ? cur->where : pred,
                            cur->order_by ? cur->order_by : "");
    else
        sql = b2a__asprintf("%s%s", cur->select_from, cur->order_by ? cur->order_by : "");
    free(pred);
    if (!sql)
        return OOM();
    if (next_page)
        SQLCloseCursor(cur->st);
    if (!SQL_SUCCEEDED(SQLExecDirect(cur->st, (SQLCHAR *)sql, SQL_NTS)))
        rc = stmt_fail(cur, "export query failed", err);
    free(sql);
    cur->in_page = 0;
    cur->queries++;
    return rc;
}

/* Can a key column page? Its values must compare like their own text:
 * numbers, strings, temporal types; not floats, binary or ENUM/SET/BIT,
 * whose ORDER BY follows the declaration or the bytes. */
static int pageable(const b2a_column *kc)
{
    const char *st = kc->source_type ? kc->source_type : "";
    return (kc->vtype == B2A_V_INT || kc->vtype == B2A_V_LONG || kc->vtype == B2A_V_DECIMAL ||
            kc->vtype == B2A_V_STRING || kc->vtype == B2A_V_UUID || kc->vtype == B2A_V_DATE ||
            kc->vtype == B2A_V_TIMESTAMP_MICROS || kc->vtype == B2A_V_LOCAL_TIMESTAMP_MICROS) &&
           strncmp(st, "enum(", 5) && strncmp(st, "set(", 4) && strncmp(st, "bit(", 4);
}

/* MariaDB: the key to page on. The primary key when every part can page,
 * else the first UNIQUE key whose parts can page and are NOT NULL (a
 * nullable unique column may hold many NULLs, which no "k > last" reaches).
 * A column named B2A_PAGE_KEY is the one add_page_key made. */
static int find_page_key(b2a_odbc_conn *c, b2a_cursor *cur, b2a_err *err)
{
    const b2a_table_def *t = cur->t;
    char *ls = b2a__odbc_quote_literal(B2A_ODBC_MYSQL, t->schema ? t->schema : "");
    char *ln = b2a__odbc_quote_literal(B2A_ODBC_MYSQL, t->name);
    char *sql = ls && ln ? b2a__asprintf("SELECT k.CONSTRAINT_NAME, k.COLUMN_NAME"
                                         " FROM information_schema.KEY_COLUMN_USAGE k"
                                         " JOIN information_schema.TABLE_CONSTRAINTS c"
                                         " ON c.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA"
                                         " AND c.TABLE_NAME = k.TABLE_NAME AND c.CONSTRAINT_NAME = k.CONSTRAINT_NAME"
                                         " WHERE k.TABLE_SCHEMA = %s AND k.TABLE_NAME = %s"
                                         " AND c.CONSTRAINT_TYPE IN ('PRIMARY KEY', 'UNIQUE')"
                                         " ORDER BY c.CONSTRAINT_TYPE <> 'PRIMARY KEY', k.CONSTRAINT_NAME,"
                                         " k.ORDINAL_POSITION", ls, ln)
                         : NULL;
    free(ls);
    free(ln);
    if (!sql)
        return OOM();
    b2a_odbc_result r;
    int rc = b2a__odbc_query(c, sql, &r, err);
    free(sql);
    if (rc)
        return b2a__err_prefix(err, "%s.%s: looking up the keys: ", t->schema, t->name);
    free(cur->keycol);
    cur->keycol = calloc(r.nrows ? r.nrows : 1, sizeof(*cur->keycol));
    if (!cur->keycol) {
        b2a__odbc_result_clear(&r);
        return OOM();
    }
    cur->npk = 0;
    for (size_t i = 0; i < r.nrows && cur->npk == 0;) {
        const char *name = b2a__odbc_cell(&r, i, 0);
        int primary = !strcmp(name, "PRIMARY"), ok = 1;
        size_t n = 0;
        for (; i < r.nrows && !strcmp(b2a__odbc_cell(&r, i, 0), name); i++, n++) {
            const char *cn = b2a__odbc_cell(&r, i, 1);
            const b2a_column *kc = NULL;
            for (size_t k = 0; k < t->ncolumns; k++)
                if (!strcmp(t->columns[k].name, cn))
                    kc = &t->columns[k];
            if (!kc && !strcmp(cn, cur->added.name))
                kc = &cur->added;
            ok = ok && kc && pageable(kc) && (primary || !kc->nullable);
            cur->keycol[n] = kc;
        }
        if (ok)
            cur->npk = n;
    }
    b2a__odbc_result_clear(&r);
    return B2A_OK;
}

/* MariaDB, a base table with no key to page on and more rows than a page:
 * give it one. The database is the private copy restored into the job's
 * own container, so an added column costs one table rebuild (a copy of
 * the table, on the server's disk) and nothing else; the export lists
 * only the introspected columns. Without it the driver would hold the
 * whole table in memory. When the table cannot take the column (a view,
 * a row-size limit), it is read in one query as before. */
static int add_page_key(b2a_odbc_conn *c, b2a_cursor *cur, b2a_err *err)
{
    const b2a_table_def *t = cur->t;
    char *ls = b2a__odbc_quote_literal(B2A_ODBC_MYSQL, t->schema ? t->schema : "");
    char *ln = b2a__odbc_quote_literal(B2A_ODBC_MYSQL, t->name);
    char *qt = b2a__odbc_qualified(B2A_ODBC_MYSQL, t->schema, t->name);
    char *q = b2a__odbc_quote_ident(B2A_ODBC_MYSQL, cur->added.name);
    char *probe = ls && ln ? b2a__asprintf("SELECT count(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s"
                                           " AND TABLE_NAME = %s AND TABLE_TYPE = 'BASE TABLE'", ls, ln)
                           : NULL;
    char *alter = qt && q ? b2a__asprintf("ALTER TABLE %s ADD COLUMN %s BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,"
                                          " ADD UNIQUE KEY %s (%s)", qt, q, q, q)
                          : NULL;
    int rc = probe && alter ? B2A_OK : OOM();
    int64_t base = 0;
    if (rc == B2A_OK && (rc = b2a__odbc_query_i64(c, probe, &base, err)))
        b2a__err_prefix(err, "%s.%s: ", t->schema, t->name);
    if (rc == B2A_OK && base == 1) {
        b2a_err ignored = {0};
        if (b2a__odbc_exec(c, alter, &ignored) == B2A_OK) {
            cur->keycol[0] = &cur->added;
            cur->npk = 1;
        }
    }
    free(ls);
    free(ln);
    free(qt);
    free(q);
    free(probe);
    free(alter);
    return rc;
}

static SQLSMALLINT ctype_of(b2a_vtype vt, size_t *width)
{
    switch (vt) {
    case B2A_V_BOOLEAN: *width = sizeof(unsigned char); return SQL_C_BIT;
    case B2A_V_INT: *width = sizeof(SQLINTEGER); return SQL_C_SLONG;
    case B2A_V_LONG:
    case B2A_V_TIME_MICROS: *width = sizeof(SQLBIGINT); return SQL_C_SBIGINT;
    case B2A_V_FLOAT: /* MariaDB's driver misplaces SQL_C_FLOAT cells after the first row
                       * of a column-wise block; float -> double -> float is exact */
    case B2A_V_DOUBLE: *width = sizeof(SQLDOUBLE); return SQL_C_DOUBLE;
    case B2A_V_DECIMAL: *width = DEC_WIDTH; return SQL_C_CHAR;
    case B2A_V_DATE: *width = sizeof(SQL_DATE_STRUCT); return SQL_C_TYPE_DATE;
    case B2A_V_TIMESTAMP_MICROS:
    case B2A_V_LOCAL_TIMESTAMP_MICROS: *width = sizeof(SQL_TIMESTAMP_STRUCT); return SQL_C_TYPE_TIMESTAMP;
    case B2A_V_BYTES: *width = 0; return SQL_C_BINARY;
    case B2A_V_STRING:
    case B2A_V_UUID:
    case B2A_V_JSON:
    default: *width = 0; return SQL_C_CHAR;
    }
}

/* Is a text/binary column safe to bind? Declared sizes are trusted only
 * when the type really bounds the value: PostgreSQL reports text, bare
 * varchar and ::text results with made-up sizes. */
static int is_wide(b2a_odbc_vendor v, const b2a_column *c, SQLSMALLINT sqltype, SQLULEN size, size_t *width)
{
    if (c->vtype != B2A_V_STRING && c->vtype != B2A_V_JSON && c->vtype != B2A_V_BYTES &&
        c->vtype != B2A_V_UUID)
        return 0;
    if (sqltype == SQL_LONGVARCHAR || sqltype == SQL_WLONGVARCHAR || sqltype == SQL_LONGVARBINARY ||
        size == 0)
        return 1;
    if (v == B2A_ODBC_POSTGRES && c->vtype != B2A_V_UUID) {
        const char *st = c->source_type ? c->source_type : "";
        if (strncmp(st, "character varying(", 18) && strncmp(st, "character(", 10))
            return 1;
    }
    /* UTF-8 is up to 4 bytes a character; +1 for the terminator */
    size_t w = c->vtype == B2A_V_BYTES ? (size_t)size : (size_t)size * 4 + 1;
    if (size > WIDE_LIMIT || w > WIDE_LIMIT)
        return 1;
    *width = w < 8 ? 8 : w;
    return 0;
}

int b2a__odbc_cursor_open(b2a_odbc_conn *c, b2a_odbc_vendor vendor, const b2a_table_def *t,
                          const char *range_where, b2a_cursor **out, b2a_err *err)
{
    *out = NULL;
    if (!t || t->ncolumns == 0)
        return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE, "%s.%s: table has no columns to export",
                            t && t->schema ? t->schema : "?", t && t->name ? t->name : "?");
    b2a_cursor *cur = calloc(1, sizeof(*cur));
    if (!cur)
        return OOM();
    cur->vendor = vendor;
    cur->t = t;
    cur->ncols = t->ncolumns;
    cur->cols = calloc(t->ncolumns, sizeof(*cur->cols));
    cur->order = calloc(t->ncolumns, sizeof(*cur->order));
    cur->tord = calloc(t->ncolumns, sizeof(*cur->tord));
    size_t *sel = calloc(t->ncolumns, sizeof(*sel));
    char *sql = NULL;
    int rc = B2A_OK;
    if (!cur->cols || !cur->order || !cur->tord || !sel) {
        rc = OOM();
        goto fail;
    }
    if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_STMT, b2a__odbc_conn_dbc(c), &cur->st))) {
        rc = b2a__odbc_diag(SQL_HANDLE_DBC, b2a__odbc_conn_dbc(c), "allocating a statement", err);
        goto fail;
    }

    cur->page_rows = page_rows_setting;
    cur->dbc = b2a__odbc_conn_dbc(c);
    if (vendor == B2A_ODBC_MYSQL) {
        cur->added.name = (char *)B2A_PAGE_KEY;
        cur->added.source_type = (char *)"bigint unsigned";
        cur->added.vtype = B2A_V_LONG;
        if ((rc = find_page_key(c, cur, err)))
            goto fail;
        if (cur->npk == 0 && (t->row_count < 0 || (size_t)t->row_count > cur->page_rows) &&
            (rc = add_page_key(c, cur, err)))
            goto fail;
        cur->has_keys = cur->npk > 0;
        cur->paged = cur->has_keys && (t->row_count < 0 || (size_t)t->row_count > cur->page_rows);
    }

    if ((rc = b2a__odbc_from_clause(c, t, &cur->from, err)))
        goto fail;
    /* Probe the result shape without rows to learn declared sizes. */
    sql = build_select(vendor, t, cur->from, NULL, t->ncolumns, NULL, 0);
    char *probe = sql ? b2a__asprintf("%s WHERE 1 = 0", sql) : NULL;
    free(sql);
    sql = NULL;
    if (!probe) {
        rc = OOM();
        goto fail;
    }
    SQLRETURN pr = SQLExecDirect(cur->st, (SQLCHAR *)probe, SQL_NTS);
    free(probe);
    if (!SQL_SUCCEEDED(pr)) {
        rc = stmt_fail(cur, "describing the export query", err);
        goto fail;
    }
    /* Drivers that can SQLGetData any bound column inside a block (psqlODBC)
     * get wide columns bound with a short prefix: most values fit and only
     * longer ones cost a re-read. MariaDB Connector/ODBC 3.1 claims the same
     * but returns NULL after SQLSetPos, so wide columns are unbound there
     * and fetched one row at a time. */
    SQLULEN gd = 0;
    const SQLULEN gd_need = SQL_GD_ANY_COLUMN | SQL_GD_ANY_ORDER | SQL_GD_BLOCK | SQL_GD_BOUND;
    int bind_wide = vendor == B2A_ODBC_MYSQL
                        ? cur->has_keys /* re-read by key instead (lookup_wide) */
                        : SQL_SUCCEEDED(SQLGetInfo(b2a__odbc_conn_dbc(c), SQL_GETDATA_EXTENSIONS, &gd,
                                                   sizeof(gd), NULL)) && (gd & gd_need) == gd_need;
    size_t nb = 0, nw = 0;
    for (size_t i = 0; i < t->ncolumns; i++) {
        SQLCHAR nm[8];
        SQLSMALLINT nl, sqltype, dec, nul;
        SQLULEN size = 0;
        if (!SQL_SUCCEEDED(SQLDescribeCol(cur->st, (SQLUSMALLINT)(i + 1), nm, sizeof(nm), &nl, &sqltype,
                                          &size, &dec, &nul))) {
            rc = stmt_fail(cur, "describing the export query", err);
            goto fail;
        }
        bcol *bc = &cur->cols[i]; /* filled in table order, reordered below */
        bc->tcol = i;
        bc->vt = t->columns[i].vtype;
        bc->ctype = ctype_of(bc->vt, &bc->width);
        size_t w = 0;
        bc->wide = is_wide(vendor, &t->columns[i], sqltype, size, &w);
        if (bc->wide && bind_wide) {
            bc->wide = 0;
            bc->fallback = 1;
            w = WIDE_BIND;
        }
        if (!bc->wide && bc->width == 0)
            bc->width = w;
        if (bc->wide)
            nw++;
        else
            nb++;
    }
    SQLCloseCursor(cur->st);

    /* bound columns first, then the hidden key columns, wide ones last */
    {
        bcol *tmp = malloc(t->ncolumns * sizeof(*tmp));
        if (!tmp) {
            rc = OOM();
            goto fail;
        }
        size_t a = 0, b = nb;
        for (size_t i = 0; i < t->ncolumns; i++) {
            size_t k = cur->cols[i].wide ? b++ : a++;
            tmp[k] = cur->cols[i];
            tmp[k].colno = (SQLUSMALLINT)(k + 1 + (cur->cols[i].wide && cur->has_keys ? cur->npk : 0));
            sel[k] = i;
            cur->order[i] = k;
        }
        memcpy(cur->cols, tmp, t->ncolumns * sizeof(*tmp));
        free(tmp);
        for (size_t i = 0; i < t->ncolumns; i++)
            cur->tord[i] = &cur->cols[cur->order[i]];
    }
    cur->nbound = nb;
    cur->rowset = nw == 0 ? B2A_ODBC_ROWSET : 1;

    SQLSetStmtAttr(cur->st, SQL_ATTR_CURSOR_TYPE, (SQLPOINTER)SQL_CURSOR_FORWARD_ONLY, 0);
    SQLSetStmtAttr(cur->st, SQL_ATTR_CONCURRENCY, (SQLPOINTER)SQL_CONCUR_READ_ONLY, 0);
    if (!SQL_SUCCEEDED(SQLSetStmtAttr(cur->st, SQL_ATTR_ROW_BIND_TYPE, (SQLPOINTER)SQL_BIND_BY_COLUMN, 0)) ||
        !SQL_SUCCEEDED(SQLSetStmtAttr(cur->st, SQL_ATTR_ROW_ARRAY_SIZE, (SQLPOINTER)(uintptr_t)cur->rowset, 0)) ||
        !SQL_SUCCEEDED(SQLSetStmtAttr(cur->st, SQL_ATTR_ROWS_FETCHED_PTR, &cur->fetched, 0))) {
        rc = stmt_fail(cur, "setting up block fetch", err);
        goto fail;
    }
    for (size_t k = 0; k < nb; k++) {
        bcol *bc = &cur->cols[k];
        bc->data = malloc(bc->width * cur->rowset);
        bc->ind = malloc(sizeof(SQLLEN) * cur->rowset);
        if (!bc->data || !bc->ind) {
            rc = OOM();
            goto fail;
        }
    }
    if (cur->has_keys) {
        cur->keys = calloc(cur->npk, sizeof(*cur->keys));
        cur->last = malloc(cur->npk * KEY_WIDTH);
        cur->order_by = b2a__asprintf(" ORDER BY ");
        if (!cur->keys || !cur->last || !cur->order_by) {
            rc = OOM();
            goto fail;
        }
        for (size_t i = 0; i < cur->npk; i++) {
            bcol *kc = &cur->keys[i];
            kc->ctype = SQL_C_CHAR;
            kc->width = KEY_WIDTH;
            kc->colno = (SQLUSMALLINT)(nb + 1 + i);
            kc->data = malloc(KEY_WIDTH * cur->rowset);
            kc->ind = malloc(sizeof(SQLLEN) * cur->rowset);
            char *q = b2a__odbc_quote_ident(vendor, cur->keycol[i]->name);
            char *ob = q ? b2a__asprintf("%s%s%s", cur->order_by, i ? ", " : "", q) : NULL;
            free(q);
            free(cur->order_by);
            cur->order_by = ob;
            if (!kc->data || !kc->ind || !ob) {
                rc = OOM();
                goto fail;
            }
        }
        char *ob = cur->paged ? b2a__asprintf("%s LIMIT %zu", cur->order_by, cur->page_rows) : NULL;
        free(cur->order_by);
        cur->order_by = ob;
        if (cur->paged && !ob) {
            rc = OOM();
            goto fail;
        }
    }

    cur->select_from = build_select(vendor, t, cur->from, sel, nb, cur->keycol, cur->has_keys ? cur->npk : 0);
    cur->where = range_where ? b2a__strdup(range_where) : NULL;
    if (!cur->select_from || (range_where && !cur->where)) {
        rc = OOM();
        goto fail;
    }
    if ((rc = run_query(cur, 0, err)))
        goto fail;
    /* bound after execution: MariaDB's driver checks column numbers against
     * the open result, and the hidden key columns exist only in this one */
    for (size_t k = 0; k < nb + (cur->has_keys ? cur->npk : 0); k++) {
        bcol *bc = k < nb ? &cur->cols[k] : &cur->keys[k - nb];
        if (!SQL_SUCCEEDED(SQLBindCol(cur->st, bc->colno, bc->ctype, bc->data, (SQLLEN)bc->width, bc->ind))) {
            rc = stmt_fail(cur, "binding a column", err);
            goto fail;
        }
    }
    free(sel);
    *out = cur;
    return B2A_OK;
fail:
    free(sql);
    free(sel);
    b2a__odbc_cursor_close(cur);
    return rc;
}

/* b2a__days_from_civil, remembered per column for the next row of the same day */
static inline int64_t col_days(bcol *bc, int y, unsigned m, unsigned d)
{
    uint32_t key = (uint32_t)(uint16_t)y << 16 | m << 8 | d; /* m, d >= 1: never 0 */
    if (key != bc->memo_ymd) {
        bc->memo_days = b2a__days_from_civil(y, m, d);
        bc->memo_ymd = key;
    }
    return bc->memo_days;
}

/* 'A'-'F' to 'a'-'f' in 8 bytes: a byte gets 0x20 where it is below 0x80
 * and (b | 0x80) - 'A' has its top bit set but (b | 0x80) - 'G' not. The
 * | 0x80 keeps every byte's subtraction from borrowing. */
static inline void hex_lower8(char *u)
{
    const uint64_t hi = 0x8080808080808080ULL;
    uint64_t x;
    memcpy(&x, u, 8);
    uint64_t ge_a = (x | hi) - 0x4141414141414141ULL, ge_g = (x | hi) - 0x4747474747474747ULL;
    x |= (ge_a & ~ge_g & ~x & hi) >> 2;
    memcpy(u, &x, 8);
}

static void hex_lower(char *u, size_t n)
{
    if (n < 8) {
        for (size_t i = 0; i < n; i++)
            if (u[i] >= 'A' && u[i] <= 'F')
                u[i] = (char)(u[i] - 'A' + 'a');
        return;
    }
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        hex_lower8(u + i);
    if (i < n) /* the tail as the last whole word: folding twice is harmless */
        hex_lower8(u + n - 8);
}

/* Read column colno of st's current row into lbuf in pieces; *len or SQL_NULL_DATA. */
static int get_data(b2a_cursor *cur, SQLHSTMT st, SQLUSMALLINT colno, SQLSMALLINT ctype, SQLLEN *len,
                    b2a_err *err)
{
    size_t used = 0;
    int text = ctype == SQL_C_CHAR;
    if (!cur->lbuf) {
        cur->lbuf = malloc(PIECE);
        if (!cur->lbuf)
            return OOM();
        cur->lcap = PIECE;
    }
    for (;;) {
        SQLLEN ind = 0;
        SQLRETURN r = SQLGetData(st, colno, ctype, cur->lbuf + used, (SQLLEN)(cur->lcap - used), &ind);
        if (r == SQL_NO_DATA)
            break;
        if (!SQL_SUCCEEDED(r)) {
            b2a__odbc_diag(SQL_HANDLE_STMT, st, "reading a wide value", err);
            return b2a__err_prefix(err, "%s.%s: ", cur->t->schema, cur->t->name);
        }
        if (ind == SQL_NULL_DATA) {
            *len = SQL_NULL_DATA;
            return B2A_OK;
        }
        size_t avail = cur->lcap - used - (size_t)text; /* the driver keeps room for NUL */
        if (r == SQL_SUCCESS_WITH_INFO && (ind == SQL_NO_TOTAL || (size_t)ind > avail)) {
            used += avail;
            size_t want = cur->lcap * 2;
            if (ind != SQL_NO_TOTAL && used + (size_t)ind - avail + 1 > want)
                want = used + (size_t)ind - avail + 1;
            char *nb = realloc(cur->lbuf, want);
            if (!nb)
                return OOM();
            cur->lbuf = nb;
            cur->lcap = want;
            continue;
        }
        used += (size_t)ind;
        break;
    }
    *len = (SQLLEN)used;
    return B2A_OK;
}

static int get_wide(b2a_cursor *cur, size_t k, SQLLEN *len, b2a_err *err)
{
    return get_data(cur, cur->st, cur->cols[k].colno, cur->cols[k].ctype, len, err);
}

/* Key part i of rowset row r as text into out (KEY_WIDTH bytes). A NULL or
 * cut key can neither resume a page nor find its row again. */
static int key_text(const b2a_cursor *cur, size_t i, size_t r, char *out, b2a_err *err)
{
    SQLLEN ind = cur->keys[i].ind[r];
    if (ind == SQL_NULL_DATA || ind == SQL_NO_TOTAL || ind >= KEY_WIDTH)
        return b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_ODBC,
                            "%s.%s: key value of column %s is NULL or longer than %d bytes",
                            cur->t->schema, cur->t->name, cur->keycol[i]->name, KEY_WIDTH - 1);
    memcpy(out, cur->keys[i].data + r * KEY_WIDTH, (size_t)ind);
    out[ind] = '\0';
    return B2A_OK;
}

/* MariaDB: the whole value of a wide column whose bound prefix was cut, by
 * page key on a second statement (the page's result is stored
 * client-side, so the connection is free). */
static int lookup_wide(b2a_cursor *cur, bcol *bc, size_t r, SQLLEN *len, b2a_err *err)
{
    char *cond = NULL;
    for (size_t i = 0; i < cur->npk; i++) {
        char val[KEY_WIDTH];
        int rc = key_text(cur, i, r, val, err);
        if (rc) {
            free(cond);
            return rc;
        }
        char *q = b2a__odbc_quote_ident(cur->vendor, cur->keycol[i]->name);
        char *lit = b2a__odbc_value_literal(cur->vendor, cur->keycol[i]->vtype, val);
        char *c2 = q && lit ? b2a__asprintf("%s%s%s = %s", cond ? cond : "", cond ? " AND " : "", q, lit) : NULL;
        free(q);
        free(lit);
        free(cond);
        if (!(cond = c2))
            return OOM();
    }
    char *expr = b2a__odbc_select_expr(cur->vendor, &cur->t->columns[bc->tcol]);
    char *qn = b2a__odbc_qualified(cur->vendor, cur->t->schema, cur->t->name);
    char *sql = expr && qn ? b2a__asprintf("SELECT %s FROM %s WHERE %s", expr, qn, cond) : NULL;
    free(expr);
    free(qn);
    free(cond);
    if (!sql)
        return OOM();
    int rc = B2A_OK;
    if (cur->st2 == SQL_NULL_HSTMT &&
        !SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_STMT, cur->dbc, &cur->st2))) {
        free(sql);
        return b2a__odbc_diag(SQL_HANDLE_DBC, cur->dbc, "allocating a statement", err);
    }
    SQLRETURN x = SQLExecDirect(cur->st2, (SQLCHAR *)sql, SQL_NTS);
    free(sql);
    if (SQL_SUCCEEDED(x))
        x = SQLFetch(cur->st2);
    if (x == SQL_NO_DATA)
        rc = b2a__err_set(err, B2A_EMISMATCH, B2A_ERRCLASS_ODBC,
                          "%s.%s: row vanished while re-reading column %s", cur->t->schema, cur->t->name,
                          cur->t->columns[bc->tcol].name);
    else if (!SQL_SUCCEEDED(x))
        rc = b2a__odbc_diag(SQL_HANDLE_STMT, cur->st2, "re-reading a long value", err);
    else
        rc = get_data(cur, cur->st2, 1, bc->ctype, len, err);
    SQLCloseCursor(cur->st2);
    return rc;
}

static int put_value(b2a_cursor *cur, b2a_sink *s, bcol *bc, size_t r, b2a_err *err)
{
    const char *p = bc->data + r * bc->width;
    SQLLEN ind = bc->ind[r];
    if (ind == SQL_NULL_DATA)
        return s->ops->null(s);
    switch (bc->vt) {
    case B2A_V_BOOLEAN: return s->ops->boolean(s, *(const unsigned char *)p != 0);
    case B2A_V_INT: return s->ops->i32(s, *(const SQLINTEGER *)p);
    case B2A_V_LONG:
    case B2A_V_TIME_MICROS: return s->ops->i64(s, *(const SQLBIGINT *)p);
    case B2A_V_FLOAT: return s->ops->f32(s, (float)*(const SQLDOUBLE *)p);
    case B2A_V_DOUBLE: return s->ops->f64(s, *(const SQLDOUBLE *)p);
    case B2A_V_DATE: {
        const SQL_DATE_STRUCT *d = (const SQL_DATE_STRUCT *)p;
        if (d->month == 0 || d->day == 0) { /* MariaDB zero or partial-zero date */
            cur->nulled++;
            return s->ops->null(s);
        }
        return s->ops->i32(s, (int32_t)col_days(bc, d->year, d->month, d->day));
    }
    case B2A_V_TIMESTAMP_MICROS:
    case B2A_V_LOCAL_TIMESTAMP_MICROS:
    case B2A_V_LOCAL_TIMESTAMP_STRING: {
        const SQL_TIMESTAMP_STRUCT *ts = (const SQL_TIMESTAMP_STRUCT *)p;
        if (ts->month == 0 || ts->day == 0) {
            cur->nulled++;
            return s->ops->null(s);
        }
        int64_t days = col_days(bc, ts->year, ts->month, ts->day);
        int64_t us = ((days * 24 + ts->hour) * 60 + ts->minute) * 60 + ts->second;
        return s->ops->i64(s, us * 1000000 + (int64_t)(ts->fraction / 1000));
    }
    case B2A_V_DECIMAL: {
        const b2a_column *col = &cur->t->columns[bc->tcol];
        uint8_t be[B2A_DECIMAL_MAX_BYTES];
        size_t n = 0;
        if (ind == SQL_NO_TOTAL || (size_t)ind >= bc->width)
            return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_ODBC,
                                "%s.%s, column %s: decimal text longer than %d bytes",
                                cur->t->schema, cur->t->name, col->name, DEC_WIDTH - 1);
        if (b2a__decimal_from_short_text(p, (size_t)ind, col->precision, col->scale, be, &n))
            return s->ops->decimal(s, be, n);
        int rc = b2a__decimal_from_text(p, (size_t)ind, col->precision, col->scale, be, &n, err);
        if (rc)
            return b2a__err_prefix(err, "%s.%s, column %s (%s): ", cur->t->schema, cur->t->name, col->name,
                                   col->source_type ? col->source_type : "decimal");
        return s->ops->decimal(s, be, n);
    }
    case B2A_V_BYTES:
    case B2A_V_STRING:
    case B2A_V_UUID:
    case B2A_V_JSON: {
        size_t cap = bc->ctype == SQL_C_CHAR ? bc->width - 1 : bc->width;
        if ((ind == SQL_NO_TOTAL || (size_t)ind > cap) && bc->fallback) {
            size_t k = (size_t)(bc - cur->cols);
            SQLLEN len = 0;
            int rc;
            if (cur->vendor == B2A_ODBC_MYSQL) {
                rc = lookup_wide(cur, bc, r, &len, err);
            } else {
                if (cur->rowset > 1 &&
                    !SQL_SUCCEEDED(SQLSetPos(cur->st, (SQLSETPOSIROW)(r + 1), SQL_POSITION, SQL_LOCK_NO_CHANGE)))
                    return stmt_fail(cur, "positioning on a row", err);
                rc = get_wide(cur, k, &len, err);
            }
            if (rc)
                return rc;
            if (len == SQL_NULL_DATA)
                return s->ops->null(s);
            if (bc->vt == B2A_V_BYTES)
                return s->ops->bytes(s, cur->lbuf, (size_t)len);
            return s->ops->string(s, cur->lbuf, (size_t)len);
        }
        if (ind == SQL_NO_TOTAL || (size_t)ind > cap)
            return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_ODBC,
                                "%s.%s, column %s: value longer than its declared size %zu (driver truncated it)",
                                cur->t->schema, cur->t->name, cur->t->columns[bc->tcol].name, cap);
        if (bc->vt == B2A_V_BYTES)
            return s->ops->bytes(s, p, (size_t)ind);
        if (bc->vt == B2A_V_UUID) /* psqlODBC prints GUIDs in upper case; Avro's uuid is lower case */
            hex_lower(bc->data + r * bc->width, (size_t)ind);
        return s->ops->string(s, p, (size_t)ind);
    }
    }
    return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE, "unknown value type %d", (int)bc->vt);
}

/* Remember the key of the last row of the rowset before it is overwritten. */
static int save_last_key(b2a_cursor *cur, b2a_err *err)
{
    size_t r = (size_t)cur->fetched - 1;
    for (size_t i = 0; i < cur->npk; i++) {
        int rc = key_text(cur, i, r, cur->last + i * KEY_WIDTH, err);
        if (rc)
            return rc;
    }
    return B2A_OK;
}

static int fetch_rowset(b2a_cursor *cur, b2a_err *err)
{
    int rc;
    if (cur->paged && cur->fetched > 0 && (rc = save_last_key(cur, err)))
        return rc;
    for (;;) {
        cur->fetched = 0;
        cur->pos = 0;
        SQLRETURN r = SQLFetch(cur->st);
        if (r != SQL_NO_DATA && !SQL_SUCCEEDED(r))
            return stmt_fail(cur, "fetching rows", err);
        if (r == SQL_NO_DATA || cur->fetched == 0) {
            /* a full page: there may be more after its last key */
            if (cur->paged && cur->in_page >= cur->page_rows) {
                if ((rc = run_query(cur, 1, err)))
                    return rc;
                continue;
            }
            cur->eof = 1;
            return B2A_OK;
        }
        cur->in_page += cur->fetched;
        return B2A_OK;
    }
}

int b2a__odbc_cursor_next(b2a_cursor *cur, b2a_sink *sink, size_t max_rows, size_t *rows_out,
                          int *eof, b2a_err *err)
{
    size_t done = 0;
    int rc = B2A_OK;
    *rows_out = 0;
    b2a__err_clear(err);
    while (done < max_rows && !cur->eof) {
        if (cur->pos >= cur->fetched) {
            if ((rc = fetch_rowset(cur, err)))
                break;
            if (cur->eof)
                break;
        }
        size_t r = cur->pos;
        for (size_t tc = 0; tc < cur->ncols; tc++) {
            bcol *bc = cur->tord[tc];
            if (!bc->wide) {
                rc = put_value(cur, sink, bc, r, err);
                if (rc) {
                    b2a__sink_refused_value(err, rc, cur->t, tc);
                    break;
                }
                continue;
            }
            SQLLEN len = 0;
            if ((rc = get_wide(cur, (size_t)(bc - cur->cols), &len, err)))
                break;
            if (len == SQL_NULL_DATA)
                rc = sink->ops->null(sink);
            else if (bc->vt == B2A_V_BYTES)
                rc = sink->ops->bytes(sink, cur->lbuf, (size_t)len);
            else
                rc = sink->ops->string(sink, cur->lbuf, (size_t)len);
            if (rc) {
                b2a__sink_refused_value(err, rc, cur->t, tc);
                break;
            }
        }
        if (rc) {
            if (err && err->code == B2A_OK)
                b2a__err_set(err, rc, B2A_ERRCLASS_AVRO, "%s.%s: export failed", cur->t->schema, cur->t->name);
            break;
        }
        if ((rc = b2a__sink_end_row(sink, cur->t, err)))
            break;
        cur->pos++;
        done++;
    }
    *rows_out = done;
    *eof = cur->eof;
    return rc;
}

uint64_t b2a__odbc_cursor_queries(const b2a_cursor *cur)
{
    return cur ? cur->queries : 0;
}

uint64_t b2a__odbc_cursor_nulled(const b2a_cursor *cur)
{
    return cur ? cur->nulled : 0;
}

void b2a__odbc_cursor_close(b2a_cursor *cur)
{
    if (!cur)
        return;
    if (cur->st != SQL_NULL_HSTMT) {
        SQLCloseCursor(cur->st);
        SQLFreeHandle(SQL_HANDLE_STMT, cur->st);
    }
    if (cur->st2 != SQL_NULL_HSTMT)
        SQLFreeHandle(SQL_HANDLE_STMT, cur->st2);
    for (size_t i = 0; cur->cols && i < cur->ncols; i++) {
        free(cur->cols[i].data);
        free(cur->cols[i].ind);
    }
    for (size_t i = 0; cur->keys && i < cur->npk; i++) {
        free(cur->keys[i].data);
        free(cur->keys[i].ind);
    }
    free(cur->keys);
    free(cur->keycol);
    free(cur->last);
    free(cur->select_from);
    free(cur->from);
    free(cur->where);
    free(cur->order_by);
    free(cur->cols);
    free(cur->order);
    free(cur->tord);
    free(cur->lbuf);
    free(cur);
}
