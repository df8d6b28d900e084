#include "progress.h"

#include <string.h>
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

void show_init(show *s, show_mode mode, int verbose)
{
    memset(s, 0, sizeof(*s));
    s->mode = mode;
    s->out = stderr;
    s->verbose = verbose;
    s->last_step = -1;
    s->last_pct = -100;
}

static void json_string(FILE *f, const char *v)
{
    if (!v) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)(v ? v : ""); *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

static void erase(show *s)
{
    for (int i = 0; i < s->drawn; i++)
        fputs("\033[1A\033[2K", s->out);
    s->drawn = 0;
}

static void draw(show *s)
{
    erase(s);
    for (int i = 0; i < s->nbars; i++) {
        int width = 30, fill = s->pct[i] < 0 ? 0 : (int)(s->pct[i] * width / 100.0);
        char bar[64];
        for (int k = 0; k < width; k++)
            bar[k] = k < fill ? '#' : '.';
        bar[width] = '\0';
        if (s->pct[i] < 0)
            fprintf(s->out, "  [%s]   ?%%  %s\n", bar, s->names[i]);
        else
            fprintf(s->out, "  [%s] %3.0f%%  %s\n", bar, s->pct[i], s->names[i]);
        s->drawn++;
    }
    fflush(s->out);
}

static int bar_index(show *s, const char *name)
{
    for (int i = 0; i < s->nbars; i++)
        if (strcmp(s->names[i], name) == 0)
            return i;
    if (s->nbars == (int)(sizeof(s->names) / sizeof(s->names[0]))) {
        /* Reuse the bar of a finished table, else the oldest. */
        int slot = 0;
        for (int i = 0; i < s->nbars; i++)
            if (s->pct[i] >= 100.0) {
                slot = i;
                break;
            }
        memmove(&s->names[slot], &s->names[slot + 1], (size_t)(s->nbars - slot - 1) * sizeof(s->names[0]));
        memmove(&s->pct[slot], &s->pct[slot + 1], (size_t)(s->nbars - slot - 1) * sizeof(s->pct[0]));
        s->nbars--;
    }
    snprintf(s->names[s->nbars], sizeof(s->names[0]), "%s", name);
    s->pct[s->nbars] = -1;
    return s->nbars++;
}

int show_progress(b2a_job *job, const b2a_progress *p, void *ud)
{
    (void)job;
    show *s = ud;
    switch (s->mode) {
    case SHOW_QUIET:
        return 0;
    case SHOW_JSON:
        fprintf(s->out, "{\"event\":\"progress\",\"step\":\"%s\",\"percent\":%.1f,\"table\":", step_label(p->step), p->percent);
        json_string(s->out, p->table);
        fprintf(s->out, ",\"rows_done\":%lld,\"rows_expected\":%lld}\n", (long long)p->rows_done, (long long)p->rows_expected);
        return 0;
    case SHOW_BARS: {
        char name[160];
        if (p->table)
            snprintf(name, sizeof(name), "%s %s", step_label(p->step), p->table);
        else
            snprintf(name, sizeof(name), "%s", step_label(p->step));
        int i = bar_index(s, name);
        s->pct[i] = p->percent;
        if (p->percent >= 100.0) {
            /* Done: its log line says so; the bars show what still runs. */
            memmove(&s->names[i], &s->names[i + 1], (size_t)(s->nbars - i - 1) * sizeof(s->names[0]));
            memmove(&s->pct[i], &s->pct[i + 1], (size_t)(s->nbars - i - 1) * sizeof(s->pct[0]));
            s->nbars--;
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
            if (p->percent >= 0)
                fprintf(s->out, "%s: %.0f%%\n", step_label(p->step), p->percent);
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
    if (s->mode == SHOW_JSON) {
        fprintf(s->out, "{\"event\":\"log\",\"level\":\"%s\",\"message\":", lname);
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
    fprintf(s->out, "%s%s\n", level >= B2A_LOG_WARN ? (level == B2A_LOG_ERROR ? "error: " : "warning: ") : "", msg);
    if (s->mode == SHOW_BARS)
        draw(s);
}

void show_finish(show *s)
{
    if (s->mode == SHOW_BARS)
        erase(s);
    fflush(s->out);
}
