#include "core/tracking/downsample.h"

#include <algorithm>
#include <cmath>

namespace millrace::tracking {

DownsampledSeries downsampleLttb(const QList<SeriesPoint> &input, int threshold)
{
    QList<SeriesPoint> series;
    series.reserve(input.size());
    for (const SeriesPoint &point : input) {
        if (!std::isnan(point.y) && !std::isnan(point.x))
            series.append(point);
    }
    DownsampledSeries out;
    const qsizetype n = series.size();
    if (threshold < 3 || n <= threshold) {
        out.points = series;
        for (const SeriesPoint &point : std::as_const(series)) {
            out.low.append(point.y);
            out.high.append(point.y);
        }
        return out;
    }

    out.points.reserve(threshold);
    out.low.reserve(threshold);
    out.high.reserve(threshold);
    out.points.append(series.first());
    out.low.append(series.first().y);
    out.high.append(series.first().y);

    // Buckets over the inner points; bucket i spans [start(i), start(i + 1)).
    const double bucketSize = double(n - 2) / (threshold - 2);
    auto bucketStart = [&](int bucket) { return qsizetype(std::floor(bucket * bucketSize)) + 1; };
    qsizetype previous = 0;
    for (int bucket = 0; bucket < threshold - 2; ++bucket) {
        const qsizetype start = bucketStart(bucket);
        const qsizetype end = std::min(bucketStart(bucket + 1), n - 1);

        // The third corner: the average of the next bucket (the last point for the last one).
        const qsizetype nextStart = end;
        const qsizetype nextEnd = std::min(bucketStart(bucket + 2), n);
        double averageX = 0;
        double averageY = 0;
        for (qsizetype i = nextStart; i < nextEnd; ++i) {
            averageX += series.at(i).x;
            averageY += series.at(i).y;
        }
        const qsizetype nextCount = std::max<qsizetype>(1, nextEnd - nextStart);
        averageX /= nextCount;
        averageY /= nextCount;

        const SeriesPoint &a = series.at(previous);
        double largestArea = -1;
        qsizetype chosen = start;
        double low = series.at(start).y;
        double high = low;
        for (qsizetype i = start; i < end; ++i) {
            const SeriesPoint &b = series.at(i);
            const double area =
                std::abs((a.x - averageX) * (b.y - a.y) - (a.x - b.x) * (averageY - a.y));
            if (area > largestArea) {
                largestArea = area;
                chosen = i;
            }
            low = std::min(low, b.y);
            high = std::max(high, b.y);
        }
        out.points.append(series.at(chosen));
        out.low.append(low);
        out.high.append(high);
        previous = chosen;
    }

    out.points.append(series.last());
    out.low.append(series.last().y);
    out.high.append(series.last().y);
    return out;
}

} // namespace millrace::tracking
