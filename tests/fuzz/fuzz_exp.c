/* libFuzzer target for the Oracle classic exp reader, driven through the
 * direct-reader vtable: the input is written to a temporary file (readers
 * work on paths), opened, and every table is scanned into a sink that
 * discards values. Seed it with the exp files in ../shared/samples/oracle.
 * Any crash, leak or hang is a bug; errors are expected. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "reader/reader.h"

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
    const b2a_reader_ops *r = &b2a__reader_oracle_exp;
    char path[] = "/tmp/fuzz_exp_XXXXXX";
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
    b2a_reader_opts opts = {0};
    void *h = NULL;
    if (r->open(&p, 1, &opts, &h, &err) == 0) {
        b2a_sink sink = { &ops };
        for (size_t i = 0; i < r->table_count(h); i++) {
            void *s = NULL;
            if (r->scan_open(h, i, &s, &err) < 0)
                continue;
            int eof = 0;
            size_t got;
            while (!eof && r->scan_next(s, &sink, 256, &got, &eof, &err) == 0)
                ;
            r->scan_close(s);
        }
        r->close(h);
    }
    unlink(path);
    return 0;
}
