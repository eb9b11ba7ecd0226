"""Apache Spark: the scale-out backend. Local mode here; the same SQL runs on a cluster.

Spark keeps the lake's valid-row cache too (rmperf.engine.valid_cache, entries of the
same two kinds as DuckDB's, keyed by Spark's own query and version): the first run on a
delivery validates each table once and writes its verdict; later runs read the rejected
rows (or the valid rows of CSV tables) instead of validating again (docs/spark.md).
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pyarrow as pa

from rmperf.engine import contract
from rmperf.engine.lake import Lake, TableFiles
from rmperf.engine.validity import (
    ROW_FILE,
    ROW_NUMBER,
    SPARK,
    SparkDialect,
    raw_view_name,
    valid_rows_sql,
    valid_view_name,
)

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from rmperf.engine.backends import ValidEntry

log = logging.getLogger(__name__)

_lock = threading.Lock()
_session: SparkSession | None = None

#: Session settings for this machine's small data (docs/spark.md): two shuffle partitions,
#: not Spark's 200 (two local cores; adaptive execution coalesces further), no UI, no
#: progress bars, ANSI SQL (a failed cast is an error, never a silent NULL).
SESSION_CONFIG: dict[str, str] = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "2",
    "spark.default.parallelism": "2",
    "spark.sql.session.timeZone": "UTC",
    "spark.driver.memory": "2g",
    "spark.sql.ansi.enabled": "true",
}
#: Settings the generated SQL depends on: set whatever the launcher says.
REQUIRED_CONFIG = ("spark.sql.session.timeZone", "spark.sql.ansi.enabled")
MASTER_ENV = "RMPERF_SPARK_MASTER"
#: For tests and tiny lakes (kilobytes): one shuffle partition, no adaptive re-planning,
#: no whole-stage code generation (compiling Java for a 10-row query costs more than
#: running it interpreted), no constraint propagation (inferring every filter's
#: constraints over the validation queries' many CASE branches cost more optimiser time
#: than any other rule, and these lakes need no inferred filter), a JIT that stops at C1
#: (C2 spent more CPU compiling than it saved: measured in the Spark tests, 111 against 78
#: JVM CPU s) and a small serial-GC heap. The answers do not depend on any of these.
TINY_CONFIG: dict[str, str] = {
    "spark.sql.shuffle.partitions": "1",
    "spark.default.parallelism": "1",
    "spark.sql.adaptive.enabled": "false",
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.constraintPropagation.enabled": "false",
    "spark.driver.memory": "1g",
    "spark.driver.extraJavaOptions": "-XX:+UseSerialGC -XX:TieredStopAtLevel=1",
}


def spark_session(overrides: dict[str, str] | None = None) -> SparkSession:
    """The process's Spark session, created once (starting a JVM takes seconds).

    Run by `spark-submit` (on a cluster), the launcher's --master and --conf values win
    over SESSION_CONFIG, except the settings the SQL depends on (REQUIRED_CONFIG).
    Otherwise the master is $RMPERF_SPARK_MASTER, or local[2]. `overrides` (e.g.
    TINY_CONFIG) apply only when this call starts the session.
    """
    global _session
    with _lock:
        if _session is None:
            from pyspark import SparkConf
            from pyspark.sql import SparkSession

            settings = {**SESSION_CONFIG, **(overrides or {})}
            builder: Any = SparkSession.builder.appName("rmperf")
            if "PYSPARK_GATEWAY_PORT" in os.environ:  # started by spark-submit
                from pyspark.core.context import SparkContext

                SparkContext._ensure_initialized()
                launched = SparkConf()
                for key, value in settings.items():
                    if key in REQUIRED_CONFIG or not launched.contains(key):
                        builder = builder.config(key, value)
            else:
                builder = builder.master(os.environ.get(MASTER_ENV, "local[2]"))
                for key, value in settings.items():
                    builder = builder.config(key, value)
            _session = builder.getOrCreate()
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


def source_description(files: TableFiles, session: SparkSession) -> str:
    """How a table's files are read, for the cache key (the files are fingerprinted apart)."""
    conf = session.conf
    settings = ",".join(
        f"{k}={conf.get(k)}" for k in ("spark.sql.session.timeZone", "spark.sql.ansi.enabled")
    )
    if files.format == "parquet":
        how = "parquet mergeSchema"
    else:
        how = 'csv text header escape=" multiLine FAILFAST UTF-8 ' + ",".join(files.columns().names)
    return f"spark {how} [{settings}] " + "\0".join(str(f) for f in files.files)


class SparkBackend:
    name: Literal["spark"] = "spark"
    dialect: SparkDialect = SPARK
    #: Reading errors of the valid-row cache's writes (backends.CacheWriter): Spark's
    #: come from the JVM as several Python types.
    read_errors: tuple[type[Exception], ...] = (Exception,)

    def __init__(self, session: SparkSession | None = None) -> None:
        self.session = session or spark_session()

    def _read(self, files: TableFiles, paths: list[str]) -> DataFrame:
        from pyspark.sql.types import StringType, StructField, StructType

        reader = self.session.read
        if files.format == "parquet":
            # Merging the schemas of several files runs a Spark job for their footers; one
            # file's schema is its own, so a single file is read without it.
            return reader.option("mergeSchema", str(len(paths) > 1).lower()).parquet(*paths)
        schema = StructType([StructField(n, StringType(), True) for n in files.columns().names])
        return reader.csv(
            paths,
            schema=schema,
            header=True,
            escape='"',
            multiLine=True,
            mode="FAILFAST",
            encoding="UTF-8",
        )

    def register_files(self, files: TableFiles) -> None:
        frame = self._read(files, [str(f) for f in files.files])
        frame.createOrReplaceTempView(raw_view_name(files.table))

    def register_row_ids(self, files: TableFiles) -> str:
        """Name the table's Parquet rows with DuckDB's row identity columns: `file_index`
        (the file's place in `files.files`) and `file_row_number` (the row's place in its
        file). Returns the view's name."""
        from pyspark.sql import functions as F

        frames = [
            self._read(files, [str(f)]).select(
                "*",
                F.lit(i).cast("bigint").alias("file_index"),
                F.col("_metadata.row_index").alias("file_row_number"),
            )
            for i, f in enumerate(files.files)
        ]
        frame = frames[0]
        for other in frames[1:]:
            frame = frame.unionByName(other, allowMissingColumns=True)
        view = f"rm_rowid_{files.table}"
        frame.createOrReplaceTempView(view)
        return view

    def create_view(self, name: str, sql: str, *, materialize: bool = False) -> None:
        frame = self.session.sql(sql)
        if materialize:
            # Cut the lineage: later queries see a computed relation, not a plan to re-analyse.
            frame = frame.localCheckpoint(eager=True)
        frame.createOrReplaceTempView(name)

    def write_parquet(self, sql: str, path: Path) -> None:
        """Write a query's rows to one Parquet file at `path` (row order is not kept)."""
        work = path.with_name(path.name + ".spark")
        try:
            self.session.sql(sql).repartition(1).write.mode("overwrite").parquet(str(work))
            parts = sorted(work.glob("part-*.parquet"))
            if len(parts) != 1:
                raise OSError(f"Spark wrote {len(parts)} files for one entry in {work}")
            os.replace(parts[0], path)
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def to_arrow(self, sql: str) -> pa.Table:
        table: pa.Table = self.session.sql(sql).toArrow()
        return table

    def close(self) -> None:
        """The session outlives a command; stopping it is the process's business."""

    # -- the valid-row cache (backends.CacheWriter; backends.valid_entry writes) ---------

    def cache_source(self, files: TableFiles) -> str:
        return source_description(files, self.session)

    def cache_engine_version(self) -> str:
        import pyspark

        return f"pyspark {pyspark.__version__}"

    def row_id_source(self, files: TableFiles) -> str:
        return self.register_row_ids(files)

    def attach_entry(self, entry: ValidEntry, lake: Lake, *, materialize: bool = False) -> None:
        """Name the entry's table's valid rows `rm_valid_<table>`."""
        name = entry.files.table
        columns = contract.table(name).column_names
        view = valid_view_name(name)
        stored = self.session.read.parquet(str(entry.path))
        if not entry.rejected_only:
            stored.select(*columns).createOrReplaceTempView(view)
            return
        source = f"{raw_view_name(name)} AS __src"
        if stored.limit(1).count():
            stored.select(ROW_FILE, ROW_NUMBER).createOrReplaceTempView(f"rm_rejected_{name}")
            source = (
                f"{self.register_row_ids(entry.files)} AS __src"
                f" LEFT ANTI JOIN rm_rejected_{name} AS __rej"
                f" ON __src.file_index = __rej.{ROW_FILE}"
                f" AND __src.file_row_number = __rej.{ROW_NUMBER}"
            )
        sql = valid_rows_sql(
            name, entry.files.columns(), SPARK, source, today=lake.today, time_zone=lake.time_zone
        )
        self.create_view(view, sql, materialize=materialize)
