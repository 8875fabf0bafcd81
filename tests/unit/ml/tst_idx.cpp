#include "core/ml/idx.h"

#include "mlverify.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <set>
#include <vector>

using namespace millrace::ml;

using Bytes = std::vector<std::uint8_t>;
Q_DECLARE_METATYPE(Bytes)

namespace {

// An IDX file of unsigned bytes spelt out by hand, big-endian sizes and all, so the reader is
// checked against the format rather than against the library's own writer.
Bytes idxBytes(const std::vector<std::uint32_t> &dimensions, const Bytes &data)
{
    Bytes bytes = {0x00, 0x00, 0x08, std::uint8_t(dimensions.size())};
    for (const std::uint32_t dimension : dimensions) {
        bytes.push_back(std::uint8_t(dimension >> 24));
        bytes.push_back(std::uint8_t(dimension >> 16));
        bytes.push_back(std::uint8_t(dimension >> 8));
        bytes.push_back(std::uint8_t(dimension));
    }
    bytes.insert(bytes.end(), data.begin(), data.end());
    return bytes;
}

Bytes sequence(std::size_t count)
{
    Bytes data(count);
    for (std::size_t i = 0; i < count; ++i)
        data[i] = std::uint8_t(i * 7 % 256);
    return data;
}

// One gzip member, as gzip(1) writes it.
Bytes gzipped(const Bytes &plain)
{
    z_stream stream{};
    if (deflateInit2(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY)
        != Z_OK)
        qFatal("deflateInit2 failed");
    Bytes output(deflateBound(&stream, uLong(plain.size())) + 64);
    stream.next_in = const_cast<Bytef *>(plain.data());
    stream.avail_in = uInt(plain.size());
    stream.next_out = output.data();
    stream.avail_out = uInt(output.size());
    if (deflate(&stream, Z_FINISH) != Z_STREAM_END)
        qFatal("deflate failed");
    output.resize(stream.total_out);
    deflateEnd(&stream);
    return output;
}

Bytes joined(Bytes first, const Bytes &second)
{
    first.insert(first.end(), second.begin(), second.end());
    return first;
}

Bytes fileBytes(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    const QByteArray content = file.readAll();
    return Bytes(content.begin(), content.end());
}

bool writeBytes(const QString &path, const Bytes &bytes)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return false;
    return file.write(reinterpret_cast<const char *>(bytes.data()), qint64(bytes.size()))
           == qint64(bytes.size());
}

std::string localPath(const QString &path)
{
    return path.toStdString();
}

} // namespace

class TestIdx : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();

    void readsFashionMnistTestSet();
    void readsFashionMnistTrainLabels();
    void plainRoundTrip();
    void gzipRoundTrip();
    void readsConcatenatedGzipMembers();
    void rejectsBadContent_data();
    void rejectsBadContent();
    void errorNamesTheFile();
    void scalesPixelsToUnitRange();
    void rejectsMismatchedPair_data();
    void rejectsMismatchedPair();
    void writeReplacesAtomically();

private:
    QString writeIdx(const QString &name, const Bytes &bytes);

    std::unique_ptr<QTemporaryDir> m_dir;
};

void TestIdx::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

QString TestIdx::writeIdx(const QString &name, const Bytes &bytes)
{
    const QString path = m_dir->filePath(name);
    if (!writeBytes(path, bytes))
        qFatal("cannot write %s", qPrintable(path));
    return path;
}

void TestIdx::readsFashionMnistTestSet()
{
    const std::string directory = fashionMnistDefaultDirectory();
    QVERIFY2(QFileInfo::exists(QString::fromStdString(directory + "/t10k-images-idx3-ubyte.gz")),
             "Fashion-MNIST is missing: install the Debian package dataset-fashion-mnist");

    const Result<Dataset> dataset = readFashionMnist(directory, FashionMnistPart::Test);
    ML_VERIFY_OK(dataset);
    ML_VERIFY_OK(dataset->validate());
    QCOMPARE(dataset->size(), std::size_t(10000));
    QCOMPARE(dataset->sampleShape, (std::vector<std::int64_t>{28, 28}));
    QCOMPARE(dataset->features.size(), std::size_t(10000 * 28 * 28));
    QCOMPARE(dataset->task, TaskKind::Classification);
    QCOMPARE(dataset->classCount, std::int64_t(10));
    QCOMPARE(dataset->classNames.size(), std::size_t(10));
    QCOMPARE(dataset->classNames.front(), std::string("T-shirt/top"));
    QCOMPARE(dataset->classNames.back(), std::string("Ankle boot"));

    // The test set is balanced: 1,000 images of each class (checked against the file with an
    // independent reader).
    std::vector<int> perClass(10, 0);
    for (const std::int64_t label : dataset->classLabels) {
        QVERIFY(label >= 0 && label < 10);
        ++perClass[std::size_t(label)];
    }
    QCOMPARE(perClass, std::vector<int>(10, 1000));
    const std::vector<std::int64_t> firstLabels(dataset->classLabels.begin(),
                                                dataset->classLabels.begin() + 10);
    QCOMPARE(firstLabels, (std::vector<std::int64_t>{9, 2, 1, 1, 6, 1, 4, 6, 5, 7}));

    const auto [low, high] =
        std::minmax_element(dataset->features.begin(), dataset->features.end());
    QCOMPARE(*low, 0.0f);
    QCOMPARE(*high, 1.0f);
    // The first image's bytes add up to 33,456 and 517 of its 784 pixels are black.
    long long byteSum = 0;
    int black = 0;
    for (std::size_t i = 0; i < 784; ++i) {
        byteSum += std::lround(dataset->features[i] * 255.0f);
        black += dataset->features[i] == 0.0f;
    }
    QCOMPARE(byteSum, 33456LL);
    QCOMPARE(black, 517);
}

void TestIdx::readsFashionMnistTrainLabels()
{
    const Result<IdxArray> labels =
        readIdxFile(fashionMnistDefaultDirectory() + "/train-labels-idx1-ubyte.gz");
    ML_VERIFY_OK(labels);
    QCOMPARE(labels->dimensions, std::vector<std::uint32_t>{60000});
    QCOMPARE(labels->data.size(), std::size_t(60000));
    QCOMPARE(std::set<std::uint8_t>(labels->data.begin(), labels->data.end()).size(),
             std::size_t(10));
    QCOMPARE(*std::max_element(labels->data.begin(), labels->data.end()), std::uint8_t(9));
}

void TestIdx::plainRoundTrip()
{
    const Bytes data = sequence(2 * 3 * 4);
    const Bytes handMade = idxBytes({2, 3, 4}, data);
    const QString path = writeIdx(QStringLiteral("hand.idx"), handMade);

    const Result<IdxArray> read = readIdxFile(localPath(path));
    ML_VERIFY_OK(read);
    QCOMPARE(read->dimensions, (std::vector<std::uint32_t>{2, 3, 4}));
    QCOMPARE(read->data, data);

    // Writing it back without compression gives the hand-made bytes exactly.
    const QString written = m_dir->filePath(QStringLiteral("written.idx"));
    ML_VERIFY_OK(writeIdxFile(localPath(written), *read, IdxCompression::None));
    QCOMPARE(fileBytes(written), handMade);
}

void TestIdx::gzipRoundTrip()
{
    // Large enough that the reader decompresses in more than one step.
    const IdxArray array{{5, 300, 1000}, sequence(5 * 300 * 1000)};
    const QString path = m_dir->filePath(QStringLiteral("images.idx.gz"));
    ML_VERIFY_OK(writeIdxFile(localPath(path), array, IdxCompression::Gzip));

    const Bytes onDisk = fileBytes(path);
    QVERIFY(onDisk.size() > 2);
    QCOMPARE(onDisk[0], std::uint8_t(0x1F));
    QCOMPARE(onDisk[1], std::uint8_t(0x8B));
    QVERIFY(onDisk.size() < array.data.size());

    const Result<IdxArray> read = readIdxFile(localPath(path));
    ML_VERIFY_OK(read);
    QCOMPARE(read->dimensions, array.dimensions);
    QVERIFY(read->data == array.data);

    // A file gzipped by another tool reads the same.
    const QString other =
        writeIdx(QStringLiteral("other.gz"), gzipped(idxBytes(array.dimensions, array.data)));
    const Result<IdxArray> readOther = readIdxFile(localPath(other));
    ML_VERIFY_OK(readOther);
    QVERIFY(readOther->data == array.data);
}

void TestIdx::readsConcatenatedGzipMembers()
{
    // `cat header.gz data.gz` is still one valid gzip file.
    const Bytes whole = idxBytes({4, 5}, sequence(20));
    const Bytes first(whole.begin(), whole.begin() + 10);
    const Bytes second(whole.begin() + 10, whole.end());
    const Result<IdxArray> read = parseIdx(joined(gzipped(first), gzipped(second)), "joined.gz");
    ML_VERIFY_OK(read);
    QCOMPARE(read->dimensions, (std::vector<std::uint32_t>{4, 5}));
    QCOMPARE(read->data, sequence(20));
}

void TestIdx::rejectsBadContent_data()
{
    QTest::addColumn<Bytes>("bytes");
    QTest::addColumn<QString>("expected");

    const Bytes good = idxBytes({3, 4}, sequence(12));
    const Bytes gz = gzipped(good);

    QTest::newRow("empty") << Bytes{} << "too short for an IDX file";
    QTest::newRow("two bytes") << Bytes{0, 0} << "too short for an IDX file";
    Bytes wrongMagic = good;
    wrongMagic[0] = 0x50;
    QTest::newRow("wrong magic") << wrongMagic << "not an IDX file (magic number starts with 0x50";
    Bytes floats = good;
    floats[2] = 0x0D;
    QTest::newRow("float elements") << floats << "element type 0x0D (32-bit float)";
    QTest::newRow("zero dimensions") << Bytes{0, 0, 8, 0} << "declares 0 dimensions";
    QTest::newRow("truncated header")
        << Bytes(good.begin(), good.begin() + 9) << "truncated header (declares 2 dimensions";
    QTest::newRow("truncated data")
        << Bytes(good.begin(), good.end() - 1)
        << "truncated (header declares 3 x 4 = 12 data bytes, file has 11)";
    QTest::newRow("trailing bytes")
        << joined(good, {1, 2, 3}) << "trailing bytes after the 12 data bytes";
    QTest::newRow("huge dimensions")
        << idxBytes({0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF}, {}) << "truncated (header declares";

    QTest::newRow("gzip cut short") << Bytes(gz.begin(), gz.begin() + std::ptrdiff_t(gz.size() / 2))
                                    << "gzip stream is truncated";
    QTest::newRow("gzip of truncated data") << gzipped(Bytes(good.begin(), good.end() - 2))
                                            << "truncated (header declares 3 x 4 = 12 data bytes, "
                                               "decompressed data has 10)";
    QTest::newRow("gzip of trailing data")
        << gzipped(joined(good, {9})) << "trailing bytes after the 12 data bytes";
    Bytes badChecksum = gz;
    badChecksum[badChecksum.size() - 8] ^= 0xFF; // the CRC-32 in the gzip trailer
    QTest::newRow("gzip checksum") << badChecksum << "corrupt gzip data";
    QTest::newRow("garbage after gzip")
        << joined(gz, {'x', 'y', 'z'}) << "3 bytes that are not gzip data follow";
    QTest::newRow("gzip of wrong magic") << gzipped(wrongMagic) << "not an IDX file";
}

void TestIdx::rejectsBadContent()
{
    QFETCH(Bytes, bytes);
    QFETCH(QString, expected);
    const Result<IdxArray> read = parseIdx(bytes, "bad.idx");
    ML_VERIFY_FAILS(read, "bad.idx: ", expected.toStdString());
}

void TestIdx::errorNamesTheFile()
{
    const Bytes good = idxBytes({10}, sequence(10));
    const QString path =
        writeIdx(QStringLiteral("labels-truncated.idx"), Bytes(good.begin(), good.end() - 3));
    ML_VERIFY_FAILS(readIdxFile(localPath(path)), localPath(path) + ": truncated");
    const std::string missing = localPath(m_dir->filePath(QStringLiteral("nope.idx")));
    ML_VERIFY_FAILS(readIdxFile(missing), missing + ": cannot open");
}

void TestIdx::scalesPixelsToUnitRange()
{
    const QString images =
        writeIdx(QStringLiteral("img.idx"), idxBytes({2, 1, 3}, {0, 51, 255, 102, 204, 1}));
    const QString labels = writeIdx(QStringLiteral("lbl.idx.gz"), gzipped(idxBytes({2}, {3, 0})));
    const Result<Dataset> dataset = readIdxImageDataset(localPath(images), localPath(labels), 4);
    ML_VERIFY_OK(dataset);
    ML_VERIFY_OK(dataset->validate());
    QCOMPARE(dataset->size(), std::size_t(2));
    QCOMPARE(dataset->sampleShape, (std::vector<std::int64_t>{1, 3}));
    QCOMPARE(dataset->features, (std::vector<float>{0.0f, 0.2f, 1.0f, 0.4f, 0.8f, 1.0f / 255.0f}));
    QCOMPARE(dataset->classLabels, (std::vector<std::int64_t>{3, 0}));
    QCOMPARE(dataset->classCount, std::int64_t(4));
    QVERIFY(dataset->classNames.empty());
}

void TestIdx::rejectsMismatchedPair_data()
{
    QTest::addColumn<Bytes>("images");
    QTest::addColumn<Bytes>("labels");
    QTest::addColumn<QString>("expected");

    const Bytes images = idxBytes({3, 2, 2}, sequence(12));
    const Bytes labels = idxBytes({3}, {0, 1, 2});
    QTest::newRow("count mismatch") << images << idxBytes({2}, {0, 1})
                                    << "images.idx has 3 images but %1labels.idx has 2 labels";
    QTest::newRow("images with 2 dimensions") << idxBytes({3, 4}, sequence(12)) << labels
                                              << "images need 3 dimensions (count, rows, columns), "
                                                 "the file has 2";
    QTest::newRow("labels with 2 dimensions") << images << idxBytes({3, 1}, {0, 1, 2})
                                              << "labels need 1 dimension (count), the file has 2";
    QTest::newRow("label out of range")
        << images << idxBytes({3}, {0, 10, 2}) << "label 10 at index 1 is outside 0..9";
    QTest::newRow("no images") << idxBytes({0, 2, 2}, {}) << idxBytes({0}, {})
                               << "contains no images";
    QTest::newRow("truncated labels")
        << images << Bytes{0, 0, 8, 1, 0, 0, 0, 3, 0} << "labels.idx: truncated";
}

void TestIdx::rejectsMismatchedPair()
{
    QFETCH(Bytes, images);
    QFETCH(Bytes, labels);
    QFETCH(QString, expected);
    const QString imagesPath = writeIdx(QStringLiteral("images.idx"), images);
    const QString labelsPath = writeIdx(QStringLiteral("labels.idx"), labels);
    if (expected.contains(u"%1"))
        expected = expected.arg(m_dir->path() + u'/');
    const std::string fragment = expected.toStdString();
    ML_VERIFY_FAILS(readIdxImageDataset(localPath(imagesPath), localPath(labelsPath), 10),
                    fragment);
}

void TestIdx::writeReplacesAtomically()
{
    const QString path = writeIdx(QStringLiteral("data.idx"), Bytes{'o', 'l', 'd'});
    const IdxArray array{{2}, {7, 8}};
    ML_VERIFY_OK(writeIdxFile(localPath(path), array, IdxCompression::None));
    QCOMPARE(fileBytes(path), idxBytes({2}, {7, 8}));
    // Nothing is left beside it: the temporary file was renamed into place.
    QCOMPARE(QDir(m_dir->path()).entryList(QDir::Files), QStringList{QStringLiteral("data.idx")});

    // An array whose dimensions disagree with its data is refused and the file kept.
    ML_VERIFY_FAILS(writeIdxFile(localPath(path), IdxArray{{3}, {1, 2}}, IdxCompression::Gzip),
                    "do not match the 2 data bytes");
    QCOMPARE(fileBytes(path), idxBytes({2}, {7, 8}));
}

QTEST_GUILESS_MAIN(TestIdx)
#include "tst_idx.moc"
