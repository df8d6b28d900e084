/* The reader's API: a backup's catalog plus bounded, resumable table scans.
 * A scan walks each partition's IAM chain, keeps allocated data pages, and
 * decodes primary and forwarded records (ghosts and forwarding stubs are
 * skipped, so every row is read exactly once). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>

#include "reader/mssql/bak.h"
#include "reader/mssql/backupset.h"
#include "reader/mssql/logwindow.h"
#include "reader/mssql/catalog.h"
#include "reader/mssql/iam.h"
#include "reader/mssql/lob.h"
#include "reader/mssql/page.h"
#include "reader/mssql/pagestore.h"
#include "reader/mssql/record.h"
#include "reader/mssql/rowfast.h"
#include "reader/mssql/types.h"
#include "util/str.h"

struct b2a_bak {
    b2a_bak_pages *ps;
    b2a_mcatalog cat;
    char *name;             /* first file's name, for messages */
};

/* How pass 2 emits a cell of the current row (pass 1 decided it). */
enum { HOW_NULL, HOW_PLAIN, HOW_OFF_ROW, HOW_GENERAL };

/* What a scan needs of a column on every row, looked up once per scan. */
typedef struct b2a_scol {
    size_t plain;             /* b2a__mtype_plain_size: checked by its size alone */
    uint8_t plain_kind;       /* b2a__mtype_plain_kind, for b2a__mtype_emit_plain */
    int textptr;              /* b2a__mtype_is_textptr: 16 bytes are an off-row pointer */
} b2a_scol;

struct b2a_bak_scan {
    b2a_bak *b;
    const b2a_mtable *t;
    char owner[300];          /* "schema.table", for page verification messages */
    uint64_t salvaged;        /* page reads that failed verification, used anyway */
    size_t rowset;            /* current partition */
    int walking;              /* iam walk started for this partition */
    b2a_iamwalk *walk;        /* its own allocation, as page: their buffers need no zeroing */
    uint8_t *page;            /* B2A_PG_SIZE, read into before use */
    b2a_pgid page_id;
    int have_page;
    unsigned slot;
    b2a_rowdec *dec;          /* locates each column in FixedVar or CD records */
    b2a_rowfast fast;         /* the common FixedVar row's fast path (rowfast.h) */
    b2a_scol *cols;           /* per def column */
    uint8_t *how;             /* per def column: HOW_*, set by pass 1 for pass 2 */
    b2a_mbuf *lobs;           /* per def column: off-row values of the current row */
    b2a_mbuf scratch;
    int done;
    size_t part, nparts;      /* the extents this scan reads: number % nparts == part */
};

/* Every backup of the set (the full and each differential) must carry no
 * transaction's work in the log it appends: RESTORE would replay it over
 * the copied pages and roll back what was not committed, and this reader
 * does neither, so its rows could differ from a restore's. */
static int check_log_windows(b2a_bak_pages *ps, b2a_err *err)
{
    for (b2a_bak_pages *q = ps; q; q = b2a__bak_pages_older(q)) {
        const b2a_bak_header *h = b2a__bak_pages_header(q);
        const char *path = h->nfamilies ? h->families[0].path : "";
        b2a_log_window w;
        int rc = b2a__log_window(q, &w, err);
        if (rc < 0)
            return rc;
        char a[32], c[32];
        if (w.in_transaction) {
            b2a__lsn_text(&w.first_change, a);
            return b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_READER,
                                "%s: transactions ran while this backup was taken (%llu of the log records it "
                                "carries belong to them, the first at LSN %s); RESTORE replays that log and this "
                                "reader does not, so its rows could differ from a restore's: restore it in a "
                                "container instead (--restore)", path, (unsigned long long)w.in_transaction, a);
        }
        if (w.active_at_start) {
            b2a__lsn_text(&h->first_lsn, a);
            b2a__lsn_text(&h->checkpoint_lsn, c);
            return b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_READER,
                                "%s: transactions were open when this backup began (its log starts at LSN %s, "
                                "before its checkpoint at LSN %s); RESTORE rolls them back and this reader does "
                                "not: restore it in a container instead (--restore)", path, a, c);
        }
        if (w.unreadable)
            return b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_READER,
                                "%s: the log this backup carries could not be read, so whether transactions ran "
                                "while it was taken is unknown; restore it in a container instead (--restore)",
                                path);
    }
    return B2A_OK;
}

static int bak_open(const char *const *paths, size_t n, int header_only, unsigned flags, b2a_bak **out,
                    b2a_err *err)
{
    *out = NULL;
    if (!paths || n == 0)
        return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE, "no backup file given");
    b2a_bak *b = calloc(1, sizeof *b);
    if (!b)
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    int rc = header_only ? b2a__bak_pages_open_incomplete(paths, n, &b->ps, err)
                         : b2a__backupset_open(paths, n, &b->ps, err);
    if (rc < 0 && header_only && n == 1) {
        /* Truncated or damaged further on: the blocks at its start may still tell. */
        b2a_err e2;
        b2a__err_clear(&e2);
        if (b2a__bak_pages_open_first_blocks(paths[0], &b->ps, &e2) == B2A_OK)
            rc = B2A_OK;
    }
    if (rc < 0) {
        free(b);
        return rc;
    }
    b2a__bak_pages_set_ignore_checksums(b->ps, (flags & B2A_BAK_IGNORE_CHECKSUMS) != 0);
    const b2a_bak_header *h = b2a__bak_pages_header(b->ps);
    if (!header_only && h && h->backup_type == B2A_BAK_TYPE_LOG) {
        b2a__bak_pages_close(b->ps);
        free(b);
        return b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_READER,
                            "%s is a transaction log backup: it holds log records, not tables", paths[0]);
    }
    if (!header_only && (rc = check_log_windows(b->ps, err)) < 0) {
        b2a__bak_pages_close(b->ps);
        free(b);
        return rc;
    }
    const char *base = strrchr(paths[0], '/');
    if (!(b->name = b2a__strdup(base ? base + 1 : paths[0]))) {
        b2a__bak_pages_close(b->ps);
        free(b);
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    }
    rc = header_only ? B2A_OK : b2a__catalog_load(b->ps, &b->cat, err);
    if (rc < 0) {
        b2a__err_prefix(err, "%s: ", b->name);
        b2a__bak_pages_close(b->ps);
        free(b->name);
        free(b);
        return rc;
    }
    *out = b;
    return B2A_OK;
}

int b2a__bak_open(const char *const *paths, size_t n, b2a_bak **out, b2a_err *err)
{
    return bak_open(paths, n, 0, 0, out, err);
}

int b2a__bak_open_flags(const char *const *paths, size_t n, unsigned flags, b2a_bak **out, b2a_err *err)
{
    return bak_open(paths, n, 0, flags, out, err);
}

int b2a__bak_open_header(const char *const *paths, size_t n, b2a_bak **out, b2a_err *err)
{
    return bak_open(paths, n, 1, 0, out, err);
}

const char *b2a__bak_page_verify_mode(const b2a_bak *b)
{
    /* dbi_status of the boot page: 0x10000 in every CHECKSUM sample and
     * 0x10 in every TORN_PAGE_DETECTION one, as sysdatabases.status has
     * 16 for torn-page detection [measured on 8 samples]. */
    if (!b->cat.dbname)
        return NULL; /* the catalog was not read */
    if (b->cat.dbi_status & 0x10000)
        return "CHECKSUM";
    if (b->cat.dbi_status & 0x10)
        return "TORN_PAGE_DETECTION";
    return "NONE";
}

void b2a__bak_verify_stats(const b2a_bak *b, b2a_bak_verify_stats *out)
{
    b2a__bak_pages_verify_stats(b->ps, out);
}

const char *b2a__bak_verify_failure(const b2a_bak *b, size_t i)
{
    return b2a__bak_pages_failure(b->ps, i);
}

const char *b2a__bak_database_name(const b2a_bak *b)
{
    if (b->cat.dbname && b->cat.dbname[0])
        return b->cat.dbname;
    const b2a_bak_header *h = b2a__bak_pages_header(b->ps);
    return h && h->database_name ? h->database_name : "";
}

size_t b2a__bak_table_count(const b2a_bak *b) { return b->cat.ntables; }

const b2a_table_def *b2a__bak_table(const b2a_bak *b, size_t i)
{
    return i < b->cat.ntables ? &b->cat.tables[i].def : NULL;
}

const size_t *b2a__bak_table_primary_key(const b2a_bak *b, size_t i, size_t *n)
{
    if (i >= b->cat.ntables) {
        *n = 0;
        return NULL;
    }
    *n = b->cat.tables[i].npk;
    return b->cat.tables[i].pk;
}

void b2a__bak_close(b2a_bak *b)
{
    if (!b)
        return;
    b2a__catalog_free(&b->cat);
    b2a__bak_pages_close(b->ps);
    free(b->name);
    free(b);
}

static int set_partition(b2a_bak_scan *s, b2a_err *err)
{
    const b2a_mrowset *rs = &s->t->rowsets[s->rowset];
    int rc = b2a__rowdec_partition(s->dec, s->rowset, err);
    if (rc < 0)
        return rc;
    b2a__rowfast_partition(&s->fast, s->t, s->dec);
    b2a__iam_init(s->walk, s->b->ps, rs->first_iam);
    s->walking = 1;
    s->have_page = 0;
    return 0;
}

int b2a__bak_scan_open(b2a_bak *b, size_t table, b2a_bak_scan **out, b2a_err *err)
{
    return b2a__bak_scan_open_part(b, table, 0, 1, out, err);
}

int b2a__bak_scan_open_part(b2a_bak *b, size_t table, size_t part, size_t nparts, b2a_bak_scan **out,
                            b2a_err *err)
{
    *out = NULL;
    if (nparts == 0 || part >= nparts)
        return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE,
                            "part %zu of %zu: a table splits into 1 or more parts, numbered from 0",
                            part, nparts);
    if (table >= b->cat.ntables)
        return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE, "no table %zu in this backup", table);
    const b2a_mtable *t = &b->cat.tables[table];
    b2a_rowdec *dec;
    int rc = b2a__rowdec_open(t, &dec, err); /* refuses columnstore and column sets */
    if (rc < 0)
        return b2a__err_prefix(err, "%s: ", b->name);
    b2a_bak_scan *s = calloc(1, sizeof *s);
    if (!s || !(s->cols = calloc(t->def.ncolumns + 1, sizeof *s->cols)) ||
        !(s->lobs = calloc(t->def.ncolumns + 1, sizeof *s->lobs)) ||
        !(s->how = calloc(t->def.ncolumns + 1, 1)) || !(s->walk = malloc(sizeof *s->walk)) ||
        !(s->page = malloc(B2A_PG_SIZE)) || b2a__rowfast_init(&s->fast, t->def.ncolumns) < 0) {
        if (s) {
            free(s->cols);
            free(s->lobs);
            free(s->how);
            free(s->walk);
            free(s->page);
        }
        free(s);
        b2a__rowdec_close(dec);
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    }
    s->b = b;
    s->t = t;
    s->dec = dec;
    s->part = part;
    s->nparts = nparts;
    for (size_t k = 0; k < t->def.ncolumns; k++) {
        s->cols[k].plain = b2a__mtype_plain_size(t->types[k].xtype);
        s->cols[k].plain_kind = b2a__mtype_plain_kind(t->types[k].xtype);
        s->cols[k].textptr = b2a__mtype_is_textptr(t->types[k].xtype);
    }
    snprintf(s->owner, sizeof(s->owner), "%s.%s", t->def.schema, t->def.name);
    if (t->nrowsets == 0)
        s->done = 1;
    else if ((rc = set_partition(s, err)) < 0) {
        b2a__bak_scan_close(s);
        return rc;
    }
    *out = s;
    return B2A_OK;
}

uint64_t b2a__bak_scan_salvaged(const b2a_bak_scan *s)
{
    return s ? s->salvaged : 0;
}

void b2a__bak_scan_close(b2a_bak_scan *s)
{
    if (!s)
        return;
    b2a__mbuf_free(&s->scratch);
    for (size_t k = 0; k < s->t->def.ncolumns; k++)
        b2a__mbuf_free(&s->lobs[k]);
    free(s->lobs);
    free(s->cols);
    free(s->how);
    free(s->walk);
    free(s->page);
    b2a__rowfast_free(&s->fast);
    b2a__rowdec_close(s->dec);
    free(s);
}

static int cell_error(b2a_bak_scan *s, size_t k, int code, const char *why, b2a_err *err)
{
    return b2a__err_set(err, code, B2A_ERRCLASS_READER, "table %s.%s, page (%u:%u) slot %u, column %s: %s",
                        s->t->def.schema, s->t->def.name, s->page_id.file, s->page_id.page, s->slot,
                        s->t->def.columns[k].name, why);
}

/* 1 when cell k of the row is an off-row value (a LOB or row-overflow
 * pointer, or a 16-byte text pointer): pass 1 reads it into s->lobs[k]. */
static inline int off_row(const b2a_bak_scan *s, size_t k, const b2a_rcell *c)
{
    return c->complex || (s->cols[k].textptr && c->n == 16);
}

/* Pass 1: read the off-row values of the record into per-column buffers
 * and check every value is well-formed. Pass 2 hands the row to the sink.
 * So a corrupt row is reported before the sink sees any part of it. */
static int locate_row(b2a_bak_scan *s, const b2a_rcell *cells, b2a_err *err)
{
    const b2a_mtable *t = s->t;
    char why[256];
    for (size_t k = 0; k < t->def.ncolumns; k++) {
        const b2a_rcell *c = &cells[k];
        if (c->null) {
            s->how[k] = HOW_NULL;
            continue;
        }
        /* A value whose size is all there is to check (an int, say). */
        if (!c->complex && c->n && c->n == s->cols[k].plain) {
            s->how[k] = HOW_PLAIN;
            continue;
        }
        const uint8_t *p = c->p;
        size_t n = c->n;
        s->how[k] = HOW_GENERAL;
        if (off_row(s, k, c)) {
            s->how[k] = HOW_OFF_ROW;
            b2a_mbuf *lb = &s->lobs[k];
            lb->n = 0;
            b2a_err e2;
            b2a__err_clear(&e2);
            int lr = !s->cols[k].textptr || n != 16 ? b2a__lob_complex(s->b->ps, p, n, lb, &e2)
                                                    : b2a__lob_textptr(s->b->ps, p, n, lb, &e2);
            if (lr < 0)
                return cell_error(s, k, lr, e2.msg, err);
            p = lb->p ? lb->p : (const uint8_t *)"";
            n = lb->n;
        }
        why[0] = 0;
        int rc = b2a__mtype_emit(&t->types[k], p, n, c->bitpos, NULL, &s->scratch, why, sizeof why);
        if (rc < 0)
            return cell_error(s, k, rc, why[0] ? why : "cannot decode the value", err);
    }
    return 0;
}

/* The sink refused column k of a row (k == ncolumns: its end). */
static int sink_failed(const b2a_bak_scan *s, size_t k, int rc, const char *why, b2a_err *err)
{
    const b2a_mtable *t = s->t;
    if (k == t->def.ncolumns)
        return b2a__err_set(err, rc, B2A_ERRCLASS_READER, "table %s.%s: the row sink failed at the end of a row",
                            t->def.schema, t->def.name);
    return b2a__err_set(err, rc, B2A_ERRCLASS_READER, "table %s.%s: the row sink failed on column %s%s%s",
                        t->def.schema, t->def.name, t->def.columns[k].name, why[0] ? ": " : "", why);
}

static int emit_row(b2a_bak_scan *s, const b2a_rcell *cells, b2a_sink *sink, b2a_err *err)
{
    const b2a_mtable *t = s->t;
    int rc = locate_row(s, cells, err);
    if (rc < 0)
        return rc;
    char why[256];
    for (size_t k = 0; k < t->def.ncolumns; k++) {
        const b2a_rcell *c = &cells[k];
        why[0] = 0;
        switch (s->how[k]) {
        case HOW_NULL:
            rc = sink->ops->null(sink);
            break;
        case HOW_PLAIN: /* a fixed-length number (money: a decimal, the general way) */
            if ((rc = b2a__mtype_emit_plain(s->cols[k].plain_kind, c->p, sink)) != 1)
                break;
            /* fall through */
        case HOW_GENERAL:
            rc = b2a__mtype_emit(&t->types[k], c->p, c->n, c->bitpos, sink, &s->scratch, why, sizeof why);
            break;
        default: /* HOW_OFF_ROW */
            rc = b2a__mtype_emit(&t->types[k], s->lobs[k].p ? s->lobs[k].p : (const uint8_t *)"", s->lobs[k].n,
                                 c->bitpos, sink, &s->scratch, why, sizeof why);
            break;
        }
        if (rc < 0)
            return sink_failed(s, k, rc, why, err);
    }
    rc = sink->ops->end_row(sink);
    if (rc < 0)
        return sink_failed(s, t->def.ncolumns, rc, "", err);
    return 0;
}

/* Advance to the next allocated data page of the table; 1 at the end. */
static int next_page(b2a_bak_scan *s, b2a_err *err)
{
    int rc;
    for (;;) {
        if (!s->walking) {
            if (++s->rowset >= s->t->nrowsets)
                return 1;
            if ((rc = set_partition(s, err)) < 0)
                return rc;
        }
        if (s->t->rowsets[s->rowset].first_iam.page == 0) {
            s->walking = 0;
            continue;
        }
        b2a_pgid id;
        rc = b2a__iam_next(s->walk, &id, err);
        if (rc == 1) {
            s->walking = 0;
            continue;
        }
        if (rc < 0)
            return b2a__err_prefix(err, "table %s.%s: ", s->t->def.schema, s->t->def.name);
        /* Another part's page: a row lives on one page, so parts never share a row. */
        if (s->nparts > 1 && (id.page >> 3) % s->nparts != s->part)
            continue;
        rc = b2a__bak_pages_get_of(s->b->ps, id.file, id.page, s->owner, s->page, err);
        if (rc == B2A_ENOTFOUND)
            return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                                "table %s.%s: page (%u:%u) is allocated but not in the backup",
                                s->t->def.schema, s->t->def.name, id.file, id.page);
        if (rc < 0)
            return rc;
        if (b2a__page_type(s->page) != B2A_PG_DATA)
            continue;
        if ((rc = b2a__rowdec_page(s->dec, s->page, id, err)) < 0)
            return rc;
        s->page_id = id;
        s->slot = 0;
        s->have_page = 1;
        return 0;
    }
}

int b2a__bak_scan_next(b2a_bak_scan *s, b2a_sink *sink, size_t max_rows, size_t *rows_out, int *eof,
                       b2a_err *err)
{
    size_t rows = 0;
    int rc = 0;
    *eof = 0;
    uint64_t salvaged0 = b2a__bak_pages_salvaged_here();
    while (rows < max_rows && !s->done) {
        if (!s->have_page) {
            rc = next_page(s, err);
            if (rc == 1) {
                s->done = 1;
                rc = 0;
                break;
            }
            if (rc < 0)
                break;
        }
        if (s->fast.on) {
            /* The page's common rows at once; the first it leaves is done below. */
            size_t got, col;
            char why[256];
            rc = b2a__rowfast_rows(&s->fast, s->page, &s->slot, max_rows - rows, sink, &s->scratch, &got, &col,
                                   why, sizeof why);
            rows += got;
            if (rc < 0) {
                rc = sink_failed(s, col, rc, why, err);
                break;
            }
            rc = 0;
            if (rows >= max_rows)
                break;
        }
        if (s->slot >= b2a__page_slots(s->page)) {
            s->have_page = 0;
            continue;
        }
        const b2a_rcell *cells;
        int st = b2a__rowdec_row(s->dec, s->slot, &cells, err);
        if (st < 0) {
            rc = st;
            break;
        }
        if (st == 1) {
            rc = emit_row(s, cells, sink, err);
            if (rc < 0)
                break;
            rows++;
        }
        s->slot++;
    }
    s->salvaged += b2a__bak_pages_salvaged_here() - salvaged0;
    *rows_out = rows;
    *eof = s->done;
    if (rc < 0)
        b2a__err_prefix(err, "%s: ", s->b->name);
    return rc < 0 ? rc : B2A_OK;
}

/* --- inspect ------------------------------------------------------------ */

static void js(yajl_gen g, const char *s)
{
    if (!s)
        s = "";
    yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}
static void jkv(yajl_gen g, const char *k, const char *v) { js(g, k); js(g, v); }
static void jki(yajl_gen g, const char *k, long long v) { js(g, k); yajl_gen_integer(g, v); }

int b2a__bak_inspect(const b2a_bak *b, void *handle, b2a_err *err)
{
    yajl_gen g = handle;
    const b2a_bak_header *h = b2a__bak_pages_header(b->ps);
    static const char *const types[] = { "unknown", "database", "log", "unknown", "file", "differential" };
    yajl_gen_map_open(g);
    jkv(g, "format", "sqlserver-bak");
    jkv(g, "database", b2a__bak_database_name(b));
    js(g, "header");
    yajl_gen_map_open(g);
    if (h) {
        jkv(g, "server", h->server_name);
        jkv(g, "backup_name", h->backup_name);
        jkv(g, "backup_description", h->backup_description);
        jkv(g, "user", h->user_name);
        jkv(g, "backup_type", h->backup_type >= 0 && h->backup_type <= 5 ? types[h->backup_type] : "unknown");
        js(g, "copy_only"); yajl_gen_bool(g, h->copy_only);
        js(g, "compressed"); yajl_gen_bool(g, h->compressed);
        jki(g, "database_version", h->database_version);
        jki(g, "software_major", h->software_major);
        jkv(g, "backup_date", h->backup_date);
        if (h->has_lsns) {
            /* What pairs a differential with its full: its database_backup_lsn and
             * differential_base_guid are the full's checkpoint_lsn and backup_set_guid. */
            char t[37];
            b2a__lsn_text(&h->first_lsn, t);
            jkv(g, "first_lsn", t);
            b2a__lsn_text(&h->last_lsn, t);
            jkv(g, "last_lsn", t);
            b2a__lsn_text(&h->checkpoint_lsn, t);
            jkv(g, "checkpoint_lsn", t);
            b2a__lsn_text(&h->database_backup_lsn, t);
            jkv(g, "database_backup_lsn", t);
            b2a__bak_guid_text(h->backup_set_guid, t);
            jkv(g, "backup_set_guid", t);
            if (h->backup_type == B2A_BAK_TYPE_DIFFERENTIAL) {
                b2a__bak_guid_text(h->differential_base_guid, t);
                jkv(g, "differential_base_guid", t);
            }
        }
    }
    jki(g, "create_version", b->cat.create_version);
    /* The database's PAGE_VERIFY setting, null when no catalog was read. */
    js(g, "page_verify");
    if (b2a__bak_page_verify_mode(b))
        js(g, b2a__bak_page_verify_mode(b));
    else
        yajl_gen_null(g);
    yajl_gen_map_close(g);
    js(g, "labels");
    yajl_gen_map_open(g);
    if (h) {
        jkv(g, "media_set_id", h->media_set_id);
        jki(g, "family_count", h->family_count);
        js(g, "families");
        yajl_gen_array_open(g);
        for (size_t i = 0; i < h->nfamilies; i++) {
            yajl_gen_map_open(g);
            jkv(g, "path", h->families[i].path);
            jki(g, "sequence", h->families[i].sequence);
            yajl_gen_map_close(g);
        }
        yajl_gen_array_close(g);
    }
    yajl_gen_map_close(g);
    js(g, "files");
    yajl_gen_array_open(g);
    for (size_t i = 0; h && i < h->nfiles; i++) {
        const b2a_bak_file *f = &h->files[i];
        char ty[2] = { f->type ? f->type : '?', 0 };
        yajl_gen_map_open(g);
        jkv(g, "logical_name", f->logical_name);
        jkv(g, "physical_name", f->physical_name);
        jkv(g, "type", ty);
        jki(g, "file_id", f->file_id);
        jki(g, "size_bytes", (long long)f->size_bytes);
        yajl_gen_map_close(g);
    }
    yajl_gen_array_close(g);
    js(g, "tables");
    yajl_gen_array_open(g);
    for (size_t i = 0; i < b->cat.ntables; i++) {
        const b2a_mtable *t = &b->cat.tables[i];
        yajl_gen_map_open(g);
        jkv(g, "schema", t->def.schema);
        jkv(g, "name", t->def.name);
        jki(g, "rows", (long long)t->def.row_count);
        int cmpr = t->nrowsets ? t->rowsets[0].cmprlevel : 0;
        jkv(g, "compression", cmpr == 0 ? "none" : cmpr == 1 ? "row" : cmpr == 2 ? "page" : "columnstore");
        js(g, "primary_key");
        yajl_gen_array_open(g);
        for (size_t k = 0; k < t->npk; k++)
            js(g, t->def.columns[t->pk[k]].name);
        yajl_gen_array_close(g);
        js(g, "columns");
        yajl_gen_array_open(g);
        for (size_t k = 0; k < t->def.ncolumns; k++) {
            yajl_gen_map_open(g);
            jkv(g, "name", t->def.columns[k].name);
            jkv(g, "type", t->def.columns[k].source_type);
            js(g, "nullable");
            yajl_gen_bool(g, t->def.columns[k].nullable);
            yajl_gen_map_close(g);
        }
        yajl_gen_array_close(g);
        yajl_gen_map_close(g);
    }
    yajl_gen_array_close(g);
    if (yajl_gen_map_close(g) != yajl_gen_status_ok)
        return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_READER, "inspect: the JSON generator refused the output");
    return B2A_OK;
}
