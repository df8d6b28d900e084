/* Our XPRESS Huffman decoder against libwim's on the same blocks (not a
 * test: it prints figures, it never fails on a slow one).
 *
 * Every compressed record of the given MSSQLBAK backups is loaded into
 * memory once. Each round then decodes all of them with each decoder, in
 * alternating order, and times the round in CPU seconds of this thread.
 * The baseline is libwim (Debian's libwim15), decoding the same records
 * with their size given (it needs it; ours finds the end itself). Figures
 * are medians over the rounds: MB of compressed input and MB of output per
 * CPU second, and ours as a ratio of libwim's. Both outputs are compared
 * once, so the figures are for identical work. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wimlib.h>

#include "reader/mssql/mssqlbak.h"
#include "reader/mssql/xpress.h"
#include "bench_clock.h"

#define MB 1e6

typedef struct rec {
    const uint8_t *in;
    size_t clen, ulen;
} rec;

/* Load one backup and append its compressed records. */
static int load(const char *path, rec **recs, size_t *n, uint8_t ***bufs, size_t *nbufs)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *file = malloc((size_t)size);
    if (!file || fread(file, 1, (size_t)size, f) != (size_t)size) {
        fclose(f);
        free(file);
        return -1;
    }
    fclose(f);
    *bufs = realloc(*bufs, (*nbufs + 1) * sizeof **bufs);
    (*bufs)[(*nbufs)++] = file;

    b2a_mssqlbak *m;
    b2a_err err;
    if (b2a__mssqlbak_open(path, &m, &err) != B2A_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    uint64_t cur = 0;
    b2a_mssqlbak_rec r;
    int rc;
    while ((rc = b2a__mssqlbak_next(m, &cur, &r, &err)) == 1) {
        if (r.raw)
            continue;
        *recs = realloc(*recs, (*n + 1) * sizeof **recs);
        (*recs)[(*n)++] = (rec){ file + r.offset + B2A_MSSQLBAK_REC_HDR, r.clen, r.ulen };
    }
    b2a__mssqlbak_close(m);
    return rc < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
    int rounds = 15;
    int first = 1;
    if (argc > 2 && strcmp(argv[1], "-r") == 0) {
        rounds = atoi(argv[2]);
        first = 3;
    }
    if (first >= argc || rounds < 1) {
        fprintf(stderr, "usage: %s [-r ROUNDS] FILE.bak...  (MSSQLBAK backups)\n", argv[0]);
        return 2;
    }
    rec *recs = NULL;
    size_t n = 0, nbufs = 0;
    uint8_t **bufs = NULL;
    for (int i = first; i < argc; i++)
        if (load(argv[i], &recs, &n, &bufs, &nbufs) != 0) {
            fprintf(stderr, "%s: cannot read its records\n", argv[i]);
            return 1;
        }
    double in_bytes = 0, out_bytes = 0;
    for (size_t i = 0; i < n; i++) {
        in_bytes += (double)recs[i].clen;
        out_bytes += (double)recs[i].ulen;
    }

    struct wimlib_decompressor *wd;
    if (wimlib_create_decompressor(WIMLIB_COMPRESSION_TYPE_XPRESS, 65536, &wd) != 0) {
        fprintf(stderr, "libwim: no XPRESS decompressor\n");
        return 1;
    }
    uint8_t *ours = malloc(B2A_MSSQLBAK_OUT_MAX), *theirs = malloc(B2A_MSSQLBAK_OUT_MAX);
    /* Same output, or the comparison means nothing. */
    size_t differ = 0, wim_fail = 0;
    for (size_t i = 0; i < n; i++) {
        size_t got = 0;
        memset(ours, 0, B2A_MSSQLBAK_OUT_MAX);
        b2a__xpress_decode(recs[i].in, recs[i].clen, ours, recs[i].ulen, 0, &got, NULL);
        if (wimlib_decompress(recs[i].in, recs[i].clen, theirs, recs[i].ulen, wd) != 0)
            wim_fail++;
        else if (memcmp(ours, theirs, recs[i].ulen) != 0)
            differ++;
    }

    double *t_ours = calloc((size_t)rounds, sizeof(double)), *t_wim = calloc((size_t)rounds, sizeof(double));
    for (int r = 0; r < rounds; r++) {
        for (int pass = 0; pass < 2; pass++) {
            int do_ours = (pass == 0) == (r % 2 == 0);   /* alternate which goes first */
            double t0 = bench_seconds(CLOCK_THREAD_CPUTIME_ID);
            for (size_t i = 0; i < n; i++) {
                size_t got;
                if (do_ours)
                    b2a__xpress_decode(recs[i].in, recs[i].clen, ours, recs[i].ulen, 0, &got, NULL);
                else
                    wimlib_decompress(recs[i].in, recs[i].clen, theirs, recs[i].ulen, wd);
            }
            (do_ours ? t_ours : t_wim)[r] = bench_seconds(CLOCK_THREAD_CPUTIME_ID) - t0;
        }
    }
    double mo = bench_median(t_ours, rounds), mw = bench_median(t_wim, rounds);
    printf("bench_xpress: %zu records from %d backup(s), %.2f MB compressed -> %.2f MB, %d rounds, medians of CPU time\n",
           n, argc - first, in_bytes / MB, out_bytes / MB, rounds);
    printf("  outputs: %zu records differ, %zu libwim could not decode\n", differ, wim_fail);
    printf("  libwim (baseline)  %8.1f MB in/s  %8.1f MB out/s  ratio 1.00\n", in_bytes / MB / mw,
           out_bytes / MB / mw);
    printf("  ours               %8.1f MB in/s  %8.1f MB out/s  ratio %.2f\n", in_bytes / MB / mo,
           out_bytes / MB / mo, mw / mo);
    wimlib_free_decompressor(wd);
    free(ours);
    free(theirs);
    free(t_ours);
    free(t_wim);
    for (size_t i = 0; i < nbufs; i++)
        free(bufs[i]);
    free(bufs);
    free(recs);
    return 0;
}
