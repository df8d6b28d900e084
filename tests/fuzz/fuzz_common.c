/* See fuzz_common.h. */
#include "fuzz_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int fuzz_file_make(const uint8_t *data, size_t size, fuzz_files *f)
{
    memset(f, 0, sizeof(*f));
    f->memfd = memfd_create("fuzz-input", 0);
    if (f->memfd < 0)
        return -1;
    if (write_all(f->memfd, data, size) < 0) {
        close(f->memfd);
        f->memfd = -1;
        return -1;
    }
    snprintf(f->paths[0], sizeof(f->paths[0]), "/proc/self/fd/%d", f->memfd);
    f->argv[0] = f->paths[0];
    f->n = 1;
    return 0;
}

/* A member's name as a plain file name: [A-Za-z0-9._-], no leading dot, never empty. */
static void member_name(const uint8_t *p, size_t n, size_t index, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 1 < cap && o < 64; i++) {
        char c = (char)p[i];
        int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '_' || c == '-' || (c == '.' && o > 0);
        out[o++] = ok ? c : '_';
    }
    out[o] = '\0';
    if (o == 0)
        snprintf(out, cap, "member%zu", index);
}

int fuzz_files_make(const uint8_t *data, size_t size, fuzz_files *f)
{
    const size_t mlen = strlen(FUZZ_FILE_MARKER);
    if (size < mlen || memcmp(data, FUZZ_FILE_MARKER, mlen) != 0)
        return fuzz_file_make(data, size, f);

    memset(f, 0, sizeof(*f));
    f->memfd = -1;
    const char *tmp = getenv("TMPDIR");
    snprintf(f->dir, sizeof(f->dir), "%s/b2a-fuzz-XXXXXX", tmp && strlen(tmp) < 40 ? tmp : "/tmp");
    if (!mkdtemp(f->dir)) {
        f->dir[0] = '\0';
        return -1;
    }
    const uint8_t *p = data, *end = data + size;
    while (p < end && f->n < FUZZ_MAX_FILES) {
        p += mlen;
        const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
        const uint8_t *body = nl ? nl + 1 : end;
        const uint8_t *next = memmem(body, (size_t)(end - body), FUZZ_FILE_MARKER, mlen);
        if (!next)
            next = end;
        char name[72];
        member_name(p, (size_t)((nl ? nl : end) - p), f->n, name, sizeof(name));
        char *path = f->paths[f->n];
        snprintf(path, sizeof(f->paths[0]), "%s/%s", f->dir, name);
        FILE *out = fopen(path, "wb");
        if (!out)
            break; /* a repeated name already made it a directory or file: stop here */
        size_t len = (size_t)(next - body);
        int bad = len && fwrite(body, 1, len, out) != len;
        if (fclose(out) != 0 || bad) {
            fuzz_files_drop(f);
            return -1;
        }
        f->argv[f->n] = path;
        f->n++;
        p = next;
    }
    if (f->n == 0) {
        fuzz_files_drop(f);
        return -1;
    }
    return 0;
}

void fuzz_files_drop(fuzz_files *f)
{
    if (f->memfd >= 0)
        close(f->memfd);
    for (size_t i = 0; f->dir[0] && i < f->n; i++)
        unlink(f->paths[i]);
    if (f->dir[0])
        rmdir(f->dir);
    memset(f, 0, sizeof(*f));
    f->memfd = -1;
}

void fuzz_reader_run(const b2a_reader_ops *ops, const b2a_reader_opts *opts, const uint8_t *data,
                     size_t size)
{
    fuzz_files f;
    if (fuzz_files_make(data, size, &f) < 0)
        return;
    b2a_err err;
    void *r = NULL;
    if (ops->open(f.argv, f.n, opts, &r, &err) == 0) {
        ops->database_name(r);
        for (size_t i = 0; i < ops->table_count(r); i++) {
            size_t nkey;
            ops->table(r, i);
            ops->table_kind(r, i);
            if (ops->primary_key)
                ops->primary_key(r, i, &nkey);
            void *scan = NULL;
            if (ops->scan_open(r, i, &scan, &err) != 0)
                continue;
            int eof = 0;
            size_t got;
            while (!eof && ops->scan_next(scan, &fuzz_null_sink, 256, &got, &eof, &err) == 0)
                ;
            ops->scan_close(scan);
        }
        b2a_reader_verification v;
        if (ops->verification)
            ops->verification(r, &v);
        ops->close(r);
    }
    fuzz_files_drop(&f);
}

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
static const b2a_sink_ops null_ops = { s_null, s_bool, s_i32, s_i64, s_f32, s_f64,
                                       s_bytes, s_str, s_dec, s_end };
b2a_sink fuzz_null_sink = { &null_ops };
