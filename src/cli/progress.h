/* How the CLI shows a job: bars on a terminal, plain lines otherwise, JSON lines on request. */
#ifndef B2A_CLI_PROGRESS_H
#define B2A_CLI_PROGRESS_H

#include <bak2avro.h>
#include <stdio.h>

typedef enum { SHOW_BARS, SHOW_LINES, SHOW_JSON, SHOW_QUIET } show_mode;

typedef struct show {
    show_mode mode;
    FILE *out;
    int verbose;
    /* bars: the lines drawn last time, to redraw in place */
    int drawn;
    char names[8][160];
    double pct[8];
    int nbars;
    int last_step;
    double last_pct;
} show;

void show_init(show *s, show_mode mode, int verbose);
int show_progress(b2a_job *job, const b2a_progress *p, void *ud);
void show_log(b2a_job *job, b2a_log_level level, const char *msg, void *ud);
void show_finish(show *s);

#endif
