#include "ui/panels/experiments/artifactfiles.h"

#include <QCoreApplication>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QImageReader>
#include <QLocale>
#include <QStringDecoder>

#include <algorithm>

namespace millrace::ui {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("millrace::ui::ArtifactFiles", text);
}

// Text files may hold a few control characters (a form feed, ANSI colours in a log); binary
// formats without NUL bytes still have far more than this share of them.
constexpr double kMaxControlShare = 0.01;

bool looksLikeText(const QByteArray &bytes)
{
    qsizetype controls = 0;
    for (const char c : bytes) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte == 0)
            return false;
        if (byte < 0x20 && byte != '\t' && byte != '\n' && byte != '\r' && byte != '\f'
            && byte != '\v' && byte != 0x1b)
            ++controls;
    }
    return controls <= qsizetype(double(bytes.size()) * kMaxControlShare);
}

ArtifactPreview failed(ArtifactPreview preview, const QString &message)
{
    preview.kind = ArtifactPreview::Kind::Failed;
    preview.message = message;
    return preview;
}

} // namespace

QString artifactSizeText(qint64 bytes)
{
    return QLocale().formattedDataSize(bytes, 1, QLocale::DataSizeTraditionalFormat);
}

ArtifactListing listArtifactDirectory(const QString &directory, int maxEntries,
                                      const CancellationToken &token)
{
    ArtifactListing listing;
    listing.directory = QDir::cleanPath(directory);
    if (QDir::isRelativePath(directory)) {
        // runArtifactDirectory() hands back a URI it cannot map (s3://, a server's path) as is.
        listing.error =
            tr("The artifacts are not in a folder on this machine (%1).").arg(directory);
        return listing;
    }
    const QFileInfo root(listing.directory);
    if (!root.exists())
        return listing;
    listing.exists = true;
    if (!root.isDir()) {
        listing.error = tr("%1 is not a folder.").arg(QDir::toNativeSeparators(listing.directory));
        return listing;
    }
    if (!root.isReadable() || !root.isExecutable()) {
        listing.error =
            tr("Cannot read the folder %1.").arg(QDir::toNativeSeparators(listing.directory));
        return listing;
    }

    const QDir base(listing.directory);
    // No FollowSymlinks: a link back up the tree must not make the walk endless.
    QDirIterator it(listing.directory,
                    QDir::Files | QDir::Dirs | QDir::Hidden | QDir::NoDotAndDotDot,
                    QDirIterator::Subdirectories);
    while (it.hasNext() && !token.isCancelled()) {
        if (listing.entries.size() >= maxEntries) {
            listing.truncated = true;
            break;
        }
        const QFileInfo info = it.nextFileInfo();
        ArtifactEntry entry;
        entry.path = base.relativeFilePath(info.filePath());
        entry.isDir = info.isDir();
        entry.size = entry.isDir ? 0 : info.size();
        listing.entries.append(entry);
    }
    std::sort(listing.entries.begin(), listing.entries.end(),
              [](const ArtifactEntry &a, const ArtifactEntry &b) { return a.path < b.path; });

    // Folder sizes: every file adds its size to each folder above it. Sorted by path, a folder's
    // files follow it, so a stack of open folders is enough.
    QList<qsizetype> open;
    for (qsizetype i = 0; i < listing.entries.size(); ++i) {
        const QString &path = listing.entries.at(i).path;
        while (!open.isEmpty()
               && !path.startsWith(listing.entries.at(open.last()).path + QLatin1Char('/')))
            open.removeLast();
        if (listing.entries.at(i).isDir) {
            open.append(i);
            continue;
        }
        for (const qsizetype folder : std::as_const(open))
            listing.entries[folder].size += listing.entries.at(i).size;
    }
    return listing;
}

ArtifactPreview readArtifactPreview(const QString &filePath, const PreviewLimits &limits,
                                    const CancellationToken &token)
{
    ArtifactPreview preview;
    const QFileInfo info(filePath);
    if (!info.exists())
        return failed(preview, tr("The file no longer exists."));
    if (info.isDir())
        return failed(preview, tr("This is a folder."));
    preview.fileSize = info.size();
    if (preview.fileSize == 0) {
        preview.kind = ArtifactPreview::Kind::Empty;
        return preview;
    }

    // A picture first: by its suffix, else by its content (an image saved without a suffix).
    const QByteArray suffix = info.suffix().toLower().toLatin1();
    const bool imageBySuffix =
        !suffix.isEmpty() && QImageReader::supportedImageFormats().contains(suffix);
    {
        QImageReader reader(filePath);
        reader.setAutoTransform(true);
        const QByteArray format = reader.format();
        if (!format.isEmpty()) {
            if (preview.fileSize > limits.maxImageFileBytes)
                return failed(preview, tr("Image file of %1 — too large to preview.")
                                           .arg(artifactSizeText(preview.fileSize)));
            preview.imageSize = reader.size();
            if (preview.imageSize.isValid()
                && qMax(preview.imageSize.width(), preview.imageSize.height())
                       > limits.maxImageSide)
                reader.setScaledSize(preview.imageSize.scaled(
                    limits.maxImageSide, limits.maxImageSide, Qt::KeepAspectRatio));
            QImage image = reader.read();
            if (!image.isNull()) {
                preview.kind = ArtifactPreview::Kind::Image;
                preview.format = QString::fromLatin1(format);
                if (!preview.imageSize.isValid())
                    preview.imageSize = image.size();
                preview.image = std::move(image);
                return preview;
            }
            if (imageBySuffix)
                return failed(
                    preview, tr("Cannot decode this %1 image: %2.")
                                 .arg(QString::fromLatin1(format).toUpper(), reader.errorString()));
            // Content that merely resembled a picture: try it as text.
        }
    }
    if (token.isCancelled())
        return failed(preview, tr("Cancelled."));

    QFile file(filePath);
    if (!file.open(QIODevice::ReadOnly))
        return failed(preview, tr("Cannot read the file: %1.").arg(file.errorString()));
    const QByteArray bytes = file.read(limits.maxTextBytes);
    if (bytes.isEmpty() && file.error() != QFileDevice::NoError)
        return failed(preview, tr("Cannot read the file: %1.").arg(file.errorString()));
    const QString binary =
        tr("Binary file, %1 — no preview.").arg(artifactSizeText(preview.fileSize));
    if (!looksLikeText(bytes)) {
        preview.kind = ArtifactPreview::Kind::Binary;
        preview.message = binary;
        return preview;
    }
    // Stateful, so a character cut in two by the size cap is not taken for invalid UTF-8.
    QStringDecoder utf8(QStringDecoder::Utf8);
    QString text = utf8.decode(bytes);
    if (utf8.hasError()) {
        // No NUL bytes and few control characters but not UTF-8: an old Latin-1 log or CSV.
        text = QString::fromLatin1(bytes);
    }
    preview.kind = ArtifactPreview::Kind::Text;
    preview.text = std::move(text);
    preview.truncated = preview.fileSize > bytes.size();
    return preview;
}

} // namespace millrace::ui
