#include "ui/panels/streams/batchqueries.h"

#include "core/tracking/trackingstore.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>

namespace millrace::ui {

namespace {

constexpr int kPayloadPreview = 400;

} // namespace

Result<std::vector<BatchEntry>> loadBatches(const QString &workspaceRoot,
                                            const tracking::TrackingStore *tracking)
{
    streams::BatchStore store = streams::BatchStore::forWorkspace(workspaceRoot);
    Result<std::vector<streams::BatchManifest>> listed = store.list();
    if (!listed)
        return listed.error();
    std::vector<BatchEntry> entries;
    entries.reserve(listed->size());
    for (streams::BatchManifest &manifest : listed.value()) {
        BatchEntry entry;
        if (manifest.isUsed() && tracking) {
            // A run deleted since, or logged elsewhere, leaves the id without a link.
            if (Result<tracking::Run> run = tracking->run(manifest.usedByRun)) {
                entry.experimentId = run->info.experimentId;
                entry.runName = run->info.runName;
            }
        }
        entry.manifest = std::move(manifest);
        entries.push_back(std::move(entry));
    }
    std::reverse(entries.begin(), entries.end());
    return entries;
}

Result<std::vector<DeadLetterEntry>> loadDeadLetters(const QString &batchFolder, int limit)
{
    QFile file(QDir(batchFolder).filePath(QString::fromLatin1(streams::batchfile::kDeadLetters)));
    std::vector<DeadLetterEntry> letters;
    if (!file.exists())
        return letters;
    if (!file.open(QIODevice::ReadOnly))
        return fail(QStringLiteral("cannot read %1: %2").arg(file.fileName(), file.errorString()));
    while (!file.atEnd() && int(letters.size()) < limit) {
        const QByteArray line = file.readLine().trimmed();
        if (line.isEmpty())
            continue;
        const QJsonObject json = QJsonDocument::fromJson(line).object();
        DeadLetterEntry letter;
        letter.partition = json.value(QStringLiteral("partition")).toInt();
        letter.offset = json.value(QStringLiteral("offset")).toInteger();
        letter.timestampMs = json.value(QStringLiteral("timestamp")).toInteger(-1);
        letter.reason = json.value(QStringLiteral("reason")).toString();
        letter.payload = json.value(QStringLiteral("payload")).toString();
        if (json.value(QStringLiteral("payloadEncoding")).toString() == QLatin1String("base64"))
            letter.payload.prepend(QStringLiteral("base64:"));
        if (letter.payload.size() > kPayloadPreview)
            letter.payload = letter.payload.left(kPayloadPreview) + QStringLiteral("…");
        letters.push_back(std::move(letter));
    }
    return letters;
}

QString offsetSummary(const std::vector<streams::PartitionRange> &partitions)
{
    QStringList parts;
    for (const streams::PartitionRange &range : partitions) {
        parts << QStringLiteral("p%1 %2–%3")
                     .arg(range.offsets.partition)
                     .arg(range.offsets.firstOffset)
                     .arg(range.offsets.lastOffset);
    }
    return parts.join(QStringLiteral(" · "));
}

} // namespace millrace::ui
