/* file: DSNs, backups read by our own readers: see backupsrc.h. */
#include "source/backupsrc.h"

#include <stdlib.h>
#include <string.h>

#include "detect/detect.h"
#include "odbc/introspect.h"
#include "source/dsn.h"
#include "util/str.h"

int b2a__backupsrc_parse(const char *dsn, b2a_backupsrc *b, b2a_err *err)
{
    memset(b, 0, sizeof(*b));
    if (!b2a__dsn_is_file(dsn) || !dsn[5])
        return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE, "DSN: file: names backup files: file:PATH[,PATH...]");
    if (!(b->display = b2a__strdup(dsn)))
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    for (const char *p = dsn + 5;;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        int bad = 0;
        char *path = len ? b2a__dsn_pct_decode(p, len, &bad) : NULL;
        char **np = path ? realloc(b->paths, (b->npaths + 1) * sizeof(*np)) : NULL;
        if (!np) {
            free(path);
            b2a__backupsrc_clear(b);
            return len == 0 ? b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE, "DSN: file: with an empty path")
                   : bad ? b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE,
                                        "DSN: file: a path with a bad %%-escape (%%25 stands for %%, %%2C for a comma)")
                         : b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
        }
        b->paths = np;
        b->paths[b->npaths++] = path;
        if (!end)
            break;
        p = end + 1;
    }
    return B2A_OK;
}

int b2a__backupsrc_open(b2a_backupsrc *b, b2a_err *err)
{
    b2a_detected d;
    int rc = b2a__detect(b->paths[0], &d, err);
    if (rc != B2A_OK)
        return rc;
    const b2a_reader_ops *r = b2a__reader_for(&d);
    if (!r)
        return b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_USAGE,
                            "%s: a %s backup (%s), which no direct reader of this library reads: restore it "
                            "(bak2avro restore) and give the database's DSN",
                            b->paths[0], b2a__detect_vendor_name(d.vendor), b2a__detect_format_name(d.format));
    b2a_reader_opts opts = {0};   /* pages failing their checksum fail the export */
    if ((rc = r->open((const char *const *)b->paths, b->npaths, &opts, &b->handle, err)) != B2A_OK)
        return rc;
    b->reader = r;
    b->vendor = b2a__detect_vendor_name(d.vendor);
    b->format = b2a__detect_format_name(d.format);
    return B2A_OK;
}

void b2a__backupsrc_clear(b2a_backupsrc *b)
{
    if (b->handle)
        b->reader->close(b->handle);
    b2a__strv_free(b->paths, b->npaths);
    free(b->display);
    memset(b, 0, sizeof(*b));
}

static b2a_table_kind kind_of(const char *name)
{
    return name && !strcmp(name, "partitioned table") ? B2A_TABLE_KIND_PARTITIONED
           : name && !strcmp(name, "view") ? B2A_TABLE_KIND_VIEW : B2A_TABLE_KIND_TABLE;
}

int b2a__backupsrc_tables(const b2a_backupsrc *b, b2a_odbc_table **out, size_t *n, b2a_err *err)
{
    size_t count = b->reader->table_count(b->handle);
    b2a_odbc_table *t = calloc(count ? count : 1, sizeof(*t));
    *out = NULL;
    *n = 0;
    if (!t)
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    for (size_t i = 0; i < count; i++) {
        b2a_odbc_table *e = &t[i];
        size_t npk = 0;
        const size_t *pk = b->reader->primary_key ? b->reader->primary_key(b->handle, i, &npk) : NULL;
        int ok = b2a__table_def_copy(&e->def, b->reader->table(b->handle, i)) == 0;
        e->kind = kind_of(b->reader->table_kind(b->handle, i));
        e->exported = 1;   /* a reader lists what it can read */
        if (ok && pk && npk && (e->pk = calloc(npk, sizeof(*e->pk))))
            for (size_t k = 0; ok && k < npk; k++, e->npk++)
                ok = (e->pk[k] = b2a__strdup(e->def.columns[pk[k]].name)) != NULL;
        else if (pk && npk)
            ok = 0;
        if (!ok) {
            b2a__odbc_tables_free(t, i + 1);
            return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
        }
    }
    *out = t;
    *n = count;
    return B2A_OK;
}

long b2a__backupsrc_find(const b2a_backupsrc *b, const char *schema, const char *name)
{
    size_t count = b->reader->table_count(b->handle);
    for (size_t i = 0; schema && name && i < count; i++) {
        const b2a_table_def *d = b->reader->table(b->handle, i);
        if (!strcmp(d->schema ? d->schema : "", schema) && !strcmp(d->name ? d->name : "", name))
            return (long)i;
    }
    return -1;
}

size_t b2a__backupsrc_parts(const b2a_backupsrc *b, size_t table, size_t n)
{
    const b2a_reader_split_ops *sp = b2a__reader_split(b->reader);
    if (!sp || n <= 1)
        return 1;
    size_t most = sp->max_parts ? sp->max_parts(b->handle, table) : n;
    return most < 1 ? 1 : most < n ? most : n;
}

int b2a__backupsrc_scan_open(const b2a_backupsrc *b, size_t table, size_t part, size_t nparts, void **scan,
                             b2a_err *err)
{
    if (nparts <= 1)
        return b->reader->scan_open(b->handle, table, scan, err);
    const b2a_reader_split_ops *sp = b2a__reader_split(b->reader);
    if (!sp)
        return b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_USAGE,
                            "%s: the %s reader does not split a table into parts", b->paths[0], b->reader->name);
    return sp->scan_open_part(b->handle, table, part, nparts, scan, err);
}
