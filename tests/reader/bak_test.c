/* Shared helpers of the SQL Server sample tests (see bak_test.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bak_test.h"
#include "util/str.h"

const char *bak_samples;
char bak_tmpdir[256];

int bak_test_setup(const char *test, const char *probe, const char *tag)
{
    bak_samples = getenv("B2A_SAMPLES");
    if (!bak_samples || access(bak_sample(probe), R_OK) != 0) {
        fprintf(stderr, "%s: sample backups not found (B2A_SAMPLES=%s): skipped\n", test,
                bak_samples ? bak_samples : "(unset)");
        return 77;
    }
    const char *td = getenv("TMPDIR");
    snprintf(bak_tmpdir, sizeof bak_tmpdir, "%s/b2a-%s-XXXXXX", td ? td : "/tmp", tag);
    if (!mkdtemp(bak_tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    return 0;
}

void bak_test_teardown(void)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", bak_tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", bak_tmpdir);
}

const char *bak_sample(const char *name)
{
    static char buf[8][1024];
    static int k;
    char *b = buf[k++ & 7];
    snprintf(b, sizeof buf[0], "%s/sqlserver/%s", bak_samples ? bak_samples : "", name);
    return b;
}

uint8_t *bak_slurp(const char *path, size_t *n)
{
    uint8_t *b = (uint8_t *)b2a__read_file(path, SIZE_MAX, n);
    if (!b)
        fail_msg("cannot read %s", path);
    return b;
}

void bak_put(const char *path, const uint8_t *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        fail_msg("cannot write %s", path);
    assert_int_equal(fwrite(b, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

size_t bak_find_table(const b2a_bak *b, const char *schema, const char *name)
{
    for (size_t i = 0; i < b2a__bak_table_count(b); i++) {
        const b2a_table_def *t = b2a__bak_table(b, i);
        if (strcmp(t->schema, schema) == 0 && strcmp(t->name, name) == 0)
            return i;
    }
    fail_msg("no table %s.%s", schema, name);
    return 0;
}

int bak_scan(b2a_bak *b, size_t i, text_sink *ts, size_t chunk, b2a_err *err)
{
    text_sink_init(ts, b2a__bak_table(b, i));
    b2a_bak_scan *s = NULL;
    int rc = b2a__bak_scan_open(b, i, &s, err);
    int eof = 0;
    while (rc == B2A_OK && !eof) {
        size_t got = 0;
        rc = b2a__bak_scan_next(s, &ts->base, chunk, &got, &eof, err);
        assert_true(got <= chunk);
    }
    b2a__bak_scan_close(s);
    return rc;
}

void bak_scan_all(b2a_bak *b, size_t i, text_sink *ts, size_t chunk)
{
    b2a_err err;
    b2a__err_clear(&err);
    if (bak_scan(b, i, ts, chunk, &err) != B2A_OK)
        fail_msg("table %zu: %s", i, err.msg);
    assert_int_equal(ts->errors, 0);
}
