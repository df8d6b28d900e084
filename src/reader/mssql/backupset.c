/* The backups given together: a full backup, or a full backup and its
 * differentials, each possibly striped over several files. Files are
 * grouped by media set (the RAID stream's GUID), each group opened as one
 * page store, and the differentials checked against the full and laid over
 * it in LSN order, so page reads see the database as RESTORE of the full
 * WITH NORECOVERY followed by the last differential would leave it. */
#include "reader/mssql/backupset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct group {
    const char **paths;
    size_t n;
    uint8_t media[16];
    int has_media;
    b2a_bak_pages *ps;
    const b2a_bak_header *h;
} group;

static const char *gname(const group *g)
{
    return g->h && g->h->nfamilies ? g->h->families[0].path : g->paths[0];
}

static int oom(b2a_err *err)
{
    return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
}

/* Files of one media set go together; a file without one is its own set. */
static int group_files(const char *const *paths, size_t n, group *gs, size_t *ng, b2a_err *err)
{
    *ng = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t id[16];
        b2a_err e2;
        b2a__err_clear(&e2);
        /* An unreadable file is left to the full open, whose message is the better one. */
        int has = b2a__bak_media_set(paths[i], id, &e2) == 1;
        group *g = NULL;
        for (size_t k = 0; has && k < *ng && !g; k++)
            if (gs[k].has_media && memcmp(gs[k].media, id, 16) == 0)
                g = &gs[k];
        if (!g) {
            g = &gs[(*ng)++];
            memset(g, 0, sizeof *g);
            if (!(g->paths = calloc(n, sizeof *g->paths)))
                return oom(err);
            g->has_media = has;
            if (has)
                memcpy(g->media, id, 16);
        }
        g->paths[g->n++] = paths[i];
    }
    return B2A_OK;
}

static void lsn_guid(const b2a_lsn *l, const uint8_t g[16], char *out, size_t cap)
{
    char lt[32], gt[37];
    b2a__lsn_text(l, lt);
    b2a__bak_guid_text(g, gt);
    snprintf(out, cap, "LSN %s, backup set {%s}", lt, gt);
}

static int cmp_diff(const void *a, const void *b)
{
    const group *x = *(group *const *)a, *y = *(group *const *)b;
    return b2a__lsn_cmp(&x->h->checkpoint_lsn, &y->h->checkpoint_lsn);
}

/* One full and its differentials: the checks, then the overlay. */
static int stack(group *gs, size_t ng, b2a_bak_pages **out, b2a_err *err)
{
    group *full = NULL, *diffs[64];
    size_t nd = 0;
    for (size_t i = 0; i < ng; i++) {
        group *g = &gs[i];
        if (g->h->backup_type == B2A_BAK_TYPE_LOG)
            return b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_READER,
                                "%s is a transaction log backup: it holds log records, not tables; "
                                "give the full backup and its differentials only", gname(g));
        if (g->h->backup_type == B2A_BAK_TYPE_DIFFERENTIAL) {
            diffs[nd++] = g;
        } else if (full) {
            return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE,
                                "%s and %s are both full backups: give one full backup, with its differentials",
                                gname(full), gname(g));
        } else {
            full = g;
        }
    }
    if (!full) {
        /* A differential records its full backup's LSN and GUID, not its
         * date [measured: no date of the full in either dbareports
         * differential]; its own date bounds it, and msdb has the rest. */
        const b2a_bak_header *d = diffs[0]->h;
        char base[160], taken[40] = "", before[48] = "";
        lsn_guid(&d->database_backup_lsn, d->differential_base_guid, base, sizeof base);
        if (d->backup_date[0]) {
            snprintf(taken, sizeof taken, " taken %s", d->backup_date);
            snprintf(before, sizeof before, ", taken before %s", d->backup_date);
        }
        /* Like half a striped set: part of the backup is missing (B2A_EFORMAT). */
        return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                            "%s is a differential backup of database %s%s: it holds only the extents changed since "
                            "its full backup (database %s%s; %s: msdb.dbo.backupset.backup_set_uuid on its server gives its date); "
                            "give that full backup together with it",
                            gname(diffs[0]), d->database_name, taken, d->database_name, before, base);
    }
    if (!full->h->has_lsns)
        return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                            "%s: its header carries no LSNs, so no differential can be checked against it",
                            gname(full));
    for (size_t i = 0; i < nd; i++) {
        const b2a_bak_header *d = diffs[i]->h;
        if (!d->has_lsns || b2a__lsn_cmp(&d->database_backup_lsn, &full->h->checkpoint_lsn) != 0 ||
            memcmp(d->differential_base_guid, full->h->backup_set_guid, 16) != 0) {
            char want[160], have[160];
            lsn_guid(&d->database_backup_lsn, d->differential_base_guid, want, sizeof want);
            lsn_guid(&full->h->checkpoint_lsn, full->h->backup_set_guid, have, sizeof have);
            return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE,
                                "%s is a differential of another full backup than %s: its base is %s, "
                                "%s is %s", gname(diffs[i]), gname(full), want, gname(full), have);
        }
    }
    /* Differentials are cumulative; laid in LSN order the newest wins. */
    qsort(diffs, nd, sizeof *diffs, cmp_diff);
    for (size_t i = 1; i < nd; i++)
        if (memcmp(diffs[i]->h->backup_set_guid, diffs[i - 1]->h->backup_set_guid, 16) == 0)
            return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE,
                                "%s and %s are the same differential backup: give it once",
                                gname(diffs[i - 1]), gname(diffs[i]));
    b2a_bak_pages *top = full->ps;
    full->ps = NULL;
    for (size_t i = 0; i < nd; i++) {
        b2a__bak_pages_overlay(diffs[i]->ps, top);
        top = diffs[i]->ps;
        diffs[i]->ps = NULL;
    }
    *out = top;
    return B2A_OK;
}

int b2a__backupset_open(const char *const *paths, size_t n, b2a_bak_pages **out, b2a_err *err)
{
    *out = NULL;
    if (!paths || n == 0)
        return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE, "no backup file given");
    if (n > 64)
        return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE,
                            "%zu backup files given; SQL Server writes at most 64 stripes", n);
    group gs[64];
    size_t ng = 0;
    int rc = group_files(paths, n, gs, &ng, err);
    for (size_t i = 0; rc == B2A_OK && i < ng; i++)
        if ((rc = b2a__bak_pages_open(gs[i].paths, gs[i].n, &gs[i].ps, err)) == B2A_OK)
            gs[i].h = b2a__bak_pages_header(gs[i].ps);
    if (rc == B2A_OK && ng == 1 && gs[0].h->backup_type != B2A_BAK_TYPE_DIFFERENTIAL) {
        *out = gs[0].ps;
        gs[0].ps = NULL;
    } else if (rc == B2A_OK) {
        rc = stack(gs, ng, out, err);
    }
    for (size_t i = 0; i < ng; i++) {
        b2a__bak_pages_close(gs[i].ps);
        free(gs[i].paths);
    }
    return rc;
}
