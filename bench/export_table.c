/* Export one table exactly the way a job does (connect with the session
 * setup, introspect over ODBC, rows in B2A_EXPORT_CHUNK_ROWS chunks into the
 * OCF writer's sink, commit), and print what it took. Rows come as a job's
 * do: PostgreSQL through COPY (FORMAT binary) over libpq, MariaDB/MySQL
 * (-m mysql) through libmariadb unbuffered, unless -v odbc.
 * Part of bench/bench_pg_export.sh and bench/bench_mysql_export.sh; usable
 * on its own.
 *
 * The ODBC connection string comes from $B2A_BENCH_CONNSTR, libpq's from
 * PGHOST, PGPORT, PGUSER, PGPASSWORD and PGDATABASE, libmariadb's from
 * MYSQL_HOST, MYSQL_TCP_PORT, MYSQL_USER, MYSQL_PWD and MYSQL_DATABASE
 * (passwords never from argv). Output is one line of key=value pairs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "avro/ocf.h"
#include "bak2avro/job.h"
#include "export/export.h"
#include "odbc/introspect.h"
#include "mysql/mysql.h"
#include "odbc/odbc.h"
#include "pg/pg.h"
#include "util/str.h"
#include "bench_clock.h"

static long vm_hwm_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmHWM:", 6)) {
            v = strtol(line + 6, NULL, 10);
            break;
        }
    if (f)
        fclose(f);
    return v;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: B2A_BENCH_CONNSTR='Driver={PostgreSQL Unicode};...' export_table [options] SCHEMA.TABLE\n"
            "  -c null|deflate|snappy|default  codec (default null; default: the job options' default)\n"
            "  -d                      only print the name of the job options' default codec, and exit\n"
            "  -o DIR                  where the .avro goes (default /tmp); deleted afterwards unless -k\n"
            "  -k                      keep the .avro file\n"
            "  -q                      only print the SELECT the ODBC export runs, and exit\n"
            "  -Q                      only print the statement the native export runs (COPY; MariaDB: SELECT), and exit\n"
            "  -v copy|native|odbc     how rows leave (default native, as a job's: COPY for PostgreSQL,\n"
            "                          libmariadb for MariaDB; copy is native's old name)\n"
            "  -m mysql                the other end is MariaDB/MySQL (default PostgreSQL)\n");
    exit(2);
}

static int die(const char *what, const b2a_err *err)
{
    fprintf(stderr, "export_table: %s: %s\n", what, err->msg);
    return 1;
}

int main(int argc, char **argv)
{
    static const char *const codec_names[] = { "null", "deflate", "snappy" };
    const b2a_job_options defaults = B2A_JOB_OPTIONS_INIT;
    int codec = B2A_CODEC_NULL, keep = 0, print_query = 0, print_copy = 0, via_odbc = 0, c;
    b2a_odbc_vendor vendor = B2A_ODBC_POSTGRES;
    const char *outdir = "/tmp", *codec_name = "null";
    while ((c = getopt(argc, argv, "c:o:kqQv:dm:h")) != -1) {
        switch (c) {
        case 'd':
            printf("%s\n", codec_names[defaults.codec]);
            return 0;
        case 'c':
            codec_name = optarg;
            if (!strcmp(optarg, "default"))
                codec_name = codec_names[codec = (int)defaults.codec];
            else if (!strcmp(optarg, "null"))
                codec = B2A_CODEC_NULL;
            else if (!strcmp(optarg, "deflate"))
                codec = B2A_CODEC_DEFLATE;
            else if (!strcmp(optarg, "snappy"))
                codec = B2A_CODEC_SNAPPY;
            else
                usage();
            break;
        case 'o': outdir = optarg; break;
        case 'k': keep = 1; break;
        case 'q': print_query = 1; break;
        case 'Q': print_copy = 1; break;
        case 'v':
            if (strcmp(optarg, "odbc") && strcmp(optarg, "copy") && strcmp(optarg, "native"))
                usage();
            via_odbc = !strcmp(optarg, "odbc");
            break;
        case 'm':
            if (strcmp(optarg, "mysql"))
                usage();
            vendor = B2A_ODBC_MYSQL;
            break;
        default: usage();
        }
    }
    const char *connstr = getenv("B2A_BENCH_CONNSTR");
    if (optind + 1 != argc || !connstr)
        usage();
    char *schema = b2a__strdup(argv[optind]);
    char *dot = schema ? strchr(schema, '.') : NULL;
    if (!dot)
        usage();
    *dot = '\0';
    const char *table = dot + 1;

    b2a_err err;
    b2a__err_clear(&err);
    b2a__export_heap_prepare();   /* as b2a__export_start does */
    double t0 = bench_seconds(CLOCK_MONOTONIC), c0 = bench_seconds(CLOCK_PROCESS_CPUTIME_ID);
    b2a_odbc_conn *conn;
    if (b2a__odbc_connect(vendor, connstr, 30, &conn, &err))
        return die("connect", &err);
    double t_conn = bench_seconds(CLOCK_MONOTONIC);

    /* The job's defaults: user schemas, exact row counts. */
    const char *const schemas[1] = {schema};
    b2a_introspect_opts io = B2A_INTROSPECT_OPTS_INIT;
    io.schemas = schemas;
    io.nschemas = 1;
    b2a_odbc_table *tabs;
    size_t ntabs;
    if (b2a__odbc_introspect(conn, &io, &tabs, &ntabs, &err))
        return die("introspect", &err);
    const b2a_table_def *def = NULL;
    for (size_t i = 0; i < ntabs; i++)
        if (!strcmp(tabs[i].def.name, table))
            def = &tabs[i].def;
    if (!def) {
        fprintf(stderr, "export_table: no table %s.%s\n", schema, table);
        return 1;
    }
    double t_intro = bench_seconds(CLOCK_MONOTONIC);

    if (print_query) {
        /* What cursor.c sends when no column is unbound (psqlODBC binds every column). */
        printf("SELECT ");
        for (size_t i = 0; i < def->ncolumns; i++) {
            char *e = b2a__odbc_select_expr(vendor, &def->columns[i]);
            printf("%s%s", i ? "," : "", e);
            free(e);
        }
        char *from = NULL;
        if (b2a__odbc_from_clause(conn, def, &from, &err))
            return die("building the FROM clause", &err);
        printf(" FROM %s\n", from);
        free(from);
        b2a__odbc_tables_free(tabs, ntabs);
        b2a__odbc_disconnect(conn);
        free(schema);
        return 0;
    }

    PGconn *pg = NULL;
    MYSQL *my = NULL;
    if (!via_odbc && vendor == B2A_ODBC_MYSQL) {
        const char *port = getenv("MYSQL_TCP_PORT");
        b2a_mysql_params mp = {getenv("MYSQL_HOST"), port ? atoi(port) : 3306, getenv("MYSQL_USER"),
                               getenv("MYSQL_PWD"), getenv("MYSQL_DATABASE"), 30};
        if (b2a__mysql_connect(&mp, &my, &err))
            return die("libmariadb connect", &err);
    } else if (!via_odbc) {
        const char *port = getenv("PGPORT");
        b2a_pg_params pp = {getenv("PGHOST"), port ? atoi(port) : 5432, getenv("PGUSER"), getenv("PGPASSWORD"),
                            getenv("PGDATABASE"), 30, NULL};
        if (b2a__pg_connect(&pp, &pg, &err))
            return die("libpq connect", &err);
    }
    if (print_copy && my) {
        char *sql = b2a__mysql_fetch_statement(def);
        printf("%s\n", sql ? sql : "");
        free(sql);
        b2a__mysql_disconnect(my);
        b2a__odbc_tables_free(tabs, ntabs);
        b2a__odbc_disconnect(conn);
        free(schema);
        return sql ? 0 : 1;
    }
    if (print_copy) {
        char *sql = NULL;
        if (!pg || b2a__pg_copy_statement(pg, def, &sql, &err))
            return die("building the COPY statement", &err);
        printf("%s\n", sql);
        free(sql);
        b2a__pg_disconnect(pg);
        b2a__odbc_tables_free(tabs, ntabs);
        b2a__odbc_disconnect(conn);
        free(schema);
        return 0;
    }

    char *path = b2a__asprintf("%s/export_table-%ld.avro", outdir, (long)getpid());
    b2a_ocf_writer *w;
    if (!path || b2a__ocf_open(path, def, "bench", codec, 0, &w, &err))
        return die("opening the Avro writer", &err);
    b2a_cursor *cur = NULL;
    b2a_pg_copy *copy = NULL;
    b2a_mysql_fetch *fetch = NULL;
    double t_open = bench_seconds(CLOCK_MONOTONIC);
    if (pg ? b2a__pg_copy_open(pg, def, &copy, &err)
        : my ? b2a__mysql_fetch_open(my, def, &fetch, &err)
             : b2a__odbc_cursor_open(conn, vendor, def, NULL, &cur, &err)) {
        b2a__ocf_abort(w);
        return die("cursor", &err);
    }
    int eof = 0;
    uint64_t rows = 0;
    while (!eof) {
        size_t n = 0;
        int rc = copy ? b2a__pg_copy_next(copy, b2a__ocf_sink(w), B2A_EXPORT_CHUNK_ROWS, &n, &eof, &err)
                 : fetch ? b2a__mysql_fetch_next(fetch, b2a__ocf_sink(w), B2A_EXPORT_CHUNK_ROWS, &n, &eof, &err)
                         : b2a__odbc_cursor_next(cur, b2a__ocf_sink(w), B2A_EXPORT_CHUNK_ROWS, &n, &eof, &err);
        if (rc) {
            b2a__ocf_abort(w);
            return die("export", &err);
        }
        rows += n;
    }
    b2a__odbc_cursor_close(cur);
    b2a__pg_copy_close(copy);
    b2a__pg_disconnect(pg);
    b2a__mysql_fetch_close(fetch);
    b2a__mysql_disconnect(my);
    double t_stream = bench_seconds(CLOCK_MONOTONIC);
    if (b2a__ocf_commit(w, &err))
        return die("commit", &err);
    double t_end = bench_seconds(CLOCK_MONOTONIC), cpu = bench_seconds(CLOCK_PROCESS_CPUTIME_ID) - c0;
    FILE *f = fopen(path, "rb");
    long bytes = -1;
    if (f && !fseek(f, 0, SEEK_END))
        bytes = ftell(f);
    if (f)
        fclose(f);
    if (!keep)
        unlink(path);

    double stream = t_end - t_open;
    printf("export_table via=%s codec=%s rows=%llu counted=%lld stream_s=%.3f rows_per_s=%.0f "
           "connect_s=%.3f introspect_s=%.3f commit_s=%.3f total_s=%.3f cpu_s=%.3f "
           "avro_bytes=%ld peak_rss_mb=%.1f\n",
           via_odbc ? "odbc" : my ? "native" : "copy", codec_name, (unsigned long long)rows, (long long)def->row_count, stream, (double)rows / stream,
           t_conn - t0, t_intro - t_conn, t_end - t_stream, t_end - t0, cpu, bytes,
           (double)vm_hwm_kb() / 1024);
    int mismatch = def->row_count >= 0 && (int64_t)rows != def->row_count;
    if (mismatch)
        fprintf(stderr, "export_table: %llu rows written but the source counts %lld\n",
                (unsigned long long)rows, (long long)def->row_count);
    free(path);
    b2a__odbc_tables_free(tabs, ntabs);
    b2a__odbc_disconnect(conn);
    free(schema);
    return mismatch ? 1 : 0;
}
