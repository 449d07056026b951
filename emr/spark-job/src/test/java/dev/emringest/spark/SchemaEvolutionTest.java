package dev.emringest.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.emringest.spark.SchemaEvolution.Change;
import java.util.List;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** What a run's rows ask of an existing Iceberg table's schema: pure, over Spark's types only. */
class SchemaEvolutionTest {

    private static final String TABLE = "glue_catalog.shop.orders";

    private static StructType schema(Object... nameAndType) {
        StructType schema = new StructType();
        for (int i = 0; i < nameAndType.length; i += 2) {
            schema = schema.add((String) nameAndType[i], (DataType) nameAndType[i + 1], true);
        }
        return schema;
    }

    private static final StructType ORDERS = schema("id", DataTypes.LongType, "status", DataTypes.StringType,
            "total", DataTypes.createDecimalType(10, 2), "qty", DataTypes.IntegerType, "weight", DataTypes.FloatType);

    private static String refusal(StructType table, StructType rows) {
        return assertThrows(IllegalArgumentException.class, () -> SchemaEvolution.changes(TABLE, table, rows))
                .getMessage();
    }

    @Test
    void theSameSchemaChangesNothing() {
        assertEquals(List.of(), SchemaEvolution.changes(TABLE, ORDERS, ORDERS));
    }

    @Test
    void aColumnTheRowsLackStays() {
        assertEquals(List.of(), SchemaEvolution.changes(TABLE, ORDERS, schema("id", DataTypes.LongType)));
    }

    @Test
    void aNewColumnIsAdded() {
        StructType rows = ORDERS.add("created_at", DataTypes.TimestampType, true)
                .add("note", DataTypes.StringType, false);
        List<Change> changes = SchemaEvolution.changes(TABLE, ORDERS, rows);
        assertEquals(List.of(new Change("created_at", null, DataTypes.TimestampType),
                new Change("note", null, DataTypes.StringType)), changes);
        assertTrue(changes.stream().allMatch(Change::added));
    }

    @Test
    void intWidensToBigint() {
        List<Change> changes = SchemaEvolution.changes(TABLE, ORDERS, schema("qty", DataTypes.LongType));
        assertEquals(List.of(new Change("qty", DataTypes.IntegerType, DataTypes.LongType)), changes);
        assertFalse(changes.get(0).added());
    }

    @Test
    void floatWidensToDouble() {
        assertEquals(List.of(new Change("weight", DataTypes.FloatType, DataTypes.DoubleType)),
                SchemaEvolution.changes(TABLE, ORDERS, schema("weight", DataTypes.DoubleType)));
    }

    @Test
    void aDecimalsPrecisionWidensAtTheSameScale() {
        assertEquals(List.of(new Change("total", DataTypes.createDecimalType(10, 2), DataTypes.createDecimalType(12, 2))),
                SchemaEvolution.changes(TABLE, ORDERS, schema("total", DataTypes.createDecimalType(12, 2))));
    }

    @Test
    void additionsAndWideningsComeTogetherInTheRowsOrder() {
        StructType rows = schema("note", DataTypes.StringType, "id", DataTypes.LongType, "qty", DataTypes.LongType,
                "total", DataTypes.createDecimalType(38, 2));
        assertEquals(List.of(new Change("note", null, DataTypes.StringType),
                new Change("qty", DataTypes.IntegerType, DataTypes.LongType),
                new Change("total", DataTypes.createDecimalType(10, 2), DataTypes.createDecimalType(38, 2))),
                SchemaEvolution.changes(TABLE, ORDERS, rows));
    }

    @Test
    void bigintToIntIsRefused() {
        assertEquals("table " + TABLE + " cannot take this run's rows, nothing was written: column id is BIGINT in the"
                + " table and INT in the source (Iceberg widens only int to bigint, float to double and a decimal's"
                + " precision at the same scale)", refusal(ORDERS, schema("id", DataTypes.IntegerType)));
    }

    @Test
    void aDecimalsScaleCannotChange() {
        String message = refusal(ORDERS, schema("total", DataTypes.createDecimalType(12, 3)));
        assertTrue(message.contains("column total is DECIMAL(10,2) in the table and DECIMAL(12,3) in the source"),
                message);
        message = refusal(ORDERS, schema("total", DataTypes.createDecimalType(10, 1)));
        assertTrue(message.contains("column total is DECIMAL(10,2) in the table and DECIMAL(10,1) in the source"),
                message);
    }

    @Test
    void aDecimalsPrecisionCannotNarrow() {
        String message = refusal(ORDERS, schema("total", DataTypes.createDecimalType(8, 2)));
        assertTrue(message.contains("column total is DECIMAL(10,2) in the table and DECIMAL(8,2) in the source"),
                message);
    }

    @Test
    void stringToIntIsRefused() {
        String message = refusal(ORDERS, schema("status", DataTypes.IntegerType));
        assertTrue(message.contains("column status is STRING in the table and INT in the source"), message);
    }

    @Test
    void otherWideningsIcebergLacksAreRefused() {
        assertTrue(refusal(ORDERS, schema("qty", DataTypes.DoubleType))
                .contains("column qty is INT in the table and DOUBLE in the source"));
        assertTrue(refusal(ORDERS, schema("weight", DataTypes.createDecimalType(10, 2)))
                .contains("column weight is FLOAT in the table and DECIMAL(10,2) in the source"));
        assertTrue(refusal(ORDERS, schema("id", DataTypes.StringType))
                .contains("column id is BIGINT in the table and STRING in the source"));
    }

    @Test
    void everyRefusedColumnIsNamedAndNothingIsReturned() {
        // One column to add and one to widen, which are not returned because two others are refused.
        StructType rows = schema("note", DataTypes.StringType, "qty", DataTypes.LongType, "id", DataTypes.IntegerType,
                "status", DataTypes.BooleanType);
        String message = refusal(ORDERS, rows);
        assertTrue(message.startsWith("table " + TABLE + " cannot take this run's rows, nothing was written: "
                + "column id is BIGINT in the table and INT in the source; "
                + "column status is STRING in the table and BOOLEAN in the source ("), message);
        assertFalse(message.contains("note") || message.contains("qty"), message);
    }

    @Test
    void byteAndShortSourceColumnsEqualAnIntTableColumn() {
        assertEquals(List.of(), SchemaEvolution.changes(TABLE, ORDERS, schema("qty", DataTypes.ByteType)));
        assertEquals(List.of(), SchemaEvolution.changes(TABLE, ORDERS, schema("qty", DataTypes.ShortType)));
        assertEquals(DataTypes.IntegerType, SchemaEvolution.asIceberg(DataTypes.ByteType));
        assertEquals(DataTypes.IntegerType, SchemaEvolution.asIceberg(DataTypes.ShortType));
        assertEquals(DataTypes.LongType, SchemaEvolution.asIceberg(DataTypes.LongType));
    }

    @Test
    void aNewByteOrShortColumnIsAddedAsInt() {
        assertEquals(List.of(new Change("flag", null, DataTypes.IntegerType),
                new Change("rank", null, DataTypes.IntegerType)),
                SchemaEvolution.changes(TABLE, ORDERS, schema("flag", DataTypes.ByteType, "rank", DataTypes.ShortType)));
    }

    @Test
    void namesMatchIgnoringCase() {
        StructType table = schema("ID", DataTypes.LongType, "Qty", DataTypes.IntegerType, "Status",
                DataTypes.StringType);
        assertEquals(List.of(), SchemaEvolution.changes(TABLE, table, schema("id", DataTypes.LongType, "STATUS",
                DataTypes.StringType)), "no column is added again under another case");
        assertEquals(List.of(new Change("Qty", DataTypes.IntegerType, DataTypes.LongType)),
                SchemaEvolution.changes(TABLE, table, schema("qty", DataTypes.LongType)),
                "the table's column is widened under the table's name");
        String message = refusal(table, schema("status", DataTypes.IntegerType));
        assertTrue(message.contains("column Status is STRING in the table and INT in the source"), message);
    }
}
