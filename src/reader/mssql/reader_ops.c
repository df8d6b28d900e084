/* The SQL Server .bak reader behind the direct-reader vtable (reader.h). */
#include "reader/reader.h"
#include "detect/detect.h"
#include "reader/mssql/bak.h"

static int probe(const struct b2a_detected *d)
{
    return d->vendor == B2A_VENDOR_SQLSERVER;
}

static int open_bak(const char *const *paths, size_t n, const b2a_reader_opts *opts, void **out, b2a_err *err)
{
    unsigned flags = opts && opts->ignore_checksums ? B2A_BAK_IGNORE_CHECKSUMS : 0;
    return b2a__bak_open_flags(paths, n, flags, (b2a_bak **)out, err);
}

static const char *database_name(const void *r) { return b2a__bak_database_name(r); }
static size_t table_count(const void *r) { return b2a__bak_table_count(r); }
static const b2a_table_def *table(const void *r, size_t i) { return b2a__bak_table(r, i); }

static const char *table_kind(const void *r, size_t i)
{
    (void)r;
    (void)i;
    return "table";
}

static int scan_open(void *r, size_t t, void **scan, b2a_err *err)
{
    return b2a__bak_scan_open(r, t, (b2a_bak_scan **)scan, err);
}

static int scan_next(void *scan, b2a_sink *sink, size_t max_rows, size_t *rows_out, int *eof, b2a_err *err)
{
    return b2a__bak_scan_next(scan, sink, max_rows, rows_out, eof, err);
}

static void scan_close(void *scan) { b2a__bak_scan_close(scan); }
static uint64_t scan_salvaged(const void *scan) { return b2a__bak_scan_salvaged(scan); }
static void close_bak(void *r) { b2a__bak_close(r); }
static const size_t *primary_key(const void *r, size_t i, size_t *n) { return b2a__bak_table_primary_key(r, i, n); }

static int verification(const void *r, b2a_reader_verification *out)
{
    const char *mode = b2a__bak_page_verify_mode(r);
    if (!mode)
        return 0;
    b2a_bak_verify_stats st;
    b2a__bak_verify_stats(r, &st);
    out->page_verify = mode;
    out->checksum = st.checksum;
    out->torn = st.torn;
    out->unprotected = st.unprotected;
    out->failed = st.failed;
    out->nfailures = 0;
    const char *f;
    while (out->nfailures < sizeof(out->failures) / sizeof(out->failures[0]) &&
           (f = b2a__bak_verify_failure(r, out->nfailures)))
        out->failures[out->nfailures++] = f;
    return 1;
}

/* A table's pages split by extent number (bak.h); see reader.h. */
static int scan_open_part(void *r, size_t t, size_t part, size_t nparts, void **scan, b2a_err *err)
{
    return b2a__bak_scan_open_part(r, t, part, nparts, (b2a_bak_scan **)scan, err);
}

const b2a_reader_split_ops b2a__reader_mssql_bak_split = { scan_open_part, NULL };

const b2a_reader_ops b2a__reader_mssql_bak = {
    "mssql-bak", probe, open_bak, database_name, table_count, table, table_kind,
    scan_open, scan_next, scan_close, close_bak, primary_key, verification,
    NULL, /* partition names */
    scan_salvaged,
    NULL, /* scan_replaced: text is UTF-16 or a Windows code page, never replaced */
};
