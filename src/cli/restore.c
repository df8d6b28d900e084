/* bak2avro restore / bak2avro stop: a restored database left running for
 * other commands (export --dsn), and its removal. Public API only: the
 * Container, Restore and Source blocks on the command's own loop (the
 * Source lists the restored tables, through the DSN printed). */
#include <bak2avro.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "commands.h"
#include "tables.h"
#include "usage.h"

typedef struct restore_cli {
    uv_loop_t loop;
    b2a_ctx *ctx;
    b2a_container *c;
    b2a_restore *r;
    b2a_source *src;
    char *tables;     /* b2a_source_json() of the restored database */
    uv_signal_t sigint, sigterm;
    int signals, canceled;
    int rc;           /* first failure */
    char *why;        /* its message */
    int quiet;
} restore_cli;

static void stop_signals(restore_cli *rc)
{
    if (!uv_is_closing((uv_handle_t *)&rc->sigint)) {
        uv_close((uv_handle_t *)&rc->sigint, NULL);
        uv_close((uv_handle_t *)&rc->sigterm, NULL);
    }
}

static void on_signal(uv_signal_t *h, int signum)
{
    restore_cli *rc = h->data;
    if (++rc->signals > 1) {
        fprintf(stderr, "bak2avro: second signal, exiting now (run `bak2avro gc` to remove a leftover container)\n");
        exit(3);
    }
    fprintf(stderr, "bak2avro: %s: canceling, removing the container (again to force)\n", strsignal(signum));
    rc->canceled = 1;
    if (rc->src)
        b2a_source_cancel(rc->src);
    else if (rc->r)
        b2a_restore_cancel(rc->r);
    else
        b2a_container_cancel(rc->c);
}

static void note_failure(restore_cli *rc, int code, const char *msg)
{
    if (rc->rc == B2A_OK) {
        rc->rc = code;
        rc->why = strdup(msg && *msg ? msg : b2a_strerror(code));
    }
}

static void container_log(b2a_container *c, b2a_log_level level, const char *msg, void *ud)
{
    (void)c;
    restore_cli *rc = ud;
    if (!rc->quiet && level >= B2A_LOG_INFO)
        fprintf(stderr, "%s\n", msg);
}

static void restore_log(b2a_restore *r, b2a_log_level level, const char *msg, void *ud)
{
    (void)r;
    restore_cli *rc = ud;
    if (!rc->quiet && level >= B2A_LOG_INFO)
        fprintf(stderr, "%s\n", msg);
}

static int restore_progress(b2a_restore *r, const b2a_progress *p, void *ud)
{
    (void)r;
    restore_cli *rc = ud;
    static const char *const names[] = {"detect", "container", "pre-sql", "restore", "post-sql"};
    if (!rc->quiet && p->percent >= 0 && (unsigned)p->step < 5)
        fprintf(stderr, "%s: %.0f%%\n", names[p->step], p->percent);
    return 0;
}

static void listed(b2a_source *src, int code, void *ud)
{
    restore_cli *rc = ud;
    if (code != B2A_OK)
        note_failure(rc, code, b2a_source_errmsg(src));
    else if (!(rc->tables = b2a_source_json(src)))
        note_failure(rc, B2A_ENOMEM, "cannot describe the restored tables: out of memory");
    b2a_source_free(src);
    rc->src = NULL;
    stop_signals(rc);
}

/* The restored tables with their exact counts, through the DSN printed:
 * what export --dsn will see. */
static void list_tables(restore_cli *rc, b2a_container *c)
{
    char *dsn = b2a_container_dsn(c);
    b2a_source_options o;
    b2a_source_options_init(&o, B2A_SOURCE_OPTIONS_VERSION);
    o.dsn = dsn;
    o.done_cb = listed;
    o.userdata = rc;
    int e = dsn ? b2a_source_new(rc->ctx, &o, &rc->src) : B2A_ENOMEM;
    if (e == B2A_OK)
        e = b2a_source_open(rc->src);
    b2a_free(dsn);
    if (e != B2A_OK) {
        note_failure(rc, e, rc->src && *b2a_source_errmsg(rc->src) ? b2a_source_errmsg(rc->src)
                                                                     : "cannot list the restored tables");
        b2a_source_free(rc->src);
        rc->src = NULL;
        stop_signals(rc);
    }
}

static void restored(b2a_restore *r, int code, void *ud)
{
    restore_cli *rc = ud;
    if (code != B2A_OK)
        note_failure(rc, code, b2a_restore_errmsg(r));
    b2a_container *c = rc->c;
    b2a_restore_free(r);
    rc->r = NULL;
    if (code == B2A_OK && !rc->canceled)
        list_tables(rc, c);
    else
        stop_signals(rc);
    /* On failure the handle's free removes the container; on success it is kept. */
}

static void ready(b2a_container *c, int code, void *ud)
{
    restore_cli *rc = ud;
    if (code != B2A_OK) {
        note_failure(rc, code, b2a_container_errmsg(c));
        stop_signals(rc);
        return;
    }
    b2a_restore_options o;
    b2a_restore_options_init(&o, B2A_RESTORE_OPTIONS_VERSION);
    o.pre_sql = cli_restore_opts.pre_sql;
    o.post_sql = cli_restore_opts.post_sql;
    o.parallel = cli_restore_opts.parallel;
    o.progress_cb = restore_progress;
    o.log_cb = restore_log;
    o.done_cb = restored;
    o.userdata = rc;
    int e = b2a_restore_new(c, &o, &rc->r);
    if (e == B2A_OK && (e = b2a_restore_start(rc->r)) != B2A_OK) {
        b2a_restore_free(rc->r);
        rc->r = NULL;
    }
    if (e != B2A_OK) {
        note_failure(rc, e, "could not start the restore");
        stop_signals(rc);
    }
}

/* A JSON string: the values here are ids, addresses and letters-and-digits
 * passwords, but a database name may hold anything. */
static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; s && *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch < 0x20)
            fprintf(f, "\\u%04x", ch);
        else
            fputc(ch, f);
    }
    fputc('"', f);
}

/* 0, or -1 when the tables could not be printed (out of memory) */
static int print_result(b2a_container *c, const char *tables, int json)
{
    int listed_ok;
    char *dsn = b2a_container_dsn(c);
    if (json) {
        printf("{\"container_id\":");
        json_str(stdout, b2a_container_id(c));
        printf(",\"vendor\":");
        json_str(stdout, b2a_container_vendor(c));
        printf(",\"image\":");
        json_str(stdout, b2a_container_image(c));
        printf(",\"host\":");
        json_str(stdout, b2a_container_host(c));
        printf(",\"port\":%d,\"user\":", b2a_container_port(c));
        json_str(stdout, b2a_container_user(c));
        printf(",\"database\":");
        json_str(stdout, b2a_container_database(c));
        printf(",\"dsn\":");
        json_str(stdout, dsn);
        printf(",\"tables\":");
        listed_ok = cli_print_tables(stdout, tables, 1) == 0;
        printf("}\n");
    } else {
        printf("container_id: %s\n", b2a_container_id(c));
        printf("dsn: %s\n", dsn ? dsn : "");
        listed_ok = cli_print_tables(stdout, tables, 0) == 0;
        printf("stop it with: bak2avro stop %.12s\n", b2a_container_id(c));
    }
    b2a_free(dsn);
    return listed_ok ? 0 : -1;
}

cli_restore_options cli_restore_opts;

int cmd_restore(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"vendor", required_argument, 0, 1},   {"image", required_argument, 0, 2},
        {"network", required_argument, 0, 3},  {"docker-host", required_argument, 0, 4},
        {"deliver", required_argument, 0, 5},  {"accept-eula", no_argument, 0, 6},
        {"pre-sql", required_argument, 0, 7},  {"post-sql", required_argument, 0, 8},
        {"parallel", required_argument, 0, 9}, {"listen", required_argument, 0, 10},
        {"memory", required_argument, 0, 11},  {"data-dir", required_argument, 0, 12},
        {"json", no_argument, 0, 13},          {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'},         {0, 0, 0, 0}};
    b2a_container_options o;
    b2a_container_options_init(&o, B2A_CONTAINER_OPTIONS_VERSION);
    memset(&cli_restore_opts, 0, sizeof(cli_restore_opts));
    int json = 0, c, exit_code = 2;
    restore_cli rc;
    memset(&rc, 0, sizeof(rc));
    b2a_ctx *ctx = NULL;
    int loop_ready = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "qh", longopts, NULL)) != -1) {
        switch (c) {
        case 1: o.vendor = optarg; break;
        case 2: o.image = optarg; break;
        case 3:
            if (strcmp(optarg, "publish") == 0) o.network = B2A_NETWORK_PUBLISH;
            else if (strcmp(optarg, "host") == 0) o.network = B2A_NETWORK_HOST;
            else if (strcmp(optarg, "auto") == 0) o.network = B2A_NETWORK_AUTO;
            else {
                fprintf(stderr, "bak2avro: unknown network \"%s\" (auto, host, publish)\n", optarg);
                goto out;
            }
            break;
        case 4: o.docker_host = optarg; break;
        case 5:
            if (strcmp(optarg, "bind") == 0) o.delivery = B2A_DELIVERY_BIND;
            else if (strcmp(optarg, "upload") == 0) o.delivery = B2A_DELIVERY_UPLOAD;
            else {
                fprintf(stderr, "bak2avro: unknown delivery \"%s\" (bind, upload)\n", optarg);
                goto out;
            }
            break;
        case 6: o.accept_eula = 1; break;
        case 7:
        case 8: {
            char *sql = cli_slurp(optarg);
            if (!sql) {
                fprintf(stderr, "bak2avro: cannot read %s: %s\n", optarg, strerror(errno));
                goto out;
            }
            *(c == 7 ? &cli_restore_opts.pre_sql : &cli_restore_opts.post_sql) = sql;
            break;
        }
        case 9: {
            char *end;
            long n = strtol(optarg, &end, 10);
            if (*end || n < 1 || n > 256) {
                fprintf(stderr, "bak2avro: --parallel wants a number from 1 to 256, not \"%s\"\n", optarg);
                goto out;
            }
            cli_restore_opts.parallel = (uint32_t)n;
            break;
        }
        case 10: o.listen = optarg; break;
        case 11: {
            char *end;
            double n = strtod(optarg, &end);
            double unit = *end == 'k' || *end == 'K' ? 1024.0 : *end == 'm' || *end == 'M' ? 1048576.0
                        : *end == 'g' || *end == 'G' ? 1073741824.0 : *end == '\0' ? 1.0 : 0.0;
            if (unit == 0.0 || (*end && end[1]) || n <= 0 || n * unit > 9e18) {
                fprintf(stderr, "bak2avro: --memory wants a size such as 2G or 512M, not \"%s\"\n", optarg);
                goto out;
            }
            o.memory_bytes = (int64_t)(n * unit);
            break;
        }
        case 12: o.data_dir = optarg; break;
        case 13: json = 1; break;
        case 'q': rc.quiet = 1; break;
        case 'h': usage_restore(stdout); exit_code = 0; goto out;
        default: usage_restore(stderr); goto out;
        }
    }
    if (optind >= argc) {
        fputs("bak2avro restore: give a backup file\n", stderr);
        usage_restore(stderr);
        goto out;
    }
    o.inputs = (const char *const *)argv + optind;
    o.n_inputs = (uint32_t)(argc - optind);
    o.log_cb = container_log;
    o.done_cb = ready;
    o.userdata = &rc;

    uv_loop_init(&rc.loop);
    loop_ready = 1;
    int e = b2a_ctx_new(&rc.loop, &ctx);
    rc.ctx = ctx;
    if (e == B2A_OK)
        e = b2a_container_new(ctx, &o, &rc.c);
    if (e == B2A_ENOTFOUND && o.data_dir) {
        fprintf(stderr, "bak2avro restore: --data-dir %s: no such folder\n", o.data_dir);
        goto out;
    }
    if (e == B2A_OK)
        e = b2a_container_start(rc.c);
    if (e != B2A_OK) {
        fprintf(stderr, "bak2avro restore: %s\n", b2a_strerror(e));
        exit_code = e == B2A_EINVAL ? 2 : 3;
        goto out;
    }
    uv_signal_init(&rc.loop, &rc.sigint);
    uv_signal_init(&rc.loop, &rc.sigterm);
    rc.sigint.data = rc.sigterm.data = &rc;
    uv_signal_start(&rc.sigint, on_signal, SIGINT);
    uv_signal_start(&rc.sigterm, on_signal, SIGTERM);
    uv_run(&rc.loop, UV_RUN_DEFAULT);

    if (rc.rc == B2A_OK && !rc.canceled && print_result(rc.c, rc.tables, json) != 0) {
        fputs("bak2avro restore: cannot print the restored tables (out of memory); removing the container\n", stderr);
        exit_code = 3;
    } else if (rc.rc == B2A_OK && !rc.canceled) {
        b2a_container_keep(rc.c);
        exit_code = 0;
    } else {
        fprintf(stderr, "bak2avro restore: %s%s\n", rc.canceled ? "canceled; " : "", rc.why ? rc.why : "canceled");
        exit_code = 3;
    }
out:
    /* Not kept (a failure, a cancel): the free stops and removes the container. */
    b2a_container_free(rc.c);
    b2a_ctx_free(ctx);
    if (loop_ready) {
        uv_run(&rc.loop, UV_RUN_DEFAULT);
        uv_loop_close(&rc.loop);
    }
    free(rc.why);
    b2a_free(rc.tables);
    free(cli_restore_opts.pre_sql);
    free(cli_restore_opts.post_sql);
    return exit_code;
}

/* ---- stop ---- */

typedef struct stop_cli {
    int rc;
    char *why;
    int attached;
} stop_cli;

static void stopped(b2a_container *c, int code, void *ud)
{
    stop_cli *sc = ud;
    sc->rc = code;
    if (code != B2A_OK)
        sc->why = strdup(b2a_container_errmsg(c));
}

static void attached(b2a_container *c, int code, void *ud)
{
    stop_cli *sc = ud;
    if (code != B2A_OK) {
        sc->rc = code;
        sc->why = strdup(b2a_container_errmsg(c));
        return;
    }
    sc->attached = 1;
    int e = b2a_container_stop(c, stopped, sc);
    if (e != B2A_OK)
        sc->rc = e;
}

int cmd_stop(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"docker-host", required_argument, 0, 1}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *host = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 1: host = optarg; break;
        case 'h': usage_stop(stdout); return 0;
        default: usage_stop(stderr); return 2;
        }
    }
    if (optind + 1 != argc) {
        fputs(optind == argc ? "bak2avro stop: give a container id\n" : "bak2avro stop: one container id\n", stderr);
        usage_stop(stderr);
        return 2;
    }
    const char *id = argv[optind];
    uv_loop_t loop;
    uv_loop_init(&loop);
    b2a_ctx *ctx = NULL;
    b2a_container *ct = NULL;
    stop_cli sc = {0};
    b2a_container_options o;
    b2a_container_options_init(&o, B2A_CONTAINER_OPTIONS_VERSION);
    o.docker_host = host;
    o.done_cb = attached;
    o.userdata = &sc;
    int e = b2a_ctx_new(&loop, &ctx);
    if (e == B2A_OK)
        e = b2a_container_new(ctx, &o, &ct);
    if (e == B2A_OK)
        e = b2a_container_attach(ct, id);
    if (e == B2A_OK)
        uv_run(&loop, UV_RUN_DEFAULT);
    else
        sc.rc = e;
    int exit_code = 0;
    if (sc.rc != B2A_OK) {
        fprintf(stderr, "bak2avro stop: %s\n", sc.why && *sc.why ? sc.why : b2a_strerror(sc.rc));
        exit_code = sc.rc == B2A_EINVAL ? 2 : 3;
    } else {
        printf("container %.12s stopped and removed\n", b2a_container_id(ct));
    }
    b2a_container_free(ct);
    b2a_ctx_free(ctx);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    free(sc.why);
    return exit_code;
}
