/* Benchmark of the SQL Server .bak direct reader (not a test: it never
 * fails on a slow figure, it prints them).
 *
 * For each backup: open + scan every user table into (a) a sink that only
 * counts values and (b) the Avro writer (null codec, files in a scratch
 * directory, deleted after each pass), each repeated until at least -t
 * seconds have passed. The baseline, measured in the same run, is a plain
 * sequential read() of the same file into a 1 MiB buffer (page-cached after
 * the first pass). Every measurement runs in its own forked child, so its
 * peak RSS is the child's own ru_maxrss from wait4().
 *
 * Then a memory check that stands in for a large backup: the heap an open
 * backup holds per MB of file (the extent index), extrapolated, and the RSS
 * of one process scanning the largest sample many times over. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "avro/ocf.h"
#include "bak2avro/job.h"
#include "export/export.h"
#include "reader/mssql/bak.h"
#include "bench_clock.h"
#include "count_sink.h"

#define MB 1e6
#define READ_BUF (1 << 20)
#define MAX_FILES 256
#define TARGET_TAPE_MBS 200.0

enum { KIND_TAPE, KIND_MSSQLBAK, KIND_OTHER };
static const char *const kind_name[] = {"TAPE", "MSSQLBAK", "other"};

enum { M_IDLE, M_READ, M_NULL, M_AVRO, M_COUNT };
static const char *const mode_name[] = {"idle child", "baseline read()", "scan -> null sink",
                                        "scan -> avro (null codec)"};

typedef struct result {
    int ok;
    char msg[B2A_ERRMSG_MAX];
    long iters;
    double wall, cpu;          /* seconds */
    double bytes;              /* backup bytes processed (file size x iters) */
    double rows, values;
    long maxrss_kb;            /* from wait4 */
} result;

typedef struct sample {
    char path[4096];
    const char *name;
    int kind;
    off_t size;
    result r[M_COUNT];
} sample;

static double opt_seconds = 2.0;
static const char *opt_outdir = "/tmp";
static int opt_big_passes = 50;
static int opt_only = -1;    /* -m: run just this mode (for a profiler) */


/* ---- one pass: open, scan every table, close ---- */

static int scan_table(b2a_bak *b, size_t t, b2a_sink *sink, uint64_t *rows, b2a_err *err)
{
    b2a_bak_scan *sc;
    int rc = b2a__bak_scan_open(b, t, &sc, err);
    if (rc)
        return rc;
    int eof = 0;
    while (!eof && rc == B2A_OK) {
        size_t n = 0;
        /* the chunk size the exporter uses */
        rc = b2a__bak_scan_next(sc, sink, B2A_EXPORT_CHUNK_ROWS, &n, &eof, err);
        *rows += n;
    }
    b2a__bak_scan_close(sc);
    return rc;
}

static int pass(const char *path, int avro, uint64_t *rows, uint64_t *values, b2a_err *err)
{
    const char *paths[1] = {path};
    b2a_bak *b;
    int rc = b2a__bak_open(paths, 1, &b, err);
    if (rc)
        return rc;
    size_t nt = b2a__bak_table_count(b);
    for (size_t t = 0; t < nt && rc == B2A_OK; t++) {
        const b2a_table_def *def = b2a__bak_table(b, t);
        if (!avro) {
            count_sink cs = {{&count_ops}, 0, 0, 0};
            rc = scan_table(b, t, &cs.base, rows, err);
            *values += cs.values;
            continue;
        }
        char out[4200];
        snprintf(out, sizeof out, "%s/bench_bak_read-%ld-%zu.avro", opt_outdir, (long)getpid(), t);
        b2a_ocf_writer *w;
        rc = b2a__ocf_open(out, def, b2a__bak_database_name(b), B2A_CODEC_NULL, 0, &w, err);
        if (rc)
            break;
        rc = scan_table(b, t, b2a__ocf_sink(w), rows, err);
        *values += (uint64_t)b2a__ocf_rows(w) * def->ncolumns;
        if (rc) {
            b2a__ocf_abort(w);
            break;
        }
        rc = b2a__ocf_commit(w, err);
        unlink(out);
    }
    b2a__bak_close(b);
    return rc;
}

/* ---- measurements, each in a forked child ---- */

static void measure_in_child(int mode, const sample *s, result *r)
{
    double w0 = bench_seconds(CLOCK_MONOTONIC), c0 = bench_seconds(CLOCK_PROCESS_CPUTIME_ID), w = 0;
    b2a_err err;
    b2a__err_clear(&err);
    r->ok = 1;
    if (mode == M_IDLE)
        return;
    char *buf = mode == M_READ ? malloc(READ_BUF) : NULL;
    do {
        if (mode == M_READ) {
            int fd = open(s->path, O_RDONLY);
            if (fd < 0 || !buf) {
                snprintf(r->msg, sizeof r->msg, "%.900s: %s", s->path, strerror(errno));
                r->ok = 0;
                return;
            }
            ssize_t n;
            while ((n = read(fd, buf, READ_BUF)) > 0)
                r->bytes += (double)n;
            close(fd);
        } else {
            uint64_t rows = 0, values = 0;
            if (pass(s->path, mode == M_AVRO, &rows, &values, &err) != B2A_OK) {
                snprintf(r->msg, sizeof r->msg, "%s", err.msg);
                r->ok = 0;
                return;
            }
            r->rows += (double)rows;
            r->values += (double)values;
            r->bytes += (double)s->size;
        }
        r->iters++;
        w = bench_seconds(CLOCK_MONOTONIC) - w0;
    } while (w < opt_seconds);
    free(buf);
    r->wall = w;
    r->cpu = bench_seconds(CLOCK_PROCESS_CPUTIME_ID) - c0;
}

static int measure(int mode, const sample *s, result *r)
{
    int fds[2];
    memset(r, 0, sizeof *r);
    if (pipe(fds))
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        close(fds[0]);
        result cr;
        memset(&cr, 0, sizeof cr);
        measure_in_child(mode, s, &cr);
        ssize_t n = write(fds[1], &cr, sizeof cr);
        _exit(n == (ssize_t)sizeof cr ? 0 : 1);
    }
    close(fds[1]);
    size_t got = 0;
    while (got < sizeof *r) {
        ssize_t n = read(fds[0], (char *)r + got, sizeof *r - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fds[0]);
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0)
        return -1;
    if (got != sizeof *r || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        r->ok = 0;
        snprintf(r->msg, sizeof r->msg, "measuring child died (status 0x%x)", status);
    }
    r->maxrss_kb = ru.ru_maxrss;
    return 0;
}

/* ---- printing ---- */

static void print_mode(const sample *s, int m)
{
    const result *r = &s->r[m], *base = &s->r[M_READ];
    if (!r->ok) {
        printf("  %-26s FAILED: %s\n", mode_name[m], r->msg);
        return;
    }
    if (m == M_IDLE) {
        printf("  %-26s peak RSS %.1f MB (the floor every child starts from)\n", mode_name[m],
               (double)r->maxrss_kb / 1024);
        return;
    }
    double mbs = r->bytes / MB / r->cpu, mbs_wall = r->bytes / MB / r->wall;
    double rss = (double)r->maxrss_kb * 1024;
    double over = (double)(r->maxrss_kb - s->r[M_IDLE].maxrss_kb) * 1024;
    printf("  %-26s %8.1f MB/s/core %8.1f MB/s wall", mode_name[m], mbs, mbs_wall);
    if (m == M_READ)
        printf("                  ratio 1 (baseline)");
    else if (!base->ok)
        printf("  %9.0f rows/s  ratio n/a   ", r->rows / r->cpu);
    else
        printf("  %9.0f rows/s  ratio %.4f", r->rows / r->cpu, mbs / (base->bytes / MB / base->cpu));
    printf("  peak RSS %.1f MB (%.2fx backup; +%.1f MB over idle)  [%ld passes, %.2f s wall, %.2f s cpu]\n",
           rss / MB, rss / (double)s->size, over / MB, r->iters, r->wall, r->cpu);
}

/* ---- the memory check standing in for a big backup ---- */

static size_t heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

static long vm_kb(const char *key)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    size_t kl = strlen(key);
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, key, kl) && line[kl] == ':') {
            v = strtol(line + kl + 1, NULL, 10);
            break;
        }
    if (f)
        fclose(f);
    return v;
}

/* In a child: heap held by an open backup, then RSS over many passes. */
static void memory_check(sample *samples, size_t n)
{
    printf("\nmemory (stands in for a large backup):\n");
    size_t big = n;
    for (size_t i = 0; i < n; i++) {
        if (!samples[i].r[M_NULL].ok)
            continue;
        const char *paths[1] = {samples[i].path};
        b2a_bak *b;
        b2a_err err;
        size_t h0 = heap_in_use();
        if (b2a__bak_open(paths, 1, &b, &err) != B2A_OK)
            continue;
        size_t held = heap_in_use() - h0;
        uint64_t rows = 0;
        size_t peak_scan = 0;
        for (size_t t = 0; t < b2a__bak_table_count(b); t++) {
            b2a_bak_scan *sc;
            if (b2a__bak_scan_open(b, t, &sc, &err) != B2A_OK)
                continue;
            count_sink cs = {{&count_ops}, 0, 0, 0};
            int eof = 0;
            while (!eof) {
                size_t k;
                if (b2a__bak_scan_next(sc, &cs.base, B2A_EXPORT_CHUNK_ROWS, &k, &eof, &err) != B2A_OK)
                    break;
                rows += k;
                size_t h = heap_in_use() - h0;
                peak_scan = h > peak_scan ? h : peak_scan;
            }
            b2a__bak_scan_close(sc);
        }
        size_t after = heap_in_use() - h0;
        b2a__bak_close(b);
        printf("  heap of an open backup: %-46s %7.1f KB after open, %7.1f KB max while scanning, "
               "%7.1f KB after every table (backup %.2f MB, %llu rows scanned)\n",
               samples[i].name, (double)held / 1e3, (double)peak_scan / 1e3, (double)after / 1e3,
               (double)samples[i].size / MB, (unsigned long long)rows);
        if (samples[i].kind == KIND_TAPE && (big == n || samples[i].size > samples[big].size))
            big = i;
    }
    /* pagestore.c: 24-byte entries, open addressing from 1024 slots, doubled
     * past 3/4 full; the samples never leave the first 1024 slots, so this
     * part is computed, not measured. */
    printf("  extent index (pagestore.c, computed): 24 B/slot, 1024 slots minimum, doubled past 3/4 load:\n");
    for (double gb = 1; gb <= 1000; gb *= 10) {
        double ext = gb * 1e9 / 65536, cap = 1024;
        while ((ext + 1) * 4 > cap * 3)
            cap *= 2;
        printf("    %6.0f GB of data pages -> %9.0f extents -> %9.0f slots = %7.1f MB (%.1f MB while rehashing)\n",
               gb, ext, cap, cap * 24 / MB, cap * 1.5 * 24 / MB);
    }
    if (big == n)
        return;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        /* one open, every table scanned opt_big_passes times; then as many reopen+scan passes */
        const char *paths[1] = {samples[big].path};
        b2a_bak *b;
        b2a_err err;
        if (b2a__bak_open(paths, 1, &b, &err) != B2A_OK)
            _exit(1);
        long rss1 = 0, rssn = 0;
        uint64_t rows = 0;
        for (int p = 0; p < opt_big_passes; p++) {
            for (size_t t = 0; t < b2a__bak_table_count(b); t++) {
                count_sink cs = {{&count_ops}, 0, 0, 0};
                if (scan_table(b, t, &cs.base, &rows, &err) != B2A_OK)
                    _exit(1);
            }
            if (p == 0)
                rss1 = vm_kb("VmRSS");
        }
        rssn = vm_kb("VmRSS");
        b2a__bak_close(b);
        printf("  %s, one open, %d scans of every table (%.1f MB of backup scanned): "
               "VmRSS after scan 1 %.1f MB, after scan %d %.1f MB\n",
               samples[big].name, opt_big_passes, (double)samples[big].size * opt_big_passes / MB,
               (double)rss1 / 1024, opt_big_passes, (double)rssn / 1024);
        uint64_t values = 0;
        for (int p = 0; p < opt_big_passes; p++) {
            if (pass(samples[big].path, 0, &rows, &values, &err) != B2A_OK)
                _exit(1);
            if (p == 0)
                rss1 = vm_kb("VmRSS");
        }
        printf("  %s, %d open+scan+close passes: VmRSS after pass 1 %.1f MB, after pass %d %.1f MB, "
               "VmHWM %.1f MB\n",
               samples[big].name, opt_big_passes, (double)rss1 / 1024, opt_big_passes,
               (double)vm_kb("VmRSS") / 1024, (double)vm_kb("VmHWM") / 1024);
        fflush(stdout);
        _exit(0);
    }
    int status;
    struct rusage ru;
    if (pid > 0 && wait4(pid, &status, 0, &ru) == pid) {
        if (!WIFEXITED(status) || WEXITSTATUS(status))
            printf("  memory check child failed (status 0x%x)\n", status);
        else
            printf("  that child's peak RSS (ru_maxrss): %.1f MB for a %.2f MB backup\n",
                   (double)ru.ru_maxrss / 1024, (double)samples[big].size / MB);
    }
}

/* ---- arguments and samples ---- */

static int kind_of(const char *path)
{
    char m[8] = {0};
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return KIND_OTHER;
    ssize_t n = read(fd, m, sizeof m);
    close(fd);
    if (n >= 4 && !memcmp(m, "TAPE", 4))
        return KIND_TAPE;
    if (n >= 8 && !memcmp(m, "MSSQLBAK", 8))
        return KIND_MSSQLBAK;
    return KIND_OTHER;
}

static int add_path(sample *s, size_t *n, const char *path)
{
    struct stat st;
    if (stat(path, &st))
        return -1;
    if (S_ISDIR(st.st_mode)) {
        struct dirent **list;
        int k = scandir(path, &list, NULL, alphasort);
        if (k < 0)
            return -1;
        for (int i = 0; i < k; i++) {
            char p[4096];
            snprintf(p, sizeof p, "%s/%s", path, list[i]->d_name);
            struct stat fs;
            if (list[i]->d_name[0] != '.' && !stat(p, &fs) && S_ISREG(fs.st_mode))
                add_path(s, n, p);
            free(list[i]);
        }
        free(list);
        return 0;
    }
    if (*n >= MAX_FILES || kind_of(path) == KIND_OTHER)
        return 0;
    sample *x = &s[(*n)++];
    snprintf(x->path, sizeof x->path, "%s", path);
    const char *slash = strrchr(x->path, '/');
    x->name = slash ? slash + 1 : x->path;
    x->kind = kind_of(path);
    x->size = st.st_size;
    return 0;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: bench_bak_read [-t SECONDS] [-o SCRATCH_DIR] [-p PASSES] [-m read|null|avro] [FILE.bak|DIR]...\n"
            "  default input: $B2A_SAMPLES/sqlserver, $B2A_SAMPLES, or ../shared/samples/sqlserver\n"
            "  -t  minimum seconds per measurement (default 2)\n"
            "  -o  where the Avro files of one pass go (deleted at once; default /tmp)\n"
            "  -p  passes over the largest TAPE sample in the memory check (default 50)\n"
            "  -m  run only that measurement and skip the memory check (to profile it)\n");
    exit(2);
}

static void total_line(const char *label, sample *s, size_t n, int kind)
{
    for (int m = M_READ; m < M_COUNT; m++) {
        double bytes = 0, cpu = 0, wall = 0, rows = 0, bbytes = 0, bcpu = 0;
        long rss = 0;
        off_t size = 0;
        int count = 0;
        for (size_t i = 0; i < n; i++) {
            if (s[i].kind != kind || !s[i].r[m].ok)
                continue;
            count++;
            bytes += s[i].r[m].bytes;
            cpu += s[i].r[m].cpu;
            wall += s[i].r[m].wall;
            rows += s[i].r[m].rows;
            bbytes += s[i].r[M_READ].bytes;
            bcpu += s[i].r[M_READ].cpu;
            if (s[i].r[m].maxrss_kb > rss) {
                rss = s[i].r[m].maxrss_kb;
                size = s[i].size;
            }
        }
        if (!count)
            continue;
        double mbs = bytes / MB / cpu;
        printf("%-9s %-26s %8.1f MB/s/core %8.1f MB/s wall", label, mode_name[m], mbs, bytes / MB / wall);
        if (m == M_READ)
            printf("                              ");
        else if (bcpu <= 0)
            printf("  %9.0f rows/s  ratio n/a   ", rows / cpu);
        else
            printf("  %9.0f rows/s  ratio %.4f", rows / cpu, mbs / (bbytes / MB / bcpu));
        printf("  max peak RSS %.1f MB (backup %.2f MB)", (double)rss / 1024, (double)size / MB);
        if (kind == KIND_TAPE && m == M_NULL)
            printf("  target >= %.0f MB/s/core: %s", TARGET_TAPE_MBS, mbs >= TARGET_TAPE_MBS ? "met" : "NOT met");
        printf("  [%d samples]\n", count);
    }
}

int main(int argc, char **argv)
{
    int c;
    while ((c = getopt(argc, argv, "t:o:p:m:h")) != -1) {
        switch (c) {
        case 't': opt_seconds = atof(optarg); break;
        case 'o': opt_outdir = optarg; break;
        case 'p': opt_big_passes = atoi(optarg); break;
        case 'm':
            opt_only = !strcmp(optarg, "read") ? M_READ : !strcmp(optarg, "null") ? M_NULL
                     : !strcmp(optarg, "avro") ? M_AVRO : -2;
            if (opt_only == -2)
                usage();
            break;
        default: usage();
        }
    }
    if (opt_seconds <= 0 || opt_big_passes <= 0)
        usage();
    static sample samples[MAX_FILES];
    size_t n = 0;
    if (optind < argc) {
        for (int i = optind; i < argc; i++)
            if (add_path(samples, &n, argv[i])) {
                fprintf(stderr, "bench_bak_read: %s: %s\n", argv[i], strerror(errno));
                return 2;
            }
    } else {
        const char *env = getenv("B2A_SAMPLES");
        char dir[4096];
        struct stat st;
        snprintf(dir, sizeof dir, "%s/sqlserver", env ? env : "../shared/samples");
        if (env && stat(dir, &st))
            snprintf(dir, sizeof dir, "%s", env);
        if (add_path(samples, &n, dir)) {
            fprintf(stderr, "bench_bak_read: no samples at %s (set B2A_SAMPLES or give files)\n", dir);
            return 2;
        }
    }
    if (!n) {
        fprintf(stderr, "bench_bak_read: no TAPE or MSSQLBAK files found\n");
        return 2;
    }

    printf("bench_bak_read: %zu backups, >= %.1f s per measurement, MB = 10^6 bytes, MB/s/core = backup "
           "bytes per CPU second of one thread\n", n, opt_seconds);
    for (size_t i = 0; i < n; i++) {
        sample *s = &samples[i];
        /* Open once here for the description; a backup the reader refuses is skipped. */
        const char *paths[1] = {s->path};
        b2a_bak *b;
        b2a_err err;
        printf("\n%s  %s  %.2f MB", s->name, kind_name[s->kind], (double)s->size / MB);
        if (b2a__bak_open(paths, 1, &b, &err) != B2A_OK) {
            printf("  skipped: the reader refuses it: %s\n", err.msg);
            for (int m = 0; m < M_COUNT; m++)
                s->r[m].ok = 0;
            continue;
        }
        printf("  %zu tables\n", b2a__bak_table_count(b));
        b2a__bak_close(b);
        fflush(stdout);
        for (int m = 0; m < M_COUNT; m++) {
            if (opt_only >= 0 && m != opt_only && m != M_READ && m != M_IDLE)
                continue;
            if (opt_only >= 0 && m == M_READ && opt_only != M_READ) {
                s->r[m].ok = 0; /* not measured: keep it out of the profile */
                continue;
            }
            if (measure(m, s, &s->r[m])) {
                perror("bench_bak_read: fork");
                return 1;
            }
            print_mode(s, m);
            fflush(stdout);
        }
    }

    printf("\ntotals (sum of bytes / sum of CPU seconds over the samples of one kind):\n");
    total_line("TAPE", samples, n, KIND_TAPE);
    total_line("MSSQLBAK", samples, n, KIND_MSSQLBAK);
    if (opt_only < 0)
        memory_check(samples, n);
    return 0;
}
