/* Benchmark of the Oracle Data Pump reader (not a test: it prints figures,
 * it never fails on a slow one).
 *
 * For each dump, in its own forked child (so ru_maxrss from wait4 is its
 * own peak RSS), -r rounds of passes lasting at least -t seconds each:
 *   baseline   read() of the whole file into a 1 MiB buffer (as `cat`)
 *   reader     open through the reader vtable (the walk over every segment
 *              and row, the master table), then every table it can read
 *              scanned in 8192-row chunks into a counting sink
 * Figures, medians over the rounds: MB of dump per CPU second for both and
 * their ratio (reader / read()), rows per CPU second, peak RSS against the
 * dump's size. */
#include <dirent.h>
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
#include "reader/reader.h"
#include "bench_clock.h"

#define MB 1e6
#define CHUNK 8192
#define MAX_ROUNDS 31

typedef struct result {
    int ok;
    char msg[B2A_ERRMSG_MAX];
    int rounds;
    double mbs[MAX_ROUNDS], rows_s[MAX_ROUNDS];
    long maxrss_kb;
} result;

static int c_null(b2a_sink *s) { (void)s; return 0; }
static int c_bool(b2a_sink *s, int v) { (void)v; return c_null(s); }
static int c_i32(b2a_sink *s, int32_t v) { (void)v; return c_null(s); }
static int c_i64(b2a_sink *s, int64_t v) { (void)v; return c_null(s); }
static int c_f32(b2a_sink *s, float v) { (void)v; return c_null(s); }
static int c_f64(b2a_sink *s, double v) { (void)v; return c_null(s); }
static int c_bytes(b2a_sink *s, const void *p, size_t n) { (void)p; (void)n; return c_null(s); }
static int c_str(b2a_sink *s, const char *p, size_t n) { (void)p; (void)n; return c_null(s); }
static int c_dec(b2a_sink *s, const uint8_t *p, size_t n) { (void)p; (void)n; return c_null(s); }
static const b2a_sink_ops count_ops = {c_null, c_bool, c_i32, c_i64, c_f32, c_f64, c_bytes, c_str, c_dec, c_null};

/* One pass; returns rows scanned, or -1 with r->msg set. */
static double one_pass(const char *path, const b2a_reader_ops *ops, result *r)
{
    if (!ops) {
        static char buf[1 << 20];
        int fd = open(path, O_RDONLY);
        while (fd >= 0 && read(fd, buf, sizeof buf) > 0)
            ;
        if (fd >= 0)
            close(fd);
        return 0;
    }
    b2a_err err;
    b2a__err_clear(&err);
    void *x = NULL;
    b2a_reader_opts opts = {0};
    if (ops->open(&path, 1, &opts, &x, &err) != 0) {
        snprintf(r->msg, sizeof r->msg, "%s", err.msg);
        return -1;
    }
    double rows = 0;
    b2a_sink sink = {&count_ops};
    for (size_t t = 0; t < ops->table_count(x); t++) {
        void *s = NULL;
        if (ops->scan_open(x, t, &s, &err) != 0)
            continue; /* a table the reader cannot decode: not part of the figure */
        int eof = 0;
        while (!eof) {
            size_t got;
            if (ops->scan_next(s, &sink, CHUNK, &got, &eof, &err) != 0) {
                snprintf(r->msg, sizeof r->msg, "%s", err.msg);
                ops->scan_close(s);
                ops->close(x);
                return -1;
            }
            rows += (double)got;
        }
        ops->scan_close(s);
    }
    ops->close(x);
    return rows;
}

static result measure(const char *path, const b2a_reader_ops *ops, int rounds, double seconds, off_t size)
{
    int fds[2];
    result r;
    memset(&r, 0, sizeof r);
    if (pipe(fds) != 0)
        return r;
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        r.ok = 1;
        for (int k = 0; r.ok && k < rounds; k++) {
            double w0 = bench_seconds(CLOCK_MONOTONIC), c0 = bench_seconds(CLOCK_PROCESS_CPUTIME_ID);
            double rows = 0, bytes = 0;
            do {
                double n = one_pass(path, ops, &r);
                if (n < 0) {
                    r.ok = 0;
                    break;
                }
                rows += n;
                bytes += (double)size;
            } while (bench_seconds(CLOCK_MONOTONIC) - w0 < seconds);
            double cpu = bench_seconds(CLOCK_PROCESS_CPUTIME_ID) - c0;
            if (cpu <= 0)
                cpu = 1e-9;
            r.mbs[k] = bytes / MB / cpu;
            r.rows_s[k] = rows / cpu;
            r.rounds = k + 1;
        }
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

static void bench_file(const char *path, const b2a_reader_ops *ops, int rounds, double seconds)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return;
    const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    result base = measure(path, NULL, rounds, seconds, st.st_size);
    result r = measure(path, ops, rounds, seconds, st.st_size);
    if (!r.ok || !base.ok) {
        printf("%-40s %8.2f MB  failed: %s\n", name, st.st_size / MB, r.msg);
        return;
    }
    double mbs = bench_median(r.mbs, r.rounds), base_mbs = bench_median(base.mbs, base.rounds);
    printf("%-40s %8.2f MB  reader %8.1f MB/s/core  read() %8.1f MB/s/core  ratio %6.3f  %10.0f rows/s  "
           "peak RSS %5.1f MB (read() %4.1f MB)  median of %d rounds\n",
           name, st.st_size / MB, mbs, base_mbs, base_mbs > 0 ? mbs / base_mbs : 0, bench_median(r.rows_s, r.rounds),
           r.maxrss_kb / 1024.0, base.maxrss_kb / 1024.0, r.rounds);
}

int main(int argc, char **argv)
{
    double seconds = 1;
    int rounds = 5, opt;
    while ((opt = getopt(argc, argv, "t:r:")) != -1) {
        if (opt == 't')
            seconds = atof(optarg);
        else if (opt == 'r' && atoi(optarg) > 0 && atoi(optarg) <= MAX_ROUNDS)
            rounds = atoi(optarg);
        else {
            fprintf(stderr, "usage: %s [-t SECONDS_PER_ROUND] [-r ROUNDS (1-%d)] [DUMP...]\n", argv[0], MAX_ROUNDS);
            return 2;
        }
    }
    char **files = argv + optind;
    int nfiles = argc - optind;
    char *found[64];
    if (nfiles == 0) { /* every Data Pump dump in $B2A_SAMPLES/oracle */
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
            if (b2a__detect(p, &det, &err) == 0 && det.format == B2A_FMT_ORACLE_DATAPUMP)
                found[nfiles++] = strdup(p);
        }
        if (dp)
            closedir(dp);
        files = found;
    }
    if (nfiles == 0) {
        fprintf(stderr, "no Data Pump dumps found: give files, or set B2A_SAMPLES\n");
        return 2;
    }
    for (int i = 0; i < nfiles; i++) {
        b2a_detected det;
        b2a_err err;
        const b2a_reader_ops *ops = b2a__detect(files[i], &det, &err) == 0 ? b2a__reader_for(&det) : NULL;
        if (!ops || ops != &b2a__reader_oracle_datapump) {
            printf("%-40s not a Data Pump dump\n", files[i]);
            continue;
        }
        bench_file(files[i], ops, rounds, seconds);
    }
    return 0;
}
