/* Text dumps whose tool writes a closing line: was the dump written to its
 * end? mysqldump and mariadb-dump end with "-- Dump completed"; pg_dump with
 * "-- PostgreSQL database dump complete" (pg_dumpall: "... cluster dump
 * complete"), then perhaps psql's "\unrestrict" line. Only dumps that carry
 * their tool's header are checked: without it (mysqldump --skip-comments,
 * a hand-written script) there is no closing line to expect. */
#ifndef B2A_DETECT_DUMPEND_H
#define B2A_DETECT_DUMPEND_H

#include "core/error.h"
#include "detect/detect.h"

/* B2A_OK when the dump ends with its closing line or has none to check;
 * B2A_EFORMAT naming the file and the missing line when it was cut short.
 * Reads the file's last 64 KiB, or, when it is gzip'd, all of it. */
int b2a__dump_check_end(const char *path, const b2a_detected *d, b2a_err *err);

/* The same check on text already read: its first bytes (at least
 * B2A_DUMP_END_HEAD, or all of it) and its last B2A_DUMP_END_TAIL (or all),
 * for a reader that streams the file anyway (mysqlddl.c). */
#define B2A_DUMP_END_HEAD 4096
#define B2A_DUMP_END_TAIL (64 * 1024)
int b2a__dump_check_text_end(const char *path, const b2a_detected *d, const char *head, size_t nhead,
                             const char *tail, size_t ntail, b2a_err *err);

#endif
