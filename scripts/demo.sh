#!/usr/bin/env bash
# The README's first command: build bak2avro, make the project's own small
# sample database (examples/sampledb/shop.sql) in the PostgreSQL test image,
# dump it with pg_dump -Fc, run bak2avro on the dump and show what it exported.
# Needs what scripts/setup-debian.sh installs (a Docker engine, the test images).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
image=${B2A_DEMO_IMAGE:-bak2avro-test/postgres:15}
work=${B2A_DEMO_DIR:-$root/demo-out}

echo "== building"
[ -d build ] || meson setup build >/dev/null
ninja -C build >/dev/null

echo "== making the sample database in $image"
rm -rf "$work"
mkdir -p "$work"
password=$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cid=$(docker run -d --network host -e POSTGRES_PASSWORD="$password" --label bak2avro.demo=1 \
      "$image" -p "$port" -c listen_addresses=127.0.0.1)
trap 'docker rm -f "$cid" >/dev/null 2>&1 || true' EXIT
for _ in $(seq 1 60); do
    docker exec "$cid" pg_isready -q -h 127.0.0.1 -p "$port" -U postgres && break
    sleep 1
done
docker exec -i -e PGPASSWORD="$password" "$cid" psql -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -c "CREATE DATABASE shop" >/dev/null
docker exec -i -e PGPASSWORD="$password" "$cid" psql -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d shop <examples/sampledb/shop.sql >/dev/null
docker exec -e PGPASSWORD="$password" "$cid" pg_dump -Fc -h 127.0.0.1 -p "$port" -U postgres shop >"$work/shop.dump"
docker rm -f "$cid" >/dev/null
trap - EXIT
echo "   $work/shop.dump ($(stat -c %s "$work/shop.dump") bytes)"

echo "== bak2avro inspect"
build/src/cli/bak2avro inspect "$work/shop.dump" | head -20
echo "   ..."

echo "== bak2avro run"
build/src/cli/bak2avro run "$work/shop.dump" -o "$work/out" --image "$image" --network host --overwrite

echo "== what was exported"
/usr/bin/python3 - "$work/out" <<'PY'
import json, os, sys, warnings
warnings.simplefilter("ignore")  # python-avro 1.11 does not know local-timestamp-micros; the value is the long
import avro.datafile, avro.io
out = sys.argv[1]
job = json.load(open(os.path.join(out, "job.json")))
print("job %s: %s" % (job["job_id"], job["status"]))
for t in job["tables"]:
    if t["status"] != "Success":
        print("  %-22s %s (%s)" % (t["schema"] + "." + t["name"], t["status"], t["message"]))
        continue
    path = os.path.join(job["output_dir_absolute"], t["files"][0])  # paths are relative to the output folder
    with open(path, "rb") as f:
        r = avro.datafile.DataFileReader(f, avro.io.DatumReader())
        first = next(iter(r), None)
        r.close()
    print("  %-22s %6d rows  %s" % (t["schema"] + "." + t["name"], t["rows_written"], os.path.relpath(path, out)))
    cols = ", ".join("%s %s->%s" % (c["name"], c["source_type"], c["avro_type"]) for c in t["columns"])
    print("      columns: " + cols)
    print("      first row: " + json.dumps(first, default=str, ensure_ascii=False)[:300])
PY
