/* The usage text of each bak2avro subcommand. Kept beside each other so that
 * doc/bak2avro.1.scd and the completion script are checked against one place. */
#include "usage.h"

static const char exit_codes[] = "exit codes: 0 success, 1 finished with failed tables, 2 usage error, 3 fatal\n";

void usage_general(FILE *f)
{
    fputs("usage: bak2avro run [options] BACKUP... -o OUT\n"
          "       bak2avro run [options] JOB.json\n"
          "       bak2avro export --dsn DSN [options] -o OUT\n"
          "       bak2avro inspect BACKUP...\n"
          "       bak2avro restore [options] BACKUP...\n"
          "       bak2avro stop CONTAINER_ID\n"
          "       bak2avro gc [--docker-host unix:///path]\n"
          "       bak2avro version\n"
          "       bak2avro help [COMMAND]\n"
          "\n"
          "commands:\n"
          "  run       export the tables of a backup into Avro files and a job.json\n"
          "  export    export the tables of a running database the same way\n"
          "  inspect   show a backup's format, version and contents as JSON; starts nothing\n"
          "  restore   restore a backup in a container and leave the database running\n"
          "  stop      stop and remove a container bak2avro restore started\n"
          "  gc        remove containers left by killed bak2avro jobs\n"
          "  version   print the version\n"
          "  help      print this text, or a command's own usage\n"
          "\n"
          "`bak2avro COMMAND --help` prints the command's options.\n",
          f);
    fputs(exit_codes, f);
}

void usage_run(FILE *f)
{
    fputs("usage: bak2avro run [options] BACKUP... -o OUT\n"
          "       bak2avro run [-q] [-v] [--log-json] JOB.json\n"
          "\n"
          "Export the tables of one backup (several files: the stripes of one SQL Server\n"
          "backup, or MySQL scripts restored in order) into OUT/<schema>/<table>/*.avro,\n"
          "and the Job JSON into OUT/job.json.\n"
          "\n"
          "options:\n"
          "  -o, --output DIR        where the Avro files and job.json go (required)\n"
          "      --vendor NAME       postgresql, mysql, sqlserver or oracle (default: from magic bytes)\n"
          "      --include PATTERN   export only schema.table matching this glob (repeatable)\n"
          "      --exclude PATTERN   skip schema.table matching this glob (repeatable)\n"
          "      --include-views     export views (and materialized views) too\n"
          "      --pre-sql FILE      SQL run before the restore\n"
          "      --post-sql FILE     SQL run after the restore\n"
          "      --parallel N        streams exported at once: tables, or ranges of a split table\n"
          "                          (default 2)\n"
          "      --splits N          ranges per table: 0 (default) splits tables of a million rows\n"
          "                          or more into --parallel ranges, 1 never, N every table\n"
          "      --max-file-size S   start a table's next part file past S bytes (K, M, G, T)\n"
          "      --max-file-rows N   or past N rows\n"
          "      --codec C           snappy (default), deflate or null\n"
          "      --image IMAGE       container image for the restore\n"
          "      --network MODE      auto (default: host networking; publish for Oracle), host or publish\n"
          "      --deliver HOW       bind (default: read-only bind mount) or upload (copy the\n"
          "                          backup into the container, for an engine that cannot see it)\n"
          "      --docker-host URL   unix:///path of the Docker socket\n"
          "      --keep-container    leave the container running at the end\n"
          "      --via HOW           auto (default: PostgreSQL's COPY through libpq, MariaDB/MySQL\n"
          "                          through libmariadb, else ODBC) or odbc (ODBC for every\n"
          "                          database); the Avro is the same either way\n"
          "      --naive-timestamps AS  timestamps without time zone as local (default:\n"
          "                          local-timestamp-micros), utc (timestamp-micros, the wall\n"
          "                          clock taken as UTC: Hive, Spark < 3.4, python3-avro 1.11)\n"
          "                          or string (\"YYYY-MM-DD HH:MM:SS.ffffff\")\n"
          "      --direct            read the backup directly, never start a container\n"
          "      --restore           always restore in a container\n"
          "      --accept-eula       accept the vendor's licence (SQL Server containers)\n"
          "      --job-json FILE     where to write the Job JSON (default OUT/job.json)\n"
          "      --overwrite         replace an earlier bak2avro output in OUT (only the files its\n"
          "                          job.json lists); without it a non-empty OUT is refused\n"
          "      --ignore-checksums  export pages that fail checksum or torn-page checks (salvage:\n"
          "                          such tables end Failed with their files kept; exit 1)\n"
          "      --allow-column-loss accept columns the dump declares but the server skipped at\n"
          "                          restore (the Job records them); a missing table still fails\n"
          "  -q, --quiet             errors only\n"
          "      --log-json          progress and log as JSON lines on stderr\n"
          "  -v, --verbose           debug lines too\n"
          "  -h, --help              print this text\n"
          "\n",
          f);
    fputs(exit_codes, f);
}

void usage_export(FILE *f)
{
    fputs("usage: bak2avro export --dsn DSN [options] -o OUT\n"
          "\n"
          "Export the tables of a running database into OUT/<schema>/<table>/part-NNNNN.avro\n"
          "and the Job JSON into OUT/job.json, as `run` does for a restored backup.\n"
          "\n"
          "DSN is one of:\n"
          "  postgresql://[USER[:PASSWORD]@]HOST[:PORT][/DBNAME][?sslmode=...]\n"
          "  mysql://[USER[:PASSWORD]@]HOST[:PORT][/DBNAME]\n"
          "  an ODBC connection string: \"Driver={...};Server=...;UID=...;PWD=...\"\n"
          "Percent-encode '@', ':' and '/' in USER, PASSWORD and DBNAME (%40, %3A, %2F).\n"
          "The password is shown as *** in the log and the Job JSON.\n"
          "\n"
          "options:\n"
          "      --dsn DSN           the database (required)\n"
          "  -o, --output DIR        where the Avro files and job.json go (required)\n"
          "      --include PATTERN   export only schema.table matching this glob (repeatable)\n"
          "      --exclude PATTERN   skip schema.table matching this glob (repeatable)\n"
          "      --include-views     export views (and materialized views) too\n"
          "      --parallel N        streams exported at once: tables, or ranges of a split table\n"
          "                          (default 2)\n"
          "      --splits N          ranges per table: 0 (default) splits tables of a million rows\n"
          "                          or more into --parallel ranges, 1 never, N every table\n"
          "      --max-file-size S   start a table's next part file past S bytes (K, M, G, T)\n"
          "      --max-file-rows N   or past N rows\n"
          "      --codec C           snappy (default), deflate or null\n"
          "      --via HOW           auto (default: PostgreSQL's COPY through libpq, MariaDB/MySQL\n"
          "                          through libmariadb, else ODBC) or odbc\n"
          "      --vendor NAME       check that the DSN is this vendor's\n"
          "      --job-json FILE     where to write the Job JSON (default OUT/job.json)\n"
          "      --overwrite         replace an earlier bak2avro output in OUT\n"
          "  -q, --quiet             errors only\n"
          "      --log-json          progress and log as JSON lines on stderr\n"
          "  -v, --verbose           debug lines too\n"
          "  -h, --help              print this text\n"
          "\n",
          f);
    fputs(exit_codes, f);
}

void usage_inspect(FILE *f)
{
    fputs("usage: bak2avro inspect BACKUP...\n"
          "\n"
          "Print, as JSON on stdout, what each backup is (vendor, format, version) and what\n"
          "it holds, read from its headers. Starts no container. An input that cannot be\n"
          "read whole is shown with its \"error\" and makes the exit code 3.\n"
          "\n"
          "options:\n"
          "  -h, --help              print this text\n"
          "      --                  every argument after it is a file, even one starting with -\n"
          "\n"
          "exit codes: 0 every input read whole, 2 usage error, 3 an input not read whole\n",
          f);
}

void usage_gc(FILE *f)
{
    fputs("usage: bak2avro gc [--docker-host unix:///path]\n"
          "\n"
          "Remove the containers left by bak2avro jobs whose process is gone (killed, or\n"
          "stopped by a second signal). Containers of running jobs are left alone.\n"
          "\n"
          "options:\n"
          "      --docker-host URL   unix:///path of the Docker socket\n"
          "  -h, --help              print this text\n"
          "\n"
          "exit codes: 0 done, 2 usage error, 3 the Docker engine could not be asked\n",
          f);
}

void usage_version(FILE *f)
{
    fputs("usage: bak2avro version      (also bak2avro --version)\n"
          "\n"
          "Print \"bak2avro\" and the library's version.\n"
          "\n"
          "options:\n"
          "  -h, --help              print this text\n",
          f);
}

void usage_help(FILE *f)
{
    fputs("usage: bak2avro help [COMMAND]      (also bak2avro --help, -h)\n"
          "\n"
          "Print the list of commands, or COMMAND's own usage (as COMMAND --help does).\n"
          "\n"
          "options:\n"
          "  -h, --help              print this text\n",
          f);
}

void usage_restore(FILE *f)
{
    fputs("usage: bak2avro restore [options] BACKUP...\n"
          "\n"
          "Restore a backup in its vendor's database in a new container and leave it\n"
          "running; print its container_id, dsn (a connection string holding the\n"
          "random password, for export --dsn) and tables with their exact row counts.\n"
          "Remove it with bak2avro stop ID.\n"
          "\n"
          "options:\n"
          "      --vendor NAME       postgresql, mysql or sqlserver (default: from magic bytes)\n"
          "      --image IMAGE       container image for the restore\n"
          "      --network MODE      auto (default: host networking), host or publish\n"
          "      --deliver HOW       bind (default) or upload\n"
          "      --docker-host URL   unix:///path of the Docker socket\n"
          "      --accept-eula       accept the vendor's licence (SQL Server containers)\n"
          "      --pre-sql FILE      SQL run before the restore\n"
          "      --post-sql FILE     SQL run after the restore\n"
          "      --parallel N        restore workers where the format allows\n"
          "      --memory SIZE       memory limit of the container (e.g. 2G, 512M)\n"
          "      --data-dir DIR      host folder for the database's data files\n"
          "      --listen ADDRESS    let the server listen on ADDRESS (default 127.0.0.1 only);\n"
          "                          anyone who reaches ADDRESS can then try the database\n"
          "      --json              print the result as one JSON object\n"
          "  -q, --quiet             errors only\n"
          "  -h, --help              print this text\n"
          "\n"
          "exit codes: 0 restored (the container runs), 2 usage error, 3 failed (nothing left running)\n",
          f);
}

void usage_stop(FILE *f)
{
    fputs("usage: bak2avro stop [--docker-host unix:///path] CONTAINER_ID\n"
          "\n"
          "Stop and remove a container that bak2avro started (one carrying its\n"
          "bak2avro.job label: its id, an id prefix of 12 or more characters, or its\n"
          "name). Any other container is refused and left alone.\n"
          "\n"
          "options:\n"
          "      --docker-host URL   unix:///path of the Docker socket\n"
          "  -h, --help              print this text\n"
          "\n"
          "exit codes: 0 removed, 2 usage error, 3 not a bak2avro container, or the engine failed\n",
          f);
}
