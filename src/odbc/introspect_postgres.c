/* PostgreSQL catalog -> column model (§4.4 of the type mapping). Reads
 * pg_catalog directly: format_type() gives the vendor's own type text and
 * relispartition lets partitions hide behind their parent. */
#include "odbc/introspect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/str.h"

#define OOM() b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory")

/* relations the job may see: no partitions, no system schemas */
#define PG_REL_FILTER \
    " c.relkind IN ('r','p','v','m','f') AND NOT c.relispartition" \
    " AND n.nspname NOT IN ('pg_catalog','information_schema')" \
    " AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'"

/* numeric profile of one column: NaN/Infinity, integer and fraction digits */
typedef struct num_profile {
    int64_t nvalues, nspecial;
    int int_digits, frac_digits, fits_i64;
} num_profile;

static int profile_numeric(b2a_odbc_conn *c, const b2a_odbc_table *t, const char *col,
                           num_profile *p, b2a_err *err)
{
    char *qt = b2a__odbc_qualified(B2A_ODBC_POSTGRES, t->def.schema, t->def.name);
    char *qc = b2a__odbc_quote_ident(B2A_ODBC_POSTGRES, col);
    char *sql = NULL;
    if (qt && qc)
        sql = b2a__asprintf(
            "SELECT count(%2$s),"
            " count(*) FILTER (WHERE %2$s IN ('NaN','Infinity','-Infinity')),"
            " max(length(trunc(abs(%2$s))::text)) FILTER (WHERE %2$s NOT IN ('NaN','Infinity','-Infinity')),"
            " max(scale(%2$s)) FILTER (WHERE %2$s NOT IN ('NaN','Infinity','-Infinity')),"
            " coalesce(bool_and(%2$s BETWEEN -9223372036854775808 AND 9223372036854775807)"
            "   FILTER (WHERE %2$s NOT IN ('NaN','Infinity','-Infinity')), true)::int"
            " FROM %1$s",
            qt, qc);
    free(qt);
    free(qc);
    if (!sql)
        return OOM();
    b2a_odbc_result r;
    int rc = b2a__odbc_query(c, sql, &r, err);
    free(sql);
    if (rc)
        return b2a__err_prefix(err, "profiling %s.%s.%s: ", t->def.schema, t->def.name, col);
    const char *v;
    p->nvalues = strtoll(b2a__odbc_cell(&r, 0, 0), NULL, 10);
    p->nspecial = strtoll(b2a__odbc_cell(&r, 0, 1), NULL, 10);
    p->int_digits = (v = b2a__odbc_cell(&r, 0, 2)) ? atoi(v) : 0;
    p->frac_digits = (v = b2a__odbc_cell(&r, 0, 3)) ? atoi(v) : 0;
    p->fits_i64 = atoi(b2a__odbc_cell(&r, 0, 4));
    b2a__odbc_result_clear(&r);
    return B2A_OK;
}

/* Map one column. typ: base type name (domains resolved), typmod of the
 * base, typtype/typcategory letters. Sets vt/precision/scale/note. */
static void map_type(const char *typ, long typmod, char typtype, char cat, int money_scale,
                     b2a_vtype *vt, int *prec, int *scale, const char **note, int *needs_profile)
{
    *prec = *scale = 0;
    *note = NULL;
    *needs_profile = 0;
    if (cat == 'A') {
        *vt = B2A_V_STRING;
        *note = "PostgreSQL array exported as JSON text";
        return;
    }
    if (typtype == 'c') {
        *vt = B2A_V_STRING;
        *note = "composite value exported as JSON text";
        return;
    }
    if (typtype == 'e') {
        *vt = B2A_V_STRING;
        *note = "enum label";
        return;
    }
    if (!strcmp(typ, "bool")) *vt = B2A_V_BOOLEAN;
    else if (!strcmp(typ, "int2") || !strcmp(typ, "int4")) *vt = B2A_V_INT;
    else if (!strcmp(typ, "int8") || !strcmp(typ, "oid")) *vt = B2A_V_LONG;
    else if (!strcmp(typ, "float4")) *vt = B2A_V_FLOAT;
    else if (!strcmp(typ, "float8")) *vt = B2A_V_DOUBLE;
    else if (!strcmp(typ, "date")) {
        *vt = B2A_V_DATE;
        *note = "infinite, BC and after-9999 dates are written as null";
    } else if (!strcmp(typ, "timestamp")) {
        *vt = B2A_V_LOCAL_TIMESTAMP_MICROS;
        *note = "infinite, BC and after-9999 timestamps are written as null";
    } else if (!strcmp(typ, "timestamptz")) {
        *vt = B2A_V_TIMESTAMP_MICROS;
        *note = "infinite, BC and after-9999 timestamps are written as null";
    } else if (!strcmp(typ, "time")) *vt = B2A_V_TIME_MICROS;
    else if (!strcmp(typ, "uuid")) *vt = B2A_V_UUID;
    else if (!strcmp(typ, "json") || !strcmp(typ, "jsonb")) *vt = B2A_V_JSON;
    else if (!strcmp(typ, "bytea")) *vt = B2A_V_BYTES;
    else if (!strcmp(typ, "money")) {
        *vt = B2A_V_DECIMAL;
        *prec = 19;
        *scale = money_scale;
    } else if (!strcmp(typ, "numeric")) {
        if (typmod < 4) {
            *needs_profile = 1;
            *vt = B2A_V_STRING;
            return;
        }
        int p = (int)(((typmod - 4) >> 16) & 0xffff);
        /* the scale is 11 bits, signed since PostgreSQL 15 (numeric(5,-2)) */
        int s = (int)((((typmod - 4) & 0x7ff) ^ 1024) - 1024);
        if (s < 0) {
            p -= s;
            s = 0;
        } else if (s > p) {
            p = s;
        }
        if (p > 38) {
            *vt = B2A_V_STRING;
            *note = "numeric wider than 38 digits exported as text";
        } else {
            *vt = B2A_V_DECIMAL;
            *prec = p;
            *scale = s;
        }
    } else if (!strcmp(typ, "text") || !strcmp(typ, "varchar") || !strcmp(typ, "bpchar") ||
               !strcmp(typ, "name") || !strcmp(typ, "char") || !strcmp(typ, "xml") ||
               !strcmp(typ, "citext")) {
        *vt = B2A_V_STRING;
    } else {
        *vt = B2A_V_STRING;
        if (!strcmp(typ, "interval"))
            *note = "interval as ISO-8601 text";
        else
            *note = "exported as PostgreSQL text";
    }
}

static void choose_from_profile(const num_profile *p, b2a_column *col, const char **note)
{
    *note = NULL;
    if (p->nspecial > 0) {
        col->vtype = B2A_V_STRING;
        *note = "numeric without precision holds NaN or Infinity: exported as text";
    } else if (p->nvalues == 0) {
        col->vtype = B2A_V_STRING;
        *note = "numeric without precision and no values to profile: exported as text";
    } else if (p->frac_digits == 0 && p->fits_i64) {
        col->vtype = B2A_V_LONG;
        *note = "numeric without precision: profiled as integers fitting 64 bits";
    } else if (p->int_digits + p->frac_digits <= 38) {
        col->vtype = B2A_V_DECIMAL;
        col->precision = 38;
        col->scale = p->frac_digits;
        *note = "numeric without precision: precision and scale from a profile of the values";
    } else {
        col->vtype = B2A_V_STRING;
        *note = "numeric without precision needs more than 38 digits: exported as text";
    }
}

int b2a__introspect_postgres(b2a_odbc_conn *c, const b2a_introspect_opts *o,
                             b2a_odbc_table **out, size_t *nout, b2a_err *err)
{
    b2a_odbc_result rt = {0}, rc_ = {0}, rp = {0};
    b2a_odbc_table *tabs = NULL;
    b2a_introspect_id *rels = NULL;
    size_t ntabs = 0;
    char *filter = NULL;
    int rc;
    int money_scale = 2;

    if (b2a__introspect_schema_filter(B2A_ODBC_POSTGRES, o, "n.nspname", &filter))
        return OOM();

    /* money's fraction digits follow lc_monetary: ask instead of assuming 2 */
    int64_t ms;
    if (b2a__odbc_query_i64(c, "SELECT scale(0::money::numeric)", &ms, NULL) == B2A_OK)
        money_scale = (int)ms;

    rc = b2a__introspect_queryf(c, &rt, err,
        "SELECT c.oid, n.nspname, c.relname, c.relkind"
        " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE" PG_REL_FILTER "%s ORDER BY n.nspname, c.relname", filter);
    if (rc)
        goto out_prefix;
    ntabs = rt.nrows;
    tabs = calloc(ntabs ? ntabs : 1, sizeof(*tabs));
    rels = calloc(ntabs ? ntabs : 1, sizeof(*rels));
    if (!tabs || !rels) {
        rc = OOM();
        goto out;
    }
    for (size_t i = 0; i < ntabs; i++) {
        b2a_odbc_table *t = &tabs[i];
        char kind = b2a__odbc_cell(&rt, i, 3)[0];
        rels[i].id = strtol(b2a__odbc_cell(&rt, i, 0), NULL, 10);
        rels[i].idx = i;
        t->def.schema = b2a__strdup(b2a__odbc_cell(&rt, i, 1));
        t->def.name = b2a__strdup(b2a__odbc_cell(&rt, i, 2));
        t->def.row_count = -1;
        if (!t->def.schema || !t->def.name) {
            rc = OOM();
            goto out;
        }
        t->kind = kind == 'p' ? B2A_TABLE_KIND_PARTITIONED
                : kind == 'v' ? B2A_TABLE_KIND_VIEW
                : kind == 'm' ? B2A_TABLE_KIND_MATVIEW
                : kind == 'f' ? B2A_TABLE_KIND_FOREIGN : B2A_TABLE_KIND_TABLE;
        t->exported = t->kind == B2A_TABLE_KIND_TABLE || t->kind == B2A_TABLE_KIND_PARTITIONED ||
                      (o->include_views && (t->kind == B2A_TABLE_KIND_VIEW || t->kind == B2A_TABLE_KIND_MATVIEW));
    }
    b2a__introspect_ids_sort(rels, ntabs);

    rc = b2a__introspect_queryf(c, &rc_, err,
        "SELECT a.attrelid, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull::int,"
        " bt.typname, CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END,"
        " bt.typtype, bt.typcategory"
        " FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
        " JOIN pg_namespace n ON n.oid = c.relnamespace"
        " JOIN pg_type t ON t.oid = a.atttypid"
        " JOIN pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END"
        " WHERE a.attnum > 0 AND NOT a.attisdropped AND" PG_REL_FILTER "%s"
        " ORDER BY a.attrelid, a.attnum", filter);
    if (rc)
        goto out_prefix;
    for (size_t i = 0; i < rc_.nrows; i++) {
        b2a_odbc_table *t = b2a__introspect_find(rels, ntabs, tabs, strtol(b2a__odbc_cell(&rc_, i, 0), NULL, 10));
        if (!t)
            continue; /* created between the two queries */
        b2a_vtype vt;
        int prec, scale, profile;
        const char *note;
        const char *cat = b2a__odbc_cell(&rc_, i, 7), *tt = b2a__odbc_cell(&rc_, i, 6);
        map_type(b2a__odbc_cell(&rc_, i, 4), strtol(b2a__odbc_cell(&rc_, i, 5), NULL, 10),
                 tt ? tt[0] : 'b', cat ? cat[0] : 'U', money_scale, &vt, &prec, &scale, &note, &profile);
        const char *name = b2a__odbc_cell(&rc_, i, 1);
        if (b2a__introspect_add_column(&t->def, name, b2a__odbc_cell(&rc_, i, 2), vt, prec, scale,
                                       b2a__odbc_cell(&rc_, i, 3)[0] != '1', note)) {
            rc = OOM();
            goto out;
        }
        /* infinite, BC and after-9999 dates become NULL (map_type): such a field stays nullable */
        b2a__introspect_dates_nulled(&t->def.columns[t->def.ncolumns - 1]);
        if (profile) {
            b2a_column *col = &t->def.columns[t->def.ncolumns - 1];
            if (o->profile_numeric && t->exported) {
                num_profile p = {0, 0, 0, 0, 0};
                rc = profile_numeric(c, t, name, &p, err);
                if (rc)
                    goto out;
                choose_from_profile(&p, col, &note);
            } else {
                note = "numeric without precision, not profiled: exported as text";
            }
            free(col->note);
            col->note = b2a__strdup(note);
        }
    }

    rc = b2a__odbc_query(c,
        "SELECT i.indrelid, a.attname FROM pg_index i"
        " CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)"
        " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum"
        " WHERE i.indisprimary ORDER BY i.indrelid, k.ord", &rp, err);
    if (rc)
        goto out_prefix;
    for (size_t i = 0; i < rp.nrows; i++) {
        b2a_odbc_table *t = b2a__introspect_find(rels, ntabs, tabs, strtol(b2a__odbc_cell(&rp, i, 0), NULL, 10));
        if (t && b2a__introspect_add_pk(t, b2a__odbc_cell(&rp, i, 1))) {
            rc = OOM();
            goto out;
        }
    }

    *out = tabs;
    *nout = ntabs;
    tabs = NULL;
    goto out;
out_prefix:
    b2a__err_prefix(err, "PostgreSQL introspection: ");
out:
    b2a__odbc_result_clear(&rt);
    b2a__odbc_result_clear(&rc_);
    b2a__odbc_result_clear(&rp);
    b2a__odbc_tables_free(tabs, ntabs);
    free(rels);
    free(filter);
    return rc;
}

char *b2a__select_expr_postgres(const b2a_column *col, const char *q)
{
    const char *st = col->source_type ? col->source_type : "";
    size_t sl = strlen(st);
    switch (col->vtype) {
    case B2A_V_TIME_MICROS:
        /* no ODBC C type carries a time's microseconds: ask for them */
        return b2a__asprintf("(EXTRACT(EPOCH FROM %s) * 1000000)::int8", q);
    case B2A_V_DECIMAL:
        /* money prints with a currency sign; numeric is a no-op cast */
        return b2a__asprintf("%s::numeric", q);
    case B2A_V_DATE:
    case B2A_V_TIMESTAMP_MICROS:
    case B2A_V_LOCAL_TIMESTAMP_MICROS:
        /* psqlODBC turns infinity into today's date, BC years into AD ones
         * and years after 9999 into others (12000-01-01 came back as
         * 1200-12-07): let the server say NULL instead. All three are
         * outside what BigQuery and Spark take. */
        return b2a__asprintf("CASE WHEN isfinite(%1$s) AND %1$s >= '0001-01-01' AND %1$s < '10000-01-01' THEN %1$s END",
                             q);
    case B2A_V_UUID:
        return b2a__strdup(q); /* bound as 36 characters of text */
    case B2A_V_STRING:
    case B2A_V_JSON:
        if (sl > 2 && !strcmp(st + sl - 2, "[]"))
            return b2a__asprintf("to_json(%s)::text", q);
        if (col->note && strstr(col->note, "as JSON text")) /* arrays behind domains, composites */
            return b2a__asprintf("to_json(%s)::text", q);
        /* character types as they are: ::text would strip char(n) padding */
        if (!strncmp(st, "character", 9) || !strcmp(st, "text") || !strcmp(st, "\"char\"") ||
            !strcmp(st, "name"))
            return b2a__strdup(q);
        return b2a__asprintf("%s::text", q);
    default:
        return b2a__strdup(q);
    }
}
