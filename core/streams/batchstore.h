#pragma once

#include "core/base/result.h"
#include "core/ml/dataset.h"
#include "core/ml/samplebatch.h"
#include "core/streams/recordlayout.h"

#include <QAnyStringView>
#include <QByteArray>
#include <QByteArrayView>
#include <QDateTime>
#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <vector>

QT_BEGIN_NAMESPACE
class QLockFile;
QT_END_NAMESPACE

namespace millrace::streams {

/// Where a batch's messages came from.
struct BatchSource
{
    /// The cluster as users know it: a profile's name or the embedded broker's label.
    QString profileLabel;
    QString bootstrapServers;
    QString topic;
    QString consumerGroup;
    /// The codec that decoded the payloads, e.g. "application/json".
    QString contentType;

    bool operator==(const BatchSource &) const = default;
};

/// One topic partition's share of a batch: the offsets it covers, first and last inclusive,
/// with `offsets.sampleCount` the messages that became samples, and the bad messages among
/// them. Every message in [first, last] that the drain read is in the batch, as a sample or as
/// a dead letter, so its offsets are never read into another batch.
struct PartitionRange
{
    ml::OffsetRange offsets;
    std::int64_t deadLetterCount = 0;

    /// Messages of this partition in the batch: samples plus dead letters.
    std::int64_t messageCount() const
    {
        return std::int64_t(offsets.sampleCount) + deadLetterCount;
    }
    bool operator==(const PartitionRange &) const = default;
};

/// A data file of a batch, with the size and SHA-256 (lower-case hex) it was written with.
struct BatchFile
{
    QString name;
    qint64 size = 0;
    QString sha256;

    bool operator==(const BatchFile &) const = default;
};

/// What manifest.json says about a batch. The task, sample shape and class count are the
/// layout's, repeated at the top of the file for readers that do not know layouts.
struct BatchManifest
{
    /// The manifest format this code writes; newer ones are refused when read.
    static constexpr int kFormatVersion = 1;

    int formatVersion = kFormatVersion;
    /// The batch's folder name, e.g. "20250314T020000Z-3f9a2c1e"; sorts by creation time.
    QString id;
    /// When the batch was written (UTC, milliseconds).
    QDateTime created;
    BatchSource source;
    RecordLayout layout;
    std::int64_t sampleCount = 0;
    std::int64_t deadLetterCount = 0;
    /// One range per topic partition, by partition.
    std::vector<PartitionRange> partitions;
    /// The data files, by name.
    std::vector<BatchFile> files;
    /// The training run that used the batch, and when; empty while it waits in data/incoming.
    QString usedByRun;
    QDateTime usedAt;
    /// The batch's folder on disk; not saved in the file.
    QString path;

    bool isUsed() const { return !usedByRun.isEmpty(); }
    /// The file called `name`, or null.
    const BatchFile *file(const QString &name) const;
    QJsonObject toJson() const;
    /// Reads toJson()'s form, refusing newer formats and fields of the wrong type.
    static Result<BatchManifest> fromJson(const QJsonObject &json);
};

/// A message that could not become a sample, kept in deadletter.jsonl with the reason.
struct DeadLetter
{
    std::int32_t partition = 0;
    std::int64_t offset = 0;
    /// Milliseconds since the epoch as Kafka stamped it; -1 when unknown.
    std::int64_t timestampMs = -1;
    QString reason;
    /// Only read while appendDeadLetter() runs.
    QByteArrayView payload;
};

/// File names inside a batch folder.
namespace batchfile {
inline constexpr char kManifest[] = "manifest.json";
inline constexpr char kFeatures[] = "features.f32";
inline constexpr char kLabels[] = "labels.i64";
inline constexpr char kTargets[] = "targets.f32";
inline constexpr char kIds[] = "ids.txt";
inline constexpr char kDeadLetters[] = "deadletter.jsonl";
} // namespace batchfile

class BatchStore;

/// Writes one batch, sample by sample, into a hidden ".<id>.partial" folder, hashing as it
/// goes, so a batch of any size needs no more memory than one sample. commit() makes it whole
/// and visible at once; destroying an uncommitted writer removes what it wrote. Holds the
/// store's write lock (see BatchStore::beginBatch) until destroyed. Not thread-safe.
class BatchWriter
{
public:
    ~BatchWriter();
    BatchWriter(const BatchWriter &) = delete;
    BatchWriter &operator=(const BatchWriter &) = delete;

    /// The id the batch will have.
    const QString &id() const { return m_manifest.id; }
    /// Adds a classification sample read from `partition` at `offset`; `messageId` is kept in
    /// ids.txt when the layout has an id field. Offsets must increase within a partition.
    Result<void> appendClassSample(std::int32_t partition, std::int64_t offset,
                                   std::span<const float> features, std::int64_t classIndex,
                                   QAnyStringView messageId);
    /// Adds a regression sample, as appendClassSample does.
    Result<void> appendTargetSample(std::int32_t partition, std::int64_t offset,
                                    std::span<const float> features, float target,
                                    QAnyStringView messageId);
    /// Adds a bad message to deadletter.jsonl; its offset counts as consumed.
    Result<void> appendDeadLetter(const DeadLetter &letter);

    std::int64_t sampleCount() const { return m_manifest.sampleCount; }
    std::int64_t deadLetterCount() const { return m_manifest.deadLetterCount; }
    /// Samples plus dead letters.
    std::int64_t messageCount() const { return sampleCount() + deadLetterCount(); }
    /// The ranges so far, by partition.
    std::vector<PartitionRange> partitions() const;

    /// Syncs the data files, writes manifest.json, syncs the folder and renames it to
    /// data/incoming/<id>: from then on the batch survives a crash, whole. Call once.
    Result<BatchManifest> commit();

private:
    friend class BatchStore;
    struct DataFile;
    BatchWriter() = default;
    Result<void> appendSample(std::int32_t partition, std::int64_t offset,
                              std::span<const float> features, const void *label,
                              qsizetype labelSize, QAnyStringView messageId);
    Result<void> noteOffset(std::int32_t partition, std::int64_t offset, bool sample);

    BatchManifest m_manifest;
    QString m_incomingDir;
    QString m_partialDir;
    std::unique_ptr<QLockFile> m_lock;
    std::unique_ptr<DataFile> m_features;
    std::unique_ptr<DataFile> m_labels;
    std::unique_ptr<DataFile> m_ids;
    std::unique_ptr<DataFile> m_deadLetters;
    std::map<std::int32_t, PartitionRange> m_ranges;
    bool m_committed = false;
    bool m_failed = false;
};

/// The batches of one workspace: data/incoming/<id>/ holds batches drained from Kafka that no
/// run has used yet, data/used/<id>/ the ones a run trained on. Each batch is a folder:
/// manifest.json, features.f32 (little-endian float32, row-major), labels.i64 (little-endian
/// int64) or targets.f32, ids.txt (one message id per sample, when the layout has an id field)
/// and deadletter.jsonl (one JSON object per bad message). A batch appears under its name only
/// whole (written as ".<id>.partial", synced, renamed); leftovers of a crash are removed when a
/// store is next opened. Calls block on disk I/O: use from a worker thread. One object per
/// thread; several objects (and processes) may share the folders.
class BatchStore
{
public:
    /// A store over the two folders; nothing is touched until the first call.
    BatchStore(QString incomingDir, QString usedDir);
    /// The store of the workspace at `workspaceRoot`: data/incoming and data/used.
    static BatchStore forWorkspace(const QString &workspaceRoot);
    ~BatchStore();

    const QString &incomingDir() const { return m_incomingDir; }
    const QString &usedDir() const { return m_usedDir; }

    /// Creates the folders, removes ".partial" leftovers of interrupted writes (unless a
    /// writer holds the lock) and finishes a markUsed() a crash interrupted. Every other call
    /// runs it first; calling it early reports problems early.
    Result<void> open();

    /// Manifests of every batch, incoming and used, oldest first. A folder whose manifest
    /// cannot be read is skipped with a warning.
    Result<std::vector<BatchManifest>> list();
    /// The manifest of batch `id`, wherever it is.
    Result<BatchManifest> manifest(const QString &id);
    /// The samples of batch `id` with its layout's shape, task and class names. Verifies every
    /// data file's size and SHA-256 and the labels' range first: a truncated or corrupt batch
    /// is an error naming the file, never a partial dataset.
    Result<ml::Dataset> load(const QString &id);
    /// The message ids of batch `id`, one per sample (empty when the layout has no id field),
    /// verified like load().
    Result<QStringList> loadIds(const QString &id);
    /// Moves batch `id` from data/incoming to data/used, recording `runId` and the time in its
    /// manifest (written into the folder first, then the folder renamed, both synced).
    Result<void> markUsed(const QString &id, const QString &runId);
    /// For each partition of `topic`, the highest offset held by any batch (incoming or used)
    /// that consumer group `group` drained: messages at or below it are already in a batch.
    Result<std::map<std::int32_t, std::int64_t>> committedOffsets(const QString &group,
                                                                  const QString &topic);

    /// Starts a new batch of messages from `source` read with `layout`. Takes the store's write
    /// lock (a file in data/incoming), so one drain at a time writes to a workspace, across
    /// processes; fails at once, naming the holder, when another has it.
    Result<std::unique_ptr<BatchWriter>> beginBatch(const BatchSource &source,
                                                    const RecordLayout &layout);

private:
    Result<BatchManifest> readManifest(const QString &folder) const;
    Result<QString> folderOf(const QString &id);
    Result<void> finishMove(const QString &id);
    Result<void> verify(const BatchManifest &manifest) const;

    QString m_incomingDir;
    QString m_usedDir;
    bool m_opened = false;
};

} // namespace millrace::streams
