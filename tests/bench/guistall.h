#pragma once

// What the GUI-stall benchmarks share: a 10 ms timer on the GUI thread whose lateness is the
// stall, percentiles of those stalls, BENCH lines, and finding widgets by object name.

#include <QElapsedTimer>
#include <QEventLoop>
#include <QObject>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <vector>

namespace guistall {

/// The timer's interval; a tick later than this stalled by the difference.
inline constexpr int kTickMs = 10;

/// Prints one "BENCH <name> <value> <unit>" line.
inline void report(const char *name, double value, const char *unit)
{
    std::printf("BENCH %s %.1f %s\n", name, value, unit);
    std::fflush(stdout);
}

/// The value below which `share` (0 to 1) of `values` lie.
inline double percentile(std::vector<double> values, double share)
{
    if (values.empty())
        return 0;
    std::sort(values.begin(), values.end());
    return values[std::min(values.size() - 1, std::size_t(share * double(values.size())))];
}

/// Lateness in ms of each tick of a kTickMs timer on the GUI thread, until `done` is true.
inline std::vector<double> measureStalls(const std::function<bool()> &done)
{
    std::vector<double> stalls;
    QElapsedTimer clock;
    clock.start();
    qint64 last = clock.nsecsElapsed();
    QTimer timer;
    timer.setTimerType(Qt::PreciseTimer);
    QEventLoop loop;
    QObject::connect(&timer, &QTimer::timeout, &loop, [&] {
        const qint64 now = clock.nsecsElapsed();
        stalls.push_back(std::max(0.0, (now - last) / 1e6 - kTickMs));
        last = now;
        if (done())
            loop.quit();
    });
    timer.start(kTickMs);
    loop.exec();
    return stalls;
}

/// The child of `parent` called `name`; a benchmark without it cannot measure, so it stops.
template <typename T> T *child(const QObject &parent, const char *name)
{
    auto *found = parent.findChild<T *>(QLatin1String(name));
    if (!found)
        qFatal("no %s", name);
    return found;
}

} // namespace guistall
