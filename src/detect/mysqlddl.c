/* Declared tables and columns of a MySQL/MariaDB script, in two stages:
 * a streaming splitter cuts the bytes into statements the way the mysql
 * client does (quotes, comments, DELIMITER), keeping version comments and
 * dropping plain ones; a lexer then reads the few statements that shape
 * tables (USE, CREATE/DROP/ALTER/RENAME TABLE) and notes, for each name,
 * the version comment it sits in. Version comments are written {!50705 ...}
 * in these comments (see mysqlddl.h). */
#include "detect/mysqlddl.h"

#include "detect/dumpend.h"
#include "detect/detect.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "util/str.h"

/* A statement longer than this is kept only in part (INSERTs are long; a
 * CREATE TABLE is not): a CREATE TABLE cut by it has its columns unknown. */
#define STMT_KEEP (1u << 20)
#define DELIM_MAX 16
#define NAME_MAX_LEN 256

/* ---- the declared list ---- */

typedef struct ddl_state {
    b2a_mysql_decl *out;
    char *use_db;   /* the last USE */
    uint32_t file;  /* index of the file being read */
    int oom;
} ddl_state;

static void cond_clear(b2a_mysql_cond *c)
{
    c->version = 0;
    c->mariadb_only = 0;
}

static void table_free(b2a_mysql_decl_table *t)
{
    free(t->schema);
    free(t->name);
    for (size_t i = 0; i < t->ncolumns; i++)
        free(t->columns[i].name);
    free(t->columns);
    memset(t, 0, sizeof(*t));
}

void b2a__mysql_decl_free(b2a_mysql_decl *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->ntables; i++)
        table_free(&d->tables[i]);
    free(d->tables);
    memset(d, 0, sizeof(*d));
}

static int same_name(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcasecmp(a, b) == 0;
}

static b2a_mysql_decl_table *find_table(ddl_state *st, const char *schema, const char *name)
{
    for (size_t i = 0; i < st->out->ntables; i++) {
        b2a_mysql_decl_table *t = &st->out->tables[i];
        if (same_name(t->schema, schema) && same_name(t->name, name))
            return t;
    }
    return NULL;
}

static void remove_table(ddl_state *st, b2a_mysql_decl_table *t)
{
    b2a_mysql_decl *d = st->out;
    size_t i = (size_t)(t - d->tables);
    table_free(t);
    memmove(&d->tables[i], &d->tables[i + 1], (d->ntables - i - 1) * sizeof(*t));
    d->ntables--;
}

/* ---- lexer over one statement ---- */

typedef enum tok_kind { T_END, T_WORD, T_STRING, T_PUNCT } tok_kind;

typedef struct tok {
    tok_kind kind;
    int quoted;            /* `name` */
    char text[NAME_MAX_LEN]; /* words: the name, unquoted (cut at NAME_MAX_LEN - 1) */
    char punct;
    b2a_mysql_cond cond;   /* the version comment it sits in */
} tok;

typedef struct lexer {
    const char *p, *end;
    b2a_mysql_cond cond;
    int in_exec;
} lexer;

static int is_word_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '$' || c >= 0x80;
}

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Skip spaces and version-comment brackets, noting which comment we are in. */
static void lex_skip(lexer *lx)
{
    for (;;) {
        while (lx->p < lx->end && is_space((unsigned char)*lx->p))
            lx->p++;
        size_t left = (size_t)(lx->end - lx->p);
        if (lx->in_exec && left >= 2 && lx->p[0] == '*' && lx->p[1] == '/') {
            lx->p += 2;
            lx->in_exec = 0;
            cond_clear(&lx->cond);
            continue;
        }
        if (!lx->in_exec && left >= 3 && lx->p[0] == '/' && lx->p[1] == '*' &&
            (lx->p[2] == '!' || (left >= 4 && lx->p[2] == 'M' && lx->p[3] == '!'))) {
            lx->cond.mariadb_only = lx->p[2] == 'M';
            lx->p += lx->cond.mariadb_only ? 4 : 3;
            uint32_t v = 0;
            int digits = 0;
            while (lx->p < lx->end && *lx->p >= '0' && *lx->p <= '9' && digits < 6) {
                v = v * 10 + (uint32_t)(*lx->p - '0');
                lx->p++;
                digits++;
            }
            lx->cond.version = digits >= 5 ? v : 0;
            lx->in_exec = 1;
            continue;
        }
        return;
    }
}

static void lex_next(lexer *lx, tok *t)
{
    lex_skip(lx);
    t->quoted = 0;
    t->text[0] = '\0';
    t->punct = 0;
    t->cond = lx->cond;
    if (lx->p >= lx->end) {
        t->kind = T_END;
        return;
    }
    unsigned char c = (unsigned char)*lx->p;
    if (c == '`' || c == '\'' || c == '"') {
        /* `name`, 'text', "text": doubled quotes, and backslash escapes in strings */
        size_t n = 0;
        lx->p++;
        while (lx->p < lx->end) {
            char ch = *lx->p++;
            if (ch == (char)c) {
                if (lx->p < lx->end && *lx->p == (char)c) {
                    lx->p++;
                } else {
                    break;
                }
            } else if (ch == '\\' && c != '`' && lx->p < lx->end) {
                ch = *lx->p++;
            }
            if (n + 1 < sizeof(t->text))
                t->text[n++] = ch;
        }
        t->text[n] = '\0';
        t->kind = c == '`' ? T_WORD : T_STRING;
        t->quoted = c == '`';
        return;
    }
    if (is_word_byte(c)) {
        size_t n = 0;
        while (lx->p < lx->end && is_word_byte((unsigned char)*lx->p)) {
            if (n + 1 < sizeof(t->text))
                t->text[n++] = *lx->p;
            lx->p++;
        }
        t->text[n] = '\0';
        t->kind = T_WORD;
        return;
    }
    t->kind = T_PUNCT;
    t->punct = (char)c;
    lx->p++;
}

/* An unquoted word equal to kw (keywords are case-insensitive). */
static int is_kw(const tok *t, const char *kw)
{
    return t->kind == T_WORD && !t->quoted && strcasecmp(t->text, kw) == 0;
}

static int is_punct(const tok *t, char c)
{
    return t->kind == T_PUNCT && t->punct == c;
}

/* [schema.]name starting at *t; on return *t is the token after it. */
static int read_qualified(lexer *lx, tok *t, char *schema, char *name, b2a_mysql_cond *cond)
{
    if (t->kind != T_WORD)
        return 0;
    schema[0] = '\0';
    memcpy(name, t->text, sizeof(t->text));
    *cond = t->cond;
    lex_next(lx, t);
    if (is_punct(t, '.')) {
        lex_next(lx, t);
        if (t->kind != T_WORD)
            return 0;
        memcpy(schema, name, sizeof(t->text));
        memcpy(name, t->text, sizeof(t->text));
        lex_next(lx, t);
    }
    return 1;
}

/* ---- statements ---- */

static const char *const not_a_column[] = {"PRIMARY", "KEY", "INDEX", "UNIQUE", "CONSTRAINT",
                                           "FOREIGN", "FULLTEXT", "SPATIAL", "CHECK", "PERIOD",
                                           "VECTOR", NULL};

static int is_one_of(const tok *t, const char *const *kws)
{
    for (const char *const *k = kws; *k; k++)
        if (is_kw(t, *k))
            return 1;
    return 0;
}

static int add_column(b2a_mysql_decl_table *tb, const tok *t)
{
    if (tb->ncolumns % 16 == 0) {
        b2a_mysql_decl_column *v = realloc(tb->columns, (tb->ncolumns + 16) * sizeof(*v));
        if (!v)
            return B2A_ENOMEM;
        tb->columns = v;
    }
    b2a_mysql_decl_column *c = &tb->columns[tb->ncolumns];
    if (!(c->name = b2a__strdup(t->text)))
        return B2A_ENOMEM;
    c->cond = t->cond;
    tb->ncolumns++;
    return B2A_OK;
}

static b2a_mysql_decl_column *find_column(b2a_mysql_decl_table *tb, const char *name)
{
    for (size_t i = 0; i < tb->ncolumns; i++)
        if (strcasecmp(tb->columns[i].name, name) == 0)
            return &tb->columns[i];
    return NULL;
}

static void drop_column(b2a_mysql_decl_table *tb, const char *name)
{
    b2a_mysql_decl_column *c = find_column(tb, name);
    if (!c)
        return;
    free(c->name);
    size_t i = (size_t)(c - tb->columns);
    memmove(c, c + 1, (tb->ncolumns - i - 1) * sizeof(*c));
    tb->ncolumns--;
}

/* CREATE TABLE t LIKE s: t gets s's columns, as s stands then. */
static int copy_columns(b2a_mysql_decl_table *to, const b2a_mysql_decl_table *from)
{
    if (!from->ncolumns)
        return B2A_OK;
    to->columns = calloc((from->ncolumns + 15) / 16 * 16, sizeof(*to->columns));
    if (!to->columns)
        return B2A_ENOMEM;
    for (size_t i = 0; i < from->ncolumns; i++) {
        if (!(to->columns[i].name = b2a__strdup(from->columns[i].name)))
            return B2A_ENOMEM;
        to->columns[i].cond = from->columns[i].cond;
        to->ncolumns++;
    }
    return B2A_OK;
}

/* The column list after "(": one name per item that is not an index or
 * constraint. Returns 1 when the list closed, 0 when the statement ended first. */
static int read_columns(lexer *lx, b2a_mysql_decl_table *tb, ddl_state *st)
{
    tok t;
    int depth = 1, item_start = 1;
    for (;;) {
        lex_next(lx, &t);
        if (t.kind == T_END)
            return 0;
        if (is_punct(&t, '(')) {
            depth++;
        } else if (is_punct(&t, ')')) {
            if (--depth == 0)
                return 1;
        } else if (is_punct(&t, ',') && depth == 1) {
            item_start = 1;
            continue;
        } else if (item_start && depth == 1) {
            if (is_kw(&t, "LIKE"))
                tb->columns_known = 0;
            else if (t.kind == T_WORD && !is_one_of(&t, not_a_column) && add_column(tb, &t))
                st->oom = 1;
        }
        item_start = 0;
    }
}

static void create_table(lexer *lx, tok *t, ddl_state *st, uint64_t line, b2a_mysql_cond stmt_cond)
{
    int if_not_exists = 0;
    if (is_kw(t, "IF")) {
        lex_next(lx, t); /* NOT */
        lex_next(lx, t); /* EXISTS */
        lex_next(lx, t);
        if_not_exists = 1;
    }
    char schema[NAME_MAX_LEN], name[NAME_MAX_LEN];
    b2a_mysql_cond ncond;
    if (!read_qualified(lx, t, schema, name, &ncond))
        return;
    const char *sch = schema[0] ? schema : st->use_db;
    b2a_mysql_decl_table *old = find_table(st, sch, name);
    if (old && if_not_exists)
        return; /* the server keeps the first */
    if (old)
        remove_table(st, old);
    b2a_mysql_decl *d = st->out;
    if (d->ntables % 32 == 0) {
        b2a_mysql_decl_table *v = realloc(d->tables, (d->ntables + 32) * sizeof(*v));
        if (!v) {
            st->oom = 1;
            return;
        }
        d->tables = v;
    }
    b2a_mysql_decl_table *tb = &d->tables[d->ntables];
    memset(tb, 0, sizeof(*tb));
    tb->name = b2a__strdup(name);
    tb->schema = sch ? b2a__strdup(sch) : NULL;
    if (!tb->name || (sch && !tb->schema)) {
        table_free(tb);
        st->oom = 1;
        return;
    }
    d->ntables++;
    /* the statement's own comment, or the one its name sits in */
    tb->cond = stmt_cond.version || stmt_cond.mariadb_only ? stmt_cond : ncond;
    tb->line = line;
    tb->file = st->file;
    tb->columns_known = 1;
    if (is_kw(t, "LIKE")) {
        /* the source's columns, when the script made them known */
        char s2[NAME_MAX_LEN], n2[NAME_MAX_LEN];
        b2a_mysql_cond c2;
        lex_next(lx, t);
        const b2a_mysql_decl_table *from = NULL;
        if (read_qualified(lx, t, s2, n2, &c2))
            from = find_table(st, s2[0] ? s2 : st->use_db, n2);
        tb->columns_known = from && from != tb && from->columns_known;
        if (tb->columns_known && copy_columns(tb, from))
            st->oom = 1;
        return;
    }
    /* AS SELECT with no column list: the columns are the query's, which only
     * the server works out, so they stay unknown (the table is still checked). */
    if (!is_punct(t, '(') || !read_columns(lx, tb, st)) {
        tb->columns_known = 0; /* AS SELECT, or cut short */
        return;
    }
    /* CREATE TABLE t (...) [options] SELECT ...: the SELECT adds columns, but
     * those listed must still exist, and only they are checked: known. */
}

static void drop_table(lexer *lx, tok *t, ddl_state *st)
{
    if (is_kw(t, "IF")) {
        lex_next(lx, t);
        lex_next(lx, t);
        lex_next(lx, t);
    }
    char schema[NAME_MAX_LEN], name[NAME_MAX_LEN];
    b2a_mysql_cond c;
    while (read_qualified(lx, t, schema, name, &c)) {
        b2a_mysql_decl_table *old = find_table(st, schema[0] ? schema : st->use_db, name);
        if (old)
            remove_table(st, old);
        if (!is_punct(t, ','))
            break;
        lex_next(lx, t);
    }
}

static void rename_to(ddl_state *st, b2a_mysql_decl_table *tb, const char *schema, const char *name)
{
    char *n = b2a__strdup(name), *s = schema[0] ? b2a__strdup(schema) : NULL;
    if (!n || (schema[0] && !s)) {
        free(n);
        free(s);
        st->oom = 1;
        return;
    }
    free(tb->name);
    tb->name = n;
    if (s) {
        free(tb->schema);
        tb->schema = s;
    }
}

/* RENAME TABLE a TO b [, c TO d]... */
static void rename_tables(lexer *lx, tok *t, ddl_state *st)
{
    char s1[NAME_MAX_LEN], n1[NAME_MAX_LEN], s2[NAME_MAX_LEN], n2[NAME_MAX_LEN];
    b2a_mysql_cond c;
    while (read_qualified(lx, t, s1, n1, &c)) {
        if (!is_kw(t, "TO"))
            return;
        lex_next(lx, t);
        if (!read_qualified(lx, t, s2, n2, &c))
            return;
        b2a_mysql_decl_table *tb = find_table(st, s1[0] ? s1 : st->use_db, n1);
        if (tb)
            rename_to(st, tb, s2, n2);
        if (!is_punct(t, ','))
            return;
        lex_next(lx, t);
    }
}

static const char *const not_a_column_change[] = {
    "CONSTRAINT", "INDEX", "KEY", "UNIQUE", "PRIMARY", "FOREIGN", "FULLTEXT", "SPATIAL", "CHECK",
    "PARTITION", "PERIOD", "SYSTEM", "VECTOR", NULL};

/* ALTER ... ADD [COLUMN] [IF NOT EXISTS] c | (c ..., d ...), at the word
 * after ADD: the columns added. 0 when it was no column (an index, a key). */
static int alter_add(lexer *lx, tok *t, b2a_mysql_decl_table *tb, ddl_state *st)
{
    int col = is_kw(t, "COLUMN");
    if (col)
        lex_next(lx, t);
    if (is_kw(t, "IF")) { /* IF NOT EXISTS */
        lex_next(lx, t);
        lex_next(lx, t);
        lex_next(lx, t);
    }
    if (is_punct(t, '(')) {
        /* the list form; read_columns also sees a LIKE, which cannot be here */
        b2a_mysql_decl_table added = {0};
        int closed = read_columns(lx, &added, st);
        for (size_t i = 0; i < added.ncolumns; i++)
            if (!find_column(tb, added.columns[i].name)) {
                tok n = {0};
                n.kind = T_WORD;
                snprintf(n.text, sizeof(n.text), "%s", added.columns[i].name);
                n.cond = added.columns[i].cond;
                if (add_column(tb, &n))
                    st->oom = 1;
            }
        table_free(&added);
        if (!closed)
            tb->columns_known = 0;
        return 1;
    }
    if (t->kind != T_WORD || (!col && is_one_of(t, not_a_column_change)))
        return 0;
    if (!find_column(tb, t->text) && add_column(tb, t))
        st->oom = 1;
    return 1;
}

/* ALTER TABLE t ...: the columns it adds, drops and renames are followed,
 * so the check still knows them; RENAME TO follows the table's name. A
 * clause it cannot read makes the columns unknown (the table is still checked). */
static void alter_table(lexer *lx, tok *t, ddl_state *st)
{
    char schema[NAME_MAX_LEN], name[NAME_MAX_LEN];
    b2a_mysql_cond c;
    if (!read_qualified(lx, t, schema, name, &c))
        return;
    b2a_mysql_decl_table *tb = find_table(st, schema[0] ? schema : st->use_db, name);
    if (!tb)
        return;
    int depth = 0, clause_start = 1;
    for (; t->kind != T_END; lex_next(lx, t)) {
        if (is_punct(t, '('))
            depth++;
        else if (is_punct(t, ')'))
            depth -= depth > 0;
        if (depth)
            continue;
        if (is_punct(t, ',')) {
            clause_start = 1;
            continue;
        }
        if (clause_start && is_kw(t, "ADD")) {
            lex_next(lx, t);
            alter_add(lx, t, tb, st);
        } else if (clause_start && is_kw(t, "DROP")) {
            lex_next(lx, t);
            int col = is_kw(t, "COLUMN");
            if (col)
                lex_next(lx, t);
            if (is_kw(t, "IF")) { /* IF EXISTS */
                lex_next(lx, t);
                lex_next(lx, t);
            }
            if (t->kind == T_WORD && (col || !is_one_of(t, not_a_column_change)))
                drop_column(tb, t->text);
        } else if (clause_start && is_kw(t, "CHANGE")) {
            /* CHANGE [COLUMN] [IF EXISTS] old new type */
            lex_next(lx, t);
            if (is_kw(t, "COLUMN"))
                lex_next(lx, t);
            if (is_kw(t, "IF")) {
                lex_next(lx, t);
                lex_next(lx, t);
            }
            char old[NAME_MAX_LEN];
            snprintf(old, sizeof(old), "%s", t->kind == T_WORD ? t->text : "");
            lex_next(lx, t);
            b2a_mysql_decl_column *c = old[0] ? find_column(tb, old) : NULL;
            if (t->kind != T_WORD) {
                tb->columns_known = 0;
            } else if (c) {
                char *n = b2a__strdup(t->text);
                if (!n) {
                    st->oom = 1;
                } else {
                    free(c->name);
                    c->name = n;
                    c->cond = t->cond;
                }
            }
        } else if (clause_start && is_kw(t, "RENAME")) {
            lex_next(lx, t);
            if (is_kw(t, "TO") || is_kw(t, "AS"))
                lex_next(lx, t);
            else if (is_kw(t, "INDEX") || is_kw(t, "KEY")) {
                clause_start = 0;
                continue;
            } else if (is_kw(t, "COLUMN")) {
                /* RENAME COLUMN a TO b */
                lex_next(lx, t);
                b2a_mysql_decl_column *c = t->kind == T_WORD ? find_column(tb, t->text) : NULL;
                lex_next(lx, t);
                if (is_kw(t, "TO"))
                    lex_next(lx, t);
                if (t->kind != T_WORD) {
                    tb->columns_known = 0;
                } else if (c) {
                    char *n = b2a__strdup(t->text);
                    if (!n) {
                        st->oom = 1;
                    } else {
                        free(c->name);
                        c->name = n;
                        c->cond = t->cond;
                    }
                }
                clause_start = 0;
                continue;
            }
            char s2[NAME_MAX_LEN], n2[NAME_MAX_LEN];
            if (read_qualified(lx, t, s2, n2, &c))
                rename_to(st, tb, s2, n2);
            if (t->kind == T_END)
                return;
            clause_start = is_punct(t, ',');
            continue;
        }
        clause_start = 0;
    }
}

static void statement(ddl_state *st, const char *s, size_t len, uint64_t line)
{
    lexer lx = {s, s + len, {0, 0}, 0};
    tok t;
    lex_next(&lx, &t);
    b2a_mysql_cond stmt_cond = t.cond;
    if (is_kw(&t, "USE")) {
        lex_next(&lx, &t);
        if (t.kind == T_WORD) {
            char *db = b2a__strdup(t.text);
            if (!db) {
                st->oom = 1;
                return;
            }
            free(st->use_db);
            st->use_db = db;
        }
        return;
    }
    int create = is_kw(&t, "CREATE"), drop = is_kw(&t, "DROP"), alter = is_kw(&t, "ALTER"),
        rename = is_kw(&t, "RENAME");
    if (!create && !drop && !alter && !rename)
        return;
    lex_next(&lx, &t);
    if (create && is_kw(&t, "OR")) { /* OR REPLACE */
        lex_next(&lx, &t);
        lex_next(&lx, &t);
    }
    if (is_kw(&t, "TEMPORARY"))
        return; /* gone when the session ends */
    while (alter && (is_kw(&t, "ONLINE") || is_kw(&t, "IGNORE")))
        lex_next(&lx, &t);
    if (!is_kw(&t, "TABLE"))
        return;
    lex_next(&lx, &t);
    if (create)
        create_table(&lx, &t, st, line, stmt_cond);
    else if (drop)
        drop_table(&lx, &t, st);
    else if (alter)
        alter_table(&lx, &t, st);
    else
        rename_tables(&lx, &t, st);
}

/* ---- the splitter: bytes to statements, as the mysql client cuts them ---- */

typedef enum split_mode {
    M_NORMAL, M_SQUOTE, M_DQUOTE, M_BTICK, M_LINE_COMMENT, M_BLOCK_START, M_BLOCK_M,
    M_BLOCK, M_EXEC
} split_mode;

typedef struct splitter {
    ddl_state st;
    split_mode mode;
    int escape;              /* the last byte was a backslash in a string */
    char prev, prev2;        /* last bytes seen in the current mode */
    char delim[DELIM_MAX];
    size_t dlen;
    char *buf;               /* the statement so far, plain comments left out */
    size_t len, cap;
    int cut;                 /* longer than STMT_KEEP: the rest was not kept */
    char tail[DELIM_MAX];    /* the last bytes of the statement, kept or not */
    size_t tlen;
    uint64_t line, stmt_line;
} splitter;

static void sp_init(splitter *sp, b2a_mysql_decl *out)
{
    memset(sp, 0, sizeof(*sp));
    memset(out, 0, sizeof(*out));
    sp->st.out = out;
    sp->delim[0] = ';';
    sp->dlen = 1;
    sp->line = 1;
}

static void sp_put(splitter *sp, char c)
{
    if (sp->len == 0 && is_space((unsigned char)c))
        return; /* statements start at their first word */
    if (sp->len == 0 && !sp->cut)
        sp->stmt_line = sp->line;
    if (sp->tlen == DELIM_MAX)
        memmove(sp->tail, sp->tail + 1, --sp->tlen);
    sp->tail[sp->tlen++] = c;
    if (sp->cut)
        return;
    if (sp->len == STMT_KEEP) {
        sp->cut = 1;
        return;
    }
    if (sp->len == sp->cap) {
        size_t ncap = sp->cap ? sp->cap * 2 : 4096;
        char *nb = realloc(sp->buf, ncap);
        if (!nb) {
            sp->st.oom = 1;
            sp->cut = 1;
            return;
        }
        sp->buf = nb;
        sp->cap = ncap;
    }
    sp->buf[sp->len++] = c;
}

/* Undo the last n bytes put (a comment opener turned out not to be code). */
static void sp_unput(splitter *sp, size_t n)
{
    if (!sp->cut)
        sp->len = sp->len >= n ? sp->len - n : 0;
    sp->tlen = sp->tlen >= n ? sp->tlen - n : 0;
}

static void sp_reset(splitter *sp)
{
    sp->len = 0;
    sp->cut = 0;
    sp->tlen = 0;
}

/* "DELIMITER x" is a client command, one line, at a statement's start. */
static int sp_is_delimiter_cmd(const splitter *sp)
{
    return sp->len > 10 && strncasecmp(sp->buf, "delimiter", 9) == 0 &&
           (sp->buf[9] == ' ' || sp->buf[9] == '\t');
}

static void sp_delimiter_cmd(splitter *sp)
{
    size_t i = 10;
    while (i < sp->len && (sp->buf[i] == ' ' || sp->buf[i] == '\t'))
        i++;
    size_t n = 0;
    while (i + n < sp->len && !is_space((unsigned char)sp->buf[i + n]))
        n++;
    if (n > 0 && n < DELIM_MAX) {
        memcpy(sp->delim, sp->buf + i, n);
        sp->dlen = n;
    }
    sp_reset(sp);
}

static void sp_end_statement(splitter *sp)
{
    if (sp->len)
        statement(&sp->st, sp->buf, sp->len, sp->stmt_line);
    sp_reset(sp);
}

static void sp_byte(splitter *sp, char c)
{
    char p = sp->prev, p2 = sp->prev2;
    sp->prev2 = p;
    sp->prev = c;
    switch (sp->mode) {
    case M_NORMAL:
        if (c == '\n' && sp_is_delimiter_cmd(sp)) {
            sp_delimiter_cmd(sp);
            break;
        }
        if (c == '*' && p == '/') {
            sp_unput(sp, 1);
            sp->mode = M_BLOCK_START;
            sp->prev = 0;
            break;
        }
        if (c == '#') {
            sp->mode = M_LINE_COMMENT;
            break;
        }
        if (p2 == '-' && p == '-' && (is_space((unsigned char)c) || (unsigned char)c < 0x20)) {
            sp_unput(sp, 2);
            sp->mode = c == '\n' ? M_NORMAL : M_LINE_COMMENT;
            break;
        }
        sp_put(sp, c);
        if (c == '\'')
            sp->mode = M_SQUOTE;
        else if (c == '"')
            sp->mode = M_DQUOTE;
        else if (c == '`')
            sp->mode = M_BTICK;
        else if (sp->tlen >= sp->dlen &&
                 memcmp(sp->tail + sp->tlen - sp->dlen, sp->delim, sp->dlen) == 0 &&
                 !sp_is_delimiter_cmd(sp)) {
            sp_unput(sp, sp->dlen);
            sp_end_statement(sp);
            sp->prev = sp->prev2 = 0;
        }
        break;
    case M_SQUOTE:
    case M_DQUOTE:
        sp_put(sp, c);
        if (sp->escape)
            sp->escape = 0;
        else if (c == '\\')
            sp->escape = 1;
        else if (c == (sp->mode == M_SQUOTE ? '\'' : '"'))
            sp->mode = M_NORMAL; /* a doubled quote reopens at once */
        sp->prev = 0;
        break;
    case M_BTICK:
        sp_put(sp, c);
        if (c == '`')
            sp->mode = M_NORMAL;
        sp->prev = 0;
        break;
    case M_LINE_COMMENT:
        if (c == '\n') {
            sp->mode = M_NORMAL;
            sp_put(sp, ' ');
        }
        break;
    case M_BLOCK_START:
        if (c == '!') {
            sp_put(sp, '/');
            sp_put(sp, '*');
            sp_put(sp, '!');
            sp->mode = M_EXEC;
        } else if (c == 'M') {
            sp->mode = M_BLOCK_M;
        } else {
            sp->mode = M_BLOCK; /* the opener's star never closes it: prev was reset */
        }
        break;
    case M_BLOCK_M:
        if (c == '!') {
            sp_put(sp, '/');
            sp_put(sp, '*');
            sp_put(sp, 'M');
            sp_put(sp, '!');
            sp->mode = M_EXEC;
            sp->prev = 0;
        } else {
            sp->mode = M_BLOCK;
        }
        break;
    case M_BLOCK:
        if (c == '/' && p == '*') {
            sp->mode = M_NORMAL;
            sp_put(sp, ' ');
            sp->prev = 0;
        }
        break;
    case M_EXEC:
        sp_put(sp, c);
        if (c == '/' && p == '*') {
            sp->mode = M_NORMAL;
            sp->prev = 0;
        }
        break;
    }
    if (c == '\n')
        sp->line++;
}

static void sp_feed(splitter *sp, const char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++)
        sp_byte(sp, buf[i]);
}

/* The end of a file ends its last statement, delimiter or not, and its
 * session: the next file starts with ';' and no USE. */
static void sp_end_file(splitter *sp)
{
    if (sp->mode == M_NORMAL && sp_is_delimiter_cmd(sp))
        sp_reset(sp);
    else
        sp_end_statement(sp);
    sp->mode = M_NORMAL;
    sp->escape = 0;
    sp->prev = sp->prev2 = 0;
    sp->delim[0] = ';';
    sp->dlen = 1;
    sp->line = 1;
    free(sp->st.use_db);
    sp->st.use_db = NULL;
}

static void sp_free(splitter *sp)
{
    free(sp->buf);
    free(sp->st.use_db);
    sp->buf = NULL;
    sp->st.use_db = NULL;
}

int b2a__mysql_ddl_parse(const char *buf, size_t len, b2a_mysql_decl *out)
{
    splitter sp;
    sp_init(&sp, out);
    sp_feed(&sp, buf, len);
    sp_end_file(&sp);
    sp_free(&sp);
    return sp.st.oom ? B2A_ENOMEM : B2A_OK;
}

/* The first and last bytes of a file being streamed, for its closing line
 * (dumpend.h) without a second pass. */
typedef struct text_ends {
    char head[B2A_DUMP_END_HEAD];
    size_t nhead;
    char tail[2 * B2A_DUMP_END_TAIL];
    size_t ntail;
} text_ends;

static void ends_feed(text_ends *te, const char *p, size_t n)
{
    size_t h = n < sizeof(te->head) - te->nhead ? n : sizeof(te->head) - te->nhead;
    memcpy(te->head + te->nhead, p, h);
    te->nhead += h;
    if (n >= B2A_DUMP_END_TAIL) {
        memcpy(te->tail, p + n - B2A_DUMP_END_TAIL, B2A_DUMP_END_TAIL);
        te->ntail = B2A_DUMP_END_TAIL;
        return;
    }
    if (te->ntail + n > sizeof(te->tail)) { /* keep the last TAIL bytes */
        size_t keep = B2A_DUMP_END_TAIL - n;
        memmove(te->tail, te->tail + te->ntail - keep, keep);
        te->ntail = keep;
    }
    memcpy(te->tail + te->ntail, p, n);
    te->ntail += n;
}

/* One file into the splitter; each file is its own client session. With
 * d, its closing line is checked from the same pass. */
static int read_file(splitter *sp, const char *path, const b2a_detected *d, b2a_err *err)
{
    gzFile gz;
    int orc = b2a__detect_gzopen(path, &gz, err);
    if (orc != B2A_OK)
        return orc;
    enum { CHUNK = 64 * 1024 };
    char *chunk = malloc(CHUNK);
    text_ends *te = d ? calloc(1, sizeof(*te)) : NULL;
    if (!chunk || (d && !te)) {
        free(chunk);
        gzclose(gz);
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "%s: out of memory", path);
    }
    int n, zerr, rc = B2A_OK;
    while ((n = gzread(gz, chunk, CHUNK)) > 0 && !sp->st.oom) {
        sp_feed(sp, chunk, (size_t)n);
        if (te)
            ends_feed(te, chunk, (size_t)n);
    }
    sp_end_file(sp);
    const char *m = gzerror(gz, &zerr);
    if (sp->st.oom)
        rc = b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "%s: out of memory", path);
    else if (n < 0 || (zerr != Z_OK && zerr != Z_STREAM_END))
        rc = b2a__err_set(err, zerr == Z_ERRNO ? B2A_EIO : B2A_EFORMAT,
                          zerr == Z_ERRNO ? B2A_ERRCLASS_IO : B2A_ERRCLASS_READER,
                          "%s: read error near line %llu: %s", path,
                          (unsigned long long)sp->line, zerr == Z_ERRNO ? strerror(errno) : m);
    else if (te)
        rc = b2a__dump_check_text_end(path, d, te->head, te->nhead, te->tail, te->ntail, err);
    free(te);
    free(chunk);
    gzclose(gz);
    return rc;
}

int b2a__mysql_ddl_read(const char *const *paths, size_t npaths, b2a_mysql_decl *out, b2a_err *err)
{
    return b2a__mysql_ddl_read_checked(paths, NULL, npaths, out, err);
}

int b2a__mysql_ddl_read_checked(const char *const *paths, const b2a_detected *ds, size_t npaths,
                                b2a_mysql_decl *out, b2a_err *err)
{
    splitter sp;
    sp_init(&sp, out);
    int rc = B2A_OK;
    for (size_t i = 0; i < npaths && rc == B2A_OK; i++) {
        sp.st.file = (uint32_t)i;
        rc = read_file(&sp, paths[i], ds ? &ds[i] : NULL, err);
    }
    sp_free(&sp);
    if (rc != B2A_OK)
        b2a__mysql_decl_free(out);
    return rc;
}
