/* b2a_inspect(): what a backup is and what is cheaply known about its
 * contents, as one pretty JSON document. Nothing is started or restored. */
#include "bak2avro/inspect.h"
#include "reader/mssql/bak.h"
#include "reader/oracle/dp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>

#include "core/error.h"
#include "detect/detect.h"
#include "detect/dumpend.h"
#include "detect/mysqldump.h"
#include "detect/oradump.h"
#include "detect/pgdump.h"
#include "detect/pgplain.h"
#include "reader/reader.h"

/* yajl does not check UTF-8 unless told, and names in backups may be in any
 * charset: replace bytes that are not valid UTF-8 with '?' so the document stays JSON. */
static char *utf8_clean(const char *s, size_t *len_out)
{
    size_t n = strlen(s), o = 0;
    char *d = malloc(n + 1);
    if (!d)
        return NULL;
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t need = u[i] < 0x80 ? 0 : (u[i] & 0xE0) == 0xC0 ? 1 : (u[i] & 0xF0) == 0xE0 ? 2
                    : (u[i] & 0xF8) == 0xF0 ? 3 : 9;
        int ok = need != 9;
        for (size_t k = 1; ok && k <= need; k++)
            ok = i + k < n && (u[i + k] & 0xC0) == 0x80;
        if (u[i] == 0xC0 || u[i] == 0xC1)
            ok = 0;
        if (!ok) {
            d[o++] = '?';
            i++;
            continue;
        }
        memcpy(d + o, u + i, need + 1);
        o += need + 1;
        i += need + 1;
    }
    d[o] = '\0';
    *len_out = o;
    return d;
}

static void gen_key(yajl_gen g, const char *key)
{
    yajl_gen_string(g, (const unsigned char *)key, strlen(key));
}

/* "key": "value", or "key": null when value is NULL. */
static int gen_str(yajl_gen g, const char *key, const char *val)
{
    if (key)
        gen_key(g, key);
    if (!val)
        return yajl_gen_null(g) == yajl_gen_status_ok ? B2A_OK : B2A_ENOMEM;
    size_t len;
    char *clean = utf8_clean(val, &len);
    if (!clean)
        return B2A_ENOMEM;
    yajl_gen_status st = yajl_gen_string(g, (const unsigned char *)clean, len);
    free(clean);
    return st == yajl_gen_status_ok ? B2A_OK : B2A_ENOMEM;
}

/* Empty text counts as unknown. */
static int gen_opt(yajl_gen g, const char *key, const char *val)
{
    return gen_str(g, key, val && *val ? val : NULL);
}

static void gen_int(yajl_gen g, const char *key, long long v)
{
    gen_key(g, key);
    yajl_gen_integer(g, v);
}

static void gen_bool(yajl_gen g, const char *key, int v)
{
    gen_key(g, key);
    yajl_gen_bool(g, v);
}

static void gen_strv(yajl_gen g, const char *key, char *const *v, uint32_t n)
{
    gen_key(g, key);
    yajl_gen_array_open(g);
    for (uint32_t i = 0; i < n; i++)
        gen_str(g, NULL, v[i]);
    yajl_gen_array_close(g);
}

static int inspect_pg_archive(yajl_gen g, const char *path, b2a_err *err)
{
    b2a_pgdump_info pi;
    int rc = b2a__pgdump_read(path, &pi, err);
    if (rc) {
        b2a__pgdump_free(&pi);
        return rc;
    }
    char buf[64];
    gen_str(g, "compression", b2a__pgdump_compression_name(&pi));
    gen_key(g, "versions");
    yajl_gen_map_open(g);
    snprintf(buf, sizeof(buf), "%d.%d.%d", pi.vmaj, pi.vmin, pi.vrev);
    gen_str(g, "archive", buf);
    gen_opt(g, "server", pi.server_version);
    gen_opt(g, "pg_dump", pi.pgdump_version);
    gen_int(g, "min_server_major", b2a__pgdump_min_server_major(&pi));
    gen_int(g, "min_server_version_num", b2a__pgdump_min_server_version_num(&pi));
    yajl_gen_map_close(g);

    gen_key(g, "contents");
    yajl_gen_map_open(g);
    gen_opt(g, "database", pi.dbname);
    /* pg_dump stores the dumper's local time without a zone. */
    snprintf(buf, sizeof(buf), "%04d-%02d-%02d %02d:%02d:%02d", pi.tm_year + 1900, pi.tm_mon + 1,
             pi.tm_mday, pi.tm_hour, pi.tm_min, pi.tm_sec);
    gen_str(g, "created", buf);
    gen_int(g, "toc_entries", pi.n_toc);
    gen_int(g, "table_data_entries", pi.n_table_data);
    gen_key(g, "tables");
    yajl_gen_array_open(g);
    for (uint32_t i = 0; i < pi.n_toc; i++) {
        const b2a_pgdump_toc_entry *te = &pi.toc[i];
        if (strcmp(te->desc, "TABLE DATA") != 0)
            continue;
        yajl_gen_map_open(g);
        gen_str(g, "schema", te->schema);
        gen_str(g, "name", te->tag);
        gen_str(g, "owner", te->owner);
        gen_int(g, "dump_id", te->dump_id);
        if (te->filename)
            gen_str(g, "file", te->filename);
        yajl_gen_map_close(g);
    }
    yajl_gen_array_close(g);
    yajl_gen_map_close(g);
    b2a__pgdump_free(&pi);
    return B2A_OK;
}

static int inspect_pg_plain(yajl_gen g, const char *path, const b2a_detected *d, b2a_err *err)
{
    b2a_pgplain_info pp;
    int rc = b2a__pgplain_read(path, &pp, err);
    if (rc) {
        b2a__pgplain_free(&pp);
        return rc;
    }
    gen_str(g, "compression", d->gzip ? "gzip" : "none");
    gen_key(g, "versions");
    yajl_gen_map_open(g);
    gen_opt(g, "server", pp.dumped_from);
    gen_opt(g, "pg_dump", pp.dumped_by);
    if (pp.needs_version_num) {
        gen_int(g, "min_server_major", pp.needs_version_num / 10000);
        gen_int(g, "min_server_version_num", pp.needs_version_num);
        gen_str(g, "min_server_reason", pp.needs_setting);
    } else {
        gen_str(g, "min_server_major", NULL);
    }
    gen_bool(g, "psql_restrict", pp.has_restrict);
    yajl_gen_map_close(g);
    gen_key(g, "contents");
    yajl_gen_map_open(g);
    if (pp.is_dumpall)
        gen_int(g, "databases", pp.n_databases);
    else
        gen_opt(g, "database", pp.database); /* from \connect or CREATE DATABASE; null when it does not say */
    gen_int(g, "table_data_entries", pp.n_copy);
    gen_strv(g, "tables", pp.copy_tables, pp.n_copy);
    yajl_gen_map_close(g);
    b2a__pgplain_free(&pp);
    return b2a__dump_check_end(path, d, err);
}

static int inspect_mysql(yajl_gen g, const char *path, const b2a_detected *d, b2a_err *err)
{
    b2a_mysqldump_info mi;
    int rc = b2a__mysqldump_read(path, &mi, err);
    if (rc) {
        b2a__mysqldump_free(&mi);
        return rc;
    }
    gen_str(g, "compression", d->gzip ? "gzip" : "none");
    gen_key(g, "versions");
    yajl_gen_map_open(g);
    gen_opt(g, "dump", mi.dump_version);
    gen_opt(g, "client", mi.client_version);
    gen_opt(g, "server", mi.server_version);
    yajl_gen_map_close(g);
    gen_key(g, "contents");
    yajl_gen_map_open(g);
    gen_opt(g, "host", mi.host);
    gen_opt(g, "database", mi.database);
    gen_strv(g, "tables", mi.tables, mi.n_tables);
    gen_strv(g, "data_tables", mi.data_tables, mi.n_data_tables);
    yajl_gen_map_close(g);
    b2a__mysqldump_free(&mi);
    return b2a__dump_check_end(path, d, err);
}

/* One table of a direct reader: what `run` would make of it, and "error"
 * when it would fail (a column type not decoded, no columns known, cut
 * short), from the reader's own refusal at scan open. */
static void gen_reader_table(yajl_gen g, const b2a_reader_ops *ops, void *r, size_t i)
{
    const b2a_table_def *t = ops->table(r, i);
    yajl_gen_map_open(g);
    gen_str(g, "schema", t->schema);
    gen_str(g, "name", t->name);
    gen_str(g, "kind", ops->table_kind(r, i));
    gen_int(g, "rows", (long long)t->row_count);
    if (ops->partition_name && ops->partition_name(r, i, 0)) {
        gen_key(g, "partitions");
        yajl_gen_array_open(g);
        const char *p;
        for (size_t k = 0; (p = ops->partition_name(r, i, k)); k++)
            gen_str(g, NULL, p);
        yajl_gen_array_close(g);
    }
    size_t npk = 0;
    const size_t *pk = ops->primary_key ? ops->primary_key(r, i, &npk) : NULL;
    gen_key(g, "primary_key");
    yajl_gen_array_open(g);
    for (size_t k = 0; pk && k < npk; k++)
        gen_str(g, NULL, t->columns[pk[k]].name);
    yajl_gen_array_close(g);
    gen_key(g, "columns");
    yajl_gen_array_open(g);
    for (size_t k = 0; k < t->ncolumns; k++) {
        yajl_gen_map_open(g);
        gen_str(g, "name", t->columns[k].name);
        gen_str(g, "type", t->columns[k].source_type);
        gen_bool(g, "nullable", t->columns[k].nullable);
        yajl_gen_map_close(g);
    }
    yajl_gen_array_close(g);
    void *scan = NULL;
    b2a_err e;
    b2a__err_clear(&e);
    if (ops->scan_open(r, i, &scan, &e) == B2A_OK)
        ops->scan_close(scan);
    else
        gen_str(g, "error", e.msg[0] ? e.msg : b2a_strerror(e.code));
    yajl_gen_map_close(g);
}

/* 1, 0, or null when the job's options are not known. */
static void gen_tristate(yajl_gen g, const char *key, int v)
{
    gen_key(g, key);
    if (v < 0)
        yajl_gen_null(g);
    else
        yajl_gen_bool(g, v);
}

/* Data Pump: the compression and encryption flags GET_DUMPFILE_INFO
 * reports, from the job's parameters in the master table (null where the
 * reader could not read them), and the dump files the job wrote. */
static void gen_dp_options(yajl_gen g, const b2a_dp *x)
{
    static const b2a_dp_params none; /* not opened: nothing known */
    const b2a_dp_params *p = x ? b2a__dp_params(x) : &none;
    const char *c = p->compression, *e = p->encryption;
    int known_c = p->read && *c, known_e = p->read;
    int all_c = strcmp(c, "ALL") == 0, all_e = strcmp(e, "ALL") == 0;
    gen_opt(g, "job_compression", p->read ? c : NULL);
    gen_tristate(g, "metadata_compressed", known_c ? all_c || strcmp(c, "METADATA_ONLY") == 0 : -1);
    gen_tristate(g, "data_compressed", known_c ? all_c || strcmp(c, "DATA_ONLY") == 0 : -1);
    gen_opt(g, "compression_algorithm", p->compression_algorithm);
    /* a job without ENCRYPTION in its parameters wrote nothing encrypted */
    gen_str(g, "job_encryption", !p->read ? NULL : *e ? e : "NONE");
    gen_tristate(g, "metadata_encrypted", known_e ? all_e || strcmp(e, "METADATA_ONLY") == 0 : -1);
    gen_tristate(g, "data_encrypted", known_e ? all_e || strcmp(e, "DATA_ONLY") == 0 : -1);
    gen_tristate(g, "columns_encrypted", known_e ? strcmp(e, "ENCRYPTED_COLUMNS_ONLY") == 0 : -1);
    gen_str(g, "encryption_mode", !p->read ? NULL : *p->encryption_mode ? p->encryption_mode : *e ? NULL : "NONE");
    gen_key(g, "dump_files");
    if (!p->read) {
        yajl_gen_null(g);
        return;
    }
    yajl_gen_array_open(g);
    for (size_t i = 0; i < p->nfiles && i < B2A_DP_MAX_FILES; i++)
        gen_str(g, NULL, p->files[i]);
    yajl_gen_array_close(g);
}

/* Oracle: "tables" from the direct reader (an empty list, and its error
 * returned, when it cannot open the dump). A Data Pump dump refused for
 * compressed or encrypted rows still lists its tables (each with that
 * error) and its flags, and the refusal is returned. */
static int inspect_oracle_tables(yajl_gen g, const char *path, const b2a_detected *d, b2a_err *err)
{
    const b2a_reader_ops *ops = b2a__reader_for(d);
    int dp = d->format == B2A_FMT_ORACLE_DATAPUMP;
    void *r = NULL;
    int rc = !ops  ? b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_READER, "%s: no direct reader", path)
             : dp ? b2a__dp_open_lenient(&path, 1, (b2a_dp **)&r, err)
                  : ops->open(&path, 1, &(b2a_reader_opts){0}, &r, err);
    gen_key(g, "tables");
    yajl_gen_array_open(g);
    for (size_t i = 0; rc == B2A_OK && i < ops->table_count(r); i++)
        gen_reader_table(g, ops, r, i);
    yajl_gen_array_close(g);
    if (dp)
        gen_dp_options(g, r);
    if (dp && r) {
        if (b2a__dp_refusal(r))
            rc = b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_READER, "%s: %s", path, b2a__dp_refusal(r));
    }
    if (r)
        ops->close(r);
    return rc;
}

static int inspect_oracle(yajl_gen g, const char *path, const b2a_detected *d, b2a_err *err)
{
    b2a_oradump_info oi;
    int rc = b2a__oradump_read_header(path, &oi, err);
    if (rc)
        return rc;
    const char *cs;
    gen_str(g, "compression", oi.datapump ? NULL : "none");
    gen_key(g, "versions");
    yajl_gen_map_open(g);
    if (oi.datapump) {
        char fv[16];
        snprintf(fv, sizeof(fv), "0x%04x", (unsigned)oi.file_version);
        gen_opt(g, "database", oi.version);
        gen_str(g, "file_version", fv);
    } else {
        gen_opt(g, "export", oi.version);
    }
    yajl_gen_map_close(g);
    gen_key(g, "contents");
    yajl_gen_map_open(g);
    if (oi.datapump) {
        gen_opt(g, "job_name", oi.job_name);
        gen_opt(g, "platform", oi.platform);
        gen_opt(g, "charset", oi.charset);
        gen_int(g, "block_size", oi.block_size);
        gen_int(g, "file_number", oi.file_number); /* N of a DUMPFILE=...%U set */
    } else {
        gen_opt(g, "user", oi.user);
        gen_opt(g, "mode", oi.mode);
        gen_opt(g, "charset", oi.charset);
        cs = b2a__oradump_charset_name(oi.client_charset_id);
        gen_str(g, "client_charset", cs);
        cs = b2a__oradump_charset_name(oi.nchar_charset_id);
        gen_str(g, "nchar_charset", cs);
        gen_int(g, "record_length", oi.record_length);
    }
    /* The direct reader walks the whole dump (streaming, in bounded memory,
     * whatever its size) and lists its tables as `run` would read them. */
    int rc_tables = inspect_oracle_tables(g, path, d, err);
    /* The list is complete only when the reader read it all and the end of
     * the file is the end of the dump. */
    b2a_err end_err;
    b2a__err_clear(&end_err);
    int end_rc = b2a__oradump_check_end(path, &oi, &end_err);
    gen_bool(g, "tables_complete", rc_tables == B2A_OK && end_rc == B2A_OK);
    yajl_gen_map_close(g);
    if (rc_tables != B2A_OK)
        return rc_tables;
    if (end_rc != B2A_OK)
        b2a__err_copy(err, &end_err);
    return end_rc;
}

/* SQL Server: our own .bak reader tells what RESTORE HEADERONLY,
 * FILELISTONLY and LABELONLY would say, and the tables with row counts.
 * A file the reader cannot open (half a striped set, a damaged backup) is
 * still inspected: what the magic bytes tell, and the reader's error is
 * returned for inspect_one to report. */
static int inspect_mssql_contents(yajl_gen g, const char *path, const b2a_detected *d,
                                  b2a_err *err)
{
    gen_str(g, "compression", d->format == B2A_FMT_MSSQL_COMPRESSED ? "MSSQLBAK" : "none");
    b2a_bak *bak = NULL;
    b2a_err rerr;
    b2a__err_clear(&rerr);
    gen_key(g, "contents");
    if (b2a__bak_open(&path, 1, &bak, &rerr) == B2A_OK) {
        int rc = b2a__bak_inspect(bak, g, err);
        b2a__bak_close(bak);
        return rc;
    }
    /* A backup the reader cannot read tables from (a log backup, half a
     * striped set, an unreadable catalog) still has headers worth showing,
     * next to the reason. */
    b2a_err herr;
    b2a__err_clear(&herr);
    if (b2a__bak_open_header(&path, 1, &bak, &herr) == B2A_OK) {
        int rc = b2a__bak_inspect(bak, g, err);
        b2a__bak_close(bak);
        if (rc != B2A_OK)
            return rc;
    } else {
        yajl_gen_null(g);
    }
    b2a__err_copy(err, &rerr);
    return rerr.code;
}

/* One input's object: what could be read, and "error" when the input could
 * not be read whole. Returns B2A_OK only when it was read whole. */
static int inspect_one(yajl_gen g, const char *path, b2a_err *err)
{
    b2a_detected d;
    yajl_gen_map_open(g);
    gen_str(g, "path", path);
    int rc = b2a__detect(path, &d, err);
    if (rc == B2A_OK) {
        gen_int(g, "size", (long long)d.size);
        gen_str(g, "vendor", b2a__detect_vendor_name(d.vendor));
        gen_str(g, "format", b2a__detect_format_name(d.format));
        gen_str(g, "format_id", b2a__detect_format_key(d.format));
        gen_bool(g, "gzip_wrapped", d.gzip);
        switch (d.format) {
        case B2A_FMT_PG_CUSTOM:
        case B2A_FMT_PG_TAR:
        case B2A_FMT_PG_DIRECTORY:
            rc = inspect_pg_archive(g, path, err);
            break;
        case B2A_FMT_PG_PLAIN:
        case B2A_FMT_PG_DUMPALL:
            rc = inspect_pg_plain(g, path, &d, err);
            break;
        case B2A_FMT_MYSQLDUMP:
        case B2A_FMT_MARIADB_DUMP:
        case B2A_FMT_MYSQL_SQL:
            rc = inspect_mysql(g, path, &d, err);
            break;
        case B2A_FMT_ORACLE_EXP:
        case B2A_FMT_ORACLE_DATAPUMP:
            rc = inspect_oracle(g, path, &d, err);
            break;
        case B2A_FMT_MSSQL_MTF:
        case B2A_FMT_MSSQL_COMPRESSED:
            rc = inspect_mssql_contents(g, path, &d, err);
            break;
        default:
            rc = b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER, "%s: unknown format", path);
            break;
        }
    }
    if (rc != B2A_OK)
        gen_str(g, "error", err->msg[0] ? err->msg : b2a_strerror(rc));
    yajl_gen_map_close(g);
    return rc;
}

static int fail(int code, const char *msg, char **errmsg_out)
{
    if (errmsg_out)
        *errmsg_out = strdup(msg);
    return code;
}

/* Errors that leave no document worth showing. An input refused with
 * B2A_EINVAL (a path too long) is that input's error: the others are still
 * inspected; only the call's own arguments make EINVAL fatal (above). */
static int fatal(int rc)
{
    return rc == B2A_ENOMEM;
}

int b2a_inspect(const char *const *paths, uint32_t n_paths, char **json_out, char **errmsg_out)
{
    if (errmsg_out)
        *errmsg_out = NULL;
    if (!json_out)
        return fail(B2A_EINVAL, "inspect: json_out is NULL", errmsg_out);
    *json_out = NULL;
    if (n_paths == 0 || !paths)
        return fail(B2A_EINVAL, "inspect: no input files", errmsg_out);
    for (uint32_t i = 0; i < n_paths; i++)
        if (!paths[i] || !*paths[i])
            return fail(B2A_EINVAL, "inspect: an input path is empty", errmsg_out);

    yajl_gen g = yajl_gen_alloc(NULL);
    if (!g)
        return fail(B2A_ENOMEM, "inspect: out of memory", errmsg_out);
    yajl_gen_config(g, yajl_gen_beautify, 1);
    yajl_gen_config(g, yajl_gen_indent_string, "  ");

    /* Every input is inspected; the first that could not be read whole
     * gives the return code and message, and each one's "error" is in the
     * document next to what could be read. */
    b2a_err first;
    b2a__err_clear(&first);
    yajl_gen_map_open(g);
    gen_key(g, "inputs");
    yajl_gen_array_open(g);
    for (uint32_t i = 0; i < n_paths && !fatal(first.code); i++) {
        b2a_err err;
        b2a__err_clear(&err);
        int rc = inspect_one(g, paths[i], &err);
        if (rc != B2A_OK && (first.code == B2A_OK || fatal(rc))) {
            b2a__err_copy(&first, &err);
            first.code = rc;
        }
    }
    yajl_gen_array_close(g);
    yajl_gen_map_close(g);

    int rc = first.code;
    if (!fatal(rc)) {
        const unsigned char *buf;
        size_t len;
        if (yajl_gen_get_buf(g, &buf, &len) != yajl_gen_status_ok ||
            !(*json_out = strndup((const char *)buf, len))) {
            rc = B2A_ENOMEM;
            b2a__err_set(&first, rc, B2A_ERRCLASS_OS, "inspect: out of memory");
        }
    }
    yajl_gen_free(g);
    if (rc != B2A_OK)
        return fail(rc, first.msg[0] ? first.msg : b2a_strerror(rc), errmsg_out);
    return B2A_OK;
}
