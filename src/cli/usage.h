/* The usage text of each bak2avro subcommand, for --help (stdout) and usage errors (stderr). */
#ifndef B2A_CLI_USAGE_H
#define B2A_CLI_USAGE_H

#include <stdio.h>

void usage_general(FILE *f);
void usage_run(FILE *f);
void usage_export(FILE *f);
void usage_inspect(FILE *f);
void usage_gc(FILE *f);
void usage_restore(FILE *f);
void usage_stop(FILE *f);
void usage_version(FILE *f);
void usage_help(FILE *f);

#endif
