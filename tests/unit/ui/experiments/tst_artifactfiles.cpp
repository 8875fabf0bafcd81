// Reading a run's artifact folder for the detail pane: nested listings with folder sizes, a
// missing folder that is no error, and previews that show pictures and text but never garbage:
// binary files, corrupt pictures, huge text and vanished files each get a plain message.

#include "ui/panels/experiments/artifactfiles.h"

#include <QDir>
#include <QFile>
#include <QImage>
#include <QTemporaryDir>
#include <QTest>

using namespace millrace::ui;
using namespace Qt::StringLiterals;

namespace {

bool writeFile(const QString &path, const QByteArray &bytes)
{
    QDir().mkpath(QFileInfo(path).path());
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

QByteArray binaryBytes(int size)
{
    QByteArray bytes(size, '\0');
    for (int i = 0; i < size; ++i)
        bytes[i] = char((i * 37 + 11) % 256);
    return bytes;
}

} // namespace

class TestArtifactFiles : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void listsNestedFoldersWithSizes();
    void missingFolderIsEmpty();
    void relativeLocationIsAnError();
    void listingStopsAtTheCap();
    void previewsImages();
    void bigImagesAreDecodedSmaller();
    void corruptImageSaysSo();
    void previewsText();
    void hugeTextIsCut();
    void binaryGetsAMessage();
    void emptyAndMissingFiles();
};

void TestArtifactFiles::listsNestedFoldersWithSizes()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QVERIFY(writeFile(dir.filePath(u"notes.txt"_s), "hello"));
    QVERIFY(writeFile(dir.filePath(u"model/MLmodel"_s), "flavors: {}\n"));
    QVERIFY(writeFile(dir.filePath(u"model/data/weights.bin"_s), binaryBytes(100)));
    const ArtifactListing listing = listArtifactDirectory(dir.path(), 100);
    QVERIFY(listing.exists);
    QVERIFY(listing.error.isEmpty());
    QVERIFY(!listing.truncated);
    QStringList paths;
    for (const ArtifactEntry &entry : listing.entries)
        paths.append(entry.path + (entry.isDir ? u"/"_s : QString()));
    QCOMPARE(paths, (QStringList{u"model/"_s, u"model/MLmodel"_s, u"model/data/"_s,
                                 u"model/data/weights.bin"_s, u"notes.txt"_s}));
    QCOMPARE(listing.entries.at(0).size, 12 + 100); // model/ holds MLmodel and data/weights.bin
    QCOMPARE(listing.entries.at(2).size, 100);
    QCOMPARE(listing.entries.at(4).size, 5);
}

void TestArtifactFiles::missingFolderIsEmpty()
{
    QTemporaryDir dir;
    const ArtifactListing listing = listArtifactDirectory(dir.filePath(u"never-uploaded"_s), 100);
    QVERIFY(!listing.exists);
    QVERIFY(listing.error.isEmpty());
    QVERIFY(listing.entries.isEmpty());
}

void TestArtifactFiles::relativeLocationIsAnError()
{
    const ArtifactListing listing = listArtifactDirectory(u"s3:/bucket/run/artifacts"_s, 100);
    QVERIFY(listing.entries.isEmpty());
    QVERIFY(listing.error.contains(u"s3:/bucket"_s));
}

void TestArtifactFiles::listingStopsAtTheCap()
{
    QTemporaryDir dir;
    for (int i = 0; i < 8; ++i)
        QVERIFY(writeFile(dir.filePath(u"f%1.txt"_s.arg(i)), "x"));
    const ArtifactListing listing = listArtifactDirectory(dir.path(), 5);
    QVERIFY(listing.truncated);
    QCOMPARE(listing.entries.size(), 5);
}

void TestArtifactFiles::previewsImages()
{
    QTemporaryDir dir;
    QImage image(40, 30, QImage::Format_RGB32);
    image.fill(Qt::red);
    const QString png = dir.filePath(u"plot.png"_s);
    QVERIFY(image.save(png));
    ArtifactPreview preview = readArtifactPreview(png);
    QCOMPARE(preview.kind, ArtifactPreview::Kind::Image);
    QCOMPARE(preview.image.size(), QSize(40, 30));
    QCOMPARE(preview.imageSize, QSize(40, 30));
    QCOMPARE(preview.format, u"png"_s);
    QCOMPARE(preview.image.pixelColor(5, 5), QColor(Qt::red));
    // A picture saved without a suffix is recognised by its content.
    const QString bare = dir.filePath(u"confusion"_s);
    QVERIFY(image.save(bare, "PNG"));
    preview = readArtifactPreview(bare);
    QCOMPARE(preview.kind, ArtifactPreview::Kind::Image);
}

void TestArtifactFiles::bigImagesAreDecodedSmaller()
{
    QTemporaryDir dir;
    QImage image(1200, 600, QImage::Format_RGB32);
    image.fill(Qt::blue);
    const QString path = dir.filePath(u"big.jpg"_s);
    QVERIFY(image.save(path));
    PreviewLimits limits;
    limits.maxImageSide = 300;
    const ArtifactPreview preview = readArtifactPreview(path, limits);
    QCOMPARE(preview.kind, ArtifactPreview::Kind::Image);
    QCOMPARE(preview.imageSize, QSize(1200, 600));
    QCOMPARE(preview.image.size(), QSize(300, 150));
}

void TestArtifactFiles::corruptImageSaysSo()
{
    QTemporaryDir dir;
    QImage image(40, 30, QImage::Format_RGB32);
    image.fill(Qt::green);
    const QString path = dir.filePath(u"broken.png"_s);
    QVERIFY(image.save(path));
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadWrite));
    const QByteArray head = file.read(40); // signature and IHDR survive, the data does not
    QVERIFY(file.resize(0));
    QVERIFY(file.seek(0));
    QVERIFY(file.write(head + binaryBytes(60)) > 0);
    file.close();
    const ArtifactPreview preview = readArtifactPreview(path);
    QCOMPARE(preview.kind, ArtifactPreview::Kind::Failed);
    QVERIFY2(preview.message.contains(u"PNG"_s), qPrintable(preview.message));
    QVERIFY(preview.image.isNull());
}

void TestArtifactFiles::previewsText()
{
    QTemporaryDir dir;
    const QByteArray json = "{\"accuracy\": 0.91, \"label\": \"caf\xc3\xa9\"}\n";
    QVERIFY(writeFile(dir.filePath(u"metrics.json"_s), json));
    ArtifactPreview preview = readArtifactPreview(dir.filePath(u"metrics.json"_s));
    QCOMPARE(preview.kind, ArtifactPreview::Kind::Text);
    QCOMPARE(preview.text, QString::fromUtf8(json));
    QVERIFY(!preview.truncated);
    // A suffix-less MLmodel file is text too.
    QVERIFY(
        writeFile(dir.filePath(u"MLmodel"_s), "artifact_path: model\nflavors:\n  pytorch: {}\n"));
    preview = readArtifactPreview(dir.filePath(u"MLmodel"_s));
    QCOMPARE(preview.kind, ArtifactPreview::Kind::Text);
    QVERIFY(preview.text.startsWith(u"artifact_path"_s));
    // Latin-1 text is still text, not a binary file.
    QVERIFY(writeFile(dir.filePath(u"old.csv"_s), "name;city\nJos\xe9;M\xe1laga\n"));
    preview = readArtifactPreview(dir.filePath(u"old.csv"_s));
    QCOMPARE(preview.kind, ArtifactPreview::Kind::Text);
    QVERIFY(preview.text.contains(u"Jos\u00e9"_s));
}

void TestArtifactFiles::hugeTextIsCut()
{
    QTemporaryDir dir;
    QByteArray log;
    while (log.size() < 600 * 1024)
        log += "epoch 1 step 100 loss 0.123 \xe2\x80\x94 fine\n";
    const QString path = dir.filePath(u"train.log"_s);
    QVERIFY(writeFile(path, log));
    const ArtifactPreview preview = readArtifactPreview(path);
    QCOMPARE(preview.kind, ArtifactPreview::Kind::Text);
    QVERIFY(preview.truncated);
    QCOMPARE(preview.fileSize, log.size());
    QVERIFY(preview.text.toUtf8().size() <= PreviewLimits().maxTextBytes);
    QVERIFY(preview.text.size() > 200 * 1024);
    QVERIFY(preview.text.startsWith(u"epoch 1"_s));
}

void TestArtifactFiles::binaryGetsAMessage()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(u"weights.pt"_s);
    QVERIFY(writeFile(path, binaryBytes(3 * 1024 * 1024)));
    const ArtifactPreview preview = readArtifactPreview(path);
    QCOMPARE(preview.kind, ArtifactPreview::Kind::Binary);
    QVERIFY(preview.text.isEmpty());
    QVERIFY2(preview.message.startsWith(u"Binary file, 3.0 MB"_s), qPrintable(preview.message));
}

void TestArtifactFiles::emptyAndMissingFiles()
{
    QTemporaryDir dir;
    QVERIFY(writeFile(dir.filePath(u"empty.txt"_s), QByteArray()));
    QCOMPARE(readArtifactPreview(dir.filePath(u"empty.txt"_s)).kind, ArtifactPreview::Kind::Empty);
    const ArtifactPreview missing = readArtifactPreview(dir.filePath(u"gone.txt"_s));
    QCOMPARE(missing.kind, ArtifactPreview::Kind::Failed);
    QVERIFY(!missing.message.isEmpty());
}

QTEST_GUILESS_MAIN(TestArtifactFiles)
#include "tst_artifactfiles.moc"
