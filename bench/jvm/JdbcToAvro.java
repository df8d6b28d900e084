// The JVM baseline of bench/bench_pg_export.sh: what Sqoop or a Spark JDBC
// job does, as one small program. A pgjdbc ResultSet streamed with a fetch
// size (autocommit off, so pgjdbc uses a cursor instead of reading the whole
// result), each row turned into an Avro GenericRecord with a schema built
// from the ResultSet's metadata, written by Avro's DataFileWriter with the
// codec given. Prints one line of key=value pairs like export_table.
//
//   java -cp CLASSES:postgresql.jar:avro.jar:... JdbcToAvro CODEC OUT.avro 'SELECT ...'
// Connection from PGHOST, PGPORT, PGUSER, PGPASSWORD and PGDATABASE.
import java.io.File;
import java.lang.management.ManagementFactory;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.sql.Types;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;

import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.file.CodecFactory;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;

public final class JdbcToAvro {
    enum Kind { INT, LONG, DECIMAL, STRING, LOCAL_TS, TS, DATE, BOOL, DOUBLE, FLOAT, BYTES }

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: JdbcToAvro null|deflate|snappy OUT.avro 'SELECT ...'");
            System.exit(2);
        }
        String url = "jdbc:postgresql://" + System.getenv("PGHOST") + ":" + System.getenv("PGPORT") + "/"
                + System.getenv("PGDATABASE");
        Properties props = new Properties();
        props.setProperty("user", System.getenv("PGUSER"));
        props.setProperty("password", System.getenv("PGPASSWORD"));
        props.setProperty("sslmode", "disable");
        long t0 = System.nanoTime();
        long rows = 0;
        try (Connection c = DriverManager.getConnection(url, props)) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.setFetchSize(10000);
                try (ResultSet rs = st.executeQuery(args[2])) {
                    ResultSetMetaData md = rs.getMetaData();
                    int n = md.getColumnCount();
                    Kind[] kinds = new Kind[n];
                    Schema schema = schemaOf(md, kinds);
                    GenericDatumWriter<GenericRecord> dw = new GenericDatumWriter<>(schema);
                    try (DataFileWriter<GenericRecord> w = new DataFileWriter<>(dw)) {
                        w.setCodec(codec(args[0]));
                        w.create(schema, new File(args[1]));
                        while (rs.next()) {
                            GenericRecord r = new GenericData.Record(schema);
                            for (int i = 0; i < n; i++)
                                r.put(i, value(rs, i + 1, kinds[i]));
                            w.append(r);
                            rows++;
                        }
                    }
                }
            }
            c.commit();
        }
        double stream = (System.nanoTime() - t0) / 1e9;
        double cpu = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime() / 1e9;
        long bytes = new File(args[1]).length();
        System.out.printf("jvm_jdbc codec=%s rows=%d stream_s=%.3f rows_per_s=%.0f cpu_s=%.3f avro_bytes=%d "
                + "peak_rss_mb=%.1f%n", args[0], rows, stream, rows / stream, cpu, bytes, vmHwmKb() / 1024.0);
        Files.deleteIfExists(Paths.get(args[1]));
    }

    static CodecFactory codec(String name) {
        switch (name) {
            case "null": return CodecFactory.nullCodec();
            case "deflate": return CodecFactory.deflateCodec(CodecFactory.DEFAULT_DEFLATE_LEVEL);
            case "snappy": return CodecFactory.snappyCodec();
            default: throw new IllegalArgumentException("codec " + name);
        }
    }

    static Schema nullable(Schema s) {
        return Schema.createUnion(Arrays.asList(Schema.create(Schema.Type.NULL), s));
    }

    /* The JDBC type of each column to an Avro type, as Sqoop's mapping does. */
    static Schema schemaOf(ResultSetMetaData md, Kind[] kinds) throws Exception {
        List<Schema.Field> fields = new ArrayList<>();
        for (int i = 1; i <= md.getColumnCount(); i++) {
            Schema s;
            Kind k;
            switch (md.getColumnType(i)) {
                case Types.INTEGER: case Types.SMALLINT: case Types.TINYINT:
                    s = Schema.create(Schema.Type.INT); k = Kind.INT; break;
                case Types.BIGINT:
                    s = Schema.create(Schema.Type.LONG); k = Kind.LONG; break;
                case Types.NUMERIC: case Types.DECIMAL:
                    s = LogicalTypes.decimal(md.getPrecision(i), md.getScale(i)).addToSchema(Schema.create(Schema.Type.BYTES));
                    k = Kind.DECIMAL; break;
                case Types.DOUBLE:
                    s = Schema.create(Schema.Type.DOUBLE); k = Kind.DOUBLE; break;
                case Types.REAL: case Types.FLOAT:
                    s = Schema.create(Schema.Type.FLOAT); k = Kind.FLOAT; break;
                case Types.BIT: case Types.BOOLEAN:
                    s = Schema.create(Schema.Type.BOOLEAN); k = Kind.BOOL; break;
                case Types.DATE:
                    s = LogicalTypes.date().addToSchema(Schema.create(Schema.Type.INT)); k = Kind.DATE; break;
                case Types.TIMESTAMP:
                    s = Schema.create(Schema.Type.LONG); /* local-timestamp-micros: not in Avro 1.8 */
                    s.addProp("logicalType", "local-timestamp-micros");
                    k = Kind.LOCAL_TS; break;
                case Types.TIMESTAMP_WITH_TIMEZONE:
                    s = LogicalTypes.timestampMicros().addToSchema(Schema.create(Schema.Type.LONG)); k = Kind.TS; break;
                case Types.BINARY: case Types.VARBINARY: case Types.LONGVARBINARY:
                    s = Schema.create(Schema.Type.BYTES); k = Kind.BYTES; break;
                default:
                    /* pgjdbc reports timestamptz as TIMESTAMP with type name timestamptz */
                    s = Schema.create(Schema.Type.STRING); k = Kind.STRING;
            }
            if (md.getColumnType(i) == Types.TIMESTAMP && "timestamptz".equals(md.getColumnTypeName(i))) {
                s = LogicalTypes.timestampMicros().addToSchema(Schema.create(Schema.Type.LONG));
                k = Kind.TS;
            }
            kinds[i - 1] = k;
            fields.add(new Schema.Field(md.getColumnName(i), nullable(s), null, (Object) null));
        }
        Schema rec = Schema.createRecord("row", null, "bench", false);
        rec.setFields(fields);
        return rec;
    }

    static Object value(ResultSet rs, int i, Kind k) throws Exception {
        Object v;
        switch (k) {
            case INT: { int x = rs.getInt(i); return rs.wasNull() ? null : x; }
            case LONG: { long x = rs.getLong(i); return rs.wasNull() ? null : x; }
            case DOUBLE: { double x = rs.getDouble(i); return rs.wasNull() ? null : x; }
            case FLOAT: { float x = rs.getFloat(i); return rs.wasNull() ? null : x; }
            case BOOL: { boolean x = rs.getBoolean(i); return rs.wasNull() ? null : x; }
            case DECIMAL: {
                BigDecimal d = rs.getBigDecimal(i);
                return d == null ? null : ByteBuffer.wrap(d.unscaledValue().toByteArray());
            }
            case DATE: {
                LocalDate d = rs.getObject(i, LocalDate.class);
                return d == null ? null : (int) d.toEpochDay();
            }
            case LOCAL_TS: {
                LocalDateTime t = rs.getObject(i, LocalDateTime.class);
                return t == null ? null : micros(t.toEpochSecond(ZoneOffset.UTC), t.getNano());
            }
            case TS: {
                OffsetDateTime t = rs.getObject(i, OffsetDateTime.class);
                return t == null ? null : micros(t.toEpochSecond(), t.getNano());
            }
            case BYTES: {
                byte[] b = rs.getBytes(i);
                return b == null ? null : ByteBuffer.wrap(b);
            }
            default:
                v = rs.getString(i);
                return v;
        }
    }

    static long micros(long seconds, int nanos) {
        return seconds * 1000000L + nanos / 1000;
    }

    static long vmHwmKb() throws Exception {
        for (String line : Files.readAllLines(Paths.get("/proc/self/status")))
            if (line.startsWith("VmHWM:"))
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
        return -1;
    }
}
