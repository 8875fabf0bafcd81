#pragma once

#include "core/base/result.h"
#include "core/streams/batchstore.h"

#include <QMetaType>
#include <QString>

#include <vector>

namespace millrace::tracking {
class TrackingStore;
}

// What the Streams panel's Batches tab reads from the workspace: plain functions that block on
// disk and database, run in Jobs, never on the GUI thread.

namespace millrace::ui {

/// A batch as the Batches tab lists it: its manifest, and for a used batch the experiment and
/// name of the run that used it (empty when the run is not in the workspace's tracking).
struct BatchEntry
{
    streams::BatchManifest manifest;
    QString experimentId;
    QString runName;
};

/// A message a drain could not turn into a sample, as deadletter.jsonl keeps it.
struct DeadLetterEntry
{
    std::int32_t partition = 0;
    std::int64_t offset = 0;
    std::int64_t timestampMs = -1;
    QString reason;
    /// The payload as text (base64 when it was not UTF-8), cut to a preview.
    QString payload;
};

/// Every batch of the workspace at `workspaceRoot`, newest first, with the runs of the used ones
/// looked up in `tracking` (when given).
Result<std::vector<BatchEntry>> loadBatches(const QString &workspaceRoot,
                                            const tracking::TrackingStore *tracking);

/// The first `limit` dead letters of the batch in `batchFolder`; none when it has no file.
Result<std::vector<DeadLetterEntry>> loadDeadLetters(const QString &batchFolder, int limit = 1000);

/// "p0 0–399 · p1 0–411": the offsets a batch holds per partition.
QString offsetSummary(const std::vector<streams::PartitionRange> &partitions);

} // namespace millrace::ui

Q_DECLARE_METATYPE(millrace::ui::BatchEntry)
Q_DECLARE_METATYPE(millrace::ui::DeadLetterEntry)
