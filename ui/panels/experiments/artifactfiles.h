#pragma once

#include "core/base/cancellation.h"

#include <QImage>
#include <QList>
#include <QMetaType>
#include <QString>

namespace millrace::ui {

// What the run detail pane reads from a run's artifact folder. Every function here does file IO
// on the calling thread: call them from a Job, never from the GUI thread.

/// One file or folder under a run's artifact folder.
struct ArtifactEntry
{
    QString path;    ///< relative to the artifact folder, '/'-separated ("model/MLmodel")
    qint64 size = 0; ///< bytes; for a folder, the sum of the files listed under it
    bool isDir = false;
    bool operator==(const ArtifactEntry &other) const = default;
};

/// The contents of a run's artifact folder.
struct ArtifactListing
{
    QString directory;            ///< the folder listed (absolute)
    bool exists = false;          ///< false when nothing was ever uploaded for the run
    QList<ArtifactEntry> entries; ///< every file and folder below `directory`, sorted by path
    bool truncated = false;       ///< more entries than the cap; the rest are left out
    QString error;                ///< set when the folder could not be read; entries are empty
    bool operator==(const ArtifactListing &other) const = default;
};

/// Lists everything under `directory`, folders included, at most `maxEntries` entries. Symbolic
/// links to folders are listed but not followed. A missing folder is no error (exists = false);
/// a relative path (an artifact URI that is not on this machine) or an unreadable folder is.
/// Stops early, with what it has, when `token` is cancelled.
ArtifactListing listArtifactDirectory(const QString &directory, int maxEntries,
                                      const CancellationToken &token = {});

/// What a preview of one artifact file shows.
struct ArtifactPreview
{
    enum class Kind {
        Image,  ///< `image` holds the decoded picture (scaled down to the cap)
        Text,   ///< `text` holds the start of the file
        Binary, ///< not text and not a readable image: `message` says so
        Empty,  ///< a file of 0 bytes
        Failed, ///< the file could not be read or decoded: `message` says why
    };
    Kind kind = Kind::Failed;
    qint64 fileSize = 0;
    QImage image;
    QSize imageSize; ///< the picture's own size, before any scaling
    QString format;  ///< image format ("png") when it is an image
    QString text;
    bool truncated = false; ///< only the first `maxTextBytes` are in `text`
    QString message;        ///< one line for the user, for Binary and Failed
};

/// Limits of a preview, so one huge file cannot exhaust memory or time.
struct PreviewLimits
{
    qint64 maxTextBytes = 256 * 1024;            ///< text beyond this is cut off
    int maxImageSide = 2048;                     ///< larger pictures are decoded scaled down
    qint64 maxImageFileBytes = 64 * 1024 * 1024; ///< larger image files are not decoded
};

/// Reads enough of the file at `filePath` to preview it: a picture Qt can decode (PNG, JPEG, GIF,
/// BMP, SVG when the plugin is installed, ...), else valid UTF-8 text without NUL bytes, else a
/// "binary file" message. A corrupt picture gives a Failed preview naming the problem.
ArtifactPreview readArtifactPreview(const QString &filePath, const PreviewLimits &limits = {},
                                    const CancellationToken &token = {});

/// "4.2 MB": a file size as the pane shows it.
QString artifactSizeText(qint64 bytes);

} // namespace millrace::ui

Q_DECLARE_METATYPE(millrace::ui::ArtifactListing)
Q_DECLARE_METATYPE(millrace::ui::ArtifactPreview)
