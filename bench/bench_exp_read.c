/* Benchmark of the Oracle classic exp reader (not a test: it prints
 * figures, it never fails on a slow one).
 *
 * For each dump, in its own forked child (so ru_maxrss from wait4 is its
 * own peak RSS), repeated until at least -t seconds have passed:
 *   baseline read()   read() of the whole file into a 1 MiB buffer
 *   open + scan       b2a__exp_open (the walk over every row), then every
 *                     table scanned in 8192-row chunks into a counting sink
 * Figures: MB of dump per CPU second, rows per CPU second (rows scanned;
 * the walk at open reads them once more), peak RSS.
 *
 * -g N also builds, in -o DIR, a copy of each dump whose largest table's
 * rows are repeated N times, and measures it the same way: peak RSS
 * against dump size is the check that memory does not grow with the dump. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "detect/detect.h"
#include "reader/oracle/exp.h"
#include "bench_clock.h"

#define MB 1e6
#define CHUNK 8192

typedef struct result {
    int ok;
    char msg[B2A_ERRMSG_MAX];
    long iters;
    double cpu, bytes, rows;
    long maxrss_kb;
} result;

static long long counted;
static int c_null(b2a_sink *s) { (void)s; counted++; return 0; }
static int c_bool(b2a_sink *s, int v) { (void)v; return c_null(s); }
static int c_i32(b2a_sink *s, int32_t v) { (void)v; return c_null(s); }
static int c_i64(b2a_sink *s, int64_t v) { (void)v; return c_null(s); }
static int c_f32(b2a_sink *s, float v) { (void)v; return c_null(s); }
static int c_f64(b2a_sink *s, double v) { (void)v; return c_null(s); }
static int c_bytes(b2a_sink *s, const void *p, size_t n) { (void)p; (void)n; return c_null(s); }
static int c_str(b2a_sink *s, const char *p, size_t n) { (void)p; (void)n; return c_null(s); }
static int c_dec(b2a_sink *s, const uint8_t *p, size_t n) { (void)p; (void)n; return c_null(s); }
static int c_end(b2a_sink *s) { (void)s; return 0; }
static const b2a_sink_ops count_ops = {c_null, c_bool, c_i32, c_i64, c_f32, c_f64, c_bytes, c_str, c_dec, c_end};

/* One pass; returns rows scanned or -1 with r->msg set. */
static double one_pass(const char *path, int baseline, result *r)
{
    if (baseline) {
        static char buf[1 << 20];
        int fd = open(path, O_RDONLY);
        ssize_t n;
        while (fd >= 0 && (n = read(fd, buf, sizeof buf)) > 0)
            ;
        if (fd >= 0)
            close(fd);
        return 0;
    }
    b2a_err err;
    b2a__err_clear(&err);
    b2a_exp *x = NULL;
    if (b2a__exp_open(&path, 1, &x, &err) != 0) {
        snprintf(r->msg, sizeof r->msg, "%s", err.msg);
        return -1;
    }
    double rows = 0;
    b2a_sink sink = {&count_ops};
    for (size_t t = 0; t < b2a__exp_table_count(x); t++) {
        b2a_exp_scan *s = NULL;
        if (b2a__exp_scan_open(x, t, &s, &err) != 0)
            continue; /* a table the reader cannot decode: not part of the figure */
        int eof = 0;
        while (!eof) {
            size_t got;
            if (b2a__exp_scan_next(s, &sink, CHUNK, &got, &eof, &err) != 0) {
                snprintf(r->msg, sizeof r->msg, "%s", err.msg);
                b2a__exp_scan_close(s);
                b2a__exp_close(x);
                return -1;
            }
            rows += (double)got;
        }
        b2a__exp_scan_close(s);
    }
    b2a__exp_close(x);
    return rows;
}

static result measure(const char *path, int baseline, double seconds, off_t size)
{
    int fds[2];
    result r;
    memset(&r, 0, sizeof r);
    if (pipe(fds) != 0)
        return r;
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        double w0 = bench_seconds(CLOCK_MONOTONIC), c0 = bench_seconds(CLOCK_PROCESS_CPUTIME_ID);
        r.ok = 1;
        do {
            double rows = one_pass(path, baseline, &r);
            if (rows < 0) {
                r.ok = 0;
                break;
            }
            r.rows += rows;
            r.bytes += (double)size;
            r.iters++;
        } while (bench_seconds(CLOCK_MONOTONIC) - w0 < seconds);
        r.cpu = bench_seconds(CLOCK_PROCESS_CPUTIME_ID) - c0;
        if (write(fds[1], &r, sizeof r) != (ssize_t)sizeof r)
            _exit(1);
        _exit(0);
    }
    close(fds[1]);
    if (read(fds[0], &r, sizeof r) != (ssize_t)sizeof r)
        r.ok = 0;
    close(fds[0]);
    struct rusage ru;
    int st;
    wait4(pid, &st, 0, &ru);
    r.maxrss_kb = ru.ru_maxrss;
    return r;
}

static void bench_file(const char *path, double seconds)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return;
    const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    result base = measure(path, 1, seconds, st.st_size);
    result r = measure(path, 0, seconds, st.st_size);
    if (!r.ok) {
        printf("%-40s %9.2f MB  failed: %s\n", name, st.st_size / MB, r.msg);
        return;
    }
    if (r.cpu <= 0 || base.cpu <= 0)
        return;
    double mbs = r.bytes / MB / r.cpu, base_mbs = base.bytes / MB / base.cpu;
    printf("%-40s %9.2f MB %5ld passes %8.1f MB/s/core (read() %7.1f) %10.0f rows/s  peak RSS %6.1f MB (read() %5.1f MB)\n",
           name, st.st_size / MB, r.iters, mbs, base_mbs, r.rows / r.cpu, r.maxrss_kb / 1024.0,
           base.maxrss_kb / 1024.0);
}

/* A copy of path with its largest table's rows repeated n times. */
static int grow(const char *path, int n, const char *dir, char *out, size_t cap)
{
    b2a_err err;
    b2a_exp *x = NULL;
    if (b2a__exp_open(&path, 1, &x, &err) != 0)
        return -1;
    size_t best = 0;
    uint64_t bs = 0, be = 0;
    for (size_t t = 0; t < b2a__exp_table_count(x); t++) {
        uint64_t s, e;
        if (b2a__exp_rows_span(x, t, 0, &s, &e) == 0 && e - s > be - bs)
            best = t, bs = s, be = e;
    }
    (void)best;
    b2a__exp_close(x);
    if (be <= bs)
        return -1;
    FILE *in = fopen(path, "rb");
    const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    snprintf(out, cap, "%s/grown%dx_%s", dir, n, name);
    FILE *o = fopen(out, "wb");
    if (!in || !o)
        return -1;
    struct stat st;
    stat(path, &st);
    char *buf = malloc((size_t)st.st_size);
    if (!buf || fread(buf, 1, (size_t)st.st_size, in) != (size_t)st.st_size)
        return -1;
    fwrite(buf, 1, be, o);
    for (int i = 1; i < n; i++)
        fwrite(buf + bs, 1, be - bs, o);
    fwrite(buf + be, 1, (size_t)st.st_size - be, o);
    free(buf);
    fclose(in);
    return fclose(o) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    double seconds = 2;
    int growth = 0;
    const char *dir = "/tmp";
    int opt;
    while ((opt = getopt(argc, argv, "t:g:o:")) != -1) {
        if (opt == 't')
            seconds = atof(optarg);
        else if (opt == 'g')
            growth = atoi(optarg);
        else if (opt == 'o')
            dir = optarg;
        else {
            fprintf(stderr, "usage: %s [-t SECONDS] [-g N] [-o DIR] [DUMP...]\n", argv[0]);
            return 2;
        }
    }
    char **files = argv + optind;
    int nfiles = argc - optind;
    char *found[64];
    if (nfiles == 0) { /* every exp dump in $B2A_SAMPLES/oracle */
        const char *s = getenv("B2A_SAMPLES");
        char d[4096];
        snprintf(d, sizeof d, "%s/oracle", s ? s : "../shared/samples");
        DIR *dp = opendir(d);
        struct dirent *de;
        while (dp && (de = readdir(dp)) && nfiles < 64) {
            char p[8192];
            snprintf(p, sizeof p, "%s/%s", d, de->d_name);
            b2a_detected det;
            b2a_err err;
            if (b2a__detect(p, &det, &err) == 0 && det.format == B2A_FMT_ORACLE_EXP)
                found[nfiles++] = strdup(p);
        }
        if (dp)
            closedir(dp);
        files = found;
    }
    if (nfiles == 0) {
        fprintf(stderr, "no exp dumps found: give files, or set B2A_SAMPLES\n");
        return 2;
    }
    for (int i = 0; i < nfiles; i++)
        bench_file(files[i], seconds);
    for (int i = 0; growth > 1 && i < nfiles; i++) {
        char big[4096];
        /* a dump that ends without EXIT (23ai) only ends properly in its
         * last block's padding, which the copy moves: it is skipped */
        if (grow(files[i], growth, dir, big, sizeof big) == 0) {
            bench_file(big, seconds);
            unlink(big);
        }
    }
    return 0;
}
