package dev.emringest.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * What a run's rows ask of an existing Iceberg table's schema: columns to add, and columns to widen as Iceberg allows
 * (int to bigint, float to double, a decimal's precision with its scale unchanged). Any other difference between a
 * column's type in the rows and in the table is refused, naming the column and both types, before anything is
 * written. A table column the rows lack stays (new rows get NULL there). Names match as Spark matches them, ignoring
 * case.
 */
final class SchemaEvolution {

    /** A column to add ({@code from} null) or to widen from {@code from} to {@code to}. */
    record Change(String column, DataType from, DataType to) {
        boolean added() {
            return from == null;
        }
    }

    private SchemaEvolution() {}

    /** Iceberg has no 8- or 16-bit integers: it keeps them as int, and reads them back as int. */
    static DataType asIceberg(DataType type) {
        return type instanceof ByteType || type instanceof ShortType ? DataTypes.IntegerType : type;
    }

    /**
     * @throws IllegalArgumentException naming every column whose type the table cannot take, with both types
     */
    static List<Change> changes(String table, StructType tableSchema, StructType rows) {
        Map<String, StructField> existing = java.util.Arrays.stream(tableSchema.fields())
                .collect(Collectors.toMap(f -> f.name().toLowerCase(Locale.ROOT), Function.identity()));
        List<Change> changes = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        for (StructField field : rows.fields()) {
            DataType wanted = asIceberg(field.dataType());
            StructField current = existing.get(field.name().toLowerCase(Locale.ROOT));
            if (current == null) {
                changes.add(new Change(field.name(), null, wanted));
            } else if (!current.dataType().equals(wanted)) {
                if (widens(current.dataType(), wanted)) {
                    changes.add(new Change(current.name(), current.dataType(), wanted));
                } else {
                    refused.add("column " + current.name() + " is " + current.dataType().sql() + " in the table and "
                            + wanted.sql() + " in the source");
                }
            }
        }
        if (!refused.isEmpty()) {
            throw new IllegalArgumentException("table " + table + " cannot take this run's rows, nothing was written: "
                    + String.join("; ", refused) + " (Iceberg widens only int to bigint, float to double and a"
                    + " decimal's precision at the same scale)");
        }
        return changes;
    }

    private static boolean widens(DataType from, DataType to) {
        if (from.equals(DataTypes.IntegerType)) {
            return to.equals(DataTypes.LongType);
        }
        if (from.equals(DataTypes.FloatType)) {
            return to.equals(DataTypes.DoubleType);
        }
        return from instanceof DecimalType f && to instanceof DecimalType t && f.scale() == t.scale()
                && t.precision() > f.precision();
    }
}
