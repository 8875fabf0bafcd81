#pragma once

#include "core/base/result.h"

#include <QString>

namespace millrace::registry {

/// The folder name under models/ for a registered model's name: the name itself where it is
/// a safe file name, with other characters (and a leading dot) percent-encoded.
QString modelFolderName(const QString &modelName);

/// Copies the file or folder `source` to `destination` (which must not exist), syncing every
/// file and folder written, so that once this returns the copy survives a power cut.
Result<void> copyDurably(const QString &source, const QString &destination);

/// Renames `from` to `to` (same parent folder) and syncs the parent, so the rename survives a
/// crash: a folder appears under its final name only whole.
Result<void> renameDurably(const QString &from, const QString &to);

/// Removes a file or a folder with everything in it; true when nothing is left.
bool removeTree(const QString &path);

} // namespace millrace::registry
