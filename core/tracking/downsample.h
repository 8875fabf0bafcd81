#pragma once

#include <QList>

namespace millrace::tracking {

/// A point of a metric series as a chart draws it (x: step, wall time or relative time).
struct SeriesPoint
{
    double x = 0;
    double y = 0;
};

/// A series reduced for drawing: the points to draw, and for each of them the lowest and highest
/// value of the original points it stands for (the band a chart shades where it downsampled).
struct DownsampledSeries
{
    QList<SeriesPoint> points;
    QList<double> low;  ///< same length as points
    QList<double> high; ///< same length as points
};

/// Largest-Triangle-Three-Buckets: keeps the first and last point and, from each of
/// `threshold - 2` buckets in between, the point that spans the largest triangle with its
/// neighbours, so peaks and dips survive. Input must be sorted by x. With `threshold` < 3 or no
/// more points than it, the series comes back whole (low = high = y). NaN values are skipped.
DownsampledSeries downsampleLttb(const QList<SeriesPoint> &series, int threshold);

} // namespace millrace::tracking
