/* libFuzzer target for the SQL Server .bak reader: the input is written to
 * a temporary file (the reader works on paths), opened, and every table is
 * scanned into a sink that discards values. Seed it with the samples in
 * ../shared/samples/sqlserver. Any crash, leak or hang is a bug; errors
 * are expected. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "reader/mssql/bak.h"

static int s_null(b2a_sink *s) { (void)s; return 0; }
static int s_bool(b2a_sink *s, int v) { (void)s; (void)v; return 0; }
static int s_i32(b2a_sink *s, int32_t v) { (void)s; (void)v; return 0; }
static int s_i64(b2a_sink *s, int64_t v) { (void)s; (void)v; return 0; }
static int s_f32(b2a_sink *s, float v) { (void)s; (void)v; return 0; }
static int s_f64(b2a_sink *s, double v) { (void)s; (void)v; return 0; }
static int s_bytes(b2a_sink *s, const void *p, size_t n) { (void)s; (void)p; (void)n; return 0; }
static int s_str(b2a_sink *s, const char *p, size_t n) { (void)s; (void)p; (void)n; return 0; }
static int s_dec(b2a_sink *s, const uint8_t *p, size_t n) { (void)s; (void)p; (void)n; return 0; }
static int s_end(b2a_sink *s) { (void)s; return 0; }
static const b2a_sink_ops ops = { s_null, s_bool, s_i32, s_i64, s_f32, s_f64, s_bytes, s_str, s_dec, s_end };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[] = "/tmp/fuzz_bak_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return 0;
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        unlink(path);
        return 0;
    }
    close(fd);
    const char *p = path;
    b2a_err err;
    b2a_bak *b = NULL;
    if (b2a__bak_open(&p, 1, &b, &err) == 0) {
        b2a_sink sink = { &ops };
        for (size_t i = 0; i < b2a__bak_table_count(b); i++) {
            b2a_bak_scan *s = NULL;
            if (b2a__bak_scan_open(b, i, &s, &err) < 0)
                continue;
            int eof = 0;
            size_t got;
            while (!eof && b2a__bak_scan_next(s, &sink, 256, &got, &eof, &err) == 0)
                ;
            b2a__bak_scan_close(s);
        }
        b2a__bak_close(b);
    }
    unlink(path);
    return 0;
}
