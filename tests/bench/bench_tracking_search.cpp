// Search over a large tracking store: 10,000 runs with 20 params and 20 metrics each, 100 of
// them with 3 metrics x 10,000 steps of history (trackingfixture.h). Times a filtered, ordered
// search (the run table's query), a full first page, and reading one long metric history.

#include "core/store/store.h"
#include "core/tracking/trackingstore.h"
#include "trackingfixture.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QTemporaryDir>

#include <algorithm>
#include <cstdio>
#include <vector>

using namespace millrace;
using namespace millrace::tracking;

namespace {

void report(const char *name, double value, const char *unit)
{
    std::printf("BENCH %s %.1f %s\n", name, value, unit);
    std::fflush(stdout);
}

template <typename Fn> double medianMs(int repeats, Fn fn)
{
    std::vector<double> times;
    for (int i = 0; i < repeats; ++i) {
        QElapsedTimer timer;
        timer.start();
        fn();
        times.push_back(timer.nsecsElapsed() / 1e6);
    }
    std::sort(times.begin(), times.end());
    return times[times.size() / 2];
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QTemporaryDir dir;
    auto store = Store::openMillrace(dir.filePath(QStringLiteral("millrace.db")));
    if (!store)
        qFatal("%s", qPrintable(store.errorMessage()));
    TrackingStore tracking(**store, dir.filePath(QStringLiteral("artifacts")));
    auto experiment = tracking.createExperiment(QStringLiteral("bench"));
    if (!experiment)
        qFatal("%s", qPrintable(experiment.errorMessage()));

    QElapsedTimer fill;
    fill.start();
    const bench::LargeExperiment filled = bench::fillLargeExperiment(tracking, *experiment);
    const QString longRun = filled.historyRunIds.constFirst();
    report("tracking_fill_10k_runs_3m_points", fill.elapsed() / 1000.0, "s");

    const QStringList ids{*experiment};
    const double searchMs = medianMs(5, [&] {
        auto page = tracking.searchRuns(
            ids, QStringLiteral("metrics.metric_3 > 0.5 and params.param_1 = '5'"),
            ViewType::ActiveOnly, 1000, {QStringLiteral("metrics.metric_0 DESC")}, QString());
        if (!page)
            qFatal("%s", qPrintable(page.errorMessage()));
    });
    report("tracking_search_filtered_10k_runs", searchMs, "ms");
    const double pageMs = medianMs(5, [&] {
        auto page = tracking.searchRuns(ids, QString(), ViewType::ActiveOnly, 1000,
                                        {QStringLiteral("metrics.metric_0 DESC")}, QString());
        if (!page || page->items.size() != 1000)
            qFatal("first page failed");
    });
    report("tracking_search_first_1000_of_10k_runs_sorted", pageMs, "ms");
    const double historyMs = medianMs(5, [&] {
        auto history = tracking.metricHistory(longRun, QStringLiteral("curve_0"), 0, QString());
        if (!history || history->items.size() != 10000)
            qFatal("history failed");
    });
    report("tracking_metric_history_10k_points", historyMs, "ms");
    return 0;
}
