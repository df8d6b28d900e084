/* Shared by the detect tests: where the samples are, temp files. */
#ifndef B2A_TESTS_DETECT_HELPERS_H
#define B2A_TESTS_DETECT_HELPERS_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char th_tmpdir[256];

/* Exit 77 (meson's skip) with a clear message when the samples are absent. */
static __attribute__((unused)) void th_require_samples(void)
{
    const char *s = getenv("B2A_SAMPLES");
    char probe[1024];
    if (!s || !*s) {
        fprintf(stderr, "SKIP: B2A_SAMPLES is not set; these tests need the sample backups "
                        "(../shared/samples)\n");
        exit(77);
    }
    snprintf(probe, sizeof(probe), "%s/README.md", s);
    if (access(probe, R_OK) != 0) {
        fprintf(stderr, "SKIP: sample folder %s is absent or unreadable; these tests need the "
                        "sample backups\n", s);
        exit(77);
    }
}

/* $B2A_SAMPLES/rel in one of a few rotating static buffers. */
static __attribute__((unused)) const char *th_sample(const char *rel)
{
    static char bufs[8][1024];
    static int next;
    char *b = bufs[next++ % 8];
    snprintf(b, 1024, "%s/%s", getenv("B2A_SAMPLES"), rel);
    return b;
}

static __attribute__((unused)) int th_rm(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st; (void)flag; (void)ftw;
    return remove(p);
}

static __attribute__((unused)) void th_cleanup(void)
{
    if (th_tmpdir[0])
        nftw(th_tmpdir, th_rm, 16, FTW_DEPTH | FTW_PHYS);
}

/* A private temp dir, removed at exit. */
static __attribute__((unused)) const char *th_tmp(void)
{
    if (!th_tmpdir[0]) {
        snprintf(th_tmpdir, sizeof(th_tmpdir), "%s/b2a-detect-XXXXXX",
                 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
        if (!mkdtemp(th_tmpdir)) {
            perror("mkdtemp");
            exit(1);
        }
        atexit(th_cleanup);
    }
    return th_tmpdir;
}

/* TMP/name, in one of a few rotating static buffers. */
static __attribute__((unused)) const char *th_tmp_path(const char *name)
{
    static char bufs[8][512];
    static int next;
    char *b = bufs[next++ % 8];
    snprintf(b, 512, "%s/%s", th_tmp(), name);
    return b;
}

static __attribute__((unused)) void th_write(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f || (len && fwrite(data, 1, len, f) != len) || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
}

/* Whole file into memory (tests only: samples are a few MB). */
static __attribute__((unused)) unsigned char *th_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(1);
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc((size_t)n + 1);
    if (!b || fread(b, 1, (size_t)n, f) != (size_t)n) {
        perror(path);
        exit(1);
    }
    fclose(f);
    b[n] = 0;
    *len = (size_t)n;
    return b;
}

/* The first n bytes of src into TMP/name; returns the path. */
static __attribute__((unused)) const char *th_prefix_copy(const char *src, size_t n, const char *name)
{
    size_t len;
    unsigned char *b = th_slurp(src, &len);
    const char *p = th_tmp_path(name);
    th_write(p, b, n < len ? n : len);
    free(b);
    return p;
}

#endif
