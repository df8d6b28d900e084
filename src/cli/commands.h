/* Subcommands kept in their own files, and what they share with main.c. */
#ifndef B2A_CLI_COMMANDS_H
#define B2A_CLI_COMMANDS_H

#include <stdint.h>

/* A whole file as a string (NULL with errno set); free it. */
char *cli_slurp(const char *path);

int cmd_restore(int argc, char **argv);
int cmd_stop(int argc, char **argv);

/* What `restore` passes from its options to the Restore block. */
typedef struct cli_restore_options {
    char *pre_sql, *post_sql;
    uint32_t parallel;
} cli_restore_options;
extern cli_restore_options cli_restore_opts;

#endif
