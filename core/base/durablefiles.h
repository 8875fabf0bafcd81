#pragma once

// Writes that survive a crash or a power cut: data synced before it is renamed into place, and
// the folder holding the new name synced after. Shared by the registry (model versions) and
// streams (drained batches).

#include "core/base/result.h"

#include <QByteArray>
#include <QString>

namespace millrace {

/// fsync on a path: a file's data, or a folder's entries. False when it cannot be opened or
/// synced.
bool syncPath(const QString &path);

/// Replaces the file `path` with `contents` atomically: written to a temporary file beside it,
/// synced, renamed over `path`, and the folder synced. A crash leaves the old file or the new,
/// never a mix.
Result<void> writeFileDurably(const QString &path, const QByteArray &contents);

/// Copies the file or folder `source` to `destination` (which must not exist), syncing every
/// file and folder written, so that once this returns the copy survives a power cut.
Result<void> copyDurably(const QString &source, const QString &destination);

/// Renames `from` to `to` (same file system) and syncs the folders of both, so the rename
/// survives a crash: a folder appears under its final name only whole, and once.
Result<void> renameDurably(const QString &from, const QString &to);

/// Removes a file or a folder with everything in it; true when nothing is left.
bool removeTree(const QString &path);

} // namespace millrace
