#pragma once

#include <QtGlobal>

#include <optional>
#include <string>
#include <vector>

namespace SQLite {
class Database;
}

namespace millrace::metricsummary {

// Summaries of metric histories, so a chart of long histories reads a few hundred rows per
// history instead of every point. The points of a history, in its order (step, timestamp),
// are cut into blocks of kBlockPoints; each block keeps its first and last point, its lowest
// and highest point, and the count and sum of its finite values. The first, lowest, highest
// and last points of each block are what a line chart of the block draws (M4 aggregation), and
// the counts and sums smooth it. Summaries are kept as points are logged: a history whose new
// points all come after its last one grows its blocks; one that receives a point for an earlier
// place keeps no blocks any more, and is read point by point.

/// Points per block.
inline constexpr int kBlockPoints = 64;

/// A point of a history as the metrics table stores it.
struct Point
{
    qint64 step = 0;
    qint64 timestamp = 0;
    double value = 0; ///< unused when isNan
    bool isNan = false;
};

/// The summary of up to kBlockPoints consecutive points.
struct Block
{
    qint64 index = 0; ///< the block's place in the history: its first point is index * kBlockPoints
    int points = 0;
    int finitePoints = 0;
    double finiteSum = 0;
    Point first;
    Point last;
    std::optional<Point> low;  ///< the lowest value that is not NaN
    std::optional<Point> high; ///< the highest value that is not NaN

    /// Adds the next point of the history.
    void add(const Point &point);
};

/// Adds points just written to the history of `key` in run `runKey` to its summary; `points`
/// in any order. Runs inside the writer's transaction.
void append(SQLite::Database &db, qint64 runKey, const std::string &key, std::vector<Point> points);

/// Summarises every history in the metrics table from scratch (schema migration 4).
void rebuildAll(SQLite::Database &db);

} // namespace millrace::metricsummary
