/* MySQL / MariaDB SQL dumps: versions from the mysqldump header comments and
 * the tables a script creates. Plain or gzip'd. */
#ifndef B2A_DETECT_MYSQLDUMP_H
#define B2A_DETECT_MYSQLDUMP_H

#include <stdint.h>

#include "core/error.h"

typedef struct b2a_mysqldump_info {
    int has_header;          /* "-- MySQL dump" or "-- MariaDB dump" found */
    int is_mariadb;
    char dump_version[32];   /* mysqldump's own version: "10.13" */
    char client_version[64]; /* the "Distrib" the client came with: "8.0.36", "10.11.6-MariaDB" */
    char server_version[96]; /* "-- Server version\t8.0.36" */
    char host[128];          /* "-- Host: localhost    Database: sakila" */
    char database[128];      /* the database the rows go into: the USE target when the first INSERT
                                comes (or at the end), else the header's, else the one
                                CREATE DATABASE/SCHEMA name; "" unknown */
    int data_started;        /* a top-level INSERT was seen: database is settled */
    char used[128];          /* the USE target so far */
    char created[128];       /* the first CREATE DATABASE/SCHEMA name */
    uint32_t n_created;
    uint32_t n_tables;
    char **tables;           /* CREATE TABLE names in script order, "db.t" when qualified */
    uint32_t n_data_tables;
    char **data_tables;      /* tables given rows by INSERT [IGNORE] INTO, first-seen order */
} b2a_mysqldump_info;

/* Read the header and list CREATE TABLE statements (one pass over the file).
 * On error *out is left empty; on success free it with b2a__mysqldump_free. */
int b2a__mysqldump_read(const char *path, b2a_mysqldump_info *out, b2a_err *err);
void b2a__mysqldump_free(b2a_mysqldump_info *info);

/* Only the database a script's rows go into (see database above): reads up
 * to the first INSERT. out gets "" when the script does not say. */
int b2a__mysqldump_read_database(const char *path, char *out, size_t n, b2a_err *err);

#endif
