#include "progress.h"

#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *step_label(b2a_step s)
{
    switch (s) {
    case B2A_STEP_DETECT: return "detect";
    case B2A_STEP_CONTAINER: return "container";
    case B2A_STEP_PRE_SQL: return "pre-sql";
    case B2A_STEP_RESTORE: return "restore";
    case B2A_STEP_POST_SQL: return "post-sql";
    case B2A_STEP_INTROSPECT: return "introspect";
    case B2A_STEP_EXPORT: return "export";
    case B2A_STEP_CLEANUP: return "cleanup";
    case B2A_STEP_READ: return "read";
    }
    return "?";
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* UTC, ISO 8601 with milliseconds, as the Job JSON writes its times. */
static void timestamp(char out[32])
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, 32 - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

/* h:mm:ss, or m:ss under an hour */
static void duration(char out[24], double s)
{
    long t = s < 0 ? 0 : (long)(s + 0.5);
    if (t >= 3600)
        snprintf(out, 24, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(out, 24, "%ld:%02ld", t / 60, t % 60);
}

/* Bytes as MB (10^6), as the rates of curl and rsync read. */
static void megabytes(char out[24], int64_t b)
{
    snprintf(out, 24, "%.1f MB", b < 0 ? 0.0 : (double)b / 1e6);
}

/* What a step waits for: the readiness probe's attempt, or the dump's bytes
 * the restore tool has consumed; "" when it says neither. */
static void step_detail(char *out, size_t n, uint32_t attempt, uint32_t attempts, int64_t bytes_done,
                        int64_t bytes_expected)
{
    out[0] = '\0';
    if (attempt > 0)
        snprintf(out, n, "waiting until ready: attempt %u of %u", attempt, attempts);
    else if (bytes_done >= 0 && bytes_expected > 0)
        snprintf(out, n, "%.1f/%.1f MB of the dump", (double)bytes_done / 1e6, (double)bytes_expected / 1e6);
}

/* The job's ETA from the export's rows so far; 0 when it cannot be told. */
static int export_eta(const show *s, double now, char out[24])
{
    double el = now - s->t_export;
    if (!s->has_export_totals || s->export_rows_expected <= s->export_rows || s->export_rows <= 0 || el <= 0)
        return 0;
    duration(out, (double)(s->export_rows_expected - s->export_rows) / ((double)s->export_rows / el));
    return 1;
}

void show_init(show *s, show_mode mode, int verbose)
{
    memset(s, 0, sizeof(*s));
    s->mode = mode;
    s->out = stderr;
    s->verbose = verbose;
    s->last_step = -1;
    s->last_pct = -100;
    s->t0 = now_s();
}

static void json_string(FILE *f, const char *v)
{
    if (!v) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

/* The Job JSON lists every table; the selected ones are the export's total. */
static uint32_t count_selected(b2a_job *job)
{
    char *doc = b2a_job_json(job);
    uint32_t n = 0;
    for (const char *p = doc; p && (p = strstr(p, "\"selected\": true")) != NULL; p++)
        n++;
    b2a_free(doc);
    return n;
}

static void erase(show *s)
{
    for (int i = 0; i < s->drawn; i++)
        fputs("\033[1A\033[2K", s->out);
    s->drawn = 0;
}

static void draw_bar(show *s, const show_bar *b, double now)
{
    int width = 20, fill = b->pct < 0 ? 0 : (int)(b->pct * width / 100.0);
    char bar[32];
    for (int k = 0; k < width; k++)
        bar[k] = k < fill ? '#' : '.';
    bar[width] = '\0';
    if (b->pct < 0)
        fprintf(s->out, "  [%s]   ?%%  %s", bar, b->name);
    else
        fprintf(s->out, "  [%s] %3.0f%%  %s", bar, b->pct, b->name);
    if (b->is_table) {
        /* measured from the table's first report, so rows it had then are not counted */
        double el = now - b->t_start, rate = el > 0 && b->rows_done > b->rows0 ? (b->rows_done - b->rows0) / el : 0;
        if (b->rows_expected >= 0)
            fprintf(s->out, "  %lld/%lld rows", (long long)b->rows_done, (long long)b->rows_expected);
        else
            fprintf(s->out, "  %lld rows", (long long)b->rows_done);
        if (rate > 0)
            fprintf(s->out, "  %.0f rows/s", rate);
        if (b->bytes_done >= 0) {
            char mb[24];
            megabytes(mb, b->bytes_done);
            fprintf(s->out, "  %s", mb);
        }
        if (rate > 0 && b->rows_expected > b->rows_done) {
            char eta[24];
            duration(eta, (double)(b->rows_expected - b->rows_done) / rate);
            fprintf(s->out, "  ETA %s", eta);
        }
    } else {
        char detail[96];
        step_detail(detail, sizeof(detail), b->attempt, b->attempts, b->bytes_done, b->bytes_expected);
        if (detail[0])
            fprintf(s->out, "  %s", detail);
    }
    fputc('\n', s->out);
}

static void draw(show *s)
{
    erase(s);
    double now = now_s();
    int tables = 0;
    int64_t rows = s->rows_done_finished;
    for (int i = 0; i < s->nbars; i++) {
        draw_bar(s, &s->bars[i], now);
        s->drawn++;
        if (s->bars[i].is_table) {
            tables = 1;
            rows += s->bars[i].rows_done;
        }
    }
    if (tables || s->tables_done) {
        char el[24], mb[24], eta[24];
        duration(el, now - s->t0);
        if (s->has_export_totals)
            rows = s->export_rows;
        fprintf(s->out, "  job: %u/%u tables done, %lld rows", s->tables_done, s->tables_total, (long long)rows);
        if (s->has_export_totals) {
            megabytes(mb, s->export_bytes);
            fprintf(s->out, ", %s", mb);
        }
        fprintf(s->out, ", %s elapsed", el);
        if (export_eta(s, now, eta))
            fprintf(s->out, ", ETA %s", eta);
        fputc('\n', s->out);
        s->drawn++;
    }
    fflush(s->out);
}

static int bar_index(show *s, const char *name)
{
    for (int i = 0; i < s->nbars; i++)
        if (strcmp(s->bars[i].name, name) == 0)
            return i;
    if (s->nbars == SHOW_MAX_BARS) { /* drop the oldest line */
        memmove(&s->bars[0], &s->bars[1], (size_t)(s->nbars - 1) * sizeof(s->bars[0]));
        s->nbars--;
    }
    show_bar *b = &s->bars[s->nbars];
    memset(b, 0, sizeof(*b));
    snprintf(b->name, sizeof(b->name), "%s", name);
    b->pct = -1;
    b->rows0 = -1;
    b->bytes_done = b->bytes_expected = -1;
    b->t_start = now_s();
    return s->nbars++;
}

static void remove_bar(show *s, int i)
{
    memmove(&s->bars[i], &s->bars[i + 1], (size_t)(s->nbars - i - 1) * sizeof(s->bars[0]));
    s->nbars--;
}

/* A plain line's detail: what the step waits for, or the export's totals. */
static void line_detail(show *s, const b2a_progress *p, int v2, char *out, size_t n)
{
    out[0] = '\0';
    if (!v2)
        return;
    if (p->step != B2A_STEP_EXPORT) {
        step_detail(out, n, p->attempt, p->attempts, p->bytes_done, p->bytes_expected);
        return;
    }
    char mb[24], eta[24];
    megabytes(mb, s->export_bytes);
    int k = snprintf(out, n, "%u/%u tables, %lld", s->tables_done, s->tables_total, (long long)s->export_rows);
    if (s->export_rows_expected >= 0)
        k += snprintf(out + k, n - (size_t)k, "/%lld", (long long)s->export_rows_expected);
    k += snprintf(out + k, n - (size_t)k, " rows, %s", mb);
    if (export_eta(s, now_s(), eta))
        snprintf(out + k, n - (size_t)k, ", ETA %s", eta);
}

int show_progress(b2a_job *job, const b2a_progress *p, void *ud)
{
    show *s = ud;
    char ts[32];
    /* a library built before version 2 passes no bytes or attempts */
    int v2 = p->version >= 2;
    if (p->step == B2A_STEP_EXPORT && s->mode != SHOW_QUIET) {
        if (!s->tables_total)
            s->tables_total = count_selected(job);
        if (p->table && p->percent >= 100.0)
            s->tables_done++;
        /* the step's begin and end reports carry no totals (bytes -1) */
        if (!p->table && v2 && p->bytes_done >= 0) {
            if (!s->has_export_totals)
                s->t_export = now_s();
            s->has_export_totals = 1;
            s->export_rows = p->rows_done;
            s->export_rows_expected = p->rows_expected;
            s->export_bytes = p->bytes_done;
        }
    }
    switch (s->mode) {
    case SHOW_QUIET:
        return 0;
    case SHOW_JSON:
        timestamp(ts);
        fprintf(s->out, "{\"time\":\"%s\",\"event\":\"progress\",\"step\":\"%s\",\"percent\":%.1f,\"table\":", ts,
                step_label(p->step), p->percent);
        json_string(s->out, p->table);
        fprintf(s->out, ",\"rows_done\":%lld,\"rows_expected\":%lld", (long long)p->rows_done, (long long)p->rows_expected);
        if (v2)
            fprintf(s->out, ",\"bytes_done\":%lld,\"bytes_expected\":%lld,\"attempt\":%u,\"attempts\":%u",
                    (long long)p->bytes_done, (long long)p->bytes_expected, p->attempt, p->attempts);
        fputs("}\n", s->out);
        return 0;
    case SHOW_BARS: {
        if (p->step == B2A_STEP_EXPORT && !p->table) {
            draw(s); /* the job line shows the export as a whole */
            return 0;
        }
        int i = bar_index(s, p->table ? p->table : step_label(p->step));
        show_bar *b = &s->bars[i];
        b->pct = p->percent;
        b->is_table = p->table != NULL;
        if (b->rows0 < 0)
            b->rows0 = p->rows_done; /* first report */
        b->rows_done = p->rows_done;
        b->rows_expected = p->rows_expected;
        b->bytes_done = v2 ? p->bytes_done : -1;
        b->bytes_expected = v2 ? p->bytes_expected : -1;
        b->attempt = v2 ? p->attempt : 0;
        b->attempts = v2 ? p->attempts : 0;
        if (p->percent >= 100.0) {
            /* Done: its log line says so; the lines show what still runs. */
            if (b->is_table)
                s->rows_done_finished += b->rows_done;
            remove_bar(s, i);
        }
        draw(s);
        return 0;
    }
    case SHOW_LINES:
        /* Plain lines: a step's start, its end, and each further 10%. */
        if (p->table)
            return 0; /* per-table progress is logged when a table ends */
        if ((int)p->step != s->last_step || p->percent >= s->last_pct + 10.0 || p->percent >= 100.0) {
            if ((int)p->step == s->last_step && p->percent == s->last_pct)
                return 0;
            s->last_step = (int)p->step;
            s->last_pct = p->percent;
            if (p->percent >= 0) {
                char detail[160];
                line_detail(s, p, v2, detail, sizeof(detail));
                timestamp(ts);
                fprintf(s->out, "%s %s: %.0f%%%s%s%s\n", ts, step_label(p->step), p->percent, detail[0] ? " (" : "",
                        detail, detail[0] ? ")" : "");
            }
        }
        return 0;
    }
    return 0;
}

void show_log(b2a_job *job, b2a_log_level level, const char *msg, void *ud)
{
    (void)job;
    show *s = ud;
    static const char *const names[] = {"debug", "info", "warn", "error"};
    const char *lname = (unsigned)level < 4 ? names[level] : "info";
    char ts[32];
    timestamp(ts);
    if (s->mode == SHOW_JSON) {
        fprintf(s->out, "{\"time\":\"%s\",\"event\":\"log\",\"level\":\"%s\",\"message\":", ts, lname);
        json_string(s->out, msg);
        fputs("}\n", s->out);
        return;
    }
    if (level == B2A_LOG_DEBUG && !s->verbose)
        return;
    if (s->mode == SHOW_QUIET && level < B2A_LOG_ERROR)
        return;
    if (s->mode == SHOW_BARS)
        erase(s);
    const char *prefix = level >= B2A_LOG_WARN ? (level == B2A_LOG_ERROR ? "error: " : "warning: ") : "";
    if (s->mode == SHOW_LINES)
        fprintf(s->out, "%s %s%s\n", ts, prefix, msg);
    else
        fprintf(s->out, "%s%s\n", prefix, msg);
    if (s->mode == SHOW_BARS)
        draw(s);
}

void show_finish(show *s)
{
    if (s->mode == SHOW_BARS)
        erase(s);
    fflush(s->out);
}

void show_done_event(show *s, b2a_job *job, const char *status, int exit_code)
{
    if (s->mode != SHOW_JSON)
        return;
    char ts[32];
    timestamp(ts);
    fprintf(s->out, "{\"time\":\"%s\",\"event\":\"done\",\"status\":\"%s\",\"exit_code\":%d,\"job_id\":", ts, status,
            exit_code);
    json_string(s->out, job ? b2a_job_id(job) : NULL);
    fprintf(s->out, ",\"tables_ok\":%u,\"tables_failed\":%u,\"rows_exported\":%lld,\"bytes_written\":%lld,"
                    "\"elapsed_s\":%.3f,\"error\":",
            job ? b2a_job_tables_ok(job) : 0, job ? b2a_job_tables_failed(job) : 0,
            (long long)(s->has_export_totals ? s->export_rows : 0),
            (long long)(s->has_export_totals && s->export_bytes > 0 ? s->export_bytes : 0), now_s() - s->t0);
    json_string(s->out, job && b2a_job_errcode(job) != B2A_OK ? b2a_job_errmsg(job) : NULL);
    fputs("}\n", s->out);
    fflush(s->out);
}
