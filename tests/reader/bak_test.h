/* Shared by the SQL Server reader tests that read the sample backups: the
 * samples directory, a scratch directory, and finding and scanning a table. */
#ifndef B2A_TESTS_BAK_TEST_H
#define B2A_TESTS_BAK_TEST_H

#include <stddef.h>
#include <stdint.h>
#include "core/error.h"
#include "reader/mssql/bak.h"
#include "text_sink.h"

extern const char *bak_samples;   /* $B2A_SAMPLES */
extern char bak_tmpdir[256];      /* made by bak_test_setup, removed by bak_test_teardown */

/* For main(): set bak_samples and make bak_tmpdir ($TMPDIR/b2a-TAG-XXXXXX).
 * 0 when ready; 77 (skip) when samples/sqlserver/probe cannot be read;
 * 1 when the directory cannot be made. test names the test in messages. */
int bak_test_setup(const char *test, const char *probe, const char *tag);

/* Remove bak_tmpdir and everything in it. */
void bak_test_teardown(void);

/* samples/sqlserver/name; the last 8 results stay valid. */
const char *bak_sample(const char *name);

/* A whole file read into memory (freed by the caller) / written out;
 * either fails the test when it cannot. */
uint8_t *bak_slurp(const char *path, size_t *n);
void bak_put(const char *path, const uint8_t *b, size_t n);

/* Index of table schema.name; fails the test when the backup has none. */
size_t bak_find_table(const b2a_bak *b, const char *schema, const char *name);

/* Scan table i into ts (initialised here) in calls of at most chunk rows,
 * asserting each call returns no more. The scan's result code; err holds
 * its message. */
int bak_scan(b2a_bak *b, size_t i, text_sink *ts, size_t chunk, b2a_err *err);

/* The same, failing the test (with the message) unless the whole table
 * reads and every value converts (ts->errors == 0). */
void bak_scan_all(b2a_bak *b, size_t i, text_sink *ts, size_t chunk);

#endif
