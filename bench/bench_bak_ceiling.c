/* Where the time of a compressed (MSSQLBAK) backup scan goes, and what a
 * faster XPRESS decoder could buy (not a test: it prints figures).
 *
 * For each compressed backup, three measurements, all in MB of the
 * compressed backup per CPU second, alternating in every round:
 *   full scan     open + every user table into a counting sink + close
 *                 (the baseline: the other two are ratios of it)
 *   decoder alone every compressed record of the file, already in memory,
 *                 through b2a__xpress_decode (the scan decodes at most these)
 *   free decoder  the same scan of the same backup already decompressed: the
 *                 records written out once, in file order, as the plain MTF
 *                 stream they are (mssqlbak.h), and scanned as a TAPE backup
 * Figures are medians over the rounds. From them: what share of the scan
 * the decoder takes, and the decoder speed a 200 MB/s scan would need with
 * everything else as it is. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bak2avro/job.h"
#include "export/export.h"
#include "reader/mssql/bak.h"
#include "reader/mssql/mssqlbak.h"
#include "reader/mssql/xpress.h"
#include "bench_clock.h"
#include "count_sink.h"

#define MB 1e6
#define TARGET_MBS 200.0

enum { M_SCAN, M_DECODE, M_FREE, M_COUNT };
static const char *const mode_name[] = {"full scan (baseline)", "decoder alone (every record)",
                                        "free decoder (scan of the decompressed twin)"};

/* Open, scan every table, close; the values seen, or -1 with err. */
static int64_t scan(const char *path, b2a_err *err)
{
    const char *paths[1] = {path};
    b2a_bak *b;
    if (b2a__bak_open(paths, 1, &b, err) != B2A_OK)
        return -1;
    count_sink cs = {{&count_ops}, 0, 0, 0};
    int rc = B2A_OK;
    for (size_t t = 0; t < b2a__bak_table_count(b) && rc == B2A_OK; t++) {
        b2a_bak_scan *sc;
        if ((rc = b2a__bak_scan_open(b, t, &sc, err)) != B2A_OK)
            break;
        int eof = 0;
        while (!eof && rc == B2A_OK) {
            size_t n = 0;
            rc = b2a__bak_scan_next(sc, &cs.base, B2A_EXPORT_CHUNK_ROWS, &n, &eof, err);
        }
        b2a__bak_scan_close(sc);
    }
    b2a__bak_close(b);
    return rc == B2A_OK ? (int64_t)cs.values : -1;
}

/* ---- the compressed records, and the decompressed twin ---- */

typedef struct rec {
    const uint8_t *in;
    size_t clen, ulen;
} rec;

typedef struct backup {
    const char *path;
    uint8_t *file;
    size_t size;
    rec *recs;
    size_t nrecs;
    char twin[4200];
} backup;

static int fail(const char *path, const char *what)
{
    fprintf(stderr, "bench_bak_ceiling: %s: %s\n", path, what);
    return -1;
}

/* Load the file, list its compressed records, and write the twin: each
 * record decoded in file order, a raw block as one soft-filemark block
 * (its 512 bytes, then zeros), as mssqlbak.h describes the MTF stream. */
static int prepare(backup *bk, const char *outdir, int k)
{
    FILE *f = fopen(bk->path, "rb");
    if (!f)
        return fail(bk->path, strerror(errno));
    fseek(f, 0, SEEK_END);
    bk->size = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    bk->file = malloc(bk->size);
    int ok = bk->file && fread(bk->file, 1, bk->size, f) == bk->size;
    fclose(f);
    if (!ok)
        return fail(bk->path, "cannot read it");

    b2a_mssqlbak *m;
    b2a_err err;
    if (b2a__mssqlbak_open(bk->path, &m, &err) != B2A_OK)
        return fail(bk->path, err.msg);
    snprintf(bk->twin, sizeof bk->twin, "%s/bench_bak_ceiling-%ld-%d.bak", outdir, (long)getpid(), k);
    FILE *tw = fopen(bk->twin, "wb");
    if (!tw) {
        b2a__mssqlbak_close(m);
        return fail(bk->twin, strerror(errno));
    }
    static uint8_t out[B2A_MSSQLBAK_OUT_MAX], zeros[65536];
    size_t sfm = 0;
    int wfail = 0;
    uint64_t cur = 0;
    b2a_mssqlbak_rec r;
    int rc;
    while ((rc = b2a__mssqlbak_next(m, &cur, &r, &err)) == 1) {
        size_t n;
        if (b2a__mssqlbak_read(m, r.offset, out, sizeof out, &n, &err) != B2A_OK) {
            rc = -1;
            break;
        }
        if (!sfm && n >= 66 && !memcmp(out, "TAPE", 4))
            sfm = (size_t)(out[64] | out[65] << 8) * 512;
        if (fwrite(out, 1, n, tw) != n || (r.raw && sfm > n && fwrite(zeros, 1, sfm - n, tw) != sfm - n)) {
            wfail = 1;
            break;
        }
        if (r.raw)
            continue;
        rec *grown = realloc(bk->recs, (bk->nrecs + 1) * sizeof *bk->recs);
        if (!grown) {
            snprintf(err.msg, sizeof err.msg, "out of memory");
            rc = -1;
            break;
        }
        bk->recs = grown;
        bk->recs[bk->nrecs++] = (rec){bk->file + r.offset + B2A_MSSQLBAK_REC_HDR, r.clen, r.ulen};
    }
    b2a__mssqlbak_close(m);
    if (fclose(tw) != 0 || wfail || rc < 0) {
        unlink(bk->twin);
        return fail(bk->path, rc < 0 ? err.msg : "cannot write its decompressed twin");
    }
    return 0;
}

/* Every record decoded; -1 when one fails or comes out short, so a broken
 * decode is never timed as a success. */
static int decode_all(const backup *bk)
{
    static uint8_t out[B2A_MSSQLBAK_OUT_MAX];
    for (size_t i = 0; i < bk->nrecs; i++) {
        size_t got;
        if (b2a__xpress_decode(bk->recs[i].in, bk->recs[i].clen, out, bk->recs[i].ulen, 0, &got, NULL) != B2A_OK ||
            got != bk->recs[i].ulen)
            return -1;
    }
    return 0;
}

/* One measurement: `passes` repetitions, CPU seconds per pass. Not
 * inlined, so a profiler can count it alone (--toggle-collect=measure). */
__attribute__((noinline)) static double measure(int mode, const backup *bk, int passes, b2a_err *err, int *ok)
{
    double t0 = bench_seconds(CLOCK_PROCESS_CPUTIME_ID);
    for (int p = 0; p < passes; p++) {
        if (mode == M_DECODE) {
            if (decode_all(bk) < 0) {
                snprintf(err->msg, sizeof err->msg, "a compressed record failed to decode");
                *ok = 0;
            }
        } else if (scan(mode == M_SCAN ? bk->path : bk->twin, err) < 0)
            *ok = 0;
    }
    return (bench_seconds(CLOCK_PROCESS_CPUTIME_ID) - t0) / passes;
}

/* What the three figures (ms per MB of backup) say. The scan decodes
 * only the records it needs, so "decoder alone" (every record) bounds its
 * decoding from above; the compressed path's own cost is scan - free. */
static void analyse(const double ms[M_COUNT])
{
    double budget = 1e3 / TARGET_MBS, path = ms[M_SCAN] - ms[M_FREE];
    printf("  compressed path (scan - free decoder): %.2f ms/MB, %.0f%% of the scan (decoding every record "
           "alone: %.2f ms/MB); rows and the rest: %.0f%%\n", path, 100 * path / ms[M_SCAN], ms[M_DECODE],
           100 * ms[M_FREE] / ms[M_SCAN]);
    printf("  %.0f MB/s/core = %.2f ms/MB: ", TARGET_MBS, budget);
    if (ms[M_FREE] >= budget)
        printf("out of reach even with a free decoder (the rest alone takes %.2f ms/MB)\n", ms[M_FREE]);
    else
        printf("with the rest as it is, the compressed path must take <= %.2f ms/MB, %.1fx less than "
               "now\n", budget - ms[M_FREE], path / (budget - ms[M_FREE]));
}

int main(int argc, char **argv)
{
    int rounds = 11, passes = 5, only = -1, c;
    const char *outdir = "/tmp";
    while ((c = getopt(argc, argv, "r:p:o:m:h")) != -1) {
        switch (c) {
        case 'r': rounds = atoi(optarg); break;
        case 'm':
            only = !strcmp(optarg, "scan") ? M_SCAN : !strcmp(optarg, "decode") ? M_DECODE
                 : !strcmp(optarg, "free") ? M_FREE : -2;
            break;
        case 'p': passes = atoi(optarg); break;
        case 'o': outdir = optarg; break;
        default:
            fprintf(stderr, "usage: %s [-r ROUNDS] [-p PASSES] [-o SCRATCH_DIR] [-m scan|decode|free] FILE.bak...\n",
                    argv[0]);
            return 2;
        }
    }
    if (optind >= argc || rounds < 1 || passes < 1 || only == -2) {
        fprintf(stderr, "usage: %s [-r ROUNDS] [-p PASSES] [-o SCRATCH_DIR] [-m scan|decode|free] FILE.bak...\n"
                "  (MSSQLBAK backups; -m: only that measurement, for a profiler)\n", argv[0]);
        return 2;
    }
    int nb = argc - optind;
    backup *bks = calloc((size_t)nb, sizeof *bks);
    int status = 0;
    printf("bench_bak_ceiling: %d round(s) of %d pass(es), medians of CPU seconds per pass, "
           "MB = 10^6 bytes of the compressed backup\n", rounds, passes);
    double tot[M_COUNT] = {0}, tot_size = 0;
    for (int i = 0; i < nb; i++) {
        backup *bk = &bks[i];
        bk->path = argv[optind + i];
        if (prepare(bk, outdir, i) != 0) {
            status = 1;
            continue;
        }
        b2a_err err;
        int ok = 1;
        if (only >= 0) {
            /* For a profiler: that measurement alone, nothing printed. */
            for (int r = 0; r < rounds; r++)
                measure(only, bk, passes, &err, &ok);
            unlink(bk->twin);
            if (!ok) {
                fprintf(stderr, "bench_bak_ceiling: %s: %s\n", bk->path, err.msg);
                status = 1;
            }
            continue;
        }
        int64_t v1 = scan(bk->path, &err), v2 = scan(bk->twin, &err);
        if (v1 < 0 || v1 != v2) {
            fprintf(stderr, "bench_bak_ceiling: %s: %s\n", bk->path,
                    v1 < 0 || v2 < 0 ? err.msg : "its decompressed twin scans to other values");
            unlink(bk->twin);
            status = 1;
            continue;
        }
        double *t[M_COUNT];
        for (int m = 0; m < M_COUNT; m++)
            t[m] = calloc((size_t)rounds, sizeof(double));
        for (int r = 0; r < rounds; r++)
            for (int j = 0; j < M_COUNT; j++) {
                int m = (j + r) % M_COUNT;   /* each goes first in turn */
                t[m][r] = measure(m, bk, passes, &err, &ok);
            }
        unlink(bk->twin);
        if (!ok) {
            fprintf(stderr, "bench_bak_ceiling: %s: %s\n", bk->path, err.msg);
            status = 1;
            continue;
        }
        double in = 0, outb = 0;
        for (size_t k = 0; k < bk->nrecs; k++) {
            in += (double)bk->recs[k].clen;
            outb += (double)bk->recs[k].ulen;
        }
        double med[M_COUNT], mb = (double)bk->size / MB;
        printf("\n%s  %.2f MB, %zu compressed records (%.2f MB -> %.2f MB), %lld values\n", bk->path, mb,
               bk->nrecs, in / MB, outb / MB, (long long)v1);
        for (int m = 0; m < M_COUNT; m++) {
            med[m] = bench_median(t[m], rounds);
            tot[m] += med[m];
            printf("  %-44s %8.1f MB/s/core  %6.2f ms/MB  ratio %.2f\n", mode_name[m], mb / med[m],
                   med[m] * 1e3 / mb, med[M_SCAN] / med[m]);
            free(t[m]);
        }
        double ms[M_COUNT];
        for (int m = 0; m < M_COUNT; m++)
            ms[m] = med[m] * 1e3 / mb;
        analyse(ms);
        tot_size += mb;
    }
    if (tot_size > 0) {
        double ms[M_COUNT];
        for (int m = 0; m < M_COUNT; m++)
            ms[m] = tot[m] * 1e3 / tot_size;
        printf("\ntotal over %d backup(s), %.2f MB:\n", nb, tot_size);
        for (int m = 0; m < M_COUNT; m++)
            printf("  %-44s %8.1f MB/s/core  %6.2f ms/MB  ratio %.2f\n", mode_name[m], 1e3 / ms[m], ms[m],
                   ms[M_SCAN] / ms[m]);
        analyse(ms);
    }
    for (int i = 0; i < nb; i++) {
        free(bks[i].file);
        free(bks[i].recs);
    }
    free(bks);
    return status;
}
