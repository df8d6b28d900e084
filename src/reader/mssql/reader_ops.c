/* The SQL Server .bak reader behind the direct-reader vtable (reader.h). */
#include "reader/reader.h"
#include "detect/detect.h"
#include "reader/mssql/bak.h"

static int probe(const struct b2a_detected *d)
{
    return d->vendor == B2A_VENDOR_SQLSERVER;
}

static int open_bak(const char *const *paths, size_t n, void **out, b2a_err *err)
{
    return b2a__bak_open(paths, n, (b2a_bak **)out, err);
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
static void close_bak(void *r) { b2a__bak_close(r); }
static const size_t *primary_key(const void *r, size_t i, size_t *n) { return b2a__bak_table_primary_key(r, i, n); }

const b2a_reader_ops b2a__reader_mssql_bak = {
    "mssql-bak", probe, open_bak, database_name, table_count, table, table_kind,
    scan_open, scan_next, scan_close, close_bak, primary_key,
};
