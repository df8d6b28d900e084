/* The classic exp reader behind the direct-reader vtable (reader/reader.h). */
#include "reader/reader.h"
#include "detect/detect.h"
#include "reader/oracle/exp.h"

static int probe(const struct b2a_detected *d) { return d->format == B2A_FMT_ORACLE_EXP; }

static int open_exp(const char *const *paths, size_t n, const b2a_reader_opts *opts, void **out, b2a_err *err)
{
    (void)opts; /* exp files carry no checksums to ignore */
    return b2a__exp_open(paths, n, (b2a_exp **)out, err);
}

static const char *database_name(const void *r) { return b2a__exp_database_name(r); }
static size_t table_count(const void *r) { return b2a__exp_table_count(r); }
static const b2a_table_def *table(const void *r, size_t i) { return b2a__exp_table(r, i); }
static const char *table_kind(const void *r, size_t i) { return b2a__exp_table_kind(r, i); }

static const size_t *primary_key(const void *r, size_t i, size_t *n) { return b2a__exp_primary_key(r, i, n); }

static const char *partition_name(const void *r, size_t i, size_t k) { return b2a__exp_partition_name(r, i, k); }

static int scan_open(void *r, size_t t, void **scan, b2a_err *err)
{
    return b2a__exp_scan_open(r, t, (b2a_exp_scan **)scan, err);
}

static int scan_next(void *scan, b2a_sink *sink, size_t max_rows, size_t *rows_out, int *eof, b2a_err *err)
{
    return b2a__exp_scan_next(scan, sink, max_rows, rows_out, eof, err);
}

static void scan_close(void *scan) { b2a__exp_scan_close(scan); }
static uint64_t scan_replaced(const void *scan) { return b2a__exp_scan_replaced(scan); }
static void close_exp(void *r) { b2a__exp_close(r); }

static int scan_open_part(void *r, size_t t, size_t part, size_t nparts, void **scan, b2a_err *err)
{
    return b2a__exp_scan_open_part(r, t, part, nparts, (b2a_exp_scan **)scan, err);
}

static size_t max_parts(const void *r, size_t t) { return b2a__exp_segments(r, t); }

const b2a_reader_split_ops b2a__reader_oracle_exp_split = { scan_open_part, max_parts };

const b2a_reader_ops b2a__reader_oracle_exp = {
    "oracle-exp", probe, open_exp, database_name, table_count, table, table_kind,
    scan_open, scan_next, scan_close, close_exp,
    primary_key,
    NULL, /* no page checksums */
    partition_name,
    NULL, /* no page checksums, so no salvage */
    scan_replaced,
};
