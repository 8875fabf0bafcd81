#include "core/pipeline/fashionsplit.h"

#include "core/base/durablefiles.h"
#include "core/ml/idx.h"
#include "core/ml/split.h"
#include "core/pipeline/pipelinelog.h"
#include "core/streams/holdout.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QUuid>

namespace millrace::pipeline {

namespace {

constexpr int kFormat = 1;
// The share loadFashionMnistHoldout() keeps back, with streams::kHoldoutSplitSeed: the same
// call of ml::splitIndices() here gives the same holdout, so the training part never holds an
// image the stream later publishes as "new".
constexpr double kHoldoutFraction = 0.1;

const QString kTrainImages = QStringLiteral("train-images-idx3-ubyte.gz");
const QString kTrainLabels = QStringLiteral("train-labels-idx1-ubyte.gz");
const QString kTestImages = QStringLiteral("t10k-images-idx3-ubyte.gz");
const QString kTestLabels = QStringLiteral("t10k-labels-idx1-ubyte.gz");
const QString kSplitFile = QStringLiteral("split.json");

Error mlError(const ml::Error &error)
{
    return fail(QString::fromStdString(error.message));
}

QJsonObject fileSizes(const QString &directory, const QStringList &names)
{
    QJsonObject sizes;
    for (const QString &name : names)
        sizes.insert(name, QFileInfo(QDir(directory).filePath(name)).size());
    return sizes;
}

const QStringList &allFiles()
{
    static const QStringList files{kTrainImages, kTrainLabels, kTestImages, kTestLabels};
    return files;
}

// The images and labels of one part, checked to belong together.
struct RawPart
{
    ml::IdxArray images;
    ml::IdxArray labels;
};

Result<RawPart> readPart(const QString &directory, const QString &imagesName,
                         const QString &labelsName)
{
    RawPart part;
    const QString imagesPath = QDir(directory).filePath(imagesName);
    const QString labelsPath = QDir(directory).filePath(labelsName);
    for (const QString &path : {imagesPath, labelsPath}) {
        if (!QFileInfo::exists(path))
            return fail(QStringLiteral("%1 is missing: install the dataset-fashion-mnist "
                                       "package, or give the folder holding the four "
                                       "Fashion-MNIST files")
                            .arg(path));
    }
    ml::Result<ml::IdxArray> images = ml::readIdxFile(imagesPath.toStdString());
    if (!images)
        return mlError(images.error());
    ml::Result<ml::IdxArray> labels = ml::readIdxFile(labelsPath.toStdString());
    if (!labels)
        return mlError(labels.error());
    if (images->dimensions.size() != 3 || labels->dimensions.size() != 1)
        return fail(QStringLiteral("%1 and %2 are not an image file and a label file")
                        .arg(imagesPath, labelsPath));
    if (images->dimensions[0] != labels->dimensions[0])
        return fail(QStringLiteral("%1 holds %2 images but %3 holds %4 labels")
                        .arg(imagesPath)
                        .arg(images->dimensions[0])
                        .arg(labelsPath)
                        .arg(labels->dimensions[0]));
    for (std::size_t i = 0; i < labels->data.size(); ++i) {
        if (labels->data[i] >= 10)
            return fail(QStringLiteral("%1: label %2 of image %3 is not a Fashion-MNIST class")
                            .arg(labelsPath)
                            .arg(labels->data[i])
                            .arg(i));
    }
    part.images = std::move(*images);
    part.labels = std::move(*labels);
    return part;
}

// The rows `indices` of an IDX array, the first dimension being the rows.
ml::IdxArray rows(const ml::IdxArray &array, const std::vector<std::size_t> &indices)
{
    std::size_t width = 1;
    for (std::size_t d = 1; d < array.dimensions.size(); ++d)
        width *= array.dimensions[d];
    ml::IdxArray subset;
    subset.dimensions = array.dimensions;
    subset.dimensions[0] = std::uint32_t(indices.size());
    subset.data.resize(indices.size() * width);
    for (std::size_t i = 0; i < indices.size(); ++i)
        std::copy_n(array.data.begin() + std::ptrdiff_t(indices[i] * width), width,
                    subset.data.begin() + std::ptrdiff_t(i * width));
    return subset;
}

Result<PreparedSplit> splitFromJson(const QString &directory, const QJsonObject &json)
{
    if (json.value(QStringLiteral("format")).toInt() != kFormat)
        return fail(
            QStringLiteral("%1 is of an unknown format").arg(QDir(directory).filePath(kSplitFile)));
    PreparedSplit split;
    split.directory = directory;
    split.sourceDirectory = json.value(QStringLiteral("source")).toString();
    split.train = json.value(QStringLiteral("train")).toInteger();
    split.test = json.value(QStringLiteral("test")).toInteger();
    split.holdout = json.value(QStringLiteral("holdout")).toInteger();
    split.seed = std::uint64_t(json.value(QStringLiteral("seed")).toInteger());
    return split;
}

} // namespace

QJsonObject PreparedSplit::toJson() const
{
    return {{QStringLiteral("format"), kFormat},
            {QStringLiteral("source"), sourceDirectory},
            {QStringLiteral("seed"), qint64(seed)},
            {QStringLiteral("holdout_fraction"), kHoldoutFraction},
            {QStringLiteral("train"), train},
            {QStringLiteral("test"), test},
            {QStringLiteral("holdout"), holdout}};
}

QString preparedSplitDirectory(const QString &workspaceRoot)
{
    return QDir(workspaceRoot).filePath(QStringLiteral("data/fashion-mnist"));
}

Result<PreparedSplit> readPreparedSplit(const QString &directory)
{
    const QString path = QDir(directory).filePath(kSplitFile);
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return fail(QStringLiteral("no prepared Fashion-MNIST split in %1: run prepare_data "
                                   "first")
                        .arg(directory));
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(file.readAll(), &error);
    if (error.error != QJsonParseError::NoError || !document.isObject())
        return fail(QStringLiteral("%1 is not readable (%2): run prepare_data with rewrite")
                        .arg(path, error.errorString()));
    const QJsonObject json = document.object();
    Result<PreparedSplit> split = splitFromJson(directory, json);
    if (!split)
        return split;
    // Sizes catch a truncated or replaced file cheaply; the IDX reader checks the rest when a
    // task reads them.
    const QJsonObject written = json.value(QStringLiteral("files")).toObject();
    for (const QString &name : allFiles()) {
        const QFileInfo info(QDir(directory).filePath(name));
        if (!info.exists() || info.size() != written.value(name).toInteger(-1))
            return fail(QStringLiteral("the prepared split in %1 is damaged (%2 is missing or "
                                       "of another size than written): run prepare_data with "
                                       "rewrite")
                            .arg(directory, name));
    }
    return split;
}

Result<PreparedSplit>
prepareFashionMnistSplit(const QString &sourceDirectory, const QString &workspaceRoot, bool rewrite,
                         const CancellationToken &cancellation,
                         const std::function<void(double, const QString &)> &progress)
{
    auto step = [&](double fraction, const QString &what) {
        if (progress)
            progress(fraction, what);
    };
    auto cancelled = [] { return fail(QStringLiteral("cancelled")); };
    const QString source =
        QFileInfo(sourceDirectory.isEmpty()
                      ? QString::fromStdString(ml::fashionMnistDefaultDirectory())
                      : sourceDirectory)
            .absoluteFilePath();

    step(0.0, QStringLiteral("reading the training files"));
    Result<RawPart> train = readPart(source, kTrainImages, kTrainLabels);
    if (!train)
        return train.error();
    if (cancellation.isCancelled())
        return cancelled();
    step(0.3, QStringLiteral("reading the test files"));
    Result<RawPart> test = readPart(source, kTestImages, kTestLabels);
    if (!test)
        return test.error();
    if (train->images.dimensions[1] != test->images.dimensions[1]
        || train->images.dimensions[2] != test->images.dimensions[2])
        return fail(
            QStringLiteral("the training and test images in %1 differ in size").arg(source));

    const std::size_t count = train->labels.data.size();
    ml::Result<ml::DatasetSplit> split = ml::splitIndices(
        count, {1.0 - kHoldoutFraction, 0.0, kHoldoutFraction}, streams::kHoldoutSplitSeed);
    if (!split)
        return mlError(split.error());
    PreparedSplit prepared;
    prepared.directory = preparedSplitDirectory(workspaceRoot);
    prepared.sourceDirectory = source;
    prepared.train = qint64(split->train.size());
    prepared.test = qint64(test->labels.data.size());
    prepared.holdout = qint64(split->holdout.size());
    prepared.seed = streams::kHoldoutSplitSeed;
    const QJsonObject sourceSizes = fileSizes(source, allFiles());

    if (!rewrite) {
        Result<PreparedSplit> existing = readPreparedSplit(prepared.directory);
        if (existing && existing->sourceDirectory == source && existing->seed == prepared.seed
            && existing->train == prepared.train && existing->test == prepared.test
            && existing->holdout == prepared.holdout) {
            QFile file(QDir(prepared.directory).filePath(kSplitFile));
            if (file.open(QIODevice::ReadOnly)
                && QJsonDocument::fromJson(file.readAll())
                           .object()
                           .value(QStringLiteral("source_files"))
                           .toObject()
                       == sourceSizes) {
                prepared.reused = true;
                step(1.0, QStringLiteral("kept the split prepared earlier"));
                return prepared;
            }
        }
    }

    // Written beside the final folder under a unique hidden name, then renamed: a crash or a
    // second preparation running at the same time never leaves a half-written split in place.
    const QString dataDir = QFileInfo(prepared.directory).absolutePath();
    if (!QDir().mkpath(dataDir))
        return fail(QStringLiteral("could not create %1").arg(dataDir));
    const QString partial =
        QDir(dataDir).filePath(QStringLiteral(".fashion-mnist.%1.partial")
                                   .arg(QUuid::createUuid().toString(QUuid::WithoutBraces)));
    struct Cleanup
    {
        QString path;
        ~Cleanup()
        {
            if (!path.isEmpty())
                removeTree(path);
        }
    } cleanup{partial};
    if (!QDir().mkpath(partial))
        return fail(QStringLiteral("could not create %1").arg(partial));

    step(0.45, QStringLiteral("writing the training part"));
    for (const auto &[name, array] : {std::pair{kTrainImages, rows(train->images, split->train)},
                                      std::pair{kTrainLabels, rows(train->labels, split->train)}}) {
        if (cancellation.isCancelled())
            return cancelled();
        ml::Result<void> written = ml::writeIdxFile(QDir(partial).filePath(name).toStdString(),
                                                    array, ml::IdxCompression::Gzip);
        if (!written)
            return mlError(written.error());
    }
    step(0.85, QStringLiteral("copying the test set"));
    for (const QString &name : {kTestImages, kTestLabels}) {
        if (Result<void> copied =
                copyDurably(QDir(source).filePath(name), QDir(partial).filePath(name));
            !copied)
            return copied.error();
    }
    QJsonObject manifest = prepared.toJson();
    manifest.insert(QStringLiteral("source_files"), sourceSizes);
    manifest.insert(QStringLiteral("files"), fileSizes(partial, allFiles()));
    for (const QString &name : {kTrainImages, kTrainLabels}) {
        if (!syncPath(QDir(partial).filePath(name)))
            return fail(QStringLiteral("could not sync %1").arg(QDir(partial).filePath(name)));
    }
    if (Result<void> written =
            writeFileDurably(QDir(partial).filePath(kSplitFile),
                             QJsonDocument(manifest).toJson(QJsonDocument::Indented));
        !written)
        return written.error();
    if (cancellation.isCancelled())
        return cancelled();

    if (QFileInfo::exists(prepared.directory) && !removeTree(prepared.directory))
        return fail(QStringLiteral("could not remove the old split in %1").arg(prepared.directory));
    if (Result<void> renamed = renameDurably(partial, prepared.directory); !renamed) {
        // Another preparation may have renamed its own whole copy into place first: as good.
        if (readPreparedSplit(prepared.directory))
            return prepared;
        return renamed.error();
    }
    cleanup.path.clear();
    qCInfo(lcPipeline).noquote() << "prepared the Fashion-MNIST split in" << prepared.directory
                                 << ":" << prepared.train << "train," << prepared.test << "test,"
                                 << prepared.holdout << "held out for the stream";
    step(1.0, QStringLiteral("prepared"));
    return prepared;
}

} // namespace millrace::pipeline
