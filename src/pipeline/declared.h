/* After a MySQL or MariaDB restore: what the script declared against what
 * the server created. A server skips what sits in a version comment it does
 * not take (MariaDB skips MySQL 5.7+ syntax), and says nothing: the table
 * would be exported without the column and the job would say Success. */
#ifndef B2A_PIPELINE_DECLARED_H
#define B2A_PIPELINE_DECLARED_H

#include "core/job_impl.h"
#include "detect/mysqlddl.h"

/* For each table the script declares (decl, read from the job's inputs):
 * - a column the restored table lacks is recorded in its lost_columns with
 *   why, and fails the table naming the column, unless job->allow_column_loss
 *   (then the table is exported without it and the Job keeps the record);
 * - a table the server did not create is added to the job, Failed with why
 *   (Skipped only when --include/--exclude left it out): the opt-in covers
 *   missing columns, never a missing table.
 * Tables the script declares without the server's database are looked for in
 * default_db. server_version is the server's VERSION(). B2A_OK or B2A_ENOMEM. */
int b2a__check_declared(b2a_job *job, const b2a_mysql_decl *decl, const char *default_db,
                        const char *server_version);

#endif
