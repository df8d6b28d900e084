/* bak2avro: the command line, built on the public API only. */
#include <bak2avro.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "commands.h"
#include "progress.h"
#include "usage.h"

enum { EXIT_OK = 0, EXIT_TABLES_FAILED = 1, EXIT_USAGE = 2, EXIT_FATAL = 3 };

typedef struct strlist {
    const char **v;
    uint32_t n;
} strlist;

static void strlist_add(strlist *l, const char *s)
{
    const char **nv = realloc(l->v, (l->n + 1) * sizeof(*nv));
    if (!nv) {
        fputs("bak2avro: out of memory\n", stderr);
        exit(EXIT_FATAL);
    }
    l->v = nv;
    l->v[l->n++] = s;
}

char *cli_slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap + 1);
    size_t r;
    while (buf && (r = fread(buf + len, 1, cap - len, f)) > 0) {
        len += r;
        if (len == cap) {
            char *nb = realloc(buf, cap * 2 + 1);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf)
        buf[len] = '\0';
    return buf;
}

/* Only a regular file can be a job document. Anything else (a FIFO, a
 * socket, a device, a directory) goes to the library's detection, which
 * refuses it by name; opening it here could block, or act on a device. */
static int looks_like_json_job(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return 0;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return 0;
    FILE *f = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? fdopen(fd, "rb") : NULL;
    if (!f) {
        close(fd);
        return 0;
    }
    int c;
    while ((c = fgetc(f)) != EOF && (c == ' ' || c == '\n' || c == '\r' || c == '\t'))
        ;
    fclose(f);
    return c == '{';
}

/* ---- run ---- */

typedef struct run_state {
    show show;
    b2a_job *job;
    b2a_job_status status;
    int done;
    uv_signal_t sigint, sigterm;
    int signals;
} run_state;

static void on_done(b2a_job *job, b2a_job_status status, void *ud)
{
    (void)job;
    run_state *rs = ud;
    rs->status = status;
    rs->done = 1;
    uv_close((uv_handle_t *)&rs->sigint, NULL);
    uv_close((uv_handle_t *)&rs->sigterm, NULL);
}

static void on_signal(uv_signal_t *h, int signum)
{
    run_state *rs = h->data;
    if (++rs->signals > 1) {
        fprintf(stderr, "bak2avro: second signal, exiting now (run `bak2avro gc` to remove a leftover container)\n");
        exit(EXIT_FATAL);
    }
    fprintf(stderr, "bak2avro: %s: canceling, removing the container (again to force)\n", strsignal(signum));
    b2a_job_cancel(rs->job);
}

static int progress_cb(b2a_job *job, const b2a_progress *p, void *ud)
{
    return show_progress(job, p, &((run_state *)ud)->show);
}

static void log_cb(b2a_job *job, b2a_log_level level, const char *msg, void *ud)
{
    show_log(job, level, msg, &((run_state *)ud)->show);
}

static const char *status_name(b2a_job_status st)
{
    return st == B2A_JOB_SUCCESS ? "Success" : st == B2A_JOB_CANCELED ? "Canceled" : "Failed";
}

static void print_summary(b2a_job *job, run_state *rs)
{
    if (rs->show.mode == SHOW_QUIET || rs->show.mode == SHOW_JSON)
        return;
    const char *st = status_name(rs->status);
    printf("%s: %u tables exported, %u failed\n", st, b2a_job_tables_ok(job), b2a_job_tables_failed(job));
    if (b2a_job_errcode(job) != B2A_OK)
        fprintf(stderr, "error: %s\n", b2a_job_errmsg(job));
}

/* SIZE with an optional K, M, G or T (powers of 1024); 0 on a bad one. */
static uint64_t parse_size(const char *s)
{
    char *end;
    errno = 0;
    unsigned long long n = strtoull(s, &end, 10);
    if (end == s || errno || s[0] == '-')
        return 0;
    int shift = 0;
    switch (*end) {
    case 'K': case 'k': shift = 10; end++; break;
    case 'M': case 'm': shift = 20; end++; break;
    case 'G': case 'g': shift = 30; end++; break;
    case 'T': case 't': shift = 40; end++; break;
    default: break;
    }
    if (*end == 'i' && shift)
        end++;
    if (*end == 'B' && shift)
        end++;
    if (*end || n > (UINT64_MAX >> shift))
        return 0;
    return (uint64_t)n << shift;
}

/* `run` (backups) and `export` (a running database) share their options;
 * the container's make no sense for export and are refused there. */
static int run_or_export(int argc, char **argv, int export_mode)
{
    static const struct option longopts[] = {
        {"output", required_argument, 0, 'o'}, {"vendor", required_argument, 0, 1},
        {"include", required_argument, 0, 2},  {"exclude", required_argument, 0, 3},
        {"pre-sql", required_argument, 0, 4},  {"post-sql", required_argument, 0, 5},
        {"parallel", required_argument, 0, 6}, {"codec", required_argument, 0, 7},
        {"image", required_argument, 0, 8},    {"network", required_argument, 0, 9},
        {"docker-host", required_argument, 0, 10}, {"keep-container", no_argument, 0, 11},
        {"direct", no_argument, 0, 12},        {"restore", no_argument, 0, 13},
        {"accept-eula", no_argument, 0, 14},   {"job-json", required_argument, 0, 15},
        {"quiet", no_argument, 0, 'q'},        {"log-json", no_argument, 0, 16},
        {"verbose", no_argument, 0, 'v'},      {"help", no_argument, 0, 'h'},
        {"include-views", no_argument, 0, 17}, {"deliver", required_argument, 0, 18},
        {"overwrite", no_argument, 0, 19},     {"ignore-checksums", no_argument, 0, 20},
        {"allow-column-loss", no_argument, 0, 21}, {"via", required_argument, 0, 22},
        {"naive-timestamps", required_argument, 0, 23},
        {"dsn", required_argument, 0, 24},     {"splits", required_argument, 0, 25},
        {"max-file-size", required_argument, 0, 26}, {"max-file-rows", required_argument, 0, 27},
        {0, 0, 0, 0}};
    const char *cmd = export_mode ? "bak2avro export" : "bak2avro run";
    void (*usage)(FILE *) = export_mode ? usage_export : usage_run;
    const char *container_option = NULL; /* the first option only a backup's run takes */
    b2a_job_options opts;
    b2a_job_options_init(&opts, B2A_JOB_OPTIONS_VERSION);
    strlist include = {0}, exclude = {0}, inputs = {0};
    char *pre_sql = NULL, *post_sql = NULL;
    int quiet = 0, log_json = 0, verbose = 0, c;
    int exit_code = EXIT_USAGE;
    uv_loop_t loop;
    int loop_ready = 0;
    b2a_ctx *ctx = NULL;
    b2a_job *job = NULL;
    run_state rs;
    memset(&rs, 0, sizeof(rs));
    optind = 1;
    int job_options_given = 0; /* options other than how to show the run */
    int optidx = -1;
    while ((c = getopt_long(argc, argv, "o:qvh", longopts, &optidx)) != -1) {
        job_options_given++;
        if (optidx >= 0 && !container_option &&
            ((c >= 4 && c <= 5) || (c >= 8 && c <= 14) || c == 18 || c == 20 || c == 21))
            container_option = longopts[optidx].name;
        optidx = -1;
        switch (c) {
        case 'o': opts.output_dir = optarg; break;
        case 1: opts.vendor = optarg; break;
        case 2: strlist_add(&include, optarg); break;
        case 3: strlist_add(&exclude, optarg); break;
        case 4:
        case 5: {
            char *sql = cli_slurp(optarg);
            if (!sql) {
                fprintf(stderr, "bak2avro: cannot read %s: %s\n", optarg, strerror(errno));
                exit_code = EXIT_USAGE;
                goto out;
            }
            *(c == 4 ? &pre_sql : &post_sql) = sql;
            break;
        }
        case 6: {
            char *end;
            long n = strtol(optarg, &end, 10);
            if (*end || n < 1 || n > 256) {
                fprintf(stderr, "bak2avro: --parallel wants a number from 1 to 256, not \"%s\"\n", optarg);
                exit_code = EXIT_USAGE;
                goto out;
            }
            opts.parallel = (uint32_t)n;
            break;
        }
        case 7:
            if (strcmp(optarg, "null") == 0) opts.codec = B2A_CODEC_NULL;
            else if (strcmp(optarg, "deflate") == 0) opts.codec = B2A_CODEC_DEFLATE;
            else if (strcmp(optarg, "snappy") == 0) opts.codec = B2A_CODEC_SNAPPY;
            else {
                fprintf(stderr, "bak2avro: unknown codec \"%s\" (null, deflate, snappy)\n", optarg);
                exit_code = EXIT_USAGE;
                goto out;
            }
            break;
        case 8: opts.image = optarg; break;
        case 9:
            if (strcmp(optarg, "publish") == 0) opts.network = B2A_NETWORK_PUBLISH;
            else if (strcmp(optarg, "host") == 0) opts.network = B2A_NETWORK_HOST;
            else if (strcmp(optarg, "auto") == 0) opts.network = B2A_NETWORK_AUTO;
            else {
                fprintf(stderr, "bak2avro: unknown network \"%s\" (auto, host, publish)\n", optarg);
                exit_code = EXIT_USAGE;
                goto out;
            }
            break;
        case 10: opts.docker_host = optarg; break;
        case 11: opts.keep_container = 1; break;
        case 12: opts.restore_mode = B2A_RESTORE_DIRECT; break;
        case 13: opts.restore_mode = B2A_RESTORE_CONTAINER; break;
        case 14: opts.accept_eula = 1; break;
        case 15: opts.job_json_path = optarg; break;
        case 17: opts.include_views = 1; break;
        case 18:
            if (strcmp(optarg, "bind") == 0) opts.delivery = B2A_DELIVERY_BIND;
            else if (strcmp(optarg, "upload") == 0) opts.delivery = B2A_DELIVERY_UPLOAD;
            else {
                fprintf(stderr, "bak2avro: unknown delivery \"%s\" (bind, upload)\n", optarg);
                exit_code = EXIT_USAGE;
                goto out;
            }
            break;
        case 19: opts.overwrite = 1; break;
        case 20: opts.ignore_checksums = 1; break;
        case 21: opts.allow_column_loss = 1; break;
        case 22:
            if (strcmp(optarg, "auto") == 0) opts.via = B2A_VIA_AUTO;
            else if (strcmp(optarg, "odbc") == 0) opts.via = B2A_VIA_ODBC;
            else {
                fprintf(stderr, "bak2avro: unknown --via \"%s\" (auto, odbc)\n", optarg);
                exit_code = EXIT_USAGE;
                goto out;
            }
            break;
        case 23:
            if (strcmp(optarg, "local") == 0) opts.naive_timestamps = B2A_NAIVE_LOCAL;
            else if (strcmp(optarg, "utc") == 0) opts.naive_timestamps = B2A_NAIVE_UTC;
            else if (strcmp(optarg, "string") == 0) opts.naive_timestamps = B2A_NAIVE_STRING;
            else {
                fprintf(stderr, "bak2avro: unknown --naive-timestamps \"%s\" (local, utc, string)\n", optarg);
                exit_code = EXIT_USAGE;
                goto out;
            }
            break;
        case 24: opts.dsn = optarg; break;
        case 25: {
            char *end;
            long n = strtol(optarg, &end, 10);
            if (*end || n < 0 || n > 4096) {
                fprintf(stderr, "%s: --splits wants a number from 0 (auto) to 4096, not \"%s\"\n", cmd, optarg);
                exit_code = EXIT_USAGE;
                goto out;
            }
            opts.splits = (uint32_t)n;
            break;
        }
        case 26:
        case 27: {
            uint64_t n = parse_size(optarg);
            if (n == 0 || (c == 27 && strpbrk(optarg, "KkMmGgTt"))) {
                fprintf(stderr, "%s: --%s wants a positive %s, not \"%s\"\n", cmd,
                        c == 26 ? "max-file-size" : "max-file-rows",
                        c == 26 ? "size (bytes, or with K, M, G, T)" : "number of rows", optarg);
                exit_code = EXIT_USAGE;
                goto out;
            }
            *(c == 26 ? &opts.max_file_bytes : &opts.max_file_rows) = n;
            break;
        }
        case 'q': quiet = 1; job_options_given--; break;
        case 16: log_json = 1; job_options_given--; break;
        case 'v': verbose = 1; job_options_given--; break;
        case 'h':
            usage(stdout);
            exit_code = EXIT_OK;
            goto out;
        default:
            usage(stderr);
            goto out; /* exit_code is EXIT_USAGE */
        }
    }
    for (int i = optind; i < argc; i++)
        strlist_add(&inputs, argv[i]);
    if (export_mode) {
        const char *why = inputs.n ? "takes no backup files (that is `bak2avro run`)"
                          : !opts.dsn ? "--dsn DSN is required"
                          : !opts.output_dir ? "-o OUT is required" : NULL;
        if (!why && container_option) {
            fprintf(stderr, "%s: --%s is for restoring a backup (`bak2avro run`), not for a running database\n",
                    cmd, container_option);
            exit_code = EXIT_USAGE;
            goto out;
        }
        if (why) {
            fprintf(stderr, "%s: %s\n", cmd, why);
            usage(stderr);
            exit_code = EXIT_USAGE;
            goto out;
        }
    } else if (opts.dsn) {
        fprintf(stderr, "%s: --dsn is for `bak2avro export`\n", cmd);
        exit_code = EXIT_USAGE;
        goto out;
    }
    if (inputs.n == 0 && !export_mode) {
        fputs("bak2avro run: give a backup file (or JOB.json)\n", stderr);
        usage_run(stderr);
        exit_code = EXIT_USAGE;
        goto out;
    }

    show_init(&rs.show, log_json ? SHOW_JSON : quiet ? SHOW_QUIET : isatty(2) ? SHOW_BARS : SHOW_LINES, verbose);

    uv_loop_init(&loop);
    loop_ready = 1;
    if (b2a_ctx_new(&loop, &ctx) != B2A_OK) {
        fputs("bak2avro: cannot create a context\n", stderr);
        exit_code = EXIT_FATAL;
        goto out;
    }
    opts.progress_cb = progress_cb;
    opts.log_cb = log_cb;
    opts.done_cb = on_done;
    opts.userdata = &rs;

    int rc;
    if (!export_mode && inputs.n == 1 && looks_like_json_job(inputs.v[0])) {
        char *doc = cli_slurp(inputs.v[0]);
        if (!doc) {
            fprintf(stderr, "bak2avro: cannot read %s: %s\n", inputs.v[0], strerror(errno));
            exit_code = EXIT_USAGE;
            goto out;
        }
        if (job_options_given) {
            fprintf(stderr, "bak2avro run: %s is a job document; put the options in it (only -q, -v and --log-json go with it)\n", inputs.v[0]);
            free(doc);
            goto out;
        }
        char *why = NULL;
        rc = b2a_job_new_from_json(ctx, doc, &opts, &job, &why);
        free(doc);
        if (rc != B2A_OK) {
            fprintf(stderr, "bak2avro: %s: %s\n", inputs.v[0], why ? why : b2a_strerror(rc));
            b2a_free(why);
            exit_code = EXIT_USAGE;
            goto out;
        }
    } else {
        if (!opts.output_dir) {
            fprintf(stderr, "%s: -o OUT is required\n", cmd);
            exit_code = EXIT_USAGE;
            goto out;
        }
        opts.inputs = inputs.v;
        opts.n_inputs = inputs.n;
        opts.include = include.v;
        opts.n_include = include.n;
        opts.exclude = exclude.v;
        opts.n_exclude = exclude.n;
        opts.pre_sql = pre_sql;
        opts.post_sql = post_sql;
        rc = b2a_job_new(ctx, &opts, &job);
        if (rc != B2A_OK) {
            fprintf(stderr, "bak2avro: invalid options: %s\n", b2a_strerror(rc));
            exit_code = EXIT_USAGE;
            goto out;
        }
    }
    rs.job = job;
    rc = b2a_job_start(job);
    if (rc != B2A_OK) {
        show_finish(&rs.show);
        fprintf(stderr, "bak2avro: %s\n", b2a_job_errmsg(job)[0] ? b2a_job_errmsg(job) : b2a_strerror(rc));
        exit_code = rc == B2A_EINVAL ? EXIT_USAGE : EXIT_FATAL;
        show_done_event(&rs.show, job, "Failed", exit_code);
        goto out;
    }
    uv_signal_init(&loop, &rs.sigint);
    uv_signal_init(&loop, &rs.sigterm);
    rs.sigint.data = rs.sigterm.data = &rs;
    uv_signal_start(&rs.sigint, on_signal, SIGINT);
    uv_signal_start(&rs.sigterm, on_signal, SIGTERM);
    uv_run(&loop, UV_RUN_DEFAULT);
    show_finish(&rs.show);
    print_summary(job, &rs);

    if (rs.status == B2A_JOB_SUCCESS)
        exit_code = EXIT_OK;
    else if (rs.status == B2A_JOB_FAILED && b2a_job_errcode(job) == B2A_OK && b2a_job_tables_failed(job) > 0)
        exit_code = EXIT_TABLES_FAILED;
    else
        exit_code = EXIT_FATAL;
    show_done_event(&rs.show, job, status_name(rs.status), exit_code);
out:
    b2a_job_free(job);
    b2a_ctx_free(ctx);
    if (loop_ready) {
        uv_run(&loop, UV_RUN_DEFAULT);
        uv_loop_close(&loop);
    }
    free(include.v);
    free(exclude.v);
    free(inputs.v);
    free(pre_sql);
    free(post_sql);
    return exit_code;
}

static int cmd_run(int argc, char **argv)
{
    return run_or_export(argc, argv, 0);
}

static int cmd_export(int argc, char **argv)
{
    return run_or_export(argc, argv, 1);
}

/* ---- inspect / gc ---- */

/* Options of a subcommand that takes only --help (and what its own table adds).
 * Returns -1 to go on, or the exit code: 0 after --help, 2 after an unknown option. */
static int parse_help_only(int argc, char **argv, void (*usage_of)(FILE *))
{
    static const struct option longopts[] = {{"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (c == 'h') {
            usage_of(stdout);
            return EXIT_OK;
        }
        usage_of(stderr);
        return EXIT_USAGE;
    }
    return -1;
}

static int cmd_inspect(int argc, char **argv)
{
    int rc0 = parse_help_only(argc, argv, usage_inspect);
    if (rc0 >= 0)
        return rc0;
    argc -= optind - 1; /* argv[0] stays the command's name, the files follow it */
    argv += optind - 1;
    if (argc < 2) {
        fputs("bak2avro inspect: give a backup file\n", stderr);
        usage_inspect(stderr);
        return EXIT_USAGE;
    }
    char *json = NULL, *err = NULL;
    int rc = b2a_inspect((const char *const *)argv + 1, (uint32_t)(argc - 1), &json, &err);
    /* An input that could not be read whole still shows what was read, with
     * its "error"; the exit code says it was not whole. */
    int have_doc = json != NULL;
    if (json) {
        fputs(json, stdout);
        fputc('\n', stdout);
        b2a_free(json);
    }
    if (rc != B2A_OK) {
        fprintf(stderr, "bak2avro: %s\n", err ? err : b2a_strerror(rc));
        b2a_free(err);
        /* with a document, an input was not read whole (even one refused as
         * B2A_EINVAL): exit 3 like any other; without, the call was refused */
        return rc == B2A_EINVAL && !have_doc ? EXIT_USAGE : EXIT_FATAL;
    }
    return EXIT_OK;
}

static int cmd_gc(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"docker-host", required_argument, 0, 1}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *host = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 1: host = optarg; break;
        case 'h': usage_gc(stdout); return EXIT_OK;
        default: usage_gc(stderr); return EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "bak2avro gc: unexpected argument %s\n", argv[optind]);
        usage_gc(stderr);
        return EXIT_USAGE;
    }
    uint32_t removed = 0;
    char *err = NULL;
    int rc = b2a_gc(host, &removed, &err);
    if (rc != B2A_OK) {
        fprintf(stderr, "bak2avro gc: %s\n", err ? err : b2a_strerror(rc));
        b2a_free(err);
        return EXIT_FATAL;
    }
    printf("removed %u container%s left by bak2avro jobs\n", removed, removed == 1 ? "" : "s");
    return EXIT_OK;
}

static int cmd_version(int argc, char **argv)
{
    int rc = parse_help_only(argc, argv, usage_version);
    if (rc >= 0)
        return rc;
    if (optind < argc) {
        fprintf(stderr, "bak2avro version: unexpected argument %s\n", argv[optind]);
        usage_version(stderr);
        return EXIT_USAGE;
    }
    printf("bak2avro %s\n", b2a_version());
    return EXIT_OK;
}

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    void (*usage)(FILE *f);
} command;

static int cmd_help(int argc, char **argv);

static const command commands[] = {
    {"run", cmd_run, usage_run},       {"export", cmd_export, usage_export},
    {"inspect", cmd_inspect, usage_inspect},
    {"gc", cmd_gc, usage_gc},          {"version", cmd_version, usage_version},
    {"restore", cmd_restore, usage_restore}, {"stop", cmd_stop, usage_stop},
    {"help", cmd_help, usage_help},
};

static const command *find_command(const char *name)
{
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

/* `bak2avro help [COMMAND]` */
static int cmd_help(int argc, char **argv)
{
    int rc = parse_help_only(argc, argv, usage_help);
    if (rc >= 0)
        return rc;
    if (optind == argc) {
        usage_general(stdout);
        return EXIT_OK;
    }
    const command *cmd = find_command(argv[optind]);
    if (!cmd || optind + 1 < argc) {
        if (!cmd)
            fprintf(stderr, "bak2avro help: unknown command \"%s\"\n", argv[optind]);
        else
            fprintf(stderr, "bak2avro help: unexpected argument %s\n", argv[optind + 1]);
        usage_help(stderr);
        return EXIT_USAGE;
    }
    cmd->usage(stdout);
    return EXIT_OK;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage_general(stderr);
        return EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--version") == 0)
        name = "version";
    else if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0)
        name = "help";
    const command *cmd = find_command(name);
    if (!cmd) {
        fprintf(stderr, "bak2avro: unknown command \"%s\"\n", name);
        usage_general(stderr);
        return EXIT_USAGE;
    }
    /* getopt names the command in its messages: "bak2avro run: unrecognized option" */
    static char progname[64];
    snprintf(progname, sizeof(progname), "bak2avro %s", cmd->name);
    argv[1] = progname;
    return cmd->run(argc - 1, argv + 1);
}
