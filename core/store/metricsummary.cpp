#include "core/store/metricsummary.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <tuple>

namespace millrace::metricsummary {

namespace {

using Statement = std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt *)>;

Statement prepare(SQLite::Database &db, const char *sql)
{
    sqlite3_stmt *raw = nullptr;
    if (sqlite3_prepare_v2(db.getHandle(), sql, -1, &raw, nullptr) != SQLITE_OK)
        throw SQLite::Exception(db.getHandle(), sqlite3_errcode(db.getHandle()));
    return Statement(raw, sqlite3_finalize);
}

bool step(SQLite::Database &db, sqlite3_stmt *statement)
{
    const int status = sqlite3_step(statement);
    if (status == SQLITE_ROW)
        return true;
    if (status != SQLITE_DONE)
        throw SQLite::Exception(db.getHandle(), status);
    return false;
}

void bindKey(sqlite3_stmt *statement, qint64 runKey, const std::string &key)
{
    sqlite3_reset(statement);
    sqlite3_bind_int64(statement, 1, runKey);
    sqlite3_bind_text(statement, 2, key.data(), int(key.size()), SQLITE_STATIC);
}

// A point as three columns from `column` on: step, timestamp, value (NULL for NaN).
void bindPoint(sqlite3_stmt *statement, int column, const std::optional<Point> &point)
{
    if (!point) {
        for (int i = 0; i < 3; ++i)
            sqlite3_bind_null(statement, column + i);
        return;
    }
    sqlite3_bind_int64(statement, column, point->step);
    sqlite3_bind_int64(statement, column + 1, point->timestamp);
    if (point->isNan)
        sqlite3_bind_null(statement, column + 2);
    else
        sqlite3_bind_double(statement, column + 2, point->value);
}

std::optional<Point> columnPoint(sqlite3_stmt *statement, int column)
{
    if (sqlite3_column_type(statement, column) == SQLITE_NULL)
        return std::nullopt;
    Point point;
    point.step = sqlite3_column_int64(statement, column);
    point.timestamp = sqlite3_column_int64(statement, column + 1);
    point.isNan = sqlite3_column_type(statement, column + 2) == SQLITE_NULL;
    point.value = point.isNan ? 0 : sqlite3_column_double(statement, column + 2);
    return point;
}

// The metrics table's order: step, timestamp, then the stored value (NaN as 0), then NaN last.
bool historyOrder(const Point &a, const Point &b)
{
    if (a.step != b.step)
        return a.step < b.step;
    if (a.timestamp != b.timestamp)
        return a.timestamp < b.timestamp;
    const double av = a.isNan ? 0.0 : a.value;
    const double bv = b.isNan ? 0.0 : b.value;
    return av < bv || (av == bv && !a.isNan && b.isNan);
}

// Whether `b` comes after `a` with room for nothing in between: a later step or timestamp. Two
// points at one step and timestamp order by value, which a later point can fall between.
bool strictlyAfter(const Point &a, const Point &b)
{
    return std::tie(a.step, a.timestamp) < std::tie(b.step, b.timestamp);
}

constexpr const char *kBlockColumns =
    "points, finite_points, finite_sum, first_step, first_timestamp, first_value, last_step, "
    "last_timestamp, last_value, low_step, low_timestamp, low_value, high_step, high_timestamp, "
    "high_value";

void writeBlock(SQLite::Database &db, sqlite3_stmt *insert, qint64 runKey, const std::string &key,
                const Block &block)
{
    bindKey(insert, runKey, key);
    sqlite3_bind_int64(insert, 3, block.index);
    sqlite3_bind_int(insert, 4, block.points);
    sqlite3_bind_int(insert, 5, block.finitePoints);
    sqlite3_bind_double(insert, 6, block.finiteSum);
    bindPoint(insert, 7, block.first);
    bindPoint(insert, 10, block.last);
    bindPoint(insert, 13, block.low);
    bindPoint(insert, 16, block.high);
    step(db, insert);
}

} // namespace

void Block::add(const Point &point)
{
    if (points == 0)
        first = point;
    last = point;
    ++points;
    if (point.isNan)
        return;
    if (std::isfinite(point.value)) {
        ++finitePoints;
        finiteSum += point.value;
    }
    if (!low || point.value < low->value)
        low = point;
    if (!high || point.value > high->value)
        high = point;
}

void append(SQLite::Database &db, qint64 runKey, const std::string &key, std::vector<Point> points)
{
    if (points.empty())
        return;
    // Loggers mostly send a history's points in order: checking is cheaper than sorting.
    if (!std::is_sorted(points.begin(), points.end(), historyOrder))
        std::sort(points.begin(), points.end(), historyOrder);

    Statement header = prepare(db, "SELECT points, last_step, last_timestamp, in_order "
                                   "FROM metric_summaries WHERE run_key = ?1 AND key = ?2");
    bindKey(header.get(), runKey, key);
    qint64 known = 0;
    bool inOrder = true;
    std::optional<Point> lastKnown;
    if (step(db, header.get())) {
        known = sqlite3_column_int64(header.get(), 0);
        lastKnown = Point{sqlite3_column_int64(header.get(), 1),
                          sqlite3_column_int64(header.get(), 2), 0, false};
        inOrder = sqlite3_column_int(header.get(), 3) != 0;
    }
    header.reset();

    if (inOrder && lastKnown && !strictlyAfter(*lastKnown, points.front()))
        inOrder = false;
    for (size_t i = 1; inOrder && i < points.size(); ++i)
        inOrder = strictlyAfter(points[i - 1], points[i]);

    Statement writeHeader =
        prepare(db, "INSERT OR REPLACE INTO metric_summaries(run_key, key, points, last_step, "
                    "last_timestamp, in_order) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    bindKey(writeHeader.get(), runKey, key);
    sqlite3_bind_int64(writeHeader.get(), 3, known + qint64(points.size()));
    sqlite3_bind_int64(writeHeader.get(), 4, points.back().step);
    sqlite3_bind_int64(writeHeader.get(), 5, points.back().timestamp);
    sqlite3_bind_int(writeHeader.get(), 6, inOrder ? 1 : 0);
    if (!inOrder) {
        // A point landed among the earlier ones: the blocks no longer cut the history where
        // they say. The history is read point by point from now on.
        Statement drop = prepare(db, "DELETE FROM metric_blocks WHERE run_key = ?1 AND key = ?2");
        bindKey(drop.get(), runKey, key);
        step(db, drop.get());
        step(db, writeHeader.get());
        return;
    }

    Block block;
    block.index = known / kBlockPoints;
    if (known % kBlockPoints != 0) {
        // The last block is part full: carry on from what it holds.
        const std::string sql = std::string("SELECT ") + kBlockColumns
                                + " FROM metric_blocks WHERE run_key = ?1 AND key = ?2 "
                                  "AND block = ?3";
        Statement tail = prepare(db, sql.c_str());
        bindKey(tail.get(), runKey, key);
        sqlite3_bind_int64(tail.get(), 3, block.index);
        if (!step(db, tail.get()))
            throw SQLite::Exception("the summary of a metric history lost its last block");
        block.points = sqlite3_column_int(tail.get(), 0);
        block.finitePoints = sqlite3_column_int(tail.get(), 1);
        block.finiteSum = sqlite3_column_double(tail.get(), 2);
        block.first = columnPoint(tail.get(), 3).value_or(Point{});
        block.last = columnPoint(tail.get(), 6).value_or(Point{});
        block.low = columnPoint(tail.get(), 9);
        block.high = columnPoint(tail.get(), 12);
        // first/last store NaN as NULL value with their step and timestamp.
        if (sqlite3_column_type(tail.get(), 5) == SQLITE_NULL) {
            block.first = Point{sqlite3_column_int64(tail.get(), 3),
                                sqlite3_column_int64(tail.get(), 4), 0, true};
        }
        if (sqlite3_column_type(tail.get(), 8) == SQLITE_NULL) {
            block.last = Point{sqlite3_column_int64(tail.get(), 6),
                               sqlite3_column_int64(tail.get(), 7), 0, true};
        }
    }
    const std::string sql = std::string("INSERT OR REPLACE INTO metric_blocks(run_key, key, "
                                        "block, ")
                            + kBlockColumns
                            + ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
                              "?14, ?15, ?16, ?17, ?18)";
    Statement insert = prepare(db, sql.c_str());
    for (const Point &point : points) {
        block.add(point);
        if (block.points == kBlockPoints) {
            writeBlock(db, insert.get(), runKey, key, block);
            const qint64 next = block.index + 1;
            block = Block();
            block.index = next;
        }
    }
    if (block.points > 0)
        writeBlock(db, insert.get(), runKey, key, block);
    step(db, writeHeader.get());
}

void rebuildAll(SQLite::Database &db)
{
    db.exec("DELETE FROM metric_blocks");
    db.exec("DELETE FROM metric_summaries");
    Statement scan = prepare(db, "SELECT run_key, key, step, timestamp, value, is_nan "
                                 "FROM metrics ORDER BY run_key, key, step, timestamp, value, "
                                 "is_nan");
    qint64 runKey = -1;
    std::string key;
    std::vector<Point> points;
    auto flush = [&] {
        // Each history goes through the same path as points logged later.
        append(db, runKey, key, std::move(points));
        points.clear();
    };
    while (step(db, scan.get())) {
        const qint64 rowRunKey = sqlite3_column_int64(scan.get(), 0);
        const auto *text = reinterpret_cast<const char *>(sqlite3_column_text(scan.get(), 1));
        const std::string_view rowKey(text, size_t(sqlite3_column_bytes(scan.get(), 1)));
        if (rowRunKey != runKey || rowKey != key) {
            if (!points.empty())
                flush();
            runKey = rowRunKey;
            key = std::string(rowKey);
        }
        const bool isNan = sqlite3_column_int(scan.get(), 5) != 0;
        points.push_back({sqlite3_column_int64(scan.get(), 2), sqlite3_column_int64(scan.get(), 3),
                          isNan ? 0 : sqlite3_column_double(scan.get(), 4), isNan});
    }
    if (!points.empty())
        flush();
}

} // namespace millrace::metricsummary
