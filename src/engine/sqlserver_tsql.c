/* SQL Server restore chains and RESTORE statements from our own reading of
 * the backup headers (no RESTORE FILELISTONLY round trip), T-SQL quoting
 * and sqlcmd output parsing. See sqlserver_tsql.h. */
#include "engine/sqlserver_tsql.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "reader/mssql/header.h"
#include "reader/mssql/pagestore.h"

#define OOM(err) b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory")

/* ---- quoting ---- */

static char *wrap_doubling(const char *pre, const char *text, char q, const char *post)
{
    size_t n = strlen(text), extra = 0;
    for (size_t i = 0; i < n; i++)
        extra += text[i] == q;
    size_t lp = strlen(pre), lq = strlen(post);
    char *out = malloc(lp + n + extra + lq + 1), *o = out;
    if (!out)
        return NULL;
    memcpy(o, pre, lp);
    o += lp;
    for (size_t i = 0; i < n; i++) {
        if (text[i] == q)
            *o++ = q;
        *o++ = text[i];
    }
    memcpy(o, post, lq + 1);
    return out;
}

char *b2a__tsql_ident(const char *name)
{
    return wrap_doubling("[", name, ']', "]");
}

char *b2a__tsql_nstring(const char *text)
{
    return wrap_doubling("N'", text, '\'', "'");
}

/* ---- versions ---- */

/* Release year of a SQL Server major (10 = 2008 ...), 0 if unknown. */
static int release_year(int major)
{
    static const int years[] = {2000, 2005, 2008, 2012, 2014, 2016, 2017, 2019, 2022, 2025};
    return major >= 8 && major <= 17 ? years[major - 8] : 0;
}

/* "mcr.microsoft.com/mssql/server:2019-CU27-ubuntu-20.04" -> 2019; 0 when
 * the tag names no release year (b2a__vendor_image_major stops at 999). */
static int image_year(const char *image)
{
    const char *slash = strrchr(image, '/');
    const char *colon = strrchr(slash ? slash : image, ':');
    if (!colon)
        return 0;
    long v = strtol(colon + 1, NULL, 10);
    return v >= 2000 && v < 2100 ? (int)v : 0;
}

/* ---- reading the chain ---- */

typedef struct group {
    char guid[40];          /* media set of a striped backup; "" for a single file */
    size_t *inputs;
    size_t n;
} group;

static int group_add(group *g, size_t input)
{
    size_t *v = realloc(g->inputs, (g->n + 1) * sizeof *v);
    if (!v)
        return B2A_ENOMEM;
    v[g->n++] = input;
    g->inputs = v;
    return B2A_OK;
}

/* The media set GUID named by the page store's "stripe ... missing" error
 * (its wording is the contract in pagestore.h), or 0. */
static int missing_stripe_guid(const char *msg, char out[40])
{
    if (!strstr(msg, " is stripe ") || !strstr(msg, " missing"))
        return 0;
    const char *p = strstr(msg, "of media set {");
    if (!p)
        return 0;
    p += strlen("of media set {");
    const char *e = strchr(p, '}');
    if (!e || e - p >= 40)
        return 0;
    memcpy(out, p, (size_t)(e - p));
    out[e - p] = '\0';
    return 1;
}

static const char *type_name(int t)
{
    switch (t) {
    case B2A_BAK_TYPE_DATABASE: return "full";
    case B2A_BAK_TYPE_DIFFERENTIAL: return "differential";
    case B2A_BAK_TYPE_LOG: return "transaction log";
    case B2A_BAK_TYPE_FILE: return "file or filegroup";
    }
    return "unknown";
}

static int has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 1;
    return 0;
}

/* "C:\...\northwnd.mdf" -> "northwnd.mdf", with anything but [A-Za-z0-9._-]
 * turned into '_' so the target path needs no care in any tool. */
static char *safe_basename(const char *physical)
{
    const char *b = physical;
    for (const char *p = physical; *p; p++)
        if (*p == '\\' || *p == '/')
            b = p + 1;
    char *out = strdup(b);
    if (!out)
        return NULL;
    for (char *p = out; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '.' && *p != '_' && *p != '-')
            *p = '_';
    return out;
}

static int target_taken(const b2a_mssql_chain *c, const char *t)
{
    for (size_t i = 0; i < c->nmoves; i++)
        if (!strcasecmp(c->moves[i].target, t))
            return 1;
    return 0;
}

static int add_moves(b2a_mssql_chain *c, const b2a_bak_header *h, const char *path, b2a_err *err)
{
    if (!h->nfiles)
        return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                            "%s: the backup lists no database files (no FILELISTONLY entries)", path);
    c->moves = calloc(h->nfiles, sizeof *c->moves);
    if (!c->moves)
        return OOM(err);
    for (size_t i = 0; i < h->nfiles; i++) {
        const b2a_bak_file *f = &h->files[i];
        if (has_control(f->logical_name))
            return b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_RESTORE,
                                "%s: logical file name of file %u holds a control character, which "
                                "sqlcmd would split; it cannot be restored this way",
                                path, f->file_id);
        char *base = safe_basename(f->physical_name);
        if (!base)
            return OOM(err);
        b2a_mssql_move *m = &c->moves[c->nmoves];
        m->type = f->type;
        m->logical = strdup(f->logical_name);
        /* b2a_ keeps clear of the server's own master.mdf, model.mdf ...;
         * the file id keeps two files of one name apart */
        if (*base && asprintf(&m->target, B2A_MSSQL_DATA_DIR "b2a_%s", base) < 0)
            m->target = NULL;
        if (!*base || (m->target && target_taken(c, m->target))) {
            free(m->target);
            if (asprintf(&m->target, B2A_MSSQL_DATA_DIR "b2a_%u_%s", f->file_id,
                         *base ? base : (f->type == 'L' ? "log.ldf" : "data.ndf")) < 0)
                m->target = NULL;
        }
        free(base);
        c->nmoves++;
        if (!m->logical || !m->target)
            return OOM(err);
    }
    return B2A_OK;
}

static int is_system_db(const char *name)
{
    return !strcasecmp(name, "master") || !strcasecmp(name, "model") ||
           !strcasecmp(name, "msdb") || !strcasecmp(name, "tempdb");
}

/* Restore order: full, differential, logs by date; equal keys keep input order. */
static int set_rank(int t)
{
    return t == B2A_BAK_TYPE_DATABASE ? 0 : t == B2A_BAK_TYPE_DIFFERENTIAL ? 1 : 2;
}

static void sort_sets(b2a_mssql_set *s, size_t n)
{
    for (size_t i = 1; i < n; i++) { /* insertion sort: stable, n is small */
        b2a_mssql_set x = s[i];
        size_t j = i;
        while (j > 0) {
            const b2a_mssql_set *p = &s[j - 1];
            int c = set_rank(p->backup_type) - set_rank(x.backup_type);
            if (!c && x.backup_type == B2A_BAK_TYPE_LOG)
                c = strcmp(p->backup_date, x.backup_date);
            if (c <= 0)
                break;
            s[j] = s[j - 1];
            j--;
        }
        s[j] = x;
    }
}

/* One media set: its header facts into set (and, for the full, the chain). */
static int read_set(const b2a_vendor_input *in, const group *g, b2a_mssql_chain *c,
                    b2a_mssql_set *set, b2a_err *err)
{
    const char **paths = calloc(g->n, sizeof *paths);
    if (!paths)
        return OOM(err);
    for (size_t k = 0; k < g->n; k++)
        paths[k] = in[g->inputs[k]].path;
    b2a_bak_pages *ps = NULL;
    int rc = b2a__bak_pages_open(paths, g->n, &ps, err);
    free(paths);
    if (rc != B2A_OK)
        return rc;
    const b2a_bak_header *h = b2a__bak_pages_header(ps);
    const char *first = in[g->inputs[0]].path;
    set->backup_type = h->backup_type;
    snprintf(set->backup_date, sizeof set->backup_date, "%s", h->backup_date);
    /* stripe order: the header's families are sorted by sequence */
    set->inputs = calloc(g->n, sizeof *set->inputs);
    if (!set->inputs) {
        rc = OOM(err);
        goto out;
    }
    set->ninputs = g->n;
    for (size_t f = 0; f < h->nfamilies && f < g->n; f++)
        for (size_t k = 0; k < g->n; k++)
            if (!strcmp(h->families[f].path, in[g->inputs[k]].path))
                set->inputs[f] = g->inputs[k];
    if (h->nfamilies != g->n)
        memcpy(set->inputs, g->inputs, g->n * sizeof *set->inputs);

    if (h->backup_type != B2A_BAK_TYPE_DATABASE && h->backup_type != B2A_BAK_TYPE_DIFFERENTIAL &&
        h->backup_type != B2A_BAK_TYPE_LOG) {
        rc = b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_RESTORE,
                          "%s is a %s backup: only full, differential and log backups are restored",
                          first, type_name(h->backup_type));
        goto out;
    }
    const char *db = h->database_name;
    if (!db || !*db) {
        rc = b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                          "%s: the backup header names no database", first);
        goto out;
    }
    if (has_control(db)) {
        rc = b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_RESTORE,
                          "%s: the database name holds a control character, which sqlcmd would "
                          "split; it cannot be restored this way", first);
        goto out;
    }
    if (c->source_db && strcmp(c->source_db, db)) {
        rc = b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE,
                          "%s is a backup of database %s, but the other backups given are of %s: "
                          "give the backups of one database only",
                          first, db, c->source_db);
        goto out;
    }
    if (!c->source_db && !(c->source_db = strdup(db))) {
        rc = OOM(err);
        goto out;
    }
    if (h->backup_type == B2A_BAK_TYPE_DATABASE && !c->moves) { /* a second full is refused later */
        c->software_major = h->software_major;
        rc = add_moves(c, h, first, err);
    }
out:
    b2a__bak_pages_close(ps);
    return rc;
}

static int check_chain(const b2a_vendor_input *in, b2a_mssql_chain *c, const char *image,
                       b2a_err *err)
{
    const b2a_mssql_set *full = NULL, *diff = NULL;
    for (size_t i = 0; i < c->nsets; i++) {
        const b2a_mssql_set *s = &c->sets[i];
        const char *p = in[s->inputs[0]].path;
        if (s->backup_type == B2A_BAK_TYPE_DATABASE) {
            if (full)
                return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE,
                                    "%s and %s are both full backups: give one full backup and "
                                    "the differential or log backups taken after it",
                                    in[full->inputs[0]].path, p);
            full = s;
        } else if (s->backup_type == B2A_BAK_TYPE_DIFFERENTIAL) {
            if (diff)
                return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE,
                                    "%s and %s are both differential backups: give only the "
                                    "latest one (each holds every change since the full backup)",
                                    in[diff->inputs[0]].path, p);
            diff = s;
        }
    }
    if (!full)
        return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE,
                            "%s is a %s backup: it can only be restored on top of its full "
                            "backup; give the full backup together with it",
                            in[c->sets[0].inputs[0]].path, type_name(c->sets[0].backup_type));
    int need = release_year(c->software_major);
    const char *fp = in[full->inputs[0]].path;
    if (c->software_major && c->software_major < 10)
        return b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_RESTORE,
                            "%s was written by SQL Server %d, which SQL Server 2016 and later "
                            "cannot restore; read it directly instead (--direct)",
                            fp, need);
    int have = image_year(image);
    if (need && have >= 2000 && have < need)
        return b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_RESTORE,
                            "%s was written by SQL Server %d; image %s (SQL Server %d) cannot "
                            "restore a backup from a newer release; use --image "
                            "mcr.microsoft.com/mssql/server:%d-latest",
                            fp, need, image, have, need);
    if (!is_system_db(c->source_db))
        c->database = strdup(c->source_db);
    else if (asprintf(&c->database, "%s_restored", c->source_db) < 0)
        c->database = NULL;
    return c->database ? B2A_OK : OOM(err);
}

int b2a__sqlserver_chain_read(const b2a_vendor_input *in, size_t n, const char *image,
                              b2a_mssql_chain *out, b2a_err *err)
{
    memset(out, 0, sizeof *out);
    if (!in || !n)
        return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE, "no backup file given");
    if (!image)
        image = "mcr.microsoft.com/mssql/server:2022-latest";
    group *groups = calloc(n, sizeof *groups);
    size_t ngroups = 0;
    int rc = B2A_OK;
    if (!groups)
        return OOM(err);
    /* Each file alone first: a single-file backup opens, a stripe says which
     * media set it belongs to, and stripes of one set are then opened together. */
    for (size_t i = 0; i < n && rc == B2A_OK; i++) {
        const char *one[1] = {in[i].path};
        b2a_bak_pages *ps = NULL;
        b2a_err e;
        b2a__err_clear(&e);
        char guid[40] = "";
        int r = b2a__bak_pages_open(one, 1, &ps, &e);
        b2a__bak_pages_close(ps);
        if (r != B2A_OK && !missing_stripe_guid(e.msg, guid)) {
            b2a__err_copy(err, &e);
            rc = r;
            break;
        }
        size_t g = ngroups;
        if (*guid)
            for (g = 0; g < ngroups && strcmp(groups[g].guid, guid); g++)
                ;
        if (g == ngroups)
            snprintf(groups[ngroups++].guid, sizeof groups->guid, "%s", guid);
        if (group_add(&groups[g], i))
            rc = OOM(err);
    }
    if (rc == B2A_OK && !(out->sets = calloc(ngroups, sizeof *out->sets)))
        rc = OOM(err);
    for (size_t g = 0; rc == B2A_OK && g < ngroups; g++) {
        rc = read_set(in, &groups[g], out, &out->sets[g], err);
        out->nsets++;
    }
    if (rc == B2A_OK) {
        sort_sets(out->sets, out->nsets);
        rc = check_chain(in, out, image, err);
    }
    for (size_t g = 0; g < ngroups; g++)
        free(groups[g].inputs);
    free(groups);
    if (rc != B2A_OK)
        b2a__sqlserver_chain_free(out);
    return rc;
}

void b2a__sqlserver_chain_free(b2a_mssql_chain *c)
{
    if (!c)
        return;
    free(c->source_db);
    free(c->database);
    for (size_t i = 0; i < c->nmoves; i++) {
        free(c->moves[i].logical);
        free(c->moves[i].target);
    }
    free(c->moves);
    for (size_t i = 0; i < c->nsets; i++)
        free(c->sets[i].inputs);
    free(c->sets);
    memset(c, 0, sizeof *c);
}

/* ---- statements ---- */

typedef struct sbuf {
    char *p;
    size_t len;
    int bad;
} sbuf;

static void put(sbuf *b, const char *s)
{
    if (b->bad || !s) {
        b->bad = 1;
        return;
    }
    size_t n = strlen(s);
    char *np = realloc(b->p, b->len + n + 1);
    if (!np) {
        b->bad = 1;
        return;
    }
    memcpy(np + b->len, s, n + 1);
    b->p = np;
    b->len += n;
}

/* put and free a malloc'd piece (NULL marks the buffer bad) */
static void put_owned(sbuf *b, char *s)
{
    put(b, s);
    free(s);
}

char *b2a__sqlserver_restore_sql(const b2a_mssql_chain *c, size_t i, char *const *paths)
{
    if (!c || i >= c->nsets)
        return NULL;
    const b2a_mssql_set *s = &c->sets[i];
    sbuf b = {0};
    put(&b, s->backup_type == B2A_BAK_TYPE_LOG ? "RESTORE LOG " : "RESTORE DATABASE ");
    put_owned(&b, b2a__tsql_ident(c->database));
    /* a striped backup is read from all its files at once */
    for (size_t k = 0; k < s->ninputs; k++) {
        put(&b, k ? ", DISK = " : " FROM DISK = ");
        put_owned(&b, b2a__tsql_nstring(paths[s->inputs[k]]));
    }
    put(&b, " WITH FILE = 1");
    if (i == 0)
        for (size_t m = 0; m < c->nmoves; m++) {
            put(&b, ", MOVE ");
            put_owned(&b, b2a__tsql_nstring(c->moves[m].logical));
            put(&b, " TO ");
            put_owned(&b, b2a__tsql_nstring(c->moves[m].target));
        }
    put(&b, i + 1 < c->nsets ? ", NORECOVERY" : ", RECOVERY");
    put(&b, ", STATS = 1");
    if (b.bad) {
        free(b.p);
        return NULL;
    }
    return b.p;
}

int b2a__sqlserver_check_inputs(const b2a_vendor_input *in, size_t n, const char *image,
                                int accept_eula, b2a_err *err)
{
    if (!accept_eula)
        return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE,
                            "restoring a SQL Server backup runs Microsoft's SQL Server image, "
                            "whose licence (EULA) you must accept yourself: pass --accept-eula "
                            "(accept_eula in the job options) if you accept it, or read the "
                            "backup directly with --direct");
    b2a_mssql_chain c;
    int rc = b2a__sqlserver_chain_read(in, n, image, &c, err);
    b2a__sqlserver_chain_free(&c);
    return rc;
}

/* ---- output ---- */

static void trim(const char **s, size_t *len)
{
    while (*len && isspace((unsigned char)**s)) {
        (*s)++;
        (*len)--;
    }
    while (*len && isspace((unsigned char)(*s)[*len - 1]))
        (*len)--;
}

int b2a__sqlserver_line_percent(const char *line, size_t len)
{
    trim(&line, &len);
    static const char tail[] = " percent processed.";
    size_t tl = sizeof tail - 1, i = 0;
    int v = 0;
    while (i < len && i < 3 && line[i] >= '0' && line[i] <= '9')
        v = v * 10 + (line[i++] - '0');
    if (!i || len != i + tl || memcmp(line + i, tail, tl) || v > 100)
        return -1;
    return v;
}

int b2a__sqlserver_line_msg(const char *line, size_t len, long *number, int *level)
{
    trim(&line, &len);
    char tmp[128];
    if (len < 4 || memcmp(line, "Msg ", 4))
        return 0;
    size_t n = len < sizeof tmp - 1 ? len : sizeof tmp - 1;
    memcpy(tmp, line, n);
    tmp[n] = '\0';
    long num;
    int lev, used = 0;
    if (sscanf(tmp, "Msg %ld, Level %d,%n", &num, &lev, &used) != 2 || !used)
        return 0;
    *number = num;
    *level = lev;
    return 1;
}

/* ---- connection string ---- */

int b2a__sqlserver_connstr_for(const char *driver, const char *host, int port,
                               const char *user, const char *password, const char *dbname,
                               char **out)
{
    *out = NULL;
    char *s = NULL, server[300], portbuf[16];
    size_t len = 0;
    int freetds = !strcasecmp(driver, "FreeTDS") || strcasestr(driver, "tds") != NULL;
    snprintf(portbuf, sizeof portbuf, "%d", port);
    snprintf(server, sizeof server, "%s,%d", host, port);
    if (asprintf(&s, "Driver={%s};", driver) < 0)
        return B2A_ENOMEM;
    len = strlen(s);
    int rc;
    if (freetds) {
        /* FreeTDS: TDS 7.4 (SQL Server 2012 and later), UTF-8 to the client */
        const char *kv[][2] = {{"Server", host}, {"Port", portbuf}, {"Database", dbname},
                               {"UID", user}, {"PWD", password}, {"TDS_Version", "7.4"},
                               {"ClientCharset", "UTF-8"}};
        rc = B2A_OK;
        for (size_t i = 0; rc == B2A_OK && i < sizeof kv / sizeof *kv; i++)
            rc = b2a__vendor_connstr_add(&s, &len, kv[i][0], kv[i][1]);
    } else {
        /* Microsoft's driver: the container's certificate is self-signed */
        const char *kv[][2] = {{"Server", server}, {"Database", dbname}, {"UID", user},
                               {"PWD", password}, {"Encrypt", "yes"},
                               {"TrustServerCertificate", "yes"}};
        rc = B2A_OK;
        for (size_t i = 0; rc == B2A_OK && i < sizeof kv / sizeof *kv; i++)
            rc = b2a__vendor_connstr_add(&s, &len, kv[i][0], kv[i][1]);
    }
    if (rc != B2A_OK) {
        free(s);
        return B2A_ENOMEM;
    }
    *out = s;
    return B2A_OK;
}
