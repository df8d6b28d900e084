/* mysqldump / MariaDB dump header and CREATE TABLE names, one streaming pass. */
#include "detect/mysqldump.h"
#include "detect/detect.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>


#define LINE_KEEP 4096

static int starts_ci(const char *s, const char *prefix)
{
    return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

static const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* Copy up to a stop character or the end of the line. */
static const char *copy_until(const char *p, const char *stops, char *dst, size_t n)
{
    size_t i = 0;
    while (*p && *p != '\n' && *p != '\r' && !strchr(stops, *p)) {
        if (i + 1 < n)
            dst[i++] = *p;
        p++;
    }
    dst[i] = '\0';
    return p;
}

/* "10.13  Distrib 8.0.36, for ..." or "10.19-11.4.2-MariaDB, for ..." */
static void parse_dump_line(b2a_mysqldump_info *info, const char *p)
{
    p = skip_ws(p);
    p = copy_until(p, " ,-", info->dump_version, sizeof(info->dump_version));
    if (*p == '-') {
        copy_until(p + 1, ", ", info->client_version, sizeof(info->client_version));
        return;
    }
    p = skip_ws(p);
    if (starts_ci(p, "Distrib "))
        copy_until(skip_ws(p + 8), ", ", info->client_version, sizeof(info->client_version));
}

static void parse_host_line(b2a_mysqldump_info *info, const char *p)
{
    p = copy_until(skip_ws(p), " \t", info->host, sizeof(info->host));
    const char *db = strstr(p, "Database: ");
    if (db)
        copy_until(db + 10, " \t", info->database, sizeof(info->database));
}

/* One identifier: `a``b`, "a", or bare. Returns the position after it, or NULL. */
static const char *read_ident(const char *p, char *dst, size_t n)
{
    size_t i = 0;
    if (*p == '`' || *p == '"') {
        char q = *p++;
        for (;;) {
            if (*p == '\0' || *p == '\n')
                return NULL;
            if (*p == q) {
                if (p[1] != q)
                    break;
                p++; /* doubled quote */
            }
            if (i + 1 < n)
                dst[i++] = *p;
            p++;
        }
        p++;
    } else {
        while (isalnum((unsigned char)*p) || *p == '_' || *p == '$' || (unsigned char)*p >= 0x80) {
            if (i + 1 < n)
                dst[i++] = *p;
            p++;
        }
        if (i == 0)
            return NULL;
    }
    dst[i] = '\0';
    return p;
}

/* Append name to a list unless it is there already. */
static int add_name(char ***list, uint32_t *n, const char *name)
{
    for (uint32_t i = *n; i > 0; i--)
        if (strcmp((*list)[i - 1], name) == 0)
            return B2A_OK;
    if (*n % 64 == 0) {
        char **v = realloc(*list, (*n + 64) * sizeof(char *));
        if (!v)
            return B2A_ENOMEM;
        *list = v;
    }
    if (!((*list)[*n] = strdup(name)))
        return B2A_ENOMEM;
    (*n)++;
    return B2A_OK;
}

/* [db.]table after a statement keyword; 0 when there is no identifier. */
static int read_qualified(const char *p, char *full, size_t n)
{
    char a[256], b[256];
    p = read_ident(p, a, sizeof(a));
    if (!p)
        return 0;
    if (*p == '.' && read_ident(p + 1, b, sizeof(b)))
        snprintf(full, n, "%s.%s", a, b);
    else
        snprintf(full, n, "%s", a);
    return 1;
}

static int add_table(b2a_mysqldump_info *info, const char *line)
{
    char full[520];
    const char *p = skip_ws(line);
    if (starts_ci(p, "CREATE TABLE ")) {
        p = skip_ws(p + 13);
        if (starts_ci(p, "IF NOT EXISTS "))
            p = skip_ws(p + 14);
        if (!read_qualified(p, full, sizeof(full)))
            return B2A_OK;
        /* a table dropped and created again is still one table */
        return add_name(&info->tables, &info->n_tables, full);
    }
    if (p == line && starts_ci(p, "USE ")) {
        char db[128];
        if (!info->data_started && read_ident(skip_ws(p + 4), db, sizeof(db)))
            snprintf(info->used, sizeof(info->used), "%s", db);
        return B2A_OK;
    }
    if (p == line && (starts_ci(p, "CREATE DATABASE ") || starts_ci(p, "CREATE SCHEMA "))) {
        /* mysqldump puts IF NOT EXISTS in a version comment (!32312) */
        p = skip_ws(p + (toupper((unsigned char)p[7]) == 'D' ? 16 : 14));
        if (starts_ci(p, "/*!32312 IF NOT EXISTS*/"))
            p = skip_ws(p + 24);
        if (starts_ci(p, "IF NOT EXISTS "))
            p = skip_ws(p + 14);
        char db[128];
        if (read_ident(p, db, sizeof(db)) && info->n_created++ == 0)
            snprintf(info->created, sizeof(info->created), "%s", db);
        return B2A_OK;
    }
    /* rows come from top-level INSERTs; indented ones sit in trigger or routine bodies */
    if (p == line && starts_ci(p, "INSERT ")) {
        info->data_started = 1;
        p = skip_ws(p + 7);
        if (starts_ci(p, "IGNORE "))
            p = skip_ws(p + 7);
        if (!starts_ci(p, "INTO "))
            return B2A_OK;
        if (!read_qualified(skip_ws(p + 5), full, sizeof(full)))
            return B2A_OK;
        return add_name(&info->data_tables, &info->n_data_tables, full);
    }
    return B2A_OK;
}

static void handle_comment(b2a_mysqldump_info *info, const char *line)
{
    if (starts_ci(line, "-- MySQL dump ")) {
        info->has_header = 1;
        info->is_mariadb = strstr(line, "-MariaDB") != NULL; /* "Distrib 10.3.22-MariaDB" */
        parse_dump_line(info, line + 14);
    } else if (starts_ci(line, "-- MariaDB dump ")) {
        info->has_header = info->is_mariadb = 1;
        parse_dump_line(info, line + 16);
    } else if (starts_ci(line, "-- Host: ")) {
        parse_host_line(info, line + 9);
    } else if (starts_ci(line, "-- Server version")) {
        copy_until(skip_ws(line + 17), "", info->server_version, sizeof(info->server_version));
    }
}

static int read_script(const char *path, b2a_mysqldump_info *out, int head_only, b2a_err *err)
{
    memset(out, 0, sizeof(*out));
    gzFile gz;
    int orc = b2a__detect_gzopen(path, &gz, err);
    if (orc != B2A_OK)
        return orc;
    char *line = malloc(LINE_KEEP);
    if (!line) {
        gzclose(gz);
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "%s: out of memory", path);
    }
    int rc = B2A_OK, at_start = 1, in_routines = 0;
    uint64_t lineno = 0;
    while (gzgets(gz, line, LINE_KEEP)) {
        size_t len = strlen(line);
        int first = at_start;
        at_start = len > 0 && line[len - 1] == '\n';
        if (!first)
            continue;
        lineno++;
        if (line[0] == '-' && line[1] == '-') {
            if (lineno <= 20) /* mysqldump writes its header at the top */
                handle_comment(out, line);
            continue;
        }
        /* between DELIMITER ;; and DELIMITER ; are routine and trigger bodies */
        if (starts_ci(line, "DELIMITER ")) {
            const char *d = skip_ws(line + 10);
            in_routines = !(d[0] == ';' && (d[1] == '\n' || d[1] == '\r' || d[1] == ' ' || !d[1]));
            continue;
        }
        if (in_routines)
            continue;
        if (head_only && starts_ci(line, "INSERT "))
            break; /* the rows begin: the database is settled */
        if (add_table(out, line) != B2A_OK) {
            rc = b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "%s: out of memory", path);
            break;
        }
    }
    if (rc == B2A_OK) {
        int zerr;
        const char *m = gzerror(gz, &zerr);
        if (zerr != Z_OK && zerr != Z_STREAM_END)
            rc = b2a__err_set(err, zerr == Z_ERRNO ? B2A_EIO : B2A_EFORMAT,
                              zerr == Z_ERRNO ? B2A_ERRCLASS_IO : B2A_ERRCLASS_READER,
                              "%s: read error after line %llu: %s", path,
                              (unsigned long long)lineno, zerr == Z_ERRNO ? strerror(errno) : m);
    }
    free(line);
    gzclose(gz);
    if (rc != B2A_OK)
        b2a__mysqldump_free(out);
    else if (out->used[0])
        snprintf(out->database, sizeof(out->database), "%s", out->used);
    else if (!out->database[0] && out->n_created == 1)
        snprintf(out->database, sizeof(out->database), "%s", out->created);
    return rc;
}

int b2a__mysqldump_read(const char *path, b2a_mysqldump_info *out, b2a_err *err)
{
    return read_script(path, out, 0, err);
}

int b2a__mysqldump_read_database(const char *path, char *out, size_t n, b2a_err *err)
{
    b2a_mysqldump_info info;
    out[0] = '\0';
    int rc = read_script(path, &info, 1, err);
    if (rc == B2A_OK)
        snprintf(out, n, "%s", info.database);
    b2a__mysqldump_free(&info);
    return rc;
}

void b2a__mysqldump_free(b2a_mysqldump_info *info)
{
    if (!info)
        return;
    for (uint32_t i = 0; i < info->n_tables; i++)
        free(info->tables[i]);
    free(info->tables);
    for (uint32_t i = 0; i < info->n_data_tables; i++)
        free(info->data_tables[i]);
    free(info->data_tables);
    memset(info, 0, sizeof(*info));
}
