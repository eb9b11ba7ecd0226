"""Apache Spark: the scale-out backend. Local mode here; the same SQL runs on a cluster."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any, Literal

import pyarrow as pa

from rmperf.engine.lake import TableFiles
from rmperf.engine.validity import SPARK, SparkDialect, raw_view_name

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

_lock = threading.Lock()
_session: SparkSession | None = None


def spark_session() -> SparkSession:
    """The process's Spark session, created once (starting a JVM takes seconds)."""
    global _session
    with _lock:
        if _session is None:
            from pyspark.sql import SparkSession

            builder: Any = SparkSession.builder
            _session = (
                builder.master("local[2]")
                .appName("rmperf")
                .config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false")
                .config("spark.sql.shuffle.partitions", "4")
                .config("spark.default.parallelism", "2")
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.driver.memory", "2g")
                .config("spark.sql.ansi.enabled", "true")
                .getOrCreate()
            )
            _session.sparkContext.setLogLevel("ERROR")
            # py4j logs at INFO from __del__ at interpreter exit, after stderr may be gone.
            logging.getLogger("py4j").setLevel(logging.WARNING)
        return _session


def stop_spark_session() -> None:
    """Stop the process's session (tests, or a command that is done with Spark)."""
    global _session
    with _lock:
        if _session is not None:
            _session.stop()
            _session = None


class SparkBackend:
    name: Literal["spark"] = "spark"
    dialect: SparkDialect = SPARK

    def __init__(self, session: SparkSession | None = None) -> None:
        self.session = session or spark_session()

    def register_files(self, files: TableFiles) -> None:
        from pyspark.sql.types import StringType, StructField, StructType

        paths = [str(f) for f in files.files]
        reader = self.session.read
        if files.format == "parquet":
            frame = reader.option("mergeSchema", "true").parquet(*paths)
        else:
            schema = StructType([StructField(n, StringType(), True) for n in files.columns().names])
            frame = reader.csv(
                paths,
                schema=schema,
                header=True,
                escape='"',
                multiLine=True,
                mode="FAILFAST",
                encoding="UTF-8",
            )
        frame.createOrReplaceTempView(raw_view_name(files.table))

    def create_view(self, name: str, sql: str, *, materialize: bool = False) -> None:
        frame = self.session.sql(sql)
        if materialize:
            # Cut the lineage: later queries see a computed relation, not a plan to re-analyse.
            frame = frame.localCheckpoint(eager=True)
        frame.createOrReplaceTempView(name)

    def to_arrow(self, sql: str) -> pa.Table:
        table: pa.Table = self.session.sql(sql).toArrow()
        return table

    def close(self) -> None:
        """The session outlives a command; stopping it is the process's business."""
