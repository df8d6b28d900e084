/* Declared against restored: see declared.h. */
#include "pipeline/declared.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/engine.h"
#include "util/str.h"

static int same(const char *a, const char *b)
{
    return a && b && strcasecmp(a, b) == 0;
}

static b2a_table_job *find_restored(b2a_job *job, const char *schema, const char *name)
{
    for (size_t i = 0; i < job->ntables; i++)
        if (same(job->tables[i].def.schema, schema) && same(job->tables[i].def.name, name))
            return &job->tables[i];
    return NULL;
}

static int has_column(const b2a_table_job *t, const char *name)
{
    for (size_t i = 0; i < t->def.ncolumns; i++)
        if (same(t->def.columns[i].name, name))
            return 1;
    return 0;
}

/* Why the server lacks what was declared under cond. */
static char *why_missing(const b2a_mysql_cond *cond, const char *server_version)
{
    char why[512];
    if (b2a__mysql_comment_skipped(cond->version, cond->mariadb_only, server_version, why,
                                   sizeof why))
        return b2a__strdup(why);
    return b2a__strdup("the server did not create it (the restore reported no error)");
}

static int add_lost(b2a_table_job *t, const char *name, char *reason)
{
    b2a_lost_column *v = realloc(t->lost_columns, (t->nlost_columns + 1) * sizeof(*v));
    if (!v) {
        free(reason);
        return B2A_ENOMEM;
    }
    t->lost_columns = v;
    if (!reason || !(v[t->nlost_columns].name = b2a__strdup(name))) {
        free(reason);
        return B2A_ENOMEM;
    }
    v[t->nlost_columns++].reason = reason;
    return B2A_OK;
}

/* What to do instead: the other server, or (for columns only) the opt-in. */
static const char *advice(const char *server_version, int whole_table)
{
    int maria = server_version && strstr(server_version, "MariaDB");
    if (whole_table)
        return maria ? "restore with a MySQL image (--image mysql:8.0); --allow-column-loss accepts "
                       "missing columns, not a missing table"
                     : "restore with a MariaDB image (--image mariadb:11); --allow-column-loss accepts "
                       "missing columns, not a missing table";
    return maria ? "restore with a MySQL image (--image mysql:8.0), or pass --allow-column-loss to "
                   "export the table without it"
                 : "restore with a MariaDB image (--image mariadb:11), or pass --allow-column-loss "
                   "to export the table without it";
}

/* "column location is missing after the restore: why" (several joined by "; "). */
static char *describe(const b2a_table_job *t, const char *where)
{
    size_t cap = 256;
    for (size_t i = 0; i < t->nlost_columns; i++)
        cap += strlen(t->lost_columns[i].name) + strlen(t->lost_columns[i].reason) + 8;
    char *s = malloc(cap);
    if (!s)
        return NULL;
    size_t n = (size_t)snprintf(s, cap, "%s ", t->nlost_columns == 1 ? "column" : "columns");
    for (size_t i = 0; i < t->nlost_columns; i++)
        n += (size_t)snprintf(s + n, cap - n, "%s%s", i ? ", " : "", t->lost_columns[i].name);
    n += (size_t)snprintf(s + n, cap - n, ", declared by %s, %s missing after the restore: ", where,
                          t->nlost_columns == 1 ? "is" : "are");
    for (size_t i = 0; i < t->nlost_columns; i++)
        n += (size_t)snprintf(s + n, cap - n, "%s%s%s%s", i ? "; " : "",
                              t->nlost_columns > 1 ? t->lost_columns[i].name : "",
                              t->nlost_columns > 1 ? ": " : "", t->lost_columns[i].reason);
    return s;
}

static int check_columns(b2a_job *job, b2a_table_job *t, const b2a_mysql_decl_table *d,
                         const char *where, const char *server_version)
{
    for (size_t i = 0; i < d->ncolumns; i++)
        if (!has_column(t, d->columns[i].name) &&
            add_lost(t, d->columns[i].name, why_missing(&d->columns[i].cond, server_version)))
            return B2A_ENOMEM;
    if (!t->nlost_columns)
        return B2A_OK;
    char *what = describe(t, where);
    if (!what)
        return B2A_ENOMEM;
    if (job->allow_column_loss) {
        b2a__job_log(job, B2A_LOG_WARN, "%s.%s: exported without them (--allow-column-loss): %s",
                     t->def.schema, t->def.name, what);
        free(what);
        return B2A_OK;
    }
    free(t->message);
    t->message = b2a__asprintf("%s; %s", what, advice(server_version, 0));
    free(what);
    if (!t->message)
        return B2A_ENOMEM;
    t->state = B2A_STATE_FAILED;
    return B2A_OK;
}

static int add_missing_table(b2a_job *job, const b2a_mysql_decl_table *d, const char *schema,
                             const char *where, const char *server_version)
{
    b2a_table_def def = {0};
    def.schema = b2a__strdup(schema);
    def.name = b2a__strdup(d->name);
    def.row_count = -1;
    if (!def.schema || !def.name) {
        b2a__table_def_clear(&def);
        return B2A_ENOMEM;
    }
    b2a_table_job *t = b2a__job_add_table(job, &def, "table");
    if (!t) {
        b2a__table_def_clear(&def);
        return B2A_ENOMEM;
    }
    char *why = why_missing(&d->cond, server_version);
    for (size_t i = 0; why && i < d->ncolumns; i++)
        if (add_lost(t, d->columns[i].name, b2a__strdup(why))) {
            free(why);
            return B2A_ENOMEM;
        }
    if (!why)
        return B2A_ENOMEM;
    t->message = b2a__asprintf("table declared by %s is missing after the restore: %s; %s", where, why,
                               advice(server_version, 1));
    free(why);
    if (!t->message)
        return B2A_ENOMEM;
    /* a whole table is never an accepted loss: only --include/--exclude leave it out */
    t->state = t->selected ? B2A_STATE_FAILED : B2A_STATE_SKIPPED;
    b2a__job_log(job, t->state == B2A_STATE_FAILED ? B2A_LOG_ERROR : B2A_LOG_WARN, "%s.%s: %s",
                 t->def.schema, t->def.name, t->message);
    return B2A_OK;
}

int b2a__check_declared(b2a_job *job, const b2a_mysql_decl *decl, const char *default_db,
                        const char *server_version)
{
    for (size_t i = 0; i < decl->ntables; i++) {
        const b2a_mysql_decl_table *d = &decl->tables[i];
        const char *schema = d->schema ? d->schema : default_db;
        const char *file = d->file < job->n_inputs ? job->inputs[d->file] : "the dump";
        const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
        char *where = b2a__asprintf("CREATE TABLE %s at %s line %llu", d->name, base,
                                    (unsigned long long)d->line);
        if (!where)
            return B2A_ENOMEM;
        b2a_table_job *t = find_restored(job, schema, d->name);
        int rc = B2A_OK;
        if (!t)
            rc = add_missing_table(job, d, schema, where, server_version);
        else if (d->columns_known && t->selected && t->state == B2A_STATE_PENDING)
            rc = check_columns(job, t, d, where, server_version);
        free(where);
        if (rc != B2A_OK)
            return rc;
    }
    return B2A_OK;
}
