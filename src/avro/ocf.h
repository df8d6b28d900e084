/* Avro Object Container File writer, and the b2a_sink rows go into.
 * Written by us (not avro-c): avro-c drops logicalType/doc/default from
 * the stored schema and rejects records larger than its block size.
 * The file is built as "<path>.tmp-<random>" and renamed on commit, so a
 * reader never sees a half-written file under the final name. */
#ifndef B2A_AVRO_OCF_H
#define B2A_AVRO_OCF_H

#include <stddef.h>
#include <stdint.h>

#include "avro/avsc.h"
#include "core/error.h"
#include "core/sink.h"

#define B2A_OCF_DEFAULT_BLOCK_BYTES (256 * 1024)
#define B2A_OCF_DEFLATE_LEVEL 1

typedef struct b2a_ocf_writer b2a_ocf_writer;

/* Open a writer for table t at path. codec is a b2a_codec (job.h).
 * block_bytes is the target uncompressed block size (0 = 256 KiB); a row
 * larger than that still goes in, alone in its block. The schema is
 * checked with avro-c before anything is written. */
int b2a__ocf_open(const char *path, const b2a_table_def *t, const char *database, int codec,
                  size_t block_bytes, b2a_ocf_writer **out, b2a_err *err);
/* The same, with provenance (b2a_avro_table::source) for the record doc. */
int b2a__ocf_open_table(const char *path, const b2a_avro_table *t, int codec, size_t block_bytes,
                        b2a_ocf_writer **out, b2a_err *err);

/* The sink to write rows into; valid until commit/abort. Any sink error
 * (wrong value function for the vtype, too many/few values, a decimal
 * beyond precision, invalid UTF-8, I/O) is sticky: later calls return the
 * same code, and commit fails. Full blocks are compressed and written by
 * a thread of the writer's own (see ocf.c), so an I/O error surfaces at a
 * later sink call or at commit, not at the row that filled the block.
 * One thread at a time may use a writer (successive threads are fine). */
b2a_sink *b2a__ocf_sink(b2a_ocf_writer *w);
const b2a_err *b2a__ocf_error(const b2a_ocf_writer *w);
int64_t b2a__ocf_rows(const b2a_ocf_writer *w);
/* Bytes written to the file so far (header + flushed blocks). */
uint64_t b2a__ocf_bytes(const b2a_ocf_writer *w);
/* The Avro field name of column i (sanitized, unique), for the Job JSON. */
const char *b2a__ocf_field_name(const b2a_ocf_writer *w, size_t i);
/* The schema JSON stored in the header. */
const char *b2a__ocf_schema_json(const b2a_ocf_writer *w);

/* Flush, fsync, close and rename the temp file to path; frees w (also on
 * failure, when the temp file is removed). A row left half-written fails. */
int b2a__ocf_commit(b2a_ocf_writer *w, b2a_err *err);
/* Flush, fsync and close, leaving the data under its temporary name, which
 * *tmp_out gets (to free): a file of several that are put in place together
 * (rename each to its final name) or not at all (unlink). Frees w; on
 * failure the temp file is removed. */
int b2a__ocf_finish(b2a_ocf_writer *w, char **tmp_out, b2a_err *err);
/* Close and unlink the temp file; frees w. NULL is allowed. Blocks not
 * yet written are dropped; waits for the block being written, if any. */
void b2a__ocf_abort(b2a_ocf_writer *w);

/* Write the schema as pretty JSON to path (the .avsc beside a data file),
 * via a temp file and rename. */
int b2a__ocf_write_avsc(const char *path, const b2a_table_def *t, const char *database, b2a_err *err);
int b2a__ocf_write_avsc_table(const char *path, const b2a_avro_table *t, b2a_err *err);

#endif
