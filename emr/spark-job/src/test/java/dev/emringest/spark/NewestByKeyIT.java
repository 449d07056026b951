package dev.emringest.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A merge's de-duplication ({@link IcebergTarget#newestByKey}) in Spark local mode, without a catalog. */
class NewestByKeyIT {

    private static final String TABLE = "glue_catalog.shop.orders";
    private static SparkSession spark;

    @BeforeAll
    static void startSpark() {
        spark = SparkSession.builder().master("local[2]").appName("NewestByKeyIT")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate();
    }

    @AfterAll
    static void stopSpark() {
        if (spark != null) {
            spark.stop();
        }
    }

    /** Rows (tenant, id, version, status). */
    private static Dataset<Row> rows(Object[]... rows) {
        StructType schema = new StructType().add("tenant", DataTypes.StringType).add("id", DataTypes.LongType)
                .add("version", DataTypes.LongType).add("status", DataTypes.StringType);
        return spark.createDataFrame(java.util.Arrays.stream(rows).map(RowFactory::create).toList(), schema);
    }

    private static List<String> sorted(Dataset<Row> rows) {
        return rows.collectAsList().stream().map(Row::toString).sorted().toList();
    }

    @Test
    void perKeyTheRowWithTheHighestOrderColumnWins() {
        Dataset<Row> rows = rows(new Object[] {"a", 1L, 1L, "open"}, new Object[] {"a", 1L, 3L, "shipped"},
                new Object[] {"a", 1L, 2L, "paid"}, new Object[] {"b", 1L, 1L, "open"},
                new Object[] {"a", 2L, null, "lost"}, new Object[] {"a", 2L, 5L, "paid"});
        assertEquals(List.of("[a,1,3,shipped]", "[a,2,5,paid]", "[b,1,1,open]"),
                sorted(IcebergTarget.newestByKey(TABLE, rows, List.of("tenant", "id"), "version")),
                "the key is both columns; a NULL order value loses");
        assertEquals(List.of("[a,1,3,shipped]", "[a,2,5,paid]"),
                sorted(IcebergTarget.newestByKey(TABLE, rows, List.of("id"), "version")));
    }

    @Test
    void withoutAnOrderColumnTheRowsStayAsTheyAre() {
        Dataset<Row> rows = rows(new Object[] {"a", 1L, 1L, "open"}, new Object[] {"a", 1L, 2L, "paid"});
        assertSame(rows, IcebergTarget.newestByKey(TABLE, rows, List.of("id"), null),
                "repeated keys are left for the merge to refuse");
    }

    @Test
    void theKeyAndOrderColumnMustBeAmongTheRunsColumns() {
        Dataset<Row> rows = rows(new Object[] {"a", 1L, 1L, "open"});
        assertEquals("merge key column sku of table " + TABLE + " is not among the run's columns [tenant, id, version,"
                + " status]", assertThrows(IllegalArgumentException.class,
                () -> IcebergTarget.newestByKey(TABLE, rows, List.of("id", "sku"), "version")).getMessage());
        assertEquals("order column updated_at of table " + TABLE + " is not among the run's columns [tenant, id,"
                + " version, status]", assertThrows(IllegalArgumentException.class,
                () -> IcebergTarget.newestByKey(TABLE, rows, List.of("id"), "updated_at")).getMessage());
    }
}
