/* How the CLI shows a job: live lines on a terminal, timestamped plain lines
 * otherwise, JSON lines on request. */
#ifndef B2A_CLI_PROGRESS_H
#define B2A_CLI_PROGRESS_H

#include <bak2avro.h>
#include <stdint.h>
#include <stdio.h>

typedef enum { SHOW_BARS, SHOW_LINES, SHOW_JSON, SHOW_QUIET } show_mode;

#define SHOW_MAX_BARS 8

/* One line on the terminal: a step, or a table being exported. */
typedef struct show_bar {
    char name[160];
    double pct;
    int is_table;
    int64_t rows_done, rows_expected;
    int64_t rows0;  /* rows_done at the first report, where the rate is measured from */
    double t_start; /* seconds, monotonic */
    int64_t bytes_done, bytes_expected; /* -1 when unknown */
    uint32_t attempt, attempts;         /* readiness probe, 0 when not waiting */
} show_bar;

typedef struct show {
    show_mode mode;
    FILE *out;
    int verbose;
    int drawn; /* lines drawn last time, to redraw in place */
    show_bar bars[SHOW_MAX_BARS];
    int nbars;
    double t0; /* when the job started, monotonic seconds */
    uint32_t tables_total; /* selected tables, once the export has begun */
    uint32_t tables_done;
    int64_t rows_done_finished; /* rows of the tables that ended */
    /* The export step as a whole, from its table-less reports: */
    int has_export_totals;
    int64_t export_rows, export_rows_expected, export_bytes;
    double t_export; /* first export report, where the job's rate is measured from */
    int last_step;
    double last_pct;
} show;

void show_init(show *s, show_mode mode, int verbose);
int show_progress(b2a_job *job, const b2a_progress *p, void *ud);
void show_log(b2a_job *job, b2a_log_level level, const char *msg, void *ud);
void show_finish(show *s);
/* --log-json's last line: the job's status, exit code and summary. */
void show_done_event(show *s, b2a_job *job, const char *status, int exit_code);

#endif
