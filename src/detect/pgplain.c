/* Plain SQL pg_dump / pg_dumpall scripts: one streaming pass over the lines
 * (gzread reads plain and gzip'd files alike), skipping COPY data. */
#include "detect/pgplain.h"
#include "detect/detect.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>


#define LINE_MAX_KEEP 4096

/* SET parameters pg_dump writes that older servers do not know. */
static const struct {
    const char *name;
    int version_num;
} settings[] = {
    {"transaction_timeout", 170000},
    {"default_toast_compression", 140000},
    {"default_table_access_method", 120000},
    {"idle_in_transaction_session_timeout", 90600},
    {"row_security", 90500},
    {"lock_timeout", 90300},
};

int b2a__pgplain_setting_min_version_num(const char *name)
{
    for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++)
        if (strcmp(settings[i].name, name) == 0)
            return settings[i].version_num;
    return 0;
}

/* "17" for 170000, "9.6" for 90600. */
static void version_text(int vnum, char *dst, size_t n)
{
    if (vnum >= 100000)
        snprintf(dst, n, "%d", vnum / 10000);
    else
        snprintf(dst, n, "%d.%d", vnum / 10000, vnum / 100 % 100);
}

int b2a__pgplain_rejected_by(const b2a_pgplain_info *info, int server_version_num, char *why,
                             size_t whylen)
{
    if (!info || info->needs_version_num == 0 || server_version_num >= info->needs_version_num)
        return 0;
    if (why && whylen) {
        char need[16], have[16];
        version_text(info->needs_version_num, need, sizeof(need));
        version_text(server_version_num, have, sizeof(have));
        snprintf(why, whylen, "SET %s needs PostgreSQL %s (server is %s)", info->needs_setting,
                 need, have);
    }
    return 1;
}

static void copy_rest(const char *src, char *dst, size_t n)
{
    size_t i = 0;
    while (src[i] && src[i] != '\n' && src[i] != '\r' && i + 1 < n) {
        dst[i] = src[i];
        i++;
    }
    dst[i] = '\0';
}

static int add_copy_table(b2a_pgplain_info *info, const char *line)
{
    const char *p = line + 5; /* after "COPY " */
    size_t n = 0;
    int quoted = 0;
    while (p[n] && (quoted || (p[n] != ' ' && p[n] != '('))) {
        if (p[n] == '"')
            quoted = !quoted;
        n++;
    }
    if (info->n_copy % 64 == 0) {
        char **v = realloc(info->copy_tables, (info->n_copy + 64) * sizeof(char *));
        if (!v)
            return B2A_ENOMEM;
        info->copy_tables = v;
    }
    char *name = strndup(p, n);
    if (!name)
        return B2A_ENOMEM;
    info->copy_tables[info->n_copy++] = name;
    return B2A_OK;
}

static int starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* A SQL identifier at p: "quoted" (doubled quotes) as written, bare folded to
 * lower case as the server does. "" when there is none. */
static void read_sql_ident(const char *p, char *dst, size_t n)
{
    size_t i = 0;
    if (*p == '"') {
        for (p++; *p && *p != '\n'; p++) {
            if (*p == '"' && *++p != '"')
                break;
            if (i + 1 < n)
                dst[i++] = *p;
        }
    } else {
        for (; *p && !strchr(" \t\r\n;", *p); p++)
            if (i + 1 < n)
                dst[i++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
    }
    dst[i] = '\0';
}

/* "\connect [-reuse-previous=on] TARGET": TARGET is a name, "a quoted
 * name", or a conninfo string with dbname='...' (pg_dumpall). */
static void read_connect_target(const char *p, char *dst, size_t n)
{
    dst[0] = '\0';
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p != '-')
            break;
        while (*p && !strchr(" \t\r\n", *p))
            p++;
    }
    char tok[256];
    size_t i = 0;
    if (*p == '"') { /* psql's quoting: "" is a quote */
        for (p++; *p && *p != '\n'; p++) {
            if (*p == '"' && *++p != '"')
                break;
            if (i + 1 < sizeof(tok))
                tok[i++] = *p;
        }
    } else {
        for (; *p && !strchr(" \t\r\n", *p); p++)
            if (i + 1 < sizeof(tok))
                tok[i++] = *p;
    }
    tok[i] = '\0';
    const char *db = strstr(tok, "dbname=");
    if (!strchr(tok, '=')) {
        size_t k = strlen(tok) < n ? strlen(tok) : n - 1;
        memcpy(dst, tok, k);
        dst[k] = '\0';
        return;
    }
    if (!db)
        return;
    /* conninfo value: 'quoted' with \' and \\ escapes, or bare */
    const char *v = db + 7;
    i = 0;
    if (*v == '\'') {
        for (v++; *v && *v != '\''; v++) {
            if (*v == '\\' && v[1])
                v++;
            if (i + 1 < n)
                dst[i++] = *v;
        }
    } else {
        for (; *v && *v != ' '; v++)
            if (i + 1 < n)
                dst[i++] = *v;
    }
    dst[i] = '\0';
}

static int handle_line(b2a_pgplain_info *info, const char *line)
{
    if (!info->data_started && (starts(line, "\\connect ") || starts(line, "\\c "))) {
        char db[128];
        read_connect_target(line + (line[2] == ' ' ? 3 : 9), db, sizeof(db));
        /* pg_dumpall visits template1 for its settings; no rows go there */
        if (db[0] && strcmp(db, "template1") != 0 && strcmp(db, "template0") != 0)
            snprintf(info->database, sizeof(info->database), "%s", db);
        return B2A_OK;
    }
    if (starts(line, "CREATE DATABASE ")) {
        char db[128];
        read_sql_ident(line + 16, db, sizeof(db));
        if (db[0] && info->n_created++ == 0)
            snprintf(info->created, sizeof(info->created), "%s", db);
        return B2A_OK;
    }
    if (starts(line, "INSERT INTO ")) {
        info->data_started = 1;
        return B2A_OK;
    }
    if (line[0] == '-' && line[1] == '-') {
        if (!info->dumped_from[0] && starts(line, "-- Dumped from database version "))
            copy_rest(line + 32, info->dumped_from, sizeof(info->dumped_from));
        else if (!info->dumped_by[0] && starts(line, "-- Dumped by pg_dump version "))
            copy_rest(line + 29, info->dumped_by, sizeof(info->dumped_by));
        else if (starts(line, "-- PostgreSQL database cluster dump"))
            info->is_dumpall = 1;
        else if (starts(line, "-- Database \"") && strstr(line, "\" dump"))
            info->n_databases++;
        return B2A_OK;
    }
    if (starts(line, "SET ")) {
        char name[64];
        size_t i = 0;
        const char *p = line + 4;
        while (p[i] && p[i] != ' ' && p[i] != '=' && i + 1 < sizeof(name)) {
            name[i] = p[i];
            i++;
        }
        name[i] = '\0';
        int v = b2a__pgplain_setting_min_version_num(name);
        if (v > info->needs_version_num) {
            info->needs_version_num = v;
            snprintf(info->needs_setting, sizeof(info->needs_setting), "%s", name);
        }
        return B2A_OK;
    }
    if (starts(line, "\\restrict ")) {
        info->has_restrict = 1;
        return B2A_OK;
    }
    return B2A_OK;
}

static int read_script(const char *path, b2a_pgplain_info *out, int head_only, b2a_err *err)
{
    memset(out, 0, sizeof(*out));
    gzFile gz;
    int orc = b2a__detect_gzopen(path, &gz, err);
    if (orc != B2A_OK)
        return orc;
    char *line = malloc(LINE_MAX_KEEP);
    if (!line) {
        gzclose(gz);
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "%s: out of memory", path);
    }
    int rc = B2A_OK, in_copy = 0, at_start = 1;
    uint64_t lineno = 0;
    while (gzgets(gz, line, LINE_MAX_KEEP)) {
        size_t len = strlen(line);
        int complete = len > 0 && line[len - 1] == '\n';
        int first = at_start;
        at_start = complete;
        if (!first)
            continue; /* the tail of an over-long line */
        lineno++;
        if (in_copy) {
            if (strcmp(line, "\\.\n") == 0 || strcmp(line, "\\.\r\n") == 0)
                in_copy = 0;
            continue;
        }
        if (head_only && out->data_started)
            break;
        if (starts(line, "COPY ") && strstr(line, " FROM stdin;")) {
            out->data_started = 1;
            if (head_only)
                break;
            in_copy = 1;
            if (add_copy_table(out, line) != B2A_OK) {
                rc = b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "%s: out of memory", path);
                break;
            }
            continue;
        }
        handle_line(out, line);
    }
    if (rc == B2A_OK) {
        int zerr;
        const char *m = gzerror(gz, &zerr);
        if (zerr != Z_OK && zerr != Z_STREAM_END)
            rc = b2a__err_set(err, zerr == Z_ERRNO ? B2A_EIO : B2A_EFORMAT,
                              zerr == Z_ERRNO ? B2A_ERRCLASS_IO : B2A_ERRCLASS_READER,
                              "%s: read error after line %llu: %s", path,
                              (unsigned long long)lineno, zerr == Z_ERRNO ? strerror(errno) : m);
        else if (in_copy)
            rc = b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                              "%s: truncated SQL dump: the file ends inside the COPY data of %s "
                              "(line %llu)",
                              path, out->copy_tables[out->n_copy - 1], (unsigned long long)lineno);
    }
    free(line);
    gzclose(gz);
    if (rc != B2A_OK)
        b2a__pgplain_free(out);
    else if (!out->database[0] && out->n_created == 1)
        snprintf(out->database, sizeof(out->database), "%s", out->created);
    return rc;
}

int b2a__pgplain_read(const char *path, b2a_pgplain_info *out, b2a_err *err)
{
    return read_script(path, out, 0, err);
}

int b2a__pgplain_read_database(const char *path, char *out, size_t n, b2a_err *err)
{
    b2a_pgplain_info info;
    out[0] = '\0';
    int rc = read_script(path, &info, 1, err);
    if (rc == B2A_OK)
        snprintf(out, n, "%s", info.database);
    b2a__pgplain_free(&info);
    return rc;
}

void b2a__pgplain_free(b2a_pgplain_info *info)
{
    if (!info)
        return;
    for (uint32_t i = 0; i < info->n_copy; i++)
        free(info->copy_tables[i]);
    free(info->copy_tables);
    memset(info, 0, sizeof(*info));
}
