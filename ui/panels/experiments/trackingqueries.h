#pragma once

#include "core/base/result.h"
#include "core/tracking/trackingtypes.h"
#include "ui/panels/experiments/runkeys.h"

#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace millrace {
class Store;
namespace tracking {
class TrackingStore;
}
} // namespace millrace

namespace millrace::ui {

// What the Experiments panel reads from the workspace. Every function here runs SQL on the
// calling thread: call them from a Job, never from the GUI thread.

/// One experiment as the experiment list shows it.
struct ExperimentEntry
{
    tracking::Experiment experiment;
    int runCount = 0;                   ///< active runs
    std::optional<qint64> lastRunStart; ///< start of its newest active run (ms since the epoch)
};

/// Experiments sorted by name (case-insensitive), each with its active run count. Deleted ones
/// are included only when `includeDeleted`.
Result<QList<ExperimentEntry>> loadExperimentEntries(const tracking::TrackingStore &tracking,
                                                     const Store &store, bool includeDeleted);

/// The runs a search found, newest first.
struct RunListing
{
    QList<tracking::Run> runs;
    RunKeys keys; ///< of `runs`
    bool truncated = false; ///< more runs matched than `maxRuns`; the newest are kept
};

/// Runs of `experimentIds` matching `filter` (MLflow syntax plus OR and parentheses), newest first,
/// at most `maxRuns` of them. Deleted runs are included only when `includeDeleted`. A bad filter
/// fails with INVALID_PARAMETER_VALUE and a message naming its position.
Result<RunListing> loadRuns(const tracking::TrackingStore &tracking,
                            const QStringList &experimentIds, const QString &filter,
                            bool includeDeleted, int maxRuns);

/// A cheap fingerprint of what the panel shows, to poll for changes without reloading. Each part
/// changes when something it covers changes: `experiments` with experiments (created, renamed,
/// deleted, restored, tagged) and run counts; `runs` with the runs of the given experiments
/// (created, updated, deleted, new latest metric values, params, tags).
struct ChangeStamp
{
    QList<double> experiments;
    QList<double> runs;
    bool operator==(const ChangeStamp &other) const = default;
};

/// Reads the stamp of the experiment list and of the runs of `experimentIds`.
Result<ChangeStamp> readChangeStamp(const Store &store, const QStringList &experimentIds);

} // namespace millrace::ui
