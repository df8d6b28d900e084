/* Plain SQL dumps (pg_dump -Fp, pg_dumpall), possibly gzip'd: the versions
 * their comments tell, and SET parameters an older server would reject. */
#ifndef B2A_DETECT_PGPLAIN_H
#define B2A_DETECT_PGPLAIN_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

typedef struct b2a_pgplain_info {
    int is_dumpall;
    char dumped_from[64];    /* first "-- Dumped from database version X" */
    char dumped_by[64];      /* first "-- Dumped by pg_dump version X" */
    /* The newest requirement among SET parameters in the script: */
    int needs_version_num;   /* e.g. 170000 for transaction_timeout; 0 when nothing special */
    char needs_setting[64];  /* "transaction_timeout" */
    int has_restrict;        /* psql \restrict lines (pg_dump since 2025-08 minors) */
    uint32_t n_copy;         /* COPY ... FROM stdin blocks */
    char **copy_tables;      /* their tables, "public.actor" (n_copy of them) */
    uint32_t n_databases;    /* pg_dumpall: "\connect" targets with a database dump */
    /* The database the rows go into: the \connect target when the first COPY
     * or INSERT comes (or at the end), else the one CREATE DATABASE name; "" unknown. */
    char database[128];
    int data_started;        /* a COPY or INSERT was seen: database is settled */
    char created[128];       /* the first CREATE DATABASE name */
    uint32_t n_created;
} b2a_pgplain_info;

/* One pass over the script. On error *out is left empty; on success free
 * it with b2a__pgplain_free. */
int b2a__pgplain_read(const char *path, b2a_pgplain_info *out, b2a_err *err);
void b2a__pgplain_free(b2a_pgplain_info *info);

/* Only the database a script's rows go into (see database above): reads up
 * to the first COPY or INSERT, so the data itself is not read. out gets ""
 * when the script does not say. */
int b2a__pgplain_read_database(const char *path, char *out, size_t n, b2a_err *err);

/* PG_VERSION_NUM of the first release that knows a SET parameter pg_dump
 * emits; 0 for parameters older than 9.0 or unknown. */
int b2a__pgplain_setting_min_version_num(const char *name);

/* 1 when a server (PG_VERSION_NUM, e.g. 160004) rejects a SET in the
 * script; why gets e.g. "SET transaction_timeout needs PostgreSQL 17 (server is 16)". */
int b2a__pgplain_rejected_by(const b2a_pgplain_info *info, int server_version_num, char *why,
                             size_t whylen);

#endif
