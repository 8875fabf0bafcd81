#include "core/streams/batchstore.h"

#include "core/base/durablefiles.h"
#include "core/streams/kafkahandles.h"
#include "core/streams/sha256.h"
#include "core/streams/streamslog.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QLockFile>
#include <QRandomGenerator>
#include <QStringDecoder>

#include <algorithm>
#include <bit>
#include <cstring>
#include <type_traits>

#include <unistd.h>

namespace millrace::streams {

// The files hold little-endian values so that a batch moves between machines as it is. Every
// platform Millrace builds on is little-endian; a big-endian port would add the byte swaps
// where the files are written and read.
static_assert(std::endian::native == std::endian::little,
              "batch files are written in host byte order, which must be little-endian");
static_assert(sizeof(float) == 4, "features.f32 holds IEEE-754 binary32 values");

namespace {

const QString kLockName = QStringLiteral(".drain.lock");
const QString kPartialSuffix = QStringLiteral(".partial");
const QString kFormatName = QStringLiteral("millrace.batch");

QString taskName(ml::TaskKind task)
{
    return task == ml::TaskKind::Classification ? QStringLiteral("classification")
                                                : QStringLiteral("regression");
}

QString isoTime(const QDateTime &time)
{
    return time.toUTC().toString(Qt::ISODateWithMs);
}

QString partialName(const QString &id)
{
    return QLatin1Char('.') + id + kPartialSuffix;
}

// Ids become folder names: they must not climb out of the folder or hide in it.
bool isValidId(const QString &id)
{
    return !id.isEmpty() && !id.startsWith(QLatin1Char('.')) && !id.contains(QLatin1Char('/'))
           && !id.contains(QLatin1Char('\\')) && id.size() <= 200;
}

QString newBatchId()
{
    // Time first so folder names sort by age; the random part keeps two drains in the same
    // millisecond (two workspaces on one disk, a clock that jumped back) apart.
    const QString time =
        QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyyMMdd'T'HHmmsszzz'Z'"));
    return time + QLatin1Char('-')
           + QStringLiteral("%1").arg(QRandomGenerator::system()->generate(), 8, 16,
                                      QLatin1Char('0'));
}

std::unique_ptr<QLockFile> makeLock(const QString &incomingDir)
{
    auto lock = std::make_unique<QLockFile>(QDir(incomingDir).filePath(kLockName));
    // A drain may take longer than QLockFile's default 30 s; only a dead holder makes the lock
    // stale, never its age.
    lock->setStaleLockTime(0);
    return lock;
}

QString lockHolder(const QLockFile &lock)
{
    qint64 pid = 0;
    QString host;
    QString application;
    if (!lock.getLockInfo(&pid, &host, &application))
        return QStringLiteral("another process");
    return QStringLiteral("%1 (pid %2 on %3)")
        .arg(application.isEmpty() ? QStringLiteral("a process") : application)
        .arg(pid)
        .arg(host);
}

Error wrongField(const QString &key)
{
    return fail(QStringLiteral("manifest field '%1' is missing or of the wrong type").arg(key));
}

} // namespace

// A data file written through a large buffer of our own (one write() per megabyte, not per
// sample) and hashed as the bytes go out, so commit() needs no second pass over the data.
struct BatchWriter::DataFile
{
    static constexpr qsizetype kBufferSize = qsizetype(1) << 20;

    QString name;
    QFile file;
    QByteArray buffer;
    Sha256 hash;
    qint64 size = 0;

    Result<void> open(const QString &folder, const QString &fileName)
    {
        name = fileName;
        file.setFileName(QDir(folder).filePath(fileName));
        if (!file.open(QIODevice::WriteOnly | QIODevice::NewOnly | QIODevice::Unbuffered))
            return fail(
                QStringLiteral("cannot create %1: %2").arg(file.fileName(), file.errorString()));
        buffer.reserve(kBufferSize);
        return {};
    }

    Result<void> append(const void *data, qsizetype bytes)
    {
        if (buffer.size() + bytes > kBufferSize) {
            if (Result<void> flushed = flush(); !flushed)
                return flushed;
        }
        if (bytes >= kBufferSize)
            return writeThrough(static_cast<const char *>(data), bytes);
        buffer.append(static_cast<const char *>(data), bytes);
        return {};
    }

    Result<void> writeThrough(const char *data, qsizetype bytes)
    {
        hash.addData(QByteArrayView(data, bytes));
        if (file.write(data, bytes) != bytes)
            return fail(
                QStringLiteral("cannot write %1: %2").arg(file.fileName(), file.errorString()));
        size += bytes;
        return {};
    }

    Result<void> flush()
    {
        if (buffer.isEmpty())
            return {};
        Result<void> written = writeThrough(buffer.constData(), buffer.size());
        buffer.resize(0); // keeps the capacity, where clear() would free it
        return written;
    }

    // Writes what is buffered, syncs and closes; the file's entry in the manifest.
    Result<BatchFile> finish()
    {
        if (Result<void> flushed = flush(); !flushed)
            return flushed.error();
        if (::fsync(file.handle()) != 0)
            return fail(QStringLiteral("cannot sync %1").arg(file.fileName()));
        file.close();
        return BatchFile{name, size, QString::fromLatin1(hash.hexResult())};
    }
};

const BatchFile *BatchManifest::file(const QString &name) const
{
    for (const BatchFile &candidate : files) {
        if (candidate.name == name)
            return &candidate;
    }
    return nullptr;
}

QJsonObject BatchManifest::toJson() const
{
    QJsonArray shape;
    for (const std::int64_t dimension : layout.sampleShape)
        shape.append(qint64(dimension));
    QJsonArray offsets;
    for (const PartitionRange &range : partitions) {
        offsets.append(
            QJsonObject{{QStringLiteral("topic"), QString::fromStdString(range.offsets.topic)},
                        {QStringLiteral("partition"), range.offsets.partition},
                        {QStringLiteral("first"), qint64(range.offsets.firstOffset)},
                        {QStringLiteral("last"), qint64(range.offsets.lastOffset)},
                        {QStringLiteral("count"), qint64(range.messageCount())},
                        {QStringLiteral("samples"), qint64(range.offsets.sampleCount)},
                        {QStringLiteral("deadLetters"), qint64(range.deadLetterCount)}});
    }
    QJsonObject fileEntries;
    for (const BatchFile &entry : files) {
        fileEntries.insert(entry.name, QJsonObject{{QStringLiteral("size"), entry.size},
                                                   {QStringLiteral("sha256"), entry.sha256}});
    }
    QJsonObject json{{QStringLiteral("format"), kFormatName},
                     {QStringLiteral("formatVersion"), formatVersion},
                     {QStringLiteral("id"), id},
                     {QStringLiteral("created"), isoTime(created)},
                     {QStringLiteral("source"),
                      QJsonObject{{QStringLiteral("profile"), source.profileLabel},
                                  {QStringLiteral("bootstrapServers"), source.bootstrapServers},
                                  {QStringLiteral("topic"), source.topic},
                                  {QStringLiteral("consumerGroup"), source.consumerGroup},
                                  {QStringLiteral("contentType"), source.contentType}}},
                     {QStringLiteral("layout"), layout.toJson()},
                     {QStringLiteral("task"), taskName(layout.task)},
                     {QStringLiteral("sampleShape"), shape},
                     {QStringLiteral("classCount"), qint64(layout.classCount)},
                     {QStringLiteral("sampleCount"), qint64(sampleCount)},
                     {QStringLiteral("deadLetterCount"), qint64(deadLetterCount)},
                     {QStringLiteral("offsets"), offsets},
                     {QStringLiteral("files"), fileEntries}};
    if (isUsed()) {
        json.insert(QStringLiteral("used"), QJsonObject{{QStringLiteral("runId"), usedByRun},
                                                        {QStringLiteral("time"), isoTime(usedAt)}});
    }
    return json;
}

Result<BatchManifest> BatchManifest::fromJson(const QJsonObject &json)
{
    BatchManifest manifest;
    if (json.value(QStringLiteral("format")).toString() != kFormatName)
        return fail(QStringLiteral("not a Millrace batch manifest"));
    const QJsonValue version = json.value(QStringLiteral("formatVersion"));
    if (!version.isDouble())
        return wrongField(QStringLiteral("formatVersion"));
    manifest.formatVersion = version.toInt();
    if (manifest.formatVersion > kFormatVersion || manifest.formatVersion < 1)
        return fail(QStringLiteral("batch format %1 is newer than this Millrace reads (%2)")
                        .arg(manifest.formatVersion)
                        .arg(kFormatVersion));

    const auto text = [&json](const QString &key, QString &out) -> bool {
        const QJsonValue value = json.value(key);
        if (!value.isString())
            return false;
        out = value.toString();
        return true;
    };
    const auto integer = [](const QJsonObject &object, const QString &key,
                            std::int64_t &out) -> bool {
        const QJsonValue value = object.value(key);
        if (!value.isDouble())
            return false;
        out = value.toInteger(-1);
        return out >= 0;
    };
    QString created;
    if (!text(QStringLiteral("id"), manifest.id) || !isValidId(manifest.id))
        return wrongField(QStringLiteral("id"));
    if (!text(QStringLiteral("created"), created))
        return wrongField(QStringLiteral("created"));
    manifest.created = QDateTime::fromString(created, Qt::ISODateWithMs);
    if (!manifest.created.isValid())
        return wrongField(QStringLiteral("created"));

    const QJsonObject source = json.value(QStringLiteral("source")).toObject();
    manifest.source.profileLabel = source.value(QStringLiteral("profile")).toString();
    manifest.source.bootstrapServers = source.value(QStringLiteral("bootstrapServers")).toString();
    manifest.source.topic = source.value(QStringLiteral("topic")).toString();
    manifest.source.consumerGroup = source.value(QStringLiteral("consumerGroup")).toString();
    manifest.source.contentType = source.value(QStringLiteral("contentType")).toString();
    if (manifest.source.topic.isEmpty())
        return wrongField(QStringLiteral("source.topic"));

    if (!json.value(QStringLiteral("layout")).isObject())
        return wrongField(QStringLiteral("layout"));
    Result<RecordLayout> layout =
        RecordLayout::fromJson(json.value(QStringLiteral("layout")).toObject());
    if (!layout)
        return fail(QStringLiteral("manifest: %1").arg(layout.errorMessage()));
    manifest.layout = std::move(layout.value());

    if (!integer(json, QStringLiteral("sampleCount"), manifest.sampleCount))
        return wrongField(QStringLiteral("sampleCount"));
    if (!integer(json, QStringLiteral("deadLetterCount"), manifest.deadLetterCount))
        return wrongField(QStringLiteral("deadLetterCount"));

    for (const QJsonValue entry : json.value(QStringLiteral("offsets")).toArray()) {
        const QJsonObject object = entry.toObject();
        PartitionRange range;
        std::int64_t partition = 0;
        std::int64_t samples = 0;
        range.offsets.topic = object.value(QStringLiteral("topic")).toString().toStdString();
        if (!integer(object, QStringLiteral("partition"), partition)
            || !integer(object, QStringLiteral("first"), range.offsets.firstOffset)
            || !integer(object, QStringLiteral("last"), range.offsets.lastOffset)
            || !integer(object, QStringLiteral("samples"), samples)
            || !integer(object, QStringLiteral("deadLetters"), range.deadLetterCount)
            || range.offsets.lastOffset < range.offsets.firstOffset)
            return wrongField(QStringLiteral("offsets"));
        range.offsets.partition = std::int32_t(partition);
        range.offsets.sampleCount = std::size_t(samples);
        manifest.partitions.push_back(std::move(range));
    }

    const QJsonObject files = json.value(QStringLiteral("files")).toObject();
    for (auto it = files.begin(); it != files.end(); ++it) {
        const QJsonObject object = it.value().toObject();
        std::int64_t size = 0;
        const QString sha = object.value(QStringLiteral("sha256")).toString();
        if (!integer(object, QStringLiteral("size"), size) || sha.size() != 64)
            return wrongField(QStringLiteral("files.") + it.key());
        manifest.files.push_back(BatchFile{it.key(), qint64(size), sha});
    }

    if (json.contains(QStringLiteral("used"))) {
        const QJsonObject used = json.value(QStringLiteral("used")).toObject();
        manifest.usedByRun = used.value(QStringLiteral("runId")).toString();
        manifest.usedAt =
            QDateTime::fromString(used.value(QStringLiteral("time")).toString(), Qt::ISODateWithMs);
        if (manifest.usedByRun.isEmpty() || !manifest.usedAt.isValid())
            return wrongField(QStringLiteral("used"));
    }
    return manifest;
}

// ---- BatchWriter

BatchWriter::~BatchWriter()
{
    if (m_committed)
        return;
    // An abandoned batch (nothing read, a failure, a cancelled drain the caller chose not to
    // keep) leaves nothing behind; a crash instead leaves the folder for the next open().
    m_features.reset();
    m_labels.reset();
    m_ids.reset();
    m_deadLetters.reset();
    if (!m_partialDir.isEmpty() && !removeTree(m_partialDir))
        qCWarning(lcStreams) << "cannot remove the unfinished batch" << m_partialDir;
}

Result<void> BatchWriter::noteOffset(std::int32_t partition, std::int64_t offset, bool sample)
{
    auto found = m_ranges.find(partition);
    if (found == m_ranges.end()) {
        PartitionRange range;
        range.offsets.topic = m_manifest.source.topic.toStdString();
        range.offsets.partition = partition;
        range.offsets.firstOffset = offset;
        range.offsets.lastOffset = offset;
        found = m_ranges.emplace(partition, std::move(range)).first;
    } else if (offset <= found->second.offsets.lastOffset) {
        return fail(QStringLiteral("partition %1 offset %2 is not after %3, already in the batch")
                        .arg(partition)
                        .arg(offset)
                        .arg(found->second.offsets.lastOffset));
    }
    found->second.offsets.lastOffset = offset;
    if (sample)
        ++found->second.offsets.sampleCount;
    else
        ++found->second.deadLetterCount;
    return {};
}

Result<void> BatchWriter::appendSample(std::int32_t partition, std::int64_t offset,
                                       std::span<const float> features, const void *label,
                                       qsizetype labelSize, QAnyStringView messageId)
{
    if (m_failed || m_committed)
        return fail(QStringLiteral("the batch can take no more samples"));
    if (features.size() != m_manifest.layout.featureCount())
        return fail(QStringLiteral("a sample of %1 values, the batch's layout has %2")
                        .arg(features.size())
                        .arg(m_manifest.layout.featureCount()));
    if (Result<void> noted = noteOffset(partition, offset, true); !noted)
        return noted;
    // After the offset is taken the files must follow: a failure from here on poisons the
    // writer, since the files would no longer match the ranges.
    Result<void> written = m_features->append(features.data(), qsizetype(features.size_bytes()));
    if (written)
        written = m_labels->append(label, labelSize);
    if (written && m_ids) {
        // UTF-8 ids (the fast JSON path's) go to the file as they are; others are converted.
        messageId.visit([&](auto view) {
            using View = decltype(view);
            if constexpr (std::is_same_v<View,
                                         QStringView> || std::is_same_v<View, QLatin1StringView>) {
                const QByteArray utf8 = messageId.toString().toUtf8();
                written = m_ids->append(utf8.constData(), utf8.size());
            } else {
                written = m_ids->append(view.data(), view.size());
            }
        });
        if (written)
            written = m_ids->append("\n", 1);
    }
    if (!written) {
        m_failed = true;
        return written;
    }
    ++m_manifest.sampleCount;
    return {};
}

Result<void> BatchWriter::appendClassSample(std::int32_t partition, std::int64_t offset,
                                            std::span<const float> features,
                                            std::int64_t classIndex, QAnyStringView messageId)
{
    if (m_manifest.layout.task != ml::TaskKind::Classification)
        return fail(QStringLiteral("a class label added to a regression batch"));
    const qint64 label = classIndex;
    return appendSample(partition, offset, features, &label, sizeof label, messageId);
}

Result<void> BatchWriter::appendTargetSample(std::int32_t partition, std::int64_t offset,
                                             std::span<const float> features, float target,
                                             QAnyStringView messageId)
{
    if (m_manifest.layout.task != ml::TaskKind::Regression)
        return fail(QStringLiteral("a regression target added to a classification batch"));
    return appendSample(partition, offset, features, &target, sizeof target, messageId);
}

Result<void> BatchWriter::appendDeadLetter(const DeadLetter &letter)
{
    if (m_failed || m_committed)
        return fail(QStringLiteral("the batch can take no more messages"));
    if (Result<void> noted = noteOffset(letter.partition, letter.offset, false); !noted)
        return noted;
    QJsonObject line{{QStringLiteral("topic"), m_manifest.source.topic},
                     {QStringLiteral("partition"), letter.partition},
                     {QStringLiteral("offset"), qint64(letter.offset)},
                     {QStringLiteral("timestamp"), qint64(letter.timestampMs)},
                     {QStringLiteral("reason"), letter.reason}};
    // Text stays readable in the file; anything else (a binary codec's payload, broken UTF-8)
    // goes as base64 so the line is still valid JSON and the bytes come back exactly.
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    const QString text = decoder(letter.payload);
    if (!decoder.hasError()) {
        line.insert(QStringLiteral("payload"), text);
        line.insert(QStringLiteral("payloadEncoding"), QStringLiteral("utf-8"));
    } else {
        line.insert(QStringLiteral("payload"),
                    QString::fromLatin1(letter.payload.toByteArray().toBase64()));
        line.insert(QStringLiteral("payloadEncoding"), QStringLiteral("base64"));
    }
    QByteArray bytes = QJsonDocument(line).toJson(QJsonDocument::Compact);
    bytes.append('\n');
    if (Result<void> written = m_deadLetters->append(bytes.constData(), bytes.size()); !written) {
        m_failed = true;
        return written;
    }
    ++m_manifest.deadLetterCount;
    return {};
}

std::vector<PartitionRange> BatchWriter::partitions() const
{
    std::vector<PartitionRange> ranges;
    ranges.reserve(m_ranges.size());
    for (const auto &[partition, range] : m_ranges)
        ranges.push_back(range);
    return ranges;
}

Result<BatchManifest> BatchWriter::commit()
{
    if (m_committed || m_failed)
        return fail(QStringLiteral("batch %1 cannot be committed again").arg(id()));
    m_failed = true; // until the rename succeeded
    for (DataFile *file : {m_features.get(), m_labels.get(), m_ids.get(), m_deadLetters.get()}) {
        if (!file)
            continue;
        Result<BatchFile> finished = file->finish();
        if (!finished)
            return finished.error();
        m_manifest.files.push_back(finished.value());
    }
    std::sort(m_manifest.files.begin(), m_manifest.files.end(),
              [](const BatchFile &a, const BatchFile &b) { return a.name < b.name; });
    m_manifest.partitions = partitions();
    m_manifest.created = QDateTime::currentDateTimeUtc();

    QFile manifestFile(QDir(m_partialDir).filePath(QString::fromLatin1(batchfile::kManifest)));
    const QByteArray json = QJsonDocument(m_manifest.toJson()).toJson(QJsonDocument::Indented);
    if (!manifestFile.open(QIODevice::WriteOnly | QIODevice::NewOnly)
        || manifestFile.write(json) != json.size() || !manifestFile.flush()
        || ::fsync(manifestFile.handle()) != 0)
        return fail(QStringLiteral("cannot write %1: %2")
                        .arg(manifestFile.fileName(), manifestFile.errorString()));
    manifestFile.close();
    // The folder's entries (the files just created) must be on disk before the folder gets
    // its final name, or a crash could show a whole-looking batch with missing files.
    if (!syncPath(m_partialDir))
        return fail(QStringLiteral("cannot sync the folder %1").arg(m_partialDir));
    const QString finalDir = QDir(m_incomingDir).filePath(id());
    if (Result<void> renamed = renameDurably(m_partialDir, finalDir); !renamed)
        return renamed.error();
    m_committed = true;
    m_failed = false;
    m_manifest.path = finalDir;
    qCInfo(lcStreams).noquote() << "batch" << id() << "written:" << m_manifest.sampleCount
                                << "samples," << m_manifest.deadLetterCount << "dead letters";
    return m_manifest;
}

// ---- BatchStore

BatchStore::BatchStore(QString incomingDir, QString usedDir)
    : m_incomingDir(std::move(incomingDir)), m_usedDir(std::move(usedDir))
{
}

BatchStore BatchStore::forWorkspace(const QString &workspaceRoot)
{
    const QDir root(workspaceRoot);
    return BatchStore(root.filePath(QStringLiteral("data/incoming")),
                      root.filePath(QStringLiteral("data/used")));
}

BatchStore::~BatchStore() = default;

Result<void> BatchStore::open()
{
    if (m_opened)
        return {};
    for (const QString &dir : {m_incomingDir, m_usedDir}) {
        if (!QDir().mkpath(dir))
            return fail(QStringLiteral("cannot create the batch folder %1").arg(dir));
    }
    const QDir incoming(m_incomingDir);
    // Leftovers of a writer that crashed. A live writer (this process or another) holds the
    // lock, and its folder must stay.
    const std::unique_ptr<QLockFile> lock = makeLock(m_incomingDir);
    if (lock->tryLock(0)) {
        const QStringList partials =
            incoming.entryList({QStringLiteral(".*") + kPartialSuffix},
                               QDir::Dirs | QDir::Hidden | QDir::NoDotAndDotDot);
        for (const QString &partial : partials) {
            qCInfo(lcStreams).noquote()
                << "removing the unfinished batch" << incoming.filePath(partial);
            if (!removeTree(incoming.filePath(partial)))
                return fail(QStringLiteral("cannot remove the unfinished batch %1")
                                .arg(incoming.filePath(partial)));
        }
        lock->unlock();
    }
    // A markUsed() that wrote the new manifest but crashed before moving the folder.
    for (const QString &id : incoming.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        Result<BatchManifest> manifest = readManifest(incoming.filePath(id));
        if (manifest && manifest->isUsed()) {
            qCInfo(lcStreams).noquote() << "finishing the move of used batch" << id;
            if (Result<void> moved = finishMove(id); !moved)
                return moved;
        }
    }
    m_opened = true;
    return {};
}

Result<BatchManifest> BatchStore::readManifest(const QString &folder) const
{
    QFile file(QDir(folder).filePath(QString::fromLatin1(batchfile::kManifest)));
    if (!file.open(QIODevice::ReadOnly))
        return fail(QString::fromLatin1(errorcode::kNotFound),
                    QStringLiteral("cannot read %1: %2").arg(file.fileName(), file.errorString()));
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(file.readAll(), &error);
    if (error.error != QJsonParseError::NoError || !document.isObject())
        return fail(
            QStringLiteral("%1 is not valid JSON: %2").arg(file.fileName(), error.errorString()));
    Result<BatchManifest> manifest = BatchManifest::fromJson(document.object());
    if (!manifest)
        return fail(QStringLiteral("%1: %2").arg(file.fileName(), manifest.errorMessage()));
    if (manifest->id != QFileInfo(folder).fileName())
        return fail(QStringLiteral("%1 describes batch %2, not the folder it is in")
                        .arg(file.fileName(), manifest->id));
    manifest->path = QFileInfo(folder).absoluteFilePath();
    return manifest;
}

Result<QString> BatchStore::folderOf(const QString &id)
{
    if (Result<void> opened = open(); !opened)
        return opened.error();
    if (!isValidId(id))
        return fail(QString::fromLatin1(errorcode::kInvalidArgument),
                    QStringLiteral("'%1' is not a batch id").arg(id));
    for (const QString &dir : {m_incomingDir, m_usedDir}) {
        const QString folder = QDir(dir).filePath(id);
        if (QFileInfo(folder).isDir())
            return folder;
    }
    return fail(QString::fromLatin1(errorcode::kNotFound),
                QStringLiteral("there is no batch %1").arg(id));
}

Result<std::vector<BatchManifest>> BatchStore::list()
{
    if (Result<void> opened = open(); !opened)
        return opened.error();
    std::vector<BatchManifest> manifests;
    for (const QString &dir : {m_incomingDir, m_usedDir}) {
        const QDir folder(dir);
        for (const QString &id : folder.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
            Result<BatchManifest> manifest = readManifest(folder.filePath(id));
            if (!manifest) {
                qCWarning(lcStreams).noquote()
                    << "skipping batch" << id << ":" << manifest.errorMessage();
                continue;
            }
            manifests.push_back(std::move(manifest.value()));
        }
    }
    std::sort(manifests.begin(), manifests.end(),
              [](const BatchManifest &a, const BatchManifest &b) {
                  return a.created != b.created ? a.created < b.created : a.id < b.id;
              });
    return manifests;
}

Result<BatchManifest> BatchStore::manifest(const QString &id)
{
    Result<QString> folder = folderOf(id);
    if (!folder)
        return folder.error();
    return readManifest(*folder);
}

namespace {

// Reads a data file into `destination` (exactly `expectedSize` bytes), checking it against the
// manifest's size and checksum as it goes.
Result<void> readVerified(const BatchManifest &manifest, const char *name, qint64 expectedSize,
                          char *destination)
{
    const QString fileName = QString::fromLatin1(name);
    const BatchFile *entry = manifest.file(fileName);
    const QString path = QDir(manifest.path).filePath(fileName);
    if (!entry)
        return fail(
            QStringLiteral("batch %1: the manifest lists no %2").arg(manifest.id, fileName));
    if (entry->size != expectedSize)
        return fail(QStringLiteral("batch %1: the manifest gives %2 %3 bytes, %4 samples need %5")
                        .arg(manifest.id, fileName)
                        .arg(entry->size)
                        .arg(manifest.sampleCount)
                        .arg(expectedSize));
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return fail(QStringLiteral("batch %1: cannot read %2: %3")
                        .arg(manifest.id, path, file.errorString()));
    if (file.size() != expectedSize)
        return fail(QStringLiteral("batch %1: %2 has %3 bytes, expected %4 (truncated or damaged)")
                        .arg(manifest.id, fileName)
                        .arg(file.size())
                        .arg(expectedSize));
    Sha256 hash;
    constexpr qint64 kChunk = qint64(4) << 20;
    qint64 done = 0;
    while (done < expectedSize) {
        const qint64 wanted = std::min(kChunk, expectedSize - done);
        const qint64 got = file.read(destination + done, wanted);
        if (got <= 0)
            return fail(QStringLiteral("batch %1: %2 ends after %3 of %4 bytes")
                            .arg(manifest.id, fileName)
                            .arg(done)
                            .arg(expectedSize));
        hash.addData(QByteArrayView(destination + done, got));
        done += got;
    }
    if (QString::fromLatin1(hash.hexResult()) != entry->sha256)
        return fail(QStringLiteral("batch %1: %2 does not match its checksum (corrupt)")
                        .arg(manifest.id, fileName));
    return {};
}

} // namespace

Result<ml::Dataset> BatchStore::load(const QString &id)
{
    Result<BatchManifest> manifest = this->manifest(id);
    if (!manifest)
        return manifest.error();
    const RecordLayout &layout = manifest->layout;
    ml::Dataset dataset;
    dataset.sampleShape = layout.sampleShape;
    dataset.task = layout.task;
    dataset.classCount = layout.task == ml::TaskKind::Classification ? layout.classCount : 0;
    for (const QString &name : layout.classNames)
        dataset.classNames.push_back(name.toStdString());
    const std::size_t count = std::size_t(manifest->sampleCount);
    const std::size_t featureCount = layout.featureCount();
    if (featureCount == 0 || count > (std::size_t(1) << 40) / featureCount)
        return fail(QStringLiteral("batch %1: %2 samples of %3 values cannot be loaded")
                        .arg(id)
                        .arg(count)
                        .arg(featureCount));
    dataset.features.resize(count * featureCount);
    if (Result<void> read = readVerified(*manifest, batchfile::kFeatures,
                                         qint64(dataset.features.size() * sizeof(float)),
                                         reinterpret_cast<char *>(dataset.features.data()));
        !read)
        return read.error();
    if (layout.task == ml::TaskKind::Classification) {
        dataset.classLabels.resize(count);
        if (Result<void> read =
                readVerified(*manifest, batchfile::kLabels, qint64(count * sizeof(std::int64_t)),
                             reinterpret_cast<char *>(dataset.classLabels.data()));
            !read)
            return read.error();
    } else {
        dataset.targets.resize(count);
        if (Result<void> read =
                readVerified(*manifest, batchfile::kTargets, qint64(count * sizeof(float)),
                             reinterpret_cast<char *>(dataset.targets.data()));
            !read)
            return read.error();
    }
    // A checksum proves the bytes are the ones written, not that they were right: the range
    // check keeps a bad writer from handing the trainer a class index it would crash on.
    if (ml::Result<void> valid = dataset.validate(); !valid)
        return fail(
            QStringLiteral("batch %1: %2").arg(id, QString::fromStdString(valid.errorMessage())));
    return dataset;
}

Result<QStringList> BatchStore::loadIds(const QString &id)
{
    Result<BatchManifest> manifest = this->manifest(id);
    if (!manifest)
        return manifest.error();
    if (manifest->layout.idField.isEmpty())
        return QStringList();
    const BatchFile *entry = manifest->file(QString::fromLatin1(batchfile::kIds));
    if (!entry)
        return fail(QStringLiteral("batch %1: the manifest lists no %2")
                        .arg(id, QString::fromLatin1(batchfile::kIds)));
    QByteArray bytes(entry->size, Qt::Uninitialized);
    if (Result<void> read = readVerified(*manifest, batchfile::kIds, entry->size, bytes.data());
        !read)
        return read.error();
    QStringList ids;
    ids.reserve(manifest->sampleCount);
    qsizetype start = 0;
    while (start < bytes.size()) {
        const qsizetype end = bytes.indexOf('\n', start);
        if (end < 0)
            return fail(QStringLiteral("batch %1: %2 does not end with a line break")
                            .arg(id, QString::fromLatin1(batchfile::kIds)));
        ids.append(QString::fromUtf8(bytes.constData() + start, end - start));
        start = end + 1;
    }
    if (ids.size() != manifest->sampleCount)
        return fail(QStringLiteral("batch %1: %2 ids for %3 samples")
                        .arg(id)
                        .arg(ids.size())
                        .arg(manifest->sampleCount));
    return ids;
}

Result<void> BatchStore::finishMove(const QString &id)
{
    const QString from = QDir(m_incomingDir).filePath(id);
    const QString to = QDir(m_usedDir).filePath(id);
    if (QFileInfo::exists(to))
        return fail(QString::fromLatin1(errorcode::kAlreadyExists),
                    QStringLiteral("cannot move batch %1: %2 already exists").arg(id, to));
    return renameDurably(from, to);
}

Result<void> BatchStore::markUsed(const QString &id, const QString &runId)
{
    if (runId.isEmpty())
        return fail(QString::fromLatin1(errorcode::kInvalidArgument),
                    QStringLiteral("a batch is marked used by a run: the run id is missing"));
    Result<QString> folder = folderOf(id);
    if (!folder)
        return folder.error();
    Result<BatchManifest> manifest = readManifest(*folder);
    if (!manifest)
        return manifest.error();
    if (manifest->isUsed())
        return fail(
            QString::fromLatin1(errorcode::kAlreadyExists),
            QStringLiteral("batch %1 was already used by run %2").arg(id, manifest->usedByRun));
    manifest->usedByRun = runId;
    manifest->usedAt = QDateTime::currentDateTimeUtc();
    // The manifest changes first, inside the folder: a crash before the rename leaves a batch
    // that says it was used, and open() completes the move.
    const QByteArray json = QJsonDocument(manifest->toJson()).toJson(QJsonDocument::Indented);
    if (Result<void> written = writeFileDurably(
            QDir(*folder).filePath(QString::fromLatin1(batchfile::kManifest)), json);
        !written)
        return written;
    if (Result<void> moved = finishMove(id); !moved)
        return moved;
    qCInfo(lcStreams).noquote() << "batch" << id << "used by run" << runId;
    return {};
}

Result<std::map<std::int32_t, std::int64_t>> BatchStore::committedOffsets(const QString &group,
                                                                          const QString &topic)
{
    if (Result<void> opened = open(); !opened)
        return opened.error();
    // Incoming is listed before used: markUsed() moves folders that way, so a batch moving
    // while this runs is seen in one of the two, never missed in both.
    std::vector<QString> ids;
    for (const QString &dir : {m_incomingDir, m_usedDir}) {
        for (const QString &id : QDir(dir).entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
            if (std::find(ids.begin(), ids.end(), id) == ids.end())
                ids.push_back(id);
        }
    }
    std::map<std::int32_t, std::int64_t> offsets;
    const std::string topicName = topic.toStdString();
    for (const QString &id : ids) {
        Result<BatchManifest> manifest = readManifest(QDir(m_incomingDir).filePath(id));
        if (!manifest && manifest.error().code == QLatin1String(errorcode::kNotFound))
            manifest = readManifest(QDir(m_usedDir).filePath(id));
        // An unreadable manifest may hold offsets that must not be read again: refusing is the
        // only way to keep the no-duplicates promise.
        if (!manifest)
            return fail(QStringLiteral("cannot tell which offsets are already in batches: %1")
                            .arg(manifest.errorMessage()));
        if (manifest->source.consumerGroup != group || manifest->source.topic != topic)
            continue;
        for (const PartitionRange &range : manifest->partitions) {
            if (range.offsets.topic != topicName)
                continue;
            auto [it, inserted] =
                offsets.emplace(range.offsets.partition, range.offsets.lastOffset);
            if (!inserted)
                it->second = std::max(it->second, range.offsets.lastOffset);
        }
    }
    return offsets;
}

Result<std::unique_ptr<BatchWriter>> BatchStore::beginBatch(const BatchSource &source,
                                                            const RecordLayout &layout)
{
    if (Result<void> opened = open(); !opened)
        return opened.error();
    if (Result<void> valid = layout.validate(); !valid)
        return valid.error();
    if (source.topic.isEmpty())
        return fail(QString::fromLatin1(errorcode::kInvalidArgument),
                    QStringLiteral("a batch needs the topic it comes from"));
    std::unique_ptr<BatchWriter> writer(new BatchWriter);
    writer->m_lock = makeLock(m_incomingDir);
    // open() in another store (a panel listing batches, a command) holds the lock for a moment
    // while it looks for leftovers; a drain is what holds it for long.
    if (!writer->m_lock->tryLock(2000))
        return fail(QStringLiteral("%1 is already writing a batch to %2")
                        .arg(lockHolder(*writer->m_lock), m_incomingDir));
    writer->m_incomingDir = m_incomingDir;
    writer->m_manifest.id = newBatchId();
    writer->m_manifest.source = source;
    writer->m_manifest.layout = layout;
    const QString partial = QDir(m_incomingDir).filePath(partialName(writer->id()));
    if (!QDir().mkdir(partial))
        return fail(QStringLiteral("cannot create the folder %1").arg(partial));
    writer->m_partialDir = partial;

    const auto openFile = [&partial](std::unique_ptr<BatchWriter::DataFile> &file,
                                     const char *name) -> Result<void> {
        file = std::make_unique<BatchWriter::DataFile>();
        return file->open(partial, QString::fromLatin1(name));
    };
    Result<void> opened = openFile(writer->m_features, batchfile::kFeatures);
    if (opened)
        opened = openFile(writer->m_labels, layout.task == ml::TaskKind::Classification
                                                ? batchfile::kLabels
                                                : batchfile::kTargets);
    if (opened && !layout.idField.isEmpty())
        opened = openFile(writer->m_ids, batchfile::kIds);
    if (opened)
        opened = openFile(writer->m_deadLetters, batchfile::kDeadLetters);
    if (!opened)
        return opened.error();
    return writer;
}

} // namespace millrace::streams
